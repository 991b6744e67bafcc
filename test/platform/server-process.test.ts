// `zjobs start` as a real process: the banner, health endpoints, JSON logs, signals,
// restarts on the same data, and (embedded) a database that runs off the HTTP thread.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { Agent, get } from 'node:http'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { listMigrations } from '../../src/storage/migrate.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { BIN, freePort, processEnv, ROOT } from '../helpers/process.ts'
import { backend, testDatabase } from '../helpers/server.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** How long a start or a shutdown may take before the test gives up (a hang, not a speed limit). */
const PATIENCE_MS = 90_000

interface Banner {
  url: string
  database: string
  /** The API reference (Swagger UI). */
  docs: string
  tenantId: string
  username: string
  userId: string
  clientId: string
  /** undefined when the banner says it was printed at first start. */
  clientSecret?: string
  adminToken?: string
}

interface ServerProcess {
  child: ChildProcess
  banner: Banner
  stdoutLines(): string[]
  stderr(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const children = new Set<ChildProcess>()

const BANNER_LINES = {
  listening: /^zjobs listening on (http:\/\/localhost:\d+) \((embedded PostgreSQL in .+|PostgreSQL)\)$/,
  docs: /^ {2}API reference {2}(\S+)$/,
  tenant: /^ {2}default tenant (\d+), user (\S+) \(([0-9a-f]{32})\)$/,
  clientId: /^ {2}client_id {6}(\S+)$/,
  clientSecret: /^ {2}client_secret {2}(.+)$/,
  adminToken: /^ {2}admin token {4}(\S+)$/,
}

/** Starts `bin/zjobs.js start` and waits for its banner. */
async function startProcess(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'start'], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    }),
  )
  const lines = () => stdout.split('\n').filter((line) => line !== '')
  const deadline = Date.now() + PATIENCE_MS
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  void exited.then((result) => (exit = result))
  // The banner is one write; its client_secret line is always there.
  while (!lines().some((line) => BANNER_LINES.clientSecret.test(line))) {
    if (exit) throw new Error(`zjobs start exited (${exit.code ?? exit.signal}) before its banner:\n${stdout}\n${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`no banner after ${PATIENCE_MS} ms:\n${stdout}\n${stderr}`)
    }
    await sleep(50)
  }
  const banner = parseBanner(lines())
  return { child, banner, stdoutLines: lines, stderr: () => stderr, exited }
}

function parseBanner(lines: string[]): Banner {
  const start = lines.findIndex((line) => line.startsWith('zjobs listening on'))
  assert.ok(start >= 0, `a banner in ${lines.join('\n')}`)
  // Its first line and the indented ones after it, in this order (JSON log lines may come between).
  const banner = [lines[start]]
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('{')) continue
    if (!line.startsWith('  ')) break
    banner.push(line)
  }
  const listening = BANNER_LINES.listening.exec(banner[0])
  const docs = BANNER_LINES.docs.exec(banner[1])
  const tenant = BANNER_LINES.tenant.exec(banner[2])
  const clientId = BANNER_LINES.clientId.exec(banner[3])
  const clientSecret = BANNER_LINES.clientSecret.exec(banner[4])
  assert.ok(listening && docs && tenant && clientId && clientSecret, `the banner's lines:\n${banner.join('\n')}`)
  const adminToken = banner[5] ? BANNER_LINES.adminToken.exec(banner[5]) : null
  assert.ok(banner.length === 5 || (banner.length === 6 && adminToken), `the banner's lines:\n${banner.join('\n')}`)
  const secret = clientSecret[1]
  return {
    url: listening[1],
    database: listening[2],
    docs: docs[1],
    tenantId: tenant[1],
    username: tenant[2],
    userId: tenant[3],
    clientId: clientId[1],
    clientSecret: secret.startsWith('(') ? undefined : secret,
    adminToken: adminToken?.[1],
  }
}

async function stop(server: ServerProcess, signal: NodeJS.Signals) {
  server.child.kill(signal)
  const timeout = sleep(PATIENCE_MS, undefined, { ref: false }).then(() => 'timeout' as const)
  const result = await Promise.race([server.exited, timeout])
  if (result === 'timeout') {
    server.child.kill('SIGKILL')
    assert.fail(`zjobs did not exit within ${PATIENCE_MS} ms of ${signal}`)
  }
  return result
}

async function mint(url: string, clientId: string, clientSecret: string): Promise<HttpResponse> {
  return request(`${url}/oauth/token`, {
    method: 'POST',
    form: { client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' },
  })
}

const admin = (url: string, token: string, method: string, path: string, body?: unknown) =>
  request(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${token}` } })

after(() => {
  for (const child of children) child.kill('SIGKILL')
})

describe('zjobs start', () => {
  let database: Awaited<ReturnType<typeof testDatabase>>
  let dataDir: string
  let env: NodeJS.ProcessEnv
  let url: string
  let running: ServerProcess | undefined
  // What the first start printed and made, checked after restarts.
  let first: Banner
  let survivorId: string
  let tokenBeforeRestart: string

  before(async () => {
    database = await testDatabase()
    dataDir = database.overrides.dataDir!
    const port = await freePort()
    url = `http://localhost:${port}`
    env = processEnv({
      ZJOBS_DATA_DIR: dataDir,
      DATABASE_URL: database.overrides.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // Long enough that a shutdown held up by an idle connection would show as a hang.
      ZJOBS_SHUTDOWN_TIMEOUT_MS: String(PATIENCE_MS * 2),
    })
  })
  after(async () => {
    if (running) {
      running.child.kill('SIGKILL')
      await running.exited
    }
    await database?.drop()
  })

  test('a first start prints the banner with generated credentials, and serves /healthz and /readyz', async () => {
    running = await startProcess(env)
    first = running.banner
    assert.equal(first.url, url)
    assert.equal(first.database, backend === 'embedded' ? `embedded PostgreSQL in ${dataDir}` : 'PostgreSQL')
    assert.equal(first.username, 'admin')
    assert.match(first.clientId, UUID)
    assert.ok(first.clientSecret, 'a first start prints the client secret')
    assert.match(first.clientSecret, /^[A-Za-z0-9]{1,42}$/)
    assert.ok(first.adminToken, 'a generated admin token is printed')
    assert.ok(first.adminToken.length >= 32)
    if (backend === 'embedded') {
      assert.equal(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), first.adminToken)
    }
    assert.equal(first.docs, `${url}/docs`)
    assert.equal((await request(first.docs)).status, 200)

    // Before the banner, a line per slow step: a new PostgreSQL database gets every migration;
    // an embedded one is a copy of a migrated template (made the first time, said so).
    const lines = running.stdoutLines()
    const steps = lines.slice(0, lines.findIndex((line) => line.startsWith('zjobs listening on'))).filter((line) => !line.startsWith('{'))
    for (const step of steps) assert.match(step, /^zjobs: [a-z][^\n]+$/)
    const migrations = steps.filter((step) => step.startsWith('zjobs: applying'))
    assert.deepEqual(migrations, backend === 'postgres' ? [`zjobs: applying ${listMigrations().length} migrations`] : [])

    const health = await request(`${url}/healthz`)
    assert.equal(health.status, 200)
    assert.deepEqual(health.json(), { status: 'ok' })
    const ready = await request(`${url}/readyz`)
    assert.equal(ready.status, 200)
    assert.deepEqual(ready.json(), { status: 'ready' })

    // The printed credentials are the real ones.
    const tenants = await admin(url, first.adminToken, 'GET', '/admin/tenants')
    assert.equal(tenants.status, 200)
    const defaults = tenants.json().tenants.filter((t: { isDefault: boolean }) => t.isDefault)
    assert.deepEqual(
      defaults.map((t: { id: string }) => t.id),
      [first.tenantId],
    )
    const users = (await admin(url, first.adminToken, 'GET', `/admin/tenants/${first.tenantId}/users`)).json().users
    assert.ok(users.some((u: { id: string; username: string }) => u.id === first.userId && u.username === 'admin'))
    const grant = await mint(url, first.clientId, first.clientSecret)
    assert.equal(grant.status, 200, grant.text)
    assert.equal(grant.json().scope, `user.${first.userId} tenant.${first.tenantId}`)
    tokenBeforeRestart = grant.json().access_token

    const created = await admin(url, first.adminToken, 'POST', '/admin/tenants', { name: 'survives restarts' })
    assert.equal(created.status, 201)
    survivorId = created.json().id
  })

  test('logs are JSON lines, each request’s carrying its Zuora-Request-Id as requestId, without secrets', async () => {
    assert.ok(running && first.adminToken && first.clientSecret)
    const path = `/admin/tenants/${survivorId}`
    const response = await admin(url, first.adminToken, 'GET', path)
    assert.equal(response.status, 200)
    const requestId = String(response.headers['zuora-request-id'])
    assert.match(requestId, UUID)

    const logsOf = () =>
      running!
        .stdoutLines()
        .filter((line) => !line.startsWith('zjobs') && !line.startsWith('  '))
    // The completion line is written after the answer: wait for it to reach the output.
    let mine: Record<string, unknown>[] = []
    const deadline = Date.now() + 30_000
    for (;;) {
      mine = logsOf()
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.requestId === requestId)
      if (mine.some((entry) => (entry.res as { statusCode?: number })?.statusCode === 200)) break
      if (Date.now() > deadline) assert.fail(`no completion line for request ${requestId}: ${JSON.stringify(mine)}`)
      await sleep(20)
    }
    assert.ok(mine.length >= 2, `log lines of request ${requestId}: ${JSON.stringify(mine)}`)
    assert.ok(
      mine.some((entry) => (entry.req as { url?: string; method?: string })?.url === path),
      'the incoming request is logged with its URL',
    )
    assert.ok(
      mine.some((entry) => (entry.res as { statusCode?: number })?.statusCode === 200),
      'the completed request is logged with its status',
    )

    const logs = logsOf()
    assert.ok(logs.length > 0)
    for (const line of logs) {
      const entry = JSON.parse(line)
      assert.equal(typeof entry.level, 'number', line)
      assert.equal(typeof entry.time, 'number', line)
      assert.equal(typeof entry.msg, 'string', line)
      assert.ok(!line.includes(first.adminToken), 'the admin token is not logged')
      assert.ok(!line.includes(first.clientSecret), 'the client secret is not logged')
      assert.ok(!line.includes(tokenBeforeRestart), 'bearer tokens are not logged')
    }
    // Another request has another id.
    const again = await admin(url, first.adminToken, 'GET', path)
    assert.notEqual(again.headers['zuora-request-id'], requestId)
  })

  test('on the embedded database, /healthz answers while a long query runs', { skip: backend !== 'embedded' }, async () => {
    assert.ok(running)
    const lock = JSON.parse(readFileSync(join(dataDir, 'embedded.lock'), 'utf8'))
    assert.equal(lock.pid, running.child.pid, 'the server process owns the embedded database')
    const client = new pg.Client({ host: lock.socketDir, port: 5432, user: 'postgres', database: 'postgres' })
    await client.connect()
    try {
      const order: string[] = []
      const sleeping = client.query('SELECT pg_sleep(3) AS slept').then((result) => {
        order.push('sleep')
        return result
      })
      // Wait until the query runs on the server (seen from another session), not for a guess of time.
      const watcher = new pg.Client({ host: lock.socketDir, port: 5432, user: 'postgres', database: 'postgres' })
      await watcher.connect()
      try {
        const deadline = Date.now() + 30_000
        for (;;) {
          const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(3)%'")
          if (rows.length > 0) break
          if (Date.now() > deadline) assert.fail('the long query never started')
          await sleep(10)
        }
      } finally {
        await watcher.end()
      }
      const health = await request(`${url}/healthz`)
      order.push('healthz')
      assert.equal(health.status, 200)
      assert.deepEqual(health.json(), { status: 'ok' })
      assert.deepEqual(order, ['healthz'], 'healthz answered while the query was still running')
      const result = await sleeping
      assert.equal(result.rowCount, 1)
      assert.deepEqual(order, ['healthz', 'sleep'])
    } finally {
      await client.end()
    }
    // And the database still serves the HTTP side afterwards.
    assert.equal((await request(`${url}/readyz`)).status, 200)
  })

  test('SIGTERM stops the server and the process exits 0, even with an idle keep-alive connection', async () => {
    assert.ok(running)
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      await new Promise<void>((resolve, reject) => {
        get(`${url}/healthz`, { agent }, (res) => {
          res.resume()
          res.on('end', resolve)
        }).on('error', reject)
      })
      const result = await stop(running, 'SIGTERM')
      assert.deepEqual(result, { code: 0, signal: null }, running.stderr())
    } finally {
      agent.destroy()
    }
    running = undefined
    if (backend === 'embedded') {
      assert.ok(!existsSync(join(dataDir, 'embedded.lock')), 'the embedded lock is released')
    }
    await assert.rejects(request(`${url}/healthz`), 'nothing listens any more')
  })

  test('a start that cannot listen exits non-zero and leaves the data usable', async () => {
    const busy: Server = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve))
    try {
      const child = spawn(process.execPath, [BIN, 'start'], {
        env: { ...env, PORT: String(port) },
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      children.add(child)
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      child.stdout.resume()
      const result = await Promise.race([
        new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
        sleep(PATIENCE_MS, undefined, { ref: false }).then(() => 'timeout' as const),
      ])
      children.delete(child)
      if (result === 'timeout') child.kill('SIGKILL')
      assert.notEqual(result, 'timeout', 'the failed start exits')
      assert.notEqual(result, 0)
      assert.match(stderr, /^zjobs: /)
      assert.match(stderr, /EADDRINUSE/)
      assert.equal(stderr.trim().split('\n').length, 1, `one line, no stack trace: ${stderr}`)
    } finally {
      busy.close()
    }
    if (backend === 'embedded') assert.ok(!existsSync(join(dataDir, 'embedded.lock')), 'the embedded lock is released')
  })

  test('a restart on the same data keeps tenants, credentials, tokens and the admin token; SIGINT exits 0', async () => {
    assert.ok(first.adminToken && first.clientSecret)
    running = await startProcess(env)
    const second = running.banner
    assert.equal(second.tenantId, first.tenantId)
    assert.equal(second.userId, first.userId)
    assert.equal(second.clientId, first.clientId)
    assert.equal(second.clientSecret, undefined, 'the secret is printed at first start only')
    assert.equal(second.adminToken, first.adminToken, 'the generated admin token is kept')
    if (backend === 'embedded') {
      assert.equal(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), first.adminToken)
    }

    const survivor = await admin(url, first.adminToken, 'GET', `/admin/tenants/${survivorId}`)
    assert.equal(survivor.status, 200)
    assert.equal(survivor.json().name, 'survives restarts')
    const tenants = (await admin(url, first.adminToken, 'GET', '/admin/tenants')).json().tenants
    assert.equal(tenants.filter((t: { isDefault: boolean }) => t.isDefault).length, 1, 'no second default tenant')

    const grant = await mint(url, first.clientId, first.clientSecret)
    assert.equal(grant.status, 200, grant.text)
    assert.equal(grant.json().scope, `user.${first.userId} tenant.${first.tenantId}`)
    // Tokens are kept in the database (stored as their SHA-256), so one minted before the
    // restart is still valid.
    const { rows } = await queryServerDatabase(
      'SELECT count(*)::int AS n FROM oauth_tokens WHERE expires_at > now() AND token_hash = $1',
      [createHash('sha256').update(tokenBeforeRestart).digest()],
    )
    assert.equal(rows[0].n, 1, 'the token minted before the restart is still valid')

    const result = await stop(running, 'SIGINT')
    assert.deepEqual(result, { code: 0, signal: null }, running.stderr())
    running = undefined
  })

  test('ZJOBS_ADMIN_TOKEN and ZJOBS_DEFAULT_CLIENT_ID/SECRET fix the credentials', async () => {
    assert.ok(first.adminToken)
    const fixed = {
      ZJOBS_ADMIN_TOKEN: 'a-fixed-admin-token-for-this-test-0123456789',
      ZJOBS_DEFAULT_CLIENT_ID: '6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f',
      ZJOBS_DEFAULT_CLIENT_SECRET: 'fixedSecretForTheDefaultClient0123',
    }
    for (let round = 0; round < 2; round++) {
      running = await startProcess({ ...env, ...fixed })
      const banner = running.banner
      assert.equal(banner.tenantId, first.tenantId)
      assert.equal(banner.clientId, fixed.ZJOBS_DEFAULT_CLIENT_ID)
      assert.equal(banner.clientSecret, fixed.ZJOBS_DEFAULT_CLIENT_SECRET)
      assert.equal(banner.adminToken, undefined, 'a configured admin token is not printed')
      assert.ok(!running.stdoutLines().some((line) => line.includes(fixed.ZJOBS_ADMIN_TOKEN)), 'nor logged')

      assert.equal((await admin(url, fixed.ZJOBS_ADMIN_TOKEN, 'GET', '/admin/tenants')).status, 200)
      const generated = await admin(url, first.adminToken, 'GET', '/admin/tenants')
      assert.equal(generated.status, 401, 'the configured admin token replaces the generated one')
      const grant = await mint(url, fixed.ZJOBS_DEFAULT_CLIENT_ID, fixed.ZJOBS_DEFAULT_CLIENT_SECRET)
      assert.equal(grant.status, 200, grant.text)
      assert.equal(grant.json().scope, `user.${first.userId} tenant.${first.tenantId}`)

      const result = await stop(running, 'SIGTERM')
      assert.deepEqual(result, { code: 0, signal: null }, running.stderr())
      running = undefined
    }
  })

  /** A query on the running server's database (embedded: through its socket). */
  async function queryServerDatabase(sql: string, params: unknown[]) {
    if (backend === 'postgres') {
      const client = new pg.Client({ connectionString: database.overrides.databaseUrl })
      await client.connect()
      try {
        return await client.query(sql, params)
      } finally {
        await client.end()
      }
    }
    const lock = JSON.parse(readFileSync(join(dataDir, 'embedded.lock'), 'utf8'))
    const client = new pg.Client({ host: lock.socketDir, port: 5432, user: 'postgres', database: 'postgres' })
    await client.connect()
    try {
      return await client.query(sql, params)
    } finally {
      await client.end()
    }
  }
})

describe('zjobs start with a bad setting', () => {
  const neverCreated = join(tmpdir(), `zjobs-never-created-${process.pid}`)
  for (const [name, value, message] of [
    ['PORT', 'eighty', /PORT must be an integer/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['ZJOBS_DEFAULT_CLIENT_ID', 'too-short', /ZJOBS_DEFAULT_CLIENT_ID must be 36 characters/],
  ] as const) {
    test(`${name}=${value} exits non-zero with one zjobs: line`, async () => {
      const child = spawn(process.execPath, [BIN, 'start'], {
        env: processEnv({ [name]: value, ZJOBS_DATA_DIR: neverCreated }),
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      children.add(child)
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)))
      children.delete(child)
      assert.notEqual(code, 0)
      assert.equal(stdout, '')
      assert.match(stderr, /^zjobs: [^\n]+\n$/)
      assert.match(stderr, message)
      assert.ok(!existsSync(neverCreated), 'nothing was started')
    })
  }
})
