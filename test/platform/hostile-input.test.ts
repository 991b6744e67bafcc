// Input that PostgreSQL or the framework cannot take, sent from outside: a NUL character or a
// lone UTF-16 surrogate in a JSON string or a path. Each gets its family's 400, never a 500,
// and changes nothing.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertV1Error } from '../helpers/envelopes.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { upload as backfillUpload } from '../backfill/helpers.ts'
import { define, vehicle } from '../objects/helpers.ts'

// Written into the JSON text by hand: JSON.stringify would escape them the same way, but a
// client may also send the raw characters.
const NUL = '\\u0000'
const LONE_HIGH = '\\ud800'
const LONE_LOW = '\\udc00'
const BAD_TEXTS = [`a${NUL}b`, `a${LONE_HIGH}b`, `${LONE_LOW}`, `${LONE_HIGH}`]

const json = { 'content-type': 'application/json' }

/** The database rows a refusal must leave as they were. */
async function snapshot(server: TestServer) {
  const { rows } = await server.server.db.query(
    `SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM custom_object_records) AS records,
            (SELECT count(*) FROM custom_object_definitions) AS definitions, (SELECT count(*) FROM tenants) AS tenants,
            (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM files) AS files`,
  )
  return rows[0]
}

function assertCodeMessage(response: HttpResponse, status: number, code: number) {
  assert.equal(response.status, status, response.text)
  const body = response.json()
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message'])
  assert.equal(body.code, code)
  assert.ok(typeof body.message === 'string' && body.message.length > 0)
}

