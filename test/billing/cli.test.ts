// `zjobs seed` and `zjobs import`, run as child processes against a running test server's
// database (attached through its socket on the embedded backend).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts'
import { tableCounts, tableDigests } from './helpers.ts'
import { seedTenant } from '../../src/billing/seed.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'zjobs.js')
const NODE = join(ROOT, 'node_modules', '.bin', 'node')

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

describe('zjobs seed and zjobs import', () => {
  let server: TestServer
  let dir: string
  let zjobs: (...args: string[]) => Promise<CliResult>

  before(async () => {
    server = await startTestServer()
    dir = mkdtempSync(join(tmpdir(), 'zjobs-billing-cli-'))
    const env: NodeJS.ProcessEnv = {}
    for (const [name, value] of Object.entries(process.env)) {
      if (!name.startsWith('ZJOBS_') && name !== 'DATABASE_URL') env[name] = value
    }
    Object.assign(env, { ZJOBS_DATA_DIR: server.config.dataDir, ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' })
    if (server.config.databaseUrl) env.DATABASE_URL = server.config.databaseUrl
    zjobs = (...args) =>
      new Promise((resolve, reject) => {
        const child = spawn(NODE, [BIN, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          resolve({ code, stdout, stderr })
        })
      })
  })
  after(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const newTenant = async (name: string) => (await server.admin('POST', '/admin/tenants', { name })).json().id as string

  function expectFailure(result: CliResult, message: RegExp): void {
    assert.notEqual(result.code, 0, `expected a failure; stdout: ${result.stdout}`)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^zjobs: [^\n]+\n$/, `one zjobs: line, got ${JSON.stringify(result.stderr)}`)
    assert.match(result.stderr, message)
  }

  test('seed fills a tenant, as seedTenant does in-process, and prints what it inserted', async () => {
    const tenant = await newTenant('cli seed')
    const result = await zjobs('seed', '--tenant', tenant, '--accounts', '120', '--seed', '42', '--batch-accounts', '50')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '', 'no progress bar when stderr is not a terminal')
    const printed = JSON.parse(result.stdout)
    assert.equal(printed.tenantId, tenant)
    assert.equal(printed.seed, 42)
    assert.equal(printed.accounts, 120)
    assert.equal(typeof printed.seconds, 'number')
    const counts = await tableCounts(server.server.db, tenant)
    assert.deepEqual(printed.rows, counts)
    assert.equal(counts.account, 120)

    const twin = await newTenant('in-process twin')
    await seedTenant(server.server.db, twin, { accounts: 120, seed: 42 })
    assert.deepEqual(await tableDigests(server.server.db, twin), await tableDigests(server.server.db, tenant))

    expectFailure(await zjobs('seed', '--tenant', tenant, '--accounts', '10', '--seed', '42'), /already holds billing rows with the ids seed 42 generates/)
    assert.deepEqual(await tableCounts(server.server.db, tenant), counts)
  })

  test('seed refuses bad arguments and unknown tenants', async () => {
    expectFailure(await zjobs('seed', '--tenant', '999999', '--accounts', '5'), /Tenant 999999 does not exist/)
    expectFailure(await zjobs('seed', '--tenant', '10000', '--accounts', 'many'), /--accounts must be a non-negative integer, got "many"/)
    expectFailure(await zjobs('seed', '--tenant', '10000', '--accounts', '5', '--seed', '-1'), /--seed must be a non-negative integer/)
  })

  test('import reads a CSV file into a tenant; bad files change nothing', async () => {
    const tenant = await newTenant('cli import')
    const file = join(dir, 'contacts.csv')
    writeFileSync(file, 'Id,FirstName,LastName,WorkEmail,AccountId\n' +
      '2c92c0f8-6329-99a2-0163-52a457cf2b44,Ada,Lovelace,ada@example.com,2c92c0f8632999a2016352a457cf2b45\n' +
      `${'b'.repeat(32)},Alan,Turing,,\n`)
    const result = await zjobs('import', '--tenant', tenant, '--object', 'Contact', file)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.deepEqual(JSON.parse(result.stdout), { object: 'contact', rows: 2 })
    const { rows } = await server.server.db.query('SELECT id, firstname, accountid, workemail FROM billing.contact WHERE tenant_id = $1 ORDER BY firstname', [tenant])
    assert.deepEqual(rows, [
      { id: '2c92c0f8632999a2016352a457cf2b44', firstname: 'Ada', accountid: '2c92c0f8632999a2016352a457cf2b45', workemail: 'ada@example.com' },
      { id: 'b'.repeat(32), firstname: 'Alan', accountid: null, workemail: null },
    ])

    const before = await tableCounts(server.server.db, tenant)
    const bad = join(dir, 'bad.csv')
    writeFileSync(bad, `id,firstname\n${'c'.repeat(32)},Grace\nnot-an-id,Edsger\n`)
    expectFailure(await zjobs('import', '--tenant', tenant, '--object', 'contact', bad), /1 invalid row\(s\) .* line 3: id: "not-an-id" is not an id/)
    expectFailure(await zjobs('import', '--tenant', tenant, '--object', 'Contact', file), /line 2: contact 2c92c0f8632999a2016352a457cf2b44 already exists/)
    expectFailure(await zjobs('import', '--tenant', tenant, '--object', 'Gadget', file), /unknown object "Gadget"/)
    expectFailure(await zjobs('import', '--tenant', '999999', '--object', 'Contact', file), /Tenant 999999 does not exist/)
    expectFailure(await zjobs('import', '--tenant', tenant, '--object', 'Contact', join(dir, 'missing.csv')), /cannot read .*missing\.csv: ENOENT/)
    assert.deepEqual(await tableCounts(server.server.db, tenant), before)
  })
})
