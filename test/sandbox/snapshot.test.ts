// Reset and snapshots of a tenant (issue 15, item 3): a reset empties a tenant and keeps its
// users, clients and tokens, never touching another tenant; a snapshot restored into a new
// tenant answers every read as the original does; a truncated, changed or newer archive
// changes nothing.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib'
import { Readable } from 'node:stream'
import tar from 'tar-stream'
import { request } from '../helpers/http.ts'
import { ADMIN_TOKEN, createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { SMALL_VEHICLE } from '../objects/helpers.ts'
import { waitForQueryJob } from '../helpers/query-jobs.ts'
import { admin, assertAdminError, type Json } from './helpers.ts'

interface Tenant {
  id: string
  userId: string
  token: string
}

async function newTenant(server: TestServer): Promise<Tenant> {
  const made = await createTenantWithClient(server, undefined, { username: 'owner', admin: true })
  return { id: String(made.tenant.id), userId: made.user.id, token: made.token }
}

/** A token of a user of a tenant, minted by the admin plane (a restored tenant's users have no client of theirs). */
async function userToken(server: TestServer, tenantId: string, userId: string): Promise<string> {
  return (await admin(server, 'POST', `/admin/tenants/${tenantId}/users/${userId}/token`)).access_token
}

async function get(server: TestServer, token: string, path: string): Promise<Json> {
  const response = await server.api('GET', path, { token })
  assert.equal(response.status, 200, `GET ${path}: ${response.text}`)
  return response.json()
}

/** Fills a tenant: a definition with records, a query job with its result file, billing rows, a frozen clock and a policy. */
async function fill(server: TestServer, tenant: Tenant): Promise<{ queryId: string }> {
  const api = (method: string, path: string, body?: unknown) => server.api(method, path, { token: tenant.token, body })
  assert.equal((await api('POST', '/objects/definitions/default', { definitions: { Vehicle: SMALL_VEHICLE } })).status, 200)
  const records = Array.from({ length: 30 }, (_, i) => ({ VIN__c: `VIN${String(i).padStart(5, '0')}`, make__c: i % 2 ? 'Ford' : 'Kia', seats__c: 1 + (i % 9) }))
  const created = await api('POST', '/objects/records/default/Vehicle', { records })
  assert.equal(created.status, 200, created.text)
  const csv = 'id,accountnumber,name,balance\n' + Array.from({ length: 5 }, (_, i) => `${String(i + 1).padStart(32, 'a')},A-${i},Account ${i},${i}.5`).join('\n')
  const imported = await request(`${server.url}/admin/tenants/${tenant.id}/import?object=Account`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
    body: csv,
  })
  assert.equal(imported.status, 200, imported.text)
  const submitted = await api('POST', '/query/jobs', {
    query: 'SELECT accountnumber, name FROM account ORDER BY accountnumber',
    outputFormat: 'CSV',
    compression: 'NONE',
    output: { target: 'S3' },
  })
  assert.equal(submitted.status, 200, submitted.text)
  const queryId = submitted.json().data.id
  assert.equal((await waitForQueryJob(server, queryId, tenant.token)).queryStatus, 'completed')
  await admin(server, 'PUT', `/admin/tenants/${tenant.id}/lifecycle`, { dataBackfill: { progression: 'reads', reads: 2 } })
  await admin(server, 'PUT', `/admin/tenants/${tenant.id}/clock`, { mode: 'frozen', now: '2026-01-31T09:30:00Z' })
  await admin(server, 'POST', `/admin/tenants/${tenant.id}/faults`, { match: { operationId: 'GET_DataBackfillTemplate' }, effect: { status: 503 }, times: 5 }, 201)
  return { queryId }
}

/** What a client reads of a tenant, links left out (a signature names its tenant). */
async function reads(server: TestServer, token: string, queryId: string): Promise<Json> {
  const job = (await get(server, token, `/query/jobs/${queryId}`)).data
  const file = await request(job.dataFile)
  assert.equal(file.status, 200)
  const { dataFile: _link, ...jobFields } = job
  const list = (await get(server, token, '/query/jobs')).data.map(({ dataFile: _d, ...rest }: Json) => rest)
  return {
    definitions: await get(server, token, '/objects/definitions/default'),
    records: await get(server, token, '/objects/records/default/Vehicle?pageSize=100'),
    jobs: list,
    job: jobFields,
    file: file.text,
    objectJobs: await get(server, token, '/objects/jobs'),
  }
}

async function snapshot(server: TestServer, tenantId: string): Promise<Buffer> {
  const response = await server.admin('GET', `/admin/tenants/${tenantId}/snapshot`)
  assert.equal(response.status, 200, response.text)
  assert.equal(response.headers['content-type'], 'application/gzip')
  return response.body
}

