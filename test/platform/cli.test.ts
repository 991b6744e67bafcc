// The zjobs command line (bin/zjobs.js → src/cli.ts), run as a child process against the
// database of a running test server: on the embedded backend it must attach to the server's
// database through its socket rather than open the data folder a second time.
import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { settings } from '../../src/config.ts'
import { fixtures } from '../helpers/fixtures.ts'
import { request } from '../helpers/http.ts'
import {
  ADMIN_TOKEN,
  backend,
  createTenantWithClient,
  issueToken,
  startTestServer,
  testDatabase,
  type TestServer,
} from '../helpers/server.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'zjobs.js')
const NODE_BIN = join(ROOT, 'node_modules', '.bin')
/** Preloaded into a CLI run, writes the URLs of the modules it loaded (test/helpers/loaded-modules.ts). */
const LOADED_MODULES_HOOK = pathToFileURL(join(ROOT, 'test', 'helpers', 'loaded-modules.ts')).href
/** What a verb that is not `start`, `worker` or `bench` must never load. */
const SERVER_MODULES = [
  /\/node_modules\/(fastify|@fastify\/[^/]+|@aws-sdk\/[^/]+|libpg-query|pgsql-deparser|autocannon|typebox)\//,
  /\/src\/(main\.ts|http\/|jobs\/|query\/(?!output\/))/,
  /\/bench\/(?!command\.ts$)/,
]
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

const children = new Set<ChildProcess>()

/** The environment of a CLI run: nothing of the parent's zjobs settings, only `settings`. */
function cliEnv(settings: Record<string, string | undefined>, path = `${NODE_BIN}:${process.env.PATH ?? ''}`): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('ZJOBS_') || ['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL'].includes(name)) continue
    env[name] = value
  }
  env.PATH = path
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value
  return env
}

