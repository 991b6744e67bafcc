// The job commands' default server: a real `zjobs start` process found by the locator file
// it writes into the data folder, called as its default client with a token minted in its
// database (no credentials given); profiles; what a command loads; the locator's removal.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { databaseEnv, freePort, killAll, processEnv, ROOT, startZjobs, type ZjobsProcess } from '../helpers/process.ts'
import { request } from '../helpers/http.ts'
import { testDatabase } from '../helpers/server.ts'
import { expectError, expectExit, json, killChildren, runZjobs } from './helpers.ts'

const ADMIN_TOKEN = 'zjobs-cli-local-admin-token'
const LOADED_MODULES_HOOK = pathToFileURL(join(ROOT, 'test', 'helpers', 'loaded-modules.ts')).href
/** What a job command never loads: the HTTP server, job kinds, the SQL parser, the AWS SDK. */
const SERVER_MODULES = [
  /\/node_modules\/(fastify|@fastify\/[^/]+|@aws-sdk\/[^/]+|libpg-query|pgsql-deparser|autocannon|typebox)\//,
  /\/src\/(main\.ts|http\/|jobs\/|query\/(?!output\/))/,
  /\/bench\/(?!command\.ts$)/,
]

describe('zjobs job commands on the local server of the data folder', () => {
  let database: Awaited<ReturnType<typeof testDatabase>>
  let server: ZjobsProcess
  let dataDir: string
  let work: string
  let url: string
  /** The environment of a command on this data folder: no URL, no credentials. */
  let env: (extra?: Record<string, string | undefined>) => NodeJS.ProcessEnv

  before(async () => {
    database = await testDatabase()
    dataDir = database.overrides.dataDir!
    work = mkdtempSync(join(tmpdir(), 'zjobs-cli-local-'))
    const port = await freePort()
    const base = { ...databaseEnv(database.overrides), ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN, XDG_CONFIG_HOME: join(work, 'config'), LOG_LEVEL: 'warn' }
    env = (extra = {}) => processEnv({ ...base, ...extra })
    server = await startZjobs('start', env({ PORT: String(port), HOST: '127.0.0.1', ZJOBS_AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000' }), /zjobs listening/)
    url = `http://127.0.0.1:${port}`
  })
  after(async () => {
    killChildren()
    killAll()
    await database.drop()
    rmSync(work, { recursive: true, force: true })
  })

  test('zjobs start writes a locator file naming its URL and process', () => {
    const locator = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'))
    assert.deepEqual(Object.keys(locator).sort(), ['pid', 'startedAt', 'url', 'version'])
    assert.equal(locator.url, url)
    assert.equal(locator.pid, server.child.pid)
    assert.equal(locator.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  })

  test('a command with no URL and no credentials calls that server as its default admin user', async () => {
    const result = await runZjobs(['query', 'SELECT 1 AS one', '--json', '--out', 'one.csv'], env(), work)
    expectExit(result, 0)
    const { job } = json(result)
    assert.equal(readFileSync(join(work, 'one.csv'), 'utf8'), 'one\n1\n')
    const listed = await runZjobs(['jobs', 'ls', '--family', 'query', '--json'], env(), work)
    expectExit(listed, 0)
    assert.deepEqual(json(listed).map((j: { id: string }) => j.id), [job.id])
    // The default admin user's job, seen through the admin plane's tenant.
    const tenants = (await request(`${url}/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json().tenants
    assert.ok(tenants.some((tenant: { id: string }) => tenant.id === '10000'))
    assert.match(job.createdBy, /^[0-9a-f-]{36}$/)
  })

  test('a profile names another server or client; flags and the environment win over it', async () => {
    const admin = (path: string, body: unknown) =>
      request(`${url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.json())
    const tenant = await admin('/admin/tenants', { name: 'Profiled' })
    const user = await admin(`/admin/tenants/${tenant.id}/users`, { username: 'analyst' })
    const client = await admin(`/admin/tenants/${tenant.id}/oauth-clients`, { userId: user.id })
    mkdirSync(join(work, 'config', 'zjobs'), { recursive: true })
    writeFileSync(
      join(work, 'config', 'zjobs', 'profiles.json'),
      JSON.stringify({ profiled: { url, clientId: client.client_id, clientSecret: client.client_secret }, broken: { url: 42 } }),
    )
    const byFlag = await runZjobs(['query', 'SELECT 7 AS seven', '--profile', 'profiled', '--json', '--out', 'seven.csv'], env(), work)
    const byEnv = await runZjobs(['jobs', 'ls', '--json'], env({ ZJOBS_PROFILE: 'profiled' }), work)
    expectExit(byFlag, 0)
    expectExit(byEnv, 0)
    // The other tenant's user sees its own job only.
    assert.deepEqual(json(byEnv).map((j: { id: string }) => j.id), [json(byFlag).job.id])
    assert.equal(json(byFlag).job.createdBy.replaceAll('-', ''), user.id)

    // A wrong secret in the environment wins over the profile's right one.
    const overridden = await runZjobs(['jobs', 'ls'], env({ ZJOBS_PROFILE: 'profiled', ZJOBS_CLIENT_SECRET: 'wrong' }), work)
    expectError(overridden, 3, /invalid_client/)
    expectError(await runZjobs(['jobs', 'ls', '--profile', 'nobody'], env(), work), 2, /no profile nobody in .*profiles\.json \(profiles: profiled, broken\)/)
    expectError(await runZjobs(['jobs', 'ls', '--profile', 'broken'], env(), work), 2, /profile broken in .*: url must be a string/)
    expectError(await runZjobs(['jobs', 'ls', '--url', url], env(), work), 2, /needs OAuth client credentials: the client id \(--client-id or ZJOBS_CLIENT_ID\) is missing/)
    expectError(await runZjobs(['jobs', 'ls', '--url', 'ftp://x'], env(), work), 2, /ftp:\/\/x is not an http\(s\) URL/)
  })

  test('--help and the job commands load no server module; with a URL and credentials, no database driver either', async () => {
    const loaded = async (args: string[], extra: Record<string, string | undefined> = {}) => {
      const file = join(work, `modules-${args.join('-').replace(/\W+/g, '_')}.txt`)
      const options = `${process.env.NODE_OPTIONS ?? ''} --import=${LOADED_MODULES_HOOK}`.trim()
      const result = await runZjobs(args, env({ NODE_OPTIONS: options, ZJOBS_TEST_LOADED_MODULES: file, ...extra }), work)
      expectExit(result, 0)
      return readFileSync(file, 'utf8').split('\n').filter(Boolean)
    }
    const profile = { ZJOBS_PROFILE: 'profiled' }
    const runs = await Promise.all([
      loaded(['query', '--help']),
      loaded(['jobs', 'ls']),
      loaded(['query', 'SELECT 1', '--out', 'loaded.csv'], profile),
      loaded(['objects', 'records', 'Nothing', '--help']),
    ])
    for (const urls of runs) {
      assert.ok(urls.some((u) => u.endsWith('/src/cli.ts')))
      assert.deepEqual(urls.filter((u) => SERVER_MODULES.some((pattern) => pattern.test(u))), [])
    }
    const [help, local, remote] = runs
    assert.ok(!help.some((u) => u.includes('/src/client/')), '--help loads no client')
    assert.ok(!help.some((u) => /\/node_modules\/(cli-table3|cli-progress)\//.test(u)), '--help loads no table or progress library')
    assert.ok(local.some((u) => u.includes('/node_modules/pg/')), 'the local default mints its token in the database')
    assert.ok(!remote.some((u) => u.includes('/node_modules/pg/')), 'a command with credentials needs no database driver')
    assert.ok(remote.some((u) => u.endsWith('/src/client/client.ts')))
  })

  test('a locator left by a dead process is ignored', async () => {
    const other = mkdtempSync(join(tmpdir(), 'zjobs-cli-stale-'))
    try {
      writeFileSync(join(other, 'server.json'), JSON.stringify({ url, pid: 2 ** 22 + 12345, version: '0', startedAt: '' }))
      const result = await runZjobs(['jobs', 'ls'], env({ ZJOBS_DATA_DIR: other, DATABASE_URL: undefined }), work)
      expectError(result, 4, new RegExp(`no zjobs server is running on the data folder ${resolve(other).replace(/[/.]/g, '\\$&')}`))
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })

  test('a clean stop removes the locator; commands then say no server runs', async () => {
    const exit = await server.stop('SIGTERM')
    assert.equal(exit.code, 0)
    assert.ok(!existsSync(join(dataDir, 'server.json')))
    const result = await runZjobs(['jobs', 'ls'], env(), work)
    expectError(result, 4, /no zjobs server is running on the data folder .*: start one with `zjobs start`, or name a server with --url/)
  })
})