function restore(server: TestServer, tenantId: string, archive: Buffer) {
  return request(`${server.url}/admin/tenants/${tenantId}/snapshot`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/gzip' },
    body: archive,
  })
}

/** The archive's entries, in order. */
async function entries(archive: Buffer): Promise<{ name: string; data: Buffer }[]> {
  const extract = tar.extract()
  Readable.from([archive]).pipe(createGunzip()).pipe(extract as unknown as NodeJS.WritableStream)
  const found: { name: string; data: Buffer }[] = []
  for await (const entry of extract) {
    const parts: Buffer[] = []
    for await (const part of entry) parts.push(part as Buffer)
    found.push({ name: entry.header.name, data: Buffer.concat(parts) })
  }
  return found
}

async function repack(list: { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack()
  for (const entry of list) pack.entry({ name: entry.name }, entry.data)
  pack.finalize()
  const parts: Buffer[] = []
  for await (const part of pack) parts.push(part as Buffer)
  return gzipSync(Buffer.concat(parts))
}

describe('reset and snapshots of a tenant', () => {
  let server: TestServer
  let original: Tenant
  let other: Tenant
  let queryId: string
  let archive: Buffer
  let copyId: string

  before(async () => {
    server = await startTestServer()
    original = await newTenant(server)
    other = await newTenant(server)
    ;({ queryId } = await fill(server, original))
    await fill(server, other)
  })
  after(() => server?.close())

  test('a snapshot restored into a new tenant answers every read as the original', async () => {
    archive = await snapshot(server, original.id)
    const names = (await entries(archive)).map((entry) => entry.name)
    assert.equal(names[0], 'manifest.json')
    assert.equal(names.at(-1), 'checksums.json')
    assert.ok(names.includes('tables/custom_object_records/000001.csv'), names.join(' '))
    assert.ok(names.some((name) => name.startsWith('files/')))

    const copy = await admin(server, 'POST', '/admin/tenants', { name: 'copy' }, 201)
    copyId = String(copy.id)
    const restored = await restore(server, copy.id, archive)
    assert.equal(restored.status, 200, restored.text)
    const report = restored.json()
    assert.equal(report.from, original.id)
    assert.equal(report.rows.custom_object_records, 30)
    assert.equal(report.files, 1)
    // The original's client id is the original's: the copy gets its users, and a token minted for one.
    assert.equal(report.clientsSkipped.length, 1)

    const token = await userToken(server, String(copy.id), original.userId)
    assert.deepEqual(await reads(server, token, queryId), await reads(server, original.token, queryId))
    const clock = await admin(server, 'GET', `/admin/tenants/${copy.id}/clock`)
    assert.deepEqual(clock, { tenantId: String(copy.id), mode: 'frozen', now: '2026-01-31T09:30:00.000Z' })
    assert.equal((await admin(server, 'GET', `/admin/tenants/${copy.id}/lifecycle`)).dataBackfill.progression, 'reads')
    const users = await admin(server, 'GET', `/admin/tenants/${copy.id}/users`)
    assert.deepEqual(users.users.map((user: Json) => user.id), [original.userId])
    // The fault rules come along, each with its count, and fire in the copy as in the original.
    const rules = async (tenantId: string) =>
      (await admin(server, 'GET', `/admin/tenants/${tenantId}/faults`)).faults.map(({ id: _id, tenantId: _tenant, createdAt: _at, ...rule }: Json) => rule)
    assert.deepEqual(await rules(String(copy.id)), await rules(original.id))
    assert.equal((await rules(original.id)).length, 1)
    assert.equal((await server.api('GET', '/v1/uno/data-backfill/jobs/RatePlanCharge/template', { token })).status, 503)
  })

  test('a truncated, changed or newer archive is refused and changes nothing', async () => {
    const target = await newTenant(server)
    await fill(server, target)
    const before = await get(server, target.token, '/objects/records/default/Vehicle?pageSize=100')

    assertAdminError(await restore(server, target.id, archive.subarray(0, Math.floor(archive.length * 0.6))), 400, '20', /truncated|damaged|ends before/)
    assertAdminError(await restore(server, target.id, Buffer.from('not an archive')), 400, '20', /refused/)

    const list = await entries(archive)
    const records = list.find((entry) => entry.name.startsWith('tables/custom_object_records/'))!
    records.data = Buffer.from(records.data.toString().replace('Ford', 'Fiat'))
    assertAdminError(await restore(server, target.id, await repack(list)), 400, '20', /does not match its checksum/)

    const newer = await entries(archive)
    const manifest = JSON.parse(newer[0].data.toString())
    newer[0].data = Buffer.from(JSON.stringify({ ...manifest, version: 99 }))
    assertAdminError(await restore(server, target.id, await repack(newer)), 400, '20', /format 99, made by a newer zjobs/)

    assert.deepEqual(await get(server, target.token, '/objects/records/default/Vehicle?pageSize=100'), before)
    assertAdminError(await restore(server, '99999999', archive), 404, '40', /Tenant 99999999 does not exist/)
    assertAdminError(await server.admin('GET', '/admin/tenants/99999999/snapshot'), 404, '40', /does not exist/)
  })

  test('a reset empties the tenant, keeps its users, clients and tokens, and no other tenant changes', async () => {
    const otherBefore = await reads(server, other.token, (await get(server, other.token, '/query/jobs')).data[0].id)
    // Requests answered just before the reset, their journal entries perhaps still buffered.
    for (let i = 0; i < 3; i++) await get(server, original.token, '/query/jobs')
    const reset = await admin(server, 'POST', `/admin/tenants/${original.id}/reset`)
    assert.deepEqual((await admin(server, 'GET', `/admin/tenants/${original.id}/requests`)).requests, [], 'the journal is emptied, buffered entries too')
    assert.equal(reset.jobs, 1)
    assert.equal(reset.definitions, 1)
    assert.equal(reset.billingRows, 5)

    // The old token still works; every list is empty.
    assert.deepEqual((await get(server, original.token, '/query/jobs')).data, [])
    assert.deepEqual((await get(server, original.token, '/objects/definitions/default')).definitions, {})
    assert.equal((await server.api('GET', '/objects/records/default/Vehicle', { token: original.token })).status, 404)
    assert.equal((await server.api('GET', `/query/jobs/${queryId}`, { token: original.token })).status, 404)
    assert.equal((await admin(server, 'GET', `/admin/tenants/${original.id}/clock`)).mode, 'real')
    assert.equal((await admin(server, 'GET', `/admin/tenants/${original.id}/lifecycle`)).dataBackfill.progression, 'immediate')
    assert.equal((await admin(server, 'GET', `/admin/tenants/${original.id}/users`)).users.length, 1)
    assert.deepEqual((await admin(server, 'GET', `/admin/tenants/${original.id}/faults`)).faults, [])
    const template = await server.api('GET', '/v1/uno/data-backfill/jobs/RatePlanCharge/template', { token: original.token })
    assert.equal(template.status, 200, 'the fault rule is gone at once, from this process\'s cache too')

    // The records go in the background; then the table holds none of the tenant's.
    await server.server.app.ready()
    for (let i = 0; i < 100; i++) {
      const { rows } = await server.server.db.query('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1', [original.id])
      if (rows[0].n === 0) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const { rows } = await server.server.db.query('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1', [original.id])
    assert.equal(rows[0].n, 0)

    // The tenant is usable again at once: the same definition and the same billing ids.
    const again = await fill(server, original)
    assert.ok(again.queryId)
    assert.equal((await get(server, original.token, '/objects/records/default/Vehicle?pageSize=100')).records.length, 30)

    assert.deepEqual(await reads(server, other.token, (await get(server, other.token, '/query/jobs')).data[0].id), otherBefore)
  })

  test('a reset keeps billing data when asked, and refuses what it does not know', async () => {
    const kept = await admin(server, 'POST', `/admin/tenants/${original.id}/reset`, { keep: ['billing'] })
    assert.deepEqual(kept.kept, ['billing'])
    assert.equal(kept.billingRows, 0)
    const { rows } = await server.server.db.query('SELECT count(*)::int AS n FROM billing.account WHERE tenant_id = $1', [original.id])
    assert.equal(rows[0].n, 5)
    assertAdminError(await server.admin('POST', `/admin/tenants/${original.id}/reset`, { keep: ['records'] }), 400, '20', /keep/)
    assertAdminError(await server.admin('POST', '/admin/tenants/99999999/reset'), 404, '40', /does not exist/)
  })

  test('a snapshot restored into its own tenant brings it back', async () => {
    const restored = await restore(server, original.id, archive)
    assert.equal(restored.status, 200, restored.text)
    assert.deepEqual(restored.json().clientsSkipped, [])
    // The tenant's token lives on (its user is the archive's), and the reads are the snapshot's.
    const token = await userToken(server, copyId, original.userId)
    assert.deepEqual(await reads(server, original.token, queryId), await reads(server, token, queryId))
    assert.ok(gunzipSync(archive).length > 0)
  })
})
