// The embedded PostgreSQL server as a user meets it: owned by the zjobs process that started
// it, left running by a zjobs killed with SIGKILL and stopped by the next start (every job
// resumed, nothing of the old process running on), started as root with a data folder the
// postgres user cannot reach, and a clear refusal of a data folder it cannot open.
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ConfigError } from '../../src/config.ts'
import { openDatabase } from '../../src/storage/db.ts'
import { request } from '../helpers/http.ts'
import { connectTo, freePort, killAll, processEnv, startZjobs } from '../helpers/process.ts'
import { ADMIN_TOKEN, backend, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, issueToken, startTestServer, testConfig } from '../helpers/server.ts'

const READY = /zjobs listening on/
const embeddedOnly = { skip: backend !== 'embedded' ? 'the embedded server only' : undefined }

const postmasterPid = (dataDir: string) => Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('the embedded PostgreSQL server', embeddedOnly, () => {
  after(killAll)
  const folders: string[] = []
  after(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  })

  test('a zjobs killed with SIGKILL leaves its server running; the next start stops it and resumes every job', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zjobs-killed-'))
    folders.push(dataDir)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const env = processEnv({
      ZJOBS_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN,
      ZJOBS_DEFAULT_CLIENT_ID: DEFAULT_CLIENT_ID,
      ZJOBS_DEFAULT_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
      ZJOBS_JOB_LEASE_SECONDS: '3',
    })
    let server = await startZjobs('start', env, READY)
    const token = await issueToken(url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    const api = (method: string, path: string, body?: unknown) =>
      request(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${token}` } })
    // A job that runs until it is cancelled: it is running when the process dies.
    const submitted = await api('POST', '/query/jobs', {
      query: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
      outputFormat: 'CSV',
      compression: 'NONE',
      output: { target: 'S3' },
    })
    assert.equal(submitted.status, 200, submitted.text)
    const jobId = submitted.json().data.id as string
    const admin = async () =>
      (await request(`${url}/admin/tenants/10000/jobs/${jobId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()
    while ((await admin()).state !== 'running') await sleep(50)
    // mkdtemp's folder is mode 700: the postgres user was given search permission on it
    // (o+x) so that the cluster stays inside the data folder.
    assert.ok(!existsSync(join(dataDir, 'pg.location')))
    const oldServer = postmasterPid(dataDir)

    assert.equal((await server.stop('SIGKILL')).signal, 'SIGKILL')
    assert.ok(isAlive(oldServer), 'the killed process left its PostgreSQL server running')

    server = await startZjobs('start', env, READY)
    try {
      assert.match(server.stdout(), /stopping the embedded PostgreSQL server \(pid \d+\) left running by an earlier zjobs/)
      assert.ok(!isAlive(oldServer), 'the left-over server was stopped')
      const newServer = postmasterPid(dataDir)
      assert.notEqual(newServer, oldServer)
      // The job the dead process was running is running again, in the new process.
      let job = await admin()
      while (!(job.state === 'running' && job.attempts === 2)) {
        assert.ok(['queued', 'running', 'pending'].includes(job.state), JSON.stringify(job))
        await sleep(50)
        job = await admin()
      }
      const client = await connectTo({ dataDir })
      try {
        // The resumed run's statement reaches the server a moment after the job reads running.
        const deadline = Date.now() + 30_000
        for (;;) {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE '%recursive%' AND state = 'active' AND pid <> pg_backend_pid()`,
          )
          assert.ok(rows[0].n <= 1, 'nothing of the killed process runs on beside the resumed run')
          if (rows[0].n === 1) break
          assert.ok(Date.now() < deadline, 'the resumed run never reached the server')
          await sleep(50)
        }
      } finally {
        await client.end()
      }
      assert.equal((await api('DELETE', `/query/jobs/${jobId}`)).json().data.queryStatus, 'cancelled')
      const exit = await server.stop('SIGTERM')
      assert.equal(exit.code, 0, server.stderr())
      assert.ok(!isAlive(newServer), 'a clean shutdown stops the server it started')
      assert.ok(!existsSync(join(dataDir, 'embedded.lock')))
    } finally {
      await server.stop('SIGKILL').catch(() => {})
    }
  })

  test('as root, a data folder under a mode-700 folder works: the cluster is kept where the postgres user reaches it', {
    skip: process.getuid?.() !== 0 ? 'runs as root only' : undefined,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'zjobs-private-home-'))
    folders.push(home)
    chmodSync(home, 0o700)
    const dataDir = join(home, 'project', '.zjobs')
    const first = await startTestServer({ dataDir })
    let cluster: string
    try {
      cluster = readFileSync(join(dataDir, 'pg.location'), 'utf8').trim()
      folders.push(cluster)
      assert.ok(!cluster.startsWith(home), `the cluster is outside the private folder (${cluster})`)
      assert.ok(existsSync(join(cluster, 'PG_VERSION')))
      const created = await first.admin('POST', '/admin/tenants', { name: 'kept across restarts' })
      assert.equal(created.status, 201, created.text)
      assert.equal((await first.api('GET', '/query/jobs')).status, 200)
    } finally {
      await first.close()
    }
    const second = await startTestServer({ dataDir })
    try {
      assert.equal(readFileSync(join(dataDir, 'pg.location'), 'utf8').trim(), cluster)
      const tenants = (await second.admin('GET', '/admin/tenants')).json().tenants as { name: string }[]
      assert.ok(tenants.some((tenant) => tenant.name === 'kept across restarts'), 'the same database after a restart')
    } finally {
      await second.close()
    }
  })

  test('a new cache folder gets its template built once; builds of dead processes and templates unused for a week are removed', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'zjobs-cache-'))
    folders.push(cacheDir)
    chmodSync(cacheDir, 0o755)
    const templates = join(cacheDir, 'templates')
    mkdirSync(join(templates, 'building-0123abcd-999999999'), { recursive: true })
    mkdirSync(join(templates, 'pg-old'))
    mkdirSync(join(templates, 'pg-recent'))
    const weekAgo = new Date(Date.now() - 8 * 86_400_000)
    utimesSync(join(templates, 'pg-old'), weekAgo, weekAgo)
    for (const name of ['a', 'b']) {
      const dataDir = mkdtempSync(join(tmpdir(), `zjobs-cached-${name}-`))
      folders.push(dataDir)
      const db = await openDatabase(testConfig({ dataDir, databaseUrl: undefined, cacheDir }))
      try {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM zjobs_migrations')
        assert.ok(rows[0].n > 0, 'a migrated database')
      } finally {
        await db.close()
      }
    }
    const left = readdirSync(templates).sort()
    assert.equal(left.filter((name) => /^pg-[0-9a-f]{16}$/.test(name)).length, 1, `one template, made once: ${left}`)
    assert.ok(left.includes('pg-recent'), 'a template in use elsewhere is kept')
    assert.ok(!left.includes('pg-old'), 'one unused for a week is removed')
    assert.ok(!left.some((name) => name.startsWith('building-')), 'a dead build is removed')
  })

  test('a data folder of an older zjobs is refused with a clear message, and left as it was', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zjobs-old-folder-'))
    folders.push(dataDir)
    mkdirSync(join(dataDir, 'pgdata'))
    writeFileSync(join(dataDir, 'pgdata', 'PG_VERSION'), '17\n')
    await assert.rejects(openDatabase(testConfig({ dataDir, databaseUrl: undefined })), (error: Error) => {
      assert.ok(error instanceof ConfigError)
      assert.match(error.message, /older zjobs/)
      assert.match(error.message, /DATABASE_URL/)
      return true
    })
    assert.ok(!existsSync(join(dataDir, 'pg')), 'no cluster was made beside it')
    assert.ok(!existsSync(join(dataDir, 'embedded.lock')))
    assert.equal(readFileSync(join(dataDir, 'pgdata', 'PG_VERSION'), 'utf8'), '17\n')
  })
})
