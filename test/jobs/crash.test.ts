// Jobs survive what processes suffer: SIGKILL and SIGTERM in the middle of a job of more than
// 100,000 rows, and several worker processes sharing one PostgreSQL server. The job is the
// billing seed: deterministic, so a tenant seeded through crashes must hold exactly the rows
// of a tenant seeded without them, and a batch applied twice would break a primary key.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { BILLING_OBJECTS } from '../../src/billing/model.ts'
import { request } from '../helpers/http.ts'
import { connectTo, databaseEnv, freePort, killAll, processEnv, startZjobs, type ZjobsProcess } from '../helpers/process.ts'
import { ADMIN_TOKEN, backend, testDatabase } from '../helpers/server.ts'

const SEED = { accounts: 5000, seed: 42, batchAccounts: 250 }
const READY = /zjobs listening on/

interface AdminJob {
  id: string
  state: string
  attempts: number
  error: string | null
  progress: { batchesDone?: number; rows?: Record<string, number> }
}

function adminClient(url: string) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await request(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`)
    return response.json()
  }
}

async function waitForJob(url: string, tenantId: string, jobId: string, done: (job: AdminJob) => boolean): Promise<AdminJob> {
  const admin = adminClient(url)
  const deadline = Date.now() + 300_000
  for (;;) {
    const job = (await admin('GET', `/admin/tenants/${tenantId}/jobs/${jobId}`)) as AdminJob
    if (done(job)) return job
    if (['failed', 'cancelled'].includes(job.state)) assert.fail(`job ${jobId} ended ${job.state}: ${job.error}`)
    if (Date.now() > deadline) assert.fail(`job ${jobId} never got there: ${JSON.stringify(job)}`)
    await sleep(100)
  }
}

/** One digest per billing table of a tenant's rows (tenant_id left out), in id order. */
async function fingerprint(database: { overrides: object }, tenantId: string): Promise<Record<string, { rows: number; md5: string }>> {
  const client = await connectTo(database.overrides)
  try {
    const result: Record<string, { rows: number; md5: string }> = {}
    for (const object of BILLING_OBJECTS) {
      const columns = object.columns.map((column) => `"${column.name}"`).join(', ')
      const { rows } = await client.query<{ rows: number; md5: string }>(
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '')) AS md5
         FROM (SELECT ${columns}, entity_id, org_id FROM billing.${object.name} WHERE tenant_id = $1) t`,
        [tenantId],
      )
      result[object.name] = rows[0]
    }
    return result
  } finally {
    await client.end()
  }
}

const total = (print: Record<string, { rows: number }>) => Object.values(print).reduce((sum, table) => sum + table.rows, 0)