describe('NUL characters and lone surrogates', () => {
  let server: TestServer
  let before0: unknown
  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    await define(server, { Vehicle: vehicle() })
    before0 = await snapshot(server)
  })
  after(() => server.close())

  test('POST /query/jobs with one in the query: 400 {code: 400, message}, no job', async () => {
    for (const text of [`SELECT 1${NUL}`, `SELECT '${LONE_HIGH}'`, `SELECT '${LONE_LOW}' AS x`]) {
      const body = `{"query":"${text}","outputFormat":"CSV","compression":"NONE","output":{"target":"S3"}}`
      const response = await server.api('POST', '/query/jobs', { body, headers: json })
      assertCodeMessage(response, 400, 400)
      assertVendorResponse('POST', '/query/jobs', 400, response.json())
    }
    assert.deepEqual(await snapshot(server), before0)
  })

  test('POST /objects/records/default/{object} with one in a field value: 400 in the records error shape, nothing stored', async () => {
    for (const text of BAD_TEXTS) {
      const body = `{"records":[{"VIN__c":"1HGCM82633A004352","make__c":"${text}"}]}`
      const response = await server.api('POST', '/objects/records/default/Vehicle', { body, headers: json })
      assert.equal(response.status, 400, response.text)
      assertVendorResponse('POST', '/objects/records/default/{object}', 400, response.json())
    }
    // In a field name too.
    const response = await server.api('POST', '/objects/records/default/Vehicle', {
      body: `{"records":[{"VIN__c":"1HGCM82633A004352","make__c":"Honda","x${NUL}":1}]}`,
      headers: json,
    })
    assert.equal(response.status, 400, response.text)
    assertVendorResponse('POST', '/objects/records/default/{object}', 400, response.json())
    assert.deepEqual(await snapshot(server), before0)
  })

  test('POST /objects/batch/default/{object} and PATCH a record with one: 400, nothing changed', async () => {
    const batch = await server.api('POST', '/objects/batch/default/Vehicle', {
      body: `{"action":{"type":"update","records":{"00000000-0000-7000-8000-000000000000":{"make__c":"a${NUL}"}}}}`,
      headers: json,
    })
    assert.equal(batch.status, 400, batch.text)
    const patch = await server.api('PATCH', '/objects/records/default/Vehicle/00000000-0000-7000-8000-000000000000', {
      body: `{"make__c":"${LONE_HIGH}"}`,
      headers: json,
    })
    assert.equal(patch.status, 400, patch.text)
    assert.deepEqual(await snapshot(server), before0)
  })

  test('GET /objects/records/default/%00 and other paths with one: the family 400', async () => {
    for (const path of ['/objects/records/default/%00', '/objects/records/default/V%00', '/objects/definitions/default/%00', '/objects/jobs/%00']) {
      const response = await server.api('GET', path)
      assertCodeMessage(response, 400, Number(`${response.json().code}`.slice(0, 6) + '20'))
    }
    for (const path of ['/objects/records/default/%ED%A0%80', '/objects/records/default/Vehicle?q=make__c%3D%27%00%27']) {
      const response = await server.api('GET', path)
      assert.equal(response.status, 400, `${path}: ${response.text}`)
    }
    assertCodeMessage(await server.api('GET', '/query/jobs/%00'), 400, 400)
    assertV1Error(await server.api('GET', '/v1/uno/data-backfill/jobs/%00'), 400, /^\d{6}20$/)
  })

  test('POST /objects/jobs with one in the object name: 400, no job', async () => {
    for (const text of [`V${NUL}`, `V${LONE_HIGH}`]) {
      const response = await server.api('POST', '/objects/jobs', {
        body: `{"namespace":"default","object":"${text}","operation":"create"}`,
        headers: json,
      })
      assertCodeMessage(response, 400, Number(`${response.json().code}`.slice(0, 6) + '20'))
    }
    assert.deepEqual(await snapshot(server), before0)
  })

  test('CSV uploads with a NUL byte: the bulk job and the billing import refuse the file, nothing stored', async () => {
    const job = await server.api('POST', '/objects/jobs', { body: { namespace: 'default', object: 'Vehicle', operation: 'create' } })
    assert.equal(job.status, 200, job.text)
    const upload = await server.api('POST', `/objects/jobs/${job.json().Id}/files`, {
      body: Buffer.from('VIN__c,make__c\n1HGCM82633A004352,Hon\u0000da\n'),
      headers: { 'content-type': 'text/csv' },
    })
    assert.equal(upload.status, 400, upload.text)
    assertVendorResponse('POST', '/objects/jobs/{id}/files', 400, upload.json())
    assert.match(upload.json().message, /NUL/)
    // The refused job stays pending, its upload not stored; it is cancelled to leave the counts as they were.
    const cancelled = await server.api('PATCH', `/objects/jobs/${job.json().Id}/cancel`)
    assert.equal(cancelled.status, 200, cancelled.text)
    await server.server.db.query('DELETE FROM jobs WHERE id = $1', [job.json().Id])
    // Past the first 64 KB, which are sniffed for binary content.
    const rows = Array.from({ length: 3000 }, (_, i) => `${i.toString(16).padStart(32, '0')},Once\n`).join('')
    const backfill = await backfillUpload(server, 'RatePlanCharge', Buffer.from(`Id,Product Class\n${rows}2c92c0f8632999a2016352a457cf2b44,On\u0000ce\n`))
    assertV1Error(backfill, 400, '50000020')
    assert.match(backfill.json().reasons[0].message, /NUL/)
    const tenantId = server.server.bootstrap.tenant.id
    const imported = await request(`${server.url}/admin/tenants/${tenantId}/import?object=Account`, {
      method: 'POST',
      body: Buffer.from('id,name\n2c92c0f8632999a2016352a457cf2b44,Ac\u0000me\n'),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
    })
    assertV1Error(imported, 400, /^\d{6}20$/)
    assert.deepEqual(await snapshot(server), before0)
  })

  test('POST /objects/definitions/default with one in a label: 400, nothing defined', async () => {
    const definition = JSON.stringify({ definitions: { Car: { ...vehicle('Car'), label: 'PLACEHOLDER' } } }).replace('PLACEHOLDER', `Car${NUL}`)
    const response = await server.api('POST', '/objects/definitions/default', { body: definition, headers: json })
    assert.equal(response.status, 400, response.text)
    assert.deepEqual(await snapshot(server), before0)
  })

  /** An admin call with a JSON body written by hand. */
  const adminJson = (method: string, path: string, body: string) =>
    request(`${server.url}${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...json } })

  test('admin: GET /admin/tenants/{id}/jobs/%00 and POST /admin/tenants with one in the name: the admin 400, no tenant', async () => {
    const tenantId = server.server.bootstrap.tenant.id
    const job = await server.admin('GET', `/admin/tenants/${tenantId}/jobs/%00`)
    assertV1Error(job, 400, /^\d{6}20$/)
    assertV1Error(await server.admin('GET', '/admin/tenants/%00'), 400, /^\d{6}20$/)
    for (const text of BAD_TEXTS) {
      const response = await adminJson('POST', '/admin/tenants', `{"name":"Acme ${text}"}`)
      assertV1Error(response, 400, /^\d{6}20$/)
    }
    const user = await adminJson('POST', `/admin/tenants/${tenantId}/users`, `{"username":"x${NUL}"}`)
    assertV1Error(user, 400, /^\d{6}20$/)
    assert.deepEqual(await snapshot(server), before0)
  })

  test('OAuth: a NUL in a form field is a 400 invalid_request', async () => {
    const response = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      body: 'client_id=a%00b&client_secret=x&grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(response.status, 400, response.text)
    assert.equal(response.json().error, 'invalid_request')
  })
})
