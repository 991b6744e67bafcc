// A JSON value of the wrong type is refused with the family's 400, never coerced: a number
// or an array where a string belongs, a string where a number or boolean belongs. Query
// strings and paths are text by nature and keep their conversions (?pageSize=10).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertV1Error } from '../helpers/envelopes.ts'
import type { HttpResponse } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { define, vehicle } from '../objects/helpers.ts'

async function counts(server: TestServer) {
  const { rows } = await server.server.db.query(
    'SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM custom_object_records) AS records, (SELECT count(*) FROM tenants) AS tenants',
  )
  return rows[0]
}

/** {code, message}; Custom Objects list the problems in `details` too. */
function assertCodeMessage(response: HttpResponse, code: number | RegExp, extraKeys: string[] = []) {
  assert.equal(response.status, 400, response.text)
  const body = response.json()
  assert.deepEqual(Object.keys(body).sort(), ['code', ...extraKeys, 'message'])
  if (typeof code === 'number') assert.equal(body.code, code)
  else assert.match(String(body.code), code)
  return body.message as string
}

describe('JSON values of the wrong type', () => {
  let server: TestServer
  let initial: unknown
  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    await define(server, { Vehicle: vehicle() })
    initial = await counts(server)
  })
  after(() => server.close())

  const query = { outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }

  test('POST /query/jobs: a query that is a number or an array, a boolean given as text: 400, no job', async () => {
    for (const body of [
      { ...query, query: 1 },
      { ...query, query: ['SELECT 1'] },
      { ...query, query: 'SELECT 1', readDeleted: 'false' },
      { ...query, query: 'SELECT 1', useIndexJoin: 1 },
      { ...query, query: 'SELECT 1', outputFormat: ['CSV'] },
    ]) {
      const response = await server.api('POST', '/query/jobs', { body })
      const message = assertCodeMessage(response, 400)
      assertVendorResponse('POST', '/query/jobs', 400, response.json())
      assert.match(message, /must be (string|boolean|equal to one of)|body\./, JSON.stringify(body))
    }
    assert.deepEqual(await counts(server), initial)
  })

  test('POST /v1/uno/data-backfill/propagation/jobs: batchSize "10", dryRun "true": 400 (category 20), no job', async () => {
    for (const body of [
      { type: 'RatePlanCharge', batchSize: '10' },
      { type: 'RatePlanCharge', dryRun: 'true' },
      { type: ['RatePlanCharge'] },
    ]) {
      const response = await server.api('POST', '/v1/uno/data-backfill/propagation/jobs', { body })
      assertV1Error(response, 400, /^\d{6}20$/)
      assertVendorResponse('POST', '/v1/uno/data-backfill/propagation/jobs', 400, response.json())
    }
    assert.deepEqual(await counts(server), initial)
  })

  test('Custom Objects: allowPartialSuccess "true", a job operation in an array: 400, nothing written', async () => {
    const records = await server.api('POST', '/objects/records/default/Vehicle', {
      body: { records: [{ VIN__c: '1HGCM82633A004352', make__c: 'Honda' }], allowPartialSuccess: 'true' },
    })
    assertCodeMessage(records, /^71\d{4}2\d$/, ['details'])
    const batch = await server.api('POST', '/objects/batch/default/Vehicle', {
      body: { action: { type: 'delete', ids: ['00000000-0000-7000-8000-000000000000'], allowPartialSuccess: 'false' } },
    })
    assertCodeMessage(batch, /^71\d{4}2\d$/, ['details'])
    const job = await server.api('POST', '/objects/jobs', { body: { namespace: 'default', object: 'Vehicle', operation: ['create'] } })
    assertCodeMessage(job, /^71\d{4}2\d$/, ['details'])
    assert.deepEqual(await counts(server), initial)
  })

  test('admin: a tenant name that is a number, seed accounts given as text: 400, nothing created', async () => {
    assertV1Error(await server.admin('POST', '/admin/tenants', { name: 12345 }), 400, /^\d{6}20$/)
    const tenantId = server.server.bootstrap.tenant.id
    assertV1Error(await server.admin('POST', `/admin/tenants/${tenantId}/seed`, { accounts: '5' }), 400, /^\d{6}20$/)
    assert.deepEqual(await counts(server), initial)
  })

  test('query strings keep their conversions: ?pageSize=2 is a number', async () => {
    const response = await server.api('GET', '/query/jobs?pageSize=2')
    assert.equal(response.status, 200, response.text)
    const listed = await server.api('GET', '/objects/records/default/Vehicle?pageSize=2')
    assert.equal(listed.status, 200, listed.text)
  })
})