describe('jobs survive crashes', { concurrency: false }, () => {
  after(killAll)

  async function setUp(extraEnv: Record<string, string> = {}) {
    const database = await testDatabase()
    const port = await freePort()
    const env = processEnv({
      ...databaseEnv(database.overrides),
      PORT: String(port),
      HOST: '127.0.0.1',
      ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      ZJOBS_JOB_LEASE_SECONDS: '3',
      ...extraEnv,
    })
    const url = `http://127.0.0.1:${port}`
    return { database, env, url, admin: adminClient(url) }
  }

  /** Seeds a fresh tenant without interruption and returns its fingerprint, for comparison. */
  async function reference(url: string, database: { overrides: object }) {
    const admin = adminClient(url)
    const tenant = await admin('POST', '/admin/tenants', { name: 'reference' })
    const job = await admin('POST', `/admin/tenants/${tenant.id}/seed`, SEED)
    await waitForJob(url, tenant.id, job.id, (j) => j.state === 'completed')
    return fingerprint(database, tenant.id)
  }

  test('SIGKILL in the middle of a job: after a restart it completes with every row applied exactly once', async () => {
    const { database, env, url, admin } = await setUp()
    let server: ZjobsProcess = await startZjobs('start', env, READY)
    try {
      const tenant = await admin('POST', '/admin/tenants', { name: 'killed' })
      const submitted = await admin('POST', `/admin/tenants/${tenant.id}/seed`, SEED)
      await waitForJob(url, tenant.id, submitted.id, (job) => (job.progress.batchesDone ?? 0) >= 5)
      const killed = await server.stop('SIGKILL')
      assert.equal(killed.signal, 'SIGKILL')

      server = await startZjobs('start', env, READY)
      const job = await waitForJob(url, tenant.id, submitted.id, (j) => j.state === 'completed')
      assert.equal(job.attempts, 2, 'the killed attempt counts, the second one finishes')
      const crashed = await fingerprint(database, tenant.id)
      assert.ok(total(crashed) >= 100_000, `a job of at least 100,000 rows (got ${total(crashed)})`)
      assert.deepEqual(
        Object.fromEntries(Object.entries(crashed).map(([table, print]) => [table, print.rows])),
        job.progress.rows,
        "the job's own counts match the rows in the database",
      )
      assert.deepEqual(crashed, await reference(url, database), 'exactly the rows of an uninterrupted seed')
    } finally {
      await server.stop('SIGTERM').catch(() => {})
      await database.drop()
    }
  })

  test('SIGTERM in the middle of a job: a clean exit, the job handed back, resumed on the next start', async () => {
    const { database, env, url, admin } = await setUp()
    let server: ZjobsProcess = await startZjobs('start', env, READY)
    try {
      const tenant = await admin('POST', '/admin/tenants', { name: 'terminated' })
      const submitted = await admin('POST', `/admin/tenants/${tenant.id}/seed`, SEED)
      await waitForJob(url, tenant.id, submitted.id, (job) => (job.progress.batchesDone ?? 0) >= 5)
      const exit = await server.stop('SIGTERM')
      assert.equal(exit.code, 0, `exit code 0 after SIGTERM:\n${server.stderr()}`)
      assert.match(server.stdout(), /"msg":"job handed back to the queue"/)

      server = await startZjobs('start', env, READY)
      const job = await waitForJob(url, tenant.id, submitted.id, (j) => j.state === 'completed')
      assert.equal(job.attempts, 1, 'an attempt interrupted by a shutdown does not count')
      assert.deepEqual(await fingerprint(database, tenant.id), await reference(url, database))
    } finally {
      await server.stop('SIGTERM').catch(() => {})
      await database.drop()
    }
  })

  /** A tenant with a user of every permission, and that user's OAuth token. */
  async function apiTenant(url: string, name: string) {
    const admin = adminClient(url)
    const tenant = await admin('POST', '/admin/tenants', { name })
    const user = await admin('POST', `/admin/tenants/${tenant.id}/users`, { username: 'crash', admin: true })
    const client = await admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, { userId: user.id })
    const granted = await request(`${url}/oauth/token`, {
      method: 'POST',
      form: { client_id: client.client_id, client_secret: client.client_secret, grant_type: 'client_credentials' },
    })
    assert.equal(granted.status, 200, granted.text)
    const token = granted.json().access_token as string
    const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await request(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } })
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`)
      return response.json()
    }
    return { tenant, api }
  }

  async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 300_000
    for (;;) {
      const value = await read()
      if (done(value)) return value
      if (Date.now() > deadline) assert.fail(`${what} never got there: ${JSON.stringify(value)}`)
      await sleep(50)
    }
  }

  test('SIGKILL in the middle of a custom-object bulk job: after a restart every row is written exactly once', async () => {
    const { database, env, url } = await setUp()
    let server: ZjobsProcess = await startZjobs('start', env, READY)
    const rows = 150_000
    try {
      const { tenant, api } = await apiTenant(url, 'killed-bulk')
      await api('POST', '/objects/definitions/default', {
        definitions: {
          Part: {
            object: 'Part',
            label: 'Part',
            properties: { code__c: { type: 'string', label: 'Code', maxLength: 16 }, n__c: { type: 'integer', label: 'N' } },
            required: ['code__c'],
            filterable: ['code__c'],
            unique: ['code__c'],
          },
        },
      })
      const job = await api('POST', '/objects/jobs', { namespace: 'default', object: 'Part', operation: 'create' })
      const csv = `code__c,n__c\n${Array.from({ length: rows }, (_, i) => `P${i},${i}`).join('\n')}\n`
      await api('POST', `/objects/jobs/${job.Id}/files`, csv, { 'content-type': 'text/csv' })
      // Killed once some batches have committed and many are left.
      await poll(() => api('GET', `/objects/jobs/${job.Id}`), (j) => (j.recordsProcessed ?? 0) >= 6000, 'the bulk job')
      const midway = await api('GET', `/objects/jobs/${job.Id}`)
      assert.ok(midway.recordsProcessed < rows, `killed mid-run (${midway.recordsProcessed} of ${rows} done)`)
      assert.equal((await server.stop('SIGKILL')).signal, 'SIGKILL')

      server = await startZjobs('start', env, READY)
      const done = await poll(() => api('GET', `/objects/jobs/${job.Id}`), (j) => ['completed', 'failed', 'cancelled'].includes(j.status), 'the bulk job')
      assert.equal(done.status, 'completed', JSON.stringify(done))
      assert.equal(done.recordsProcessed, rows)
      assert.deepEqual((await api('GET', `/objects/jobs/${job.Id}/errors`)).errors, [], 'no row refused as a duplicate of itself')
      const client = await connectTo(database.overrides)
      try {
        const { rows: stored } = await client.query(
          `SELECT count(*)::int AS n, count(DISTINCT r.data->>'code__c')::int AS codes, sum((r.data->>'n__c')::bigint)::text AS total
           FROM custom_object_records r JOIN custom_object_definitions d ON d.tenant_id = r.tenant_id AND d.id = r.definition_id
           WHERE r.tenant_id = $1 AND d.object = 'Part'`,
          [tenant.id],
        )
        assert.deepEqual(stored[0], { n: rows, codes: rows, total: String((rows * (rows - 1)) / 2) }, 'every row once')
      } finally {
        await client.end()
      }
    } finally {
      await server.stop('SIGTERM').catch(() => {})
      await database.drop()
    }
  })

  test('SIGKILL while a Data Query runs: after a restart the query runs again and completes with its whole result', async () => {
    const { database, env, url } = await setUp()
    let server: ZjobsProcess = await startZjobs('start', env, READY)
    try {
      const { api } = await apiTenant(url, 'killed-query')
      // A few seconds of work with one row of output.
      const query = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3000000) SELECT count(*) AS n, sum(n) AS total FROM r'
      const submitted = (await api('POST', '/query/jobs', { query, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } })).data
      await poll(() => api('GET', `/query/jobs/${submitted.id}`), (j) => j.data.queryStatus === 'in_progress', 'the query')
      assert.equal((await server.stop('SIGKILL')).signal, 'SIGKILL')

      server = await startZjobs('start', env, READY)
      const job = (await poll(() => api('GET', `/query/jobs/${submitted.id}`), (j) => ['completed', 'failed', 'cancelled'].includes(j.data.queryStatus), 'the query')).data
      assert.equal(job.queryStatus, 'completed', job.errorMessage)
      assert.equal(job.outputRows, 1)
      assert.equal(job.remainingRetries, job.retries - 1, 'the killed attempt counts as one')
      const file = await request(job.dataFile.replace('//localhost:', '//127.0.0.1:'))
      assert.equal(file.status, 200)
      assert.equal(file.text, 'n,total\n3000000,4500001500000\n')
    } finally {
      await server.stop('SIGTERM').catch(() => {})
      await database.drop()
    }
  })

  test(
    'two worker processes on one PostgreSQL server never apply a batch twice, and take over from a killed one',
    { skip: backend !== 'postgres' && 'several processes share a database only on PostgreSQL' },
    async () => {
      const { database, env, url, admin } = await setUp({ ZJOBS_WORKER_CONCURRENCY: '0' })
      const api = await startZjobs('start', env, READY)
      const workerEnv = { ...env, ZJOBS_WORKER_CONCURRENCY: '2' }
      const workers = [
        await startZjobs('worker', workerEnv, /zjobs worker running/),
        await startZjobs('worker', workerEnv, /zjobs worker running/),
      ]
      try {
        const seed = { accounts: 1500, seed: 7, batchAccounts: 100 }
        const jobs: { tenant: string; job: string }[] = []
        for (let i = 0; i < 4; i++) {
          const tenant = await admin('POST', '/admin/tenants', { name: `shared-${i}` })
          const job = await admin('POST', `/admin/tenants/${tenant.id}/seed`, seed)
          jobs.push({ tenant: tenant.id, job: job.id })
        }
        await waitForJob(url, jobs[0].tenant, jobs[0].job, (job) => (job.progress.batchesDone ?? 0) >= 3)
        await workers[0].stop('SIGKILL')

        const prints = []
        const finished: AdminJob[] = []
        for (const { tenant, job } of jobs) {
          const done = await waitForJob(url, tenant, job, (j) => j.state === 'completed')
          assert.equal(done.progress.batchesDone, 16)
          finished.push(done)
          prints.push(await fingerprint(database, tenant))
        }
        for (const print of prints.slice(1)) assert.deepEqual(print, prints[0], 'every tenant holds exactly the seeded rows')
        assert.equal(prints[0].account.rows, 1500)
        // Four jobs on four slots: the killed worker held some, and another worker finished them.
        assert.ok(finished.some((job) => job.attempts >= 2), 'a job of the killed worker was taken over')
        assert.match(workers[1].stdout(), /"msg":"job ended"/)
      } finally {
        await Promise.all([api, ...workers].map((process) => process.stop('SIGTERM').catch(() => {})))
        await database.drop()
      }
    },
  )
})
