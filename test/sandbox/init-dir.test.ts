// A real `zjobs start` with ZJOBS_INIT_DIR and --export-on-exit, and the snapshot verbs of
// `zjobs sandbox`: the folder's archive and billing import are applied at the first start and
// not at the next; a clean stop writes every tenant's snapshot; the CLI resets, downloads and
// restores.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { killAll, runZjobs, startZjobs } from '../helpers/process.ts'
import { ADMIN_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, issueToken, startTestServer } from '../helpers/server.ts'
import { processSettings } from './helpers.ts'
import { SMALL_VEHICLE } from '../objects/helpers.ts'

const READY = /zjobs listening on/


describe('the init folder, export on exit and the snapshot verbs', () => {
  const folder = mkdtempSync(join(tmpdir(), 'zjobs-init-'))
  const initDir = join(folder, 'init')
  const exportDir = join(folder, 'export')
  let database: Awaited<ReturnType<typeof processSettings>>["database"]
  let env: NodeJS.ProcessEnv
  let url: string
  let tenantId: string

  before(async () => {
    // The archive comes from another server: a tenant with an object and two records.
    const source = await startTestServer()
    try {
      const made = await source.admin('POST', '/admin/tenants', { name: 'from elsewhere', withClient: true })
      const tenant = made.json()
      tenantId = tenant.id
      const api = (method: string, path: string, body: unknown) => source.api(method, path, { token: tenant.access_token, body })
      assert.equal((await api('POST', '/objects/definitions/default', { definitions: { Vehicle: SMALL_VEHICLE } })).status, 200)
      assert.equal((await api('POST', '/objects/records/default/Vehicle', { records: [{ VIN__c: 'V1', make__c: 'Kia' }, { VIN__c: 'V2', make__c: 'Ford' }] })).status, 200)
      mkdirSync(join(initDir, '20000'), { recursive: true })
      writeFileSync(join(initDir, 'elsewhere.tar.gz'), (await source.admin('GET', `/admin/tenants/${tenantId}/snapshot`)).body)
    } finally {
      await source.close()
    }
    writeFileSync(join(initDir, '20000', 'Account.csv'), 'id,accountnumber,name\n' + ['a', 'b', 'c'].map((c) => `${c.repeat(32)},A-${c},${c}`).join('\n') + '\n')
    ;({ database, url, env } = await processSettings({ ZJOBS_INIT_DIR: initDir }))
    env.ZJOBS_URL = url
  })
  after(async () => {
    killAll()
    await database?.drop()
    rmSync(folder, { recursive: true, force: true })
  })

  const adminGet = async (path: string) => {
    const response = await request(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    assert.equal(response.status, 200, response.text)
    return response.json()
  }
  const records = async (tenant: string) => {
    const user = (await adminGet(`/admin/tenants/${tenant}/users`)).users[0]
    const minted = await request(`${url}/admin/tenants/${tenant}/users/${user.id}/token`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const response = await request(`${url}/objects/records/default/Vehicle`, { headers: { authorization: `Bearer ${minted.json().access_token}` } })
    return response.status === 200 ? response.json().records.map((record: { VIN__c: string }) => record.VIN__c).sort() : response.status
  }

  test('the folder is applied at the first start, not at the next; a clean stop writes the snapshots', async () => {
    const first = await startZjobs('start', env, READY, ['--export-on-exit', exportDir])
    assert.match(first.stdout(), /applied elsewhere\.tar\.gz, 20000\/Account\.csv from/)
    assert.deepEqual(await records(tenantId), ['V1', 'V2'])
    const tenants = (await adminGet('/admin/tenants')).tenants.map((tenant: { id: string; name: string }) => [tenant.id, tenant.name])
    assert.deepEqual(tenants.find(([id]: string[]) => id === tenantId), [tenantId, 'from elsewhere'])
    assert.ok(tenants.some(([id]: string[]) => id === '20000'))
    // A new tenant's id comes after the ones the folder made.
    const made = await request(`${url}/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: { name: 'later' } })
    assert.equal(made.json().id, '20001')
    assert.equal((await first.stop('SIGTERM')).code, 0)
    assert.deepEqual(readdirSync(exportDir).sort(), ['tenant-10000.tar.gz', `tenant-${tenantId}.tar.gz`, 'tenant-20000.tar.gz', 'tenant-20001.tar.gz'].sort())

    // Again: nothing is applied twice (the import's rows would be refused as existing).
    const second = await startZjobs('start', env, READY)
    assert.doesNotMatch(second.stdout(), /applied/)
    assert.deepEqual(await records(tenantId), ['V1', 'V2'])
  })

  test('zjobs sandbox reset, snapshot and restore', async () => {
    const cli = async (...args: string[]) => {
      const run = await runZjobs(['sandbox', '--tenant', tenantId, ...args], env)
      assert.equal(run.code, 0, `zjobs sandbox ${args.join(' ')}: ${run.stderr}`)
      return JSON.parse(run.stdout)
    }
    const file = join(folder, 'saved.tar.gz')
    assert.ok((await cli('snapshot', file)).bytes > 0)
    assert.equal((await cli('reset')).definitions, 1)
    assert.equal(await records(tenantId), 404)
    assert.equal((await cli('restore', file)).rows.custom_object_records, 2)
    assert.deepEqual(await records(tenantId), ['V1', 'V2'])
    const refused = await runZjobs(['sandbox', '--tenant', tenantId, 'restore', join(initDir, '20000', 'Account.csv')], env)
    assert.equal(refused.code, 3)
    assert.match(refused.stderr, /refused.*not a gzip|refused/)
    assert.ok(existsSync(file))
    assert.ok(await issueToken(url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
  })
})