/** Runs `bin/zjobs.js args` (through its shebang, or with `node` when given). */
function run(args: string[], env: NodeJS.ProcessEnv, node?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = node
      ? spawn(node, [BIN, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(BIN, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

function expectSuccess(result: CliResult): void {
  assert.equal(result.code, 0, `exit ${result.code}; stderr: ${result.stderr}`)
  assert.equal(result.stderr, '')
}

/** Bad input: a non-zero exit, nothing on stdout, one `zjobs: ...` line on stderr. */
function expectFailure(result: CliResult, message: RegExp): void {
  assert.notEqual(result.code, 0, `expected a failure; stdout: ${result.stdout}`)
  assert.equal(result.signal, null)
  assert.equal(result.stdout, '')
  assert.match(result.stderr, /^zjobs: [^\n]+\n$/, `one zjobs: line, got ${JSON.stringify(result.stderr)}`)
  assert.match(result.stderr, message)
  assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+/, 'no stack trace')
}

after(() => {
  for (const child of children) child.kill('SIGKILL')
})

describe('zjobs CLI beside a running server', () => {
  let server: TestServer
  let env: (extra?: Record<string, string | undefined>) => NodeJS.ProcessEnv
  let zjobs: (...args: string[]) => Promise<CliResult>

  before(async () => {
    server = await startTestServer({}, { routes: [fixtures()] })
    env = (extra = {}) =>
      cliEnv({
        ZJOBS_DATA_DIR: server.config.dataDir,
        DATABASE_URL: server.config.databaseUrl,
        ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN,
        ...extra,
      })
    zjobs = (...args) => run(args, env())
  })
  after(() => server?.close())

  const whoami = async (token: string) => {
    const response = await server.api('GET', '/v1/fixtures/whoami', { token })
    assert.equal(response.status, 200, response.text)
    return response.json()
  }

  test('tenant create prints the new tenant, which the running server serves', async () => {
    const result = await zjobs('tenant', 'create', '--name', 'Acme CLI', '--time-zone', 'Asia/Shanghai', '--entity', 'A', '--entity', 'B')
    expectSuccess(result)
    const tenant = JSON.parse(result.stdout)
    assert.match(tenant.id, /^[1-9]\d*$/)
    assert.equal(tenant.name, 'Acme CLI')
    assert.equal(tenant.timeZone, 'Asia/Shanghai')
    assert.equal(tenant.isDefault, false)
    assert.deepEqual(
      tenant.entities.map((e: { name: string }) => e.name),
      ['A', 'B'],
    )
    for (const entity of tenant.entities) assert.match(entity.id, UUID)
    assert.deepEqual(tenant.orgs, [])

    const served = await server.admin('GET', `/admin/tenants/${tenant.id}`)
    assert.equal(served.status, 200)
    assert.deepEqual(served.json(), tenant)
  })

  test('tenant create takes orgs and defaults the time zone to UTC', async () => {
    const result = await zjobs('tenant', 'create', '--name', 'Orgs CLI', '--org', 'North', '--org', 'South')
    expectSuccess(result)
    const tenant = JSON.parse(result.stdout)
    assert.equal(tenant.timeZone, 'UTC')
    assert.deepEqual(
      tenant.orgs.map((o: { name: string }) => o.name),
      ['North', 'South'],
    )
    for (const org of tenant.orgs) assert.match(org.id, /^[0-9a-f]{32}$/)
  })

  test('tenant list prints every tenant, as the server lists them', async () => {
    await server.admin('POST', '/admin/tenants', { name: 'made over HTTP' })
    const result = await zjobs('tenant', 'list')
    expectSuccess(result)
    const tenants = JSON.parse(result.stdout)
    assert.ok(Array.isArray(tenants))
    assert.deepEqual(tenants, (await server.admin('GET', '/admin/tenants')).json().tenants)
    assert.ok(tenants.some((t: { isDefault: boolean; id: string }) => t.isDefault && t.id === server.server.bootstrap.tenant.id))
    assert.ok(tenants.some((t: { name: string }) => t.name === 'made over HTTP'))
  })

  test('user create, client create and the client’s credentials work on the running server', async () => {
    const tenant = JSON.parse((await zjobs('tenant', 'create', '--name', 'Users CLI')).stdout)
    const created = await zjobs('user', 'create', '--tenant', tenant.id, '--username', 'u', '--permission', 'dataQuery')
    expectSuccess(created)
    const user = JSON.parse(created.stdout)
    assert.match(user.id, /^[0-9a-f]{32}$/)
    assert.deepEqual(user, {
      id: user.id,
      tenantId: tenant.id,
      username: 'u',
      email: null,
      admin: false,
      permissions: ['dataQuery'],
      entityIds: null,
      orgIds: null,
    })
    assert.deepEqual((await server.admin('GET', `/admin/tenants/${tenant.id}/users`)).json().users, [user])

    const client = await zjobs('client', 'create', '--tenant', tenant.id, '--user', user.id)
    expectSuccess(client)
    const credentials = JSON.parse(client.stdout)
    assert.deepEqual(Object.keys(credentials).sort(), ['client_id', 'client_secret'])
    assert.match(credentials.client_id, UUID)
    assert.ok(credentials.client_secret.length > 0 && credentials.client_secret.length <= 42)

    const grant = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      form: { ...credentials, grant_type: 'client_credentials' },
    })
    assert.equal(grant.status, 200, grant.text)
    assert.equal(grant.json().scope, `user.${user.id} tenant.${tenant.id}`)
    const me = await whoami(grant.json().access_token)
    assert.equal(me.tenantId, tenant.id)
    assert.equal(me.userId, user.id)
  })

  test('user create takes every permission by default, --admin, --email and --entity-id', async () => {
    const tenant = JSON.parse((await zjobs('tenant', 'create', '--name', 'Scoped CLI', '--entity', 'Global', '--entity', 'Europe')).stdout)
    const europe = tenant.entities.find((e: { name: string }) => e.name === 'Europe')
    const result = await zjobs(
      'user', 'create', '--tenant', tenant.id, '--username', 'boss', '--admin', '--email', 'boss@example.com', '--entity-id', europe.id,
    )
    expectSuccess(result)
    const user = JSON.parse(result.stdout)
    assert.equal(user.admin, true)
    assert.equal(user.email, 'boss@example.com')
    assert.deepEqual(user.permissions, ['viewCustomObjects', 'editCustomObjects', 'deleteCustomObjects', 'dataQuery', 'dataBackfill'])
    assert.deepEqual(user.entityIds, [europe.id])
  })

  test('token with no options prints a token of the default tenant’s admin user', async () => {
    const result = await zjobs('token')
    expectSuccess(result)
    assert.match(result.stdout, /^[0-9a-f]{32}\n$/)
    const me = await whoami(result.stdout.trim())
    assert.equal(me.tenantId, server.server.bootstrap.tenant.id)
    assert.equal(me.userId, server.server.bootstrap.user.id)
  })

  test('token takes --client-id/--client-secret, or ZJOBS_DEFAULT_CLIENT_ID/SECRET', async () => {
    const other = await createTenantWithClient(server, { name: 'token CLI' }, { username: 'someone' })
    const [explicit, fromEnv, wrong] = await Promise.all([
      zjobs('token', '--client-id', other.clientId, '--client-secret', other.clientSecret),
      run(['token'], env({ ZJOBS_DEFAULT_CLIENT_ID: other.clientId, ZJOBS_DEFAULT_CLIENT_SECRET: other.clientSecret })),
      zjobs('token', '--client-id', other.clientId, '--client-secret', 'not-the-secret'),
    ])
    expectSuccess(explicit)
    assert.match(explicit.stdout, /^[0-9a-f]{32}\n$/)
    const me = await whoami(explicit.stdout.trim())
    assert.equal(me.tenantId, other.tenant.id)
    assert.equal(me.userId, other.user.id)

    expectSuccess(fromEnv)
    assert.equal((await whoami(fromEnv.stdout.trim())).tenantId, other.tenant.id)
    expectFailure(wrong, /Invalid client_id or client_secret/)
  })

  test('token --tenant --user mints for that user without a secret; --entity-id narrows it', async () => {
    const tenant = JSON.parse((await zjobs('tenant', 'create', '--name', 'Minted CLI', '--entity', 'Global', '--entity', 'Europe')).stdout)
    const user = JSON.parse((await zjobs('user', 'create', '--tenant', tenant.id, '--username', 'minted')).stdout)
    const europe = tenant.entities.find((e: { name: string }) => e.name === 'Europe')

    const [result, wide, alone, stranger] = await Promise.all([
      zjobs('token', '--tenant', tenant.id, '--user', user.id, '--entity-id', europe.id),
      zjobs('token', '--tenant', tenant.id, '--user', user.id),
      zjobs('token', '--tenant', tenant.id),
      zjobs('token', '--tenant', tenant.id, '--user', '0'.repeat(32)),
    ])
    expectSuccess(result)
    assert.match(result.stdout, /^[0-9a-f]{32}\n$/)
    const me = await whoami(result.stdout.trim())
    assert.equal(me.tenantId, tenant.id)
    assert.equal(me.userId, user.id)
    assert.equal(me.entityId, europe.id)

    // Without --entity-id the token covers both entities: the server asks which one.
    expectSuccess(wide)
    const ambiguous = await server.api('GET', '/v1/fixtures/whoami', { token: wide.stdout.trim() })
    assert.equal(ambiguous.status, 400)

    expectFailure(alone, /--tenant and --user/)
    expectFailure(stranger, /user/)
  })

  test('migrate reports that nothing was left to apply', async () => {
    const result = await zjobs('migrate')
    expectSuccess(result)
    assert.deepEqual(JSON.parse(result.stdout), { applied: [] })
  })

  test('tenant delete removes the tenant from the running server', async () => {
    const tenant = JSON.parse((await zjobs('tenant', 'create', '--name', 'Doomed CLI')).stdout)
    const result = await zjobs('tenant', 'delete', tenant.id)
    expectSuccess(result)
    assert.deepEqual(JSON.parse(result.stdout), { id: tenant.id, deleted: true })
    assert.equal((await server.admin('GET', `/admin/tenants/${tenant.id}`)).status, 404)
    expectFailure(await zjobs('tenant', 'delete', tenant.id), new RegExp(`Tenant ${tenant.id} does not exist`))
  })

  test('bad input exits non-zero with one zjobs: line and changes nothing', async () => {
    const before = (await server.admin('GET', '/admin/tenants')).json().tenants
    const tenantId = server.server.bootstrap.tenant.id
    const usersBefore = (await server.admin('GET', `/admin/tenants/${tenantId}/users`)).json().users

    // Independent runs, side by side (the database serves several CLI processes at once).
    const cases: [string[], RegExp][] = [
      [['user', 'create', '--tenant', tenantId, '--username', 'nobody', '--permission', 'dataQuery', '--permission', 'superpower'], /permission.*superpower/],
      [['tenant', 'create', '--name', 'Bad zone', '--time-zone', 'Mars/Olympus_Mons'], /Mars\/Olympus_Mons/],
      [['tenant', 'create', '--name', 'Twice', '--entity', 'A', '--entity', 'A'], /"A"/],
      [['user', 'create', '--tenant', '987654321', '--username', 'nobody'], /Tenant 987654321 does not exist/],
      [['user', 'create', '--tenant', 'acme', '--username', 'nobody'], /Tenant acme does not exist/],
      [['client', 'create', '--tenant', '987654321', '--user', '0'.repeat(32)], /Tenant 987654321 does not exist/],
      [['client', 'create', '--tenant', tenantId, '--user', '0'.repeat(32)], /does not exist/],
      [['token', '--tenant', '987654321', '--user', '0'.repeat(32)], /Tenant 987654321 does not exist/],
      [['user', 'create', '--tenant', tenantId, '--username', 'admin'], /already exists/],
    ]
    const results = await Promise.all(cases.map(([args]) => zjobs(...args)))
    results.forEach((result, i) => expectFailure(result, cases[i][1]))

    assert.deepEqual((await server.admin('GET', '/admin/tenants')).json().tenants, before)
    assert.deepEqual((await server.admin('GET', `/admin/tenants/${tenantId}/users`)).json().users, usersBefore)
  })

  test('a missing required option or an unknown command exits non-zero and says what is wrong', async () => {
    const [missing, unknown] = await Promise.all([zjobs('tenant', 'create'), zjobs('frobnicate')])
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /--name/)
    assert.doesNotMatch(missing.stderr, /\bat .+:\d+:\d+/)
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /frobnicate/)
  })

  test('on the embedded database, the CLI attaches to the server’s database instead of opening it again', { skip: backend !== 'embedded' }, async () => {
    const lockPath = join(server.config.dataDir, 'embedded.lock')
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'))
    assert.equal(lock.pid, process.pid, 'the test server owns the embedded database')
    assert.ok(existsSync(join(lock.socketDir, '.s.PGSQL.5432')))

    const result = await zjobs('tenant', 'create', '--name', 'Attached')
    expectSuccess(result)
    const tenant = JSON.parse(result.stdout)
    // The server's own database connection sees the row at once: one database, not two.
    const { rows } = await server.server.db.query('SELECT name FROM tenants WHERE id = $1', [tenant.id])
    assert.deepEqual(rows, [{ name: 'Attached' }])

    // The CLI left the server's lock and socket alone, and the server still works.
    assert.deepEqual(JSON.parse(readFileSync(lockPath, 'utf8')), lock)
    assert.ok(existsSync(join(lock.socketDir, '.s.PGSQL.5432')))
    const ready = await request(`${server.url}/readyz`)
    assert.equal(ready.status, 200)
    const token = await issueToken(server.url, server.server.bootstrap.clientId, server.server.bootstrap.clientSecret!)
    assert.equal((await whoami(token)).tenantId, server.server.bootstrap.tenant.id)
  })

  test('--help lists the environment variables zjobs reads, and examples', async () => {
    const result = await zjobs('--help')
    expectSuccess(result)
    const section = /\nEnvironment variables[^\n]*:\n((?: {2}[^\n]+\n)+)\nExamples:\n((?: {2}[^\n]+\n)+)/.exec(result.stdout)
    assert.ok(section, `environment variables and examples in:\n${result.stdout}`)
    const named = section[1].split('\n').flatMap((line) => /^ {2}([A-Z][A-Z0-9_]*(?:, [A-Z][A-Z0-9_]*)*) {2}/.exec(line)?.[1].split(', ') ?? [])
    for (const name of ['DATABASE_URL', 'ZJOBS_DATA_DIR', 'PORT', 'HOST', 'ZJOBS_ADMIN_TOKEN', 'ZJOBS_DEFAULT_CLIENT_ID', 'ZJOBS_DEFAULT_CLIENT_SECRET', 'LOG_LEVEL']) {
      assert.ok(named.includes(name), `--help names ${name}`)
    }
    // Only settings zjobs really reads (src/config.ts).
    const known = new Set(Object.values(settings).map((setting) => setting.env))
    for (const name of named) assert.ok(known.has(name), `${name} is a setting of src/config.ts`)
    assert.match(section[2], /^ {2}zjobs start /m)
  })

  test('a verb loads only what it needs: --help, token and tenant list load no HTTP server, job kind or benchmark', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zjobs-modules-'))
    try {
      const loaded = async (...args: string[]) => {
        const file = join(dir, `${args.join(' ')}.txt`)
        const options = `${process.env.NODE_OPTIONS ?? ''} --import=${LOADED_MODULES_HOOK}`.trim()
        const result = await run(args, env({ NODE_OPTIONS: options, ZJOBS_TEST_LOADED_MODULES: file }))
        expectSuccess(result)
        return { args, urls: readFileSync(file, 'utf8').split('\n').filter(Boolean) }
      }
      const runs = await Promise.all([loaded('--help'), loaded('token'), loaded('tenant', 'list')])
      for (const { args, urls } of runs) {
        // The hook sees ES modules and CommonJS ones (commander) alike.
        assert.ok(urls.some((url) => url.endsWith('/src/cli.ts')), `${args}: the hook saw src/cli.ts`)
        assert.ok(urls.some((url) => url.includes('/node_modules/commander/')), `${args}: the hook saw commander`)
        const heavy = urls.filter((url) => SERVER_MODULES.some((pattern) => pattern.test(url)))
        assert.deepEqual(heavy, [], `zjobs ${args.join(' ')} loaded server modules`)
      }
      const [help, token, list] = runs.map(({ urls }) => urls)
      // --help loads not even the database driver; the verbs load it when they run.
      assert.ok(!help.some((url) => url.includes('/node_modules/pg/')), '--help loaded pg')
      assert.ok(token.some((url) => url.includes('/node_modules/pg/')))
      assert.ok(list.some((url) => url.includes('/node_modules/pg/')))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('two CLI commands run at once beside the server both succeed, and the server keeps serving', async () => {
    let running = true
    const readiness = (async () => {
      const statuses: number[] = []
      while (running) {
        statuses.push((await request(`${server.url}/readyz`)).status)
        await sleep(20)
      }
      return statuses
    })()
    const [listed, minted] = await Promise.all([zjobs('tenant', 'list'), zjobs('token')]).finally(() => (running = false))
    const statuses = await readiness
    expectSuccess(listed)
    expectSuccess(minted)
    assert.deepEqual(JSON.parse(listed.stdout), (await server.admin('GET', '/admin/tenants')).json().tenants)
    assert.match(minted.stdout, /^[0-9a-f]{32}\n$/)
    assert.equal((await whoami(minted.stdout.trim())).userId, server.server.bootstrap.user.id)
    assert.ok(statuses.length > 0 && statuses.every((status) => status === 200), `readyz while the commands ran: ${statuses}`)
    assert.equal((await request(`${server.url}/readyz`)).status, 200)
  })

  test('the launcher hands the command to the pinned Node.js 24 when run by an older node', async (t) => {
    const older = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((path) => {
      if (!existsSync(path)) return false
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
      return Number(version.replace(/^v/, '').split('.')[0]) < 24
    })
    if (!older) {
      t.skip('no Node.js older than 24 on this machine')
      return
    }
    const [result, failed] = await Promise.all([
      run(['migrate'], env(), older),
      run(['tenant', 'create', '--name', 'x', '--time-zone', 'Nowhere/Land'], env(), older),
    ])
    expectSuccess(result)
    assert.deepEqual(JSON.parse(result.stdout), { applied: [] })
    expectFailure(failed, /Nowhere\/Land/)
  })
})

describe('zjobs CLI without a running server', () => {
  const database = testDatabase()
  after(async () => (await database).drop())

  test('opens the database itself, and leaves no lock behind', async () => {
    const { overrides } = await database
    const env = cliEnv({ ZJOBS_DATA_DIR: overrides.dataDir, DATABASE_URL: overrides.databaseUrl, ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN })
    const created = await run(['tenant', 'create', '--name', 'Offline'], env)
    expectSuccess(created)
    const tenant = JSON.parse(created.stdout)
    const listed = await run(['tenant', 'list'], env)
    expectSuccess(listed)
    assert.deepEqual(
      JSON.parse(listed.stdout).find((t: { id: string }) => t.id === tenant.id),
      tenant,
    )
    assert.ok(!existsSync(join(overrides.dataDir!, 'embedded.lock')), 'the embedded lock is released')
  })
})
