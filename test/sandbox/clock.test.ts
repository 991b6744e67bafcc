// A virtual clock per tenant: frozen time in every family's timestamps, tokens and signed links
// expiring on the tenant's clock, Data Query retention, Idempotency-Key retention and rate
// windows following it, tenants' clocks apart from each other, and bad settings refused.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { seedTenant } from '../../src/billing/seed.ts'
import { multipart } from '../backfill/helpers.ts'
import { request } from '../helpers/http.ts'
import { createTenantWithClient, issueToken, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { admin, assertAdminError, type Json } from './helpers.ts'

const FROZEN = '2025-06-01T12:00:00.000Z'
const FROZEN_MS = Date.parse(FROZEN)
const DAY = 86_400
const local = (url: string) => url.replace('//localhost:', '//127.0.0.1:')
const ends = (statuses: string[], status: string) => statuses.includes(status)

describe('tenant clocks', () => {
  let server: TestServer
  let tenant: Awaited<ReturnType<typeof createTenantWithClient>>
  let tenantId: string
  let other: Awaited<ReturnType<typeof createTenantWithClient>>
  const q = async (sql: string, values: unknown[] = [tenantId]) => (await server.server.db.query(sql, values)).rows
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>, token = tenant.token) =>
    server.api(method, path, { token, body, headers })
  const clock = (body: unknown, tenant = tenantId) => admin(server, 'PUT', `/admin/tenants/${tenant}/clock`, body)
  const advance = (seconds: number, tenant = tenantId) => admin(server, 'POST', `/admin/tenants/${tenant}/clock/advance`, { seconds })

  /** GETs `path` until `done` says its job ended; the last answer (vendor-checked against `vendorPath`). */
  const until = async (path: string, vendorPath: string, done: (body: Json) => boolean, token = tenant.token): Promise<Json> => {
    for (let poll = 0; ; poll++) {
      const response = await api('GET', path, undefined, undefined, token)
      assert.equal(response.status, 200, response.text)
      assertVendorResponse('GET', vendorPath, 200, response.json())
      if (done(response.json())) return response.json()
      assert.ok(poll < 1000, `${path} did not end: ${response.text}`)
      await sleep(30)
    }
  }
  const runQuery = async (query: string, token = tenant.token) => {
    const submitted = await api('POST', '/query/jobs', { query, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }, undefined, token)
    assert.equal(submitted.status, 200, submitted.text)
    return (await until(`/query/jobs/${submitted.json().data.id}`, '/query/jobs/{job-id}', (body) => ends(['completed', 'failed'], body.data.queryStatus), token)).data
  }

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    tenant = await createTenantWithClient(server, { name: 'Shanghai', timeZone: 'Asia/Shanghai' }, { username: 'ops', email: 'ops@example.com', admin: true })
    tenantId = tenant.tenant.id
    other = await createTenantWithClient(server, { name: 'Real time' }, { username: 'other', admin: true })
    await seedTenant(server.server.db, tenantId, { accounts: 10, seed: 5 })
  })
  after(() => server.close())

  test('a tenant never set runs on real time; a frozen clock reads back as set', async () => {
    const real = await admin(server, 'GET', `/admin/tenants/${tenantId}/clock`)
    assert.equal(real.mode, 'real')
    assert.ok(Math.abs(Date.parse(real.now) - Date.now()) < 5000)
    assert.deepEqual(await clock({ mode: 'frozen', now: '2025-06-01T20:00:00+08:00' }), { tenantId, mode: 'frozen', now: FROZEN })
    await sleep(50)
    assert.deepEqual(await admin(server, 'GET', `/admin/tenants/${tenantId}/clock`), { tenantId, mode: 'frozen', now: FROZEN })
    const offset = await clock({ mode: 'offset', now: '2030-01-01T00:00:00Z' })
    assert.equal(offset.mode, 'offset')
    await sleep(1100)
    const later = Date.parse((await admin(server, 'GET', `/admin/tenants/${tenantId}/clock`)).now)
    assert.ok(later >= Date.parse('2030-01-01T00:00:01Z') && later < Date.parse('2030-01-01T00:00:30Z'), 'an offset clock runs on')
    assert.equal((await clock({ mode: 'real' })).mode, 'real')
  })

  test('frozen time shows in every family\'s timestamps, each in its own format', async () => {
    await clock({ mode: 'frozen', now: FROZEN })
    try {
      const query = await runQuery('SELECT 1 AS one')
      assert.deepEqual([query.createdOn, query.updatedOn], [FROZEN, FROZEN])

      const defined = await api('POST', '/objects/definitions/default', {
        definitions: { Frozen: { object: 'Frozen', label: 'Frozen', properties: { name__c: { type: 'string', label: 'Name', maxLength: 20 } }, required: ['name__c'], filterable: ['name__c'] } },
      })
      assert.equal(defined.status, 200, defined.text)
      assert.deepEqual([defined.json().definitions.Frozen.CreatedDate, defined.json().definitions.Frozen.UpdatedDate], [FROZEN, FROZEN])
      const record = await api('POST', '/objects/records/default/Frozen', { records: [{ name__c: 'one' }] })
      assert.equal(record.status, 200, record.text)
      const stored = await api('GET', `/objects/records/default/Frozen/${record.json().records[0].Id}`)
      assert.deepEqual([stored.json().CreatedDate, stored.json().UpdatedDate], [FROZEN, FROZEN])
      const bulk = await api('POST', '/objects/jobs', { namespace: 'default', object: 'Frozen', operation: 'delete', filter: { conditions: [{ field: 'name__c', operator: 'EQ', value: 'one' }] } })
      assert.equal(bulk.status, 200, bulk.text)
      const bulkJob = await until(`/objects/jobs/${bulk.json().Id}`, '/objects/jobs/{id}', (body) => ends(['completed', 'failed'], body.status))
      assert.deepEqual([bulkJob.status, bulkJob.CreatedDate, bulkJob.UpdatedDate, bulkJob.processingTime], ['completed', FROZEN, FROZEN, 0])

      const [row] = await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 1')
      const { body, contentType } = multipart([
        { name: 'type', value: 'RatePlanCharge' },
        { name: 'file', value: `Id,Product Family\n${row.id},Frozen\n`, filename: 'frozen.csv', contentType: 'text/csv' },
      ])
      const uploaded = await api('POST', '/v1/uno/data-backfill/jobs', body, { 'content-type': contentType })
      assert.equal(uploaded.status, 200, uploaded.text)
      const file = (await until(`/v1/uno/data-backfill/jobs/${uploaded.json().jobId}`, '/v1/uno/data-backfill/jobs/{jobId}', (b) => b.job.status === 'Completed')).job
      assert.deepEqual([file.uploadedOn, file.startedProcessingOn, file.completedOn], [String(FROZEN_MS), String(FROZEN_MS), String(FROZEN_MS)])

      for (const [path, body] of [
        ['/v1/uno/data-backfill/propagation/jobs', { type: 'RatePlanCharge' }],
        ['/v1/uno/data-backfill/bookingdate/jobs', undefined],
      ] as const) {
        const created = await api('POST', path, body)
        assert.equal(created.status, 200, created.text)
        const job = (await until(`${path}/${created.json().jobId}`, `${path}/{jobId}`, (b) => b.job.status === 'COMPLETED')).job
        assert.deepEqual(
          [job.createdOn, job.createdOnReadable, job.updatedOn, job.updatedOnReadable],
          [FROZEN_MS, '2025-06-01T20:00:00+0800', FROZEN_MS, '2025-06-01T20:00:00+0800'],
        )
      }

      // The clock moved on: new jobs show the new time, earlier ones keep theirs.
      await advance(3600)
      const later = await runQuery('SELECT 2 AS two')
      assert.equal(later.createdOn, '2025-06-01T13:00:00.000Z')
      const again = await api('GET', `/query/jobs/${query.id}`)
      assert.equal(again.json().data.createdOn, FROZEN)
    } finally {
      await clock({ mode: 'real' })
    }
  })

  test('a token expires on its tenant\'s clock: 401 past its lifetime, a new one works', async () => {
    const token = await issueToken(server.url, tenant.clientId, tenant.clientSecret)
    assert.equal((await api('GET', '/query/jobs', undefined, undefined, token)).status, 200)
    await advance(3500)
    assert.equal((await api('GET', '/query/jobs', undefined, undefined, token)).status, 200, 'within its hour')
    await advance(101)
    const expired = await api('GET', '/query/jobs', undefined, undefined, token)
    assert.equal(expired.status, 401)
    assert.deepEqual(expired.json(), { message: 'Authentication error' })
    const fresh = await issueToken(server.url, tenant.clientId, tenant.clientSecret)
    assert.equal((await api('GET', '/query/jobs', undefined, undefined, fresh)).status, 200)
    assert.equal((await server.api('GET', '/query/jobs', { token: other.token })).status, 200, 'another tenant\'s token lives on')
    tenant.token = fresh
    await clock({ mode: 'real' })
  })

  test('a result link expires on the tenant\'s clock (403), and past 30 days the result is gone as retention has it', async () => {
    const job = await runQuery('SELECT accountnumber FROM account')
    const link = local(job.dataFile)
    const expires = Number(new URL(link).searchParams.get('expires'))
    assert.ok(Math.abs(expires - (Date.now() / 1000 + 3600)) < 60, 'expires: an hour on the tenant\'s clock')
    assert.equal((await request(link)).status, 200)
    await advance(3601)
    const expired = await request(link)
    assert.equal(expired.status, 403)
    assert.deepEqual(expired.json(), { message: 'Forbidden' })
    // The hour also ended the tenant's token.
    tenant.token = await issueToken(server.url, tenant.clientId, tenant.clientSecret)
    const renewed = (await until(`/query/jobs/${job.id}`, '/query/jobs/{job-id}', () => true)).data
    assert.equal((await request(local(renewed.dataFile))).status, 200, 'a new read signs a new link')
    await advance(30 * DAY)
    tenant.token = await issueToken(server.url, tenant.clientId, tenant.clientSecret)
    const retained = (await until(`/query/jobs/${job.id}`, '/query/jobs/{job-id}', () => true)).data
    assert.equal(retained.queryStatus, 'completed')
    const gone = await request(local(retained.dataFile))
    assert.equal(gone.status, 404, 'the result file has expired')
    assert.deepEqual(gone.json(), { message: 'Not Found' })
    await server.server.files.deleteExpired()
    assert.deepEqual(await q('SELECT id FROM files WHERE tenant_id = $1 AND job_id = $2', [tenantId, job.id]), [], 'and is swept')
    const elsewhere = await runQuery('SELECT 1', other.token)
    assert.equal((await request(local(elsewhere.dataFile))).status, 200, 'another tenant\'s links keep real time')
    tenant.token = await issueToken(server.url, tenant.clientId, tenant.clientSecret)
    await clock({ mode: 'real' })
  })

  test('an Idempotency-Key is kept for 24 hours of the tenant\'s clock', async () => {
    const body = { query: 'SELECT 3', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }
    const key = `clock-${Date.now()}`
    const first = await api('POST', '/query/jobs', body, { 'idempotency-key': key })
    assert.equal(first.status, 200, first.text)
    const replay = await api('POST', '/query/jobs', body, { 'idempotency-key': key })
    assert.equal(replay.headers['idempotent-replayed'], 'true')
    assert.equal(replay.json().data.id, first.json().data.id)
    await clock({ mode: 'offset', now: new Date(Date.now() + 25 * 3600_000).toISOString() })
    tenant.token = await issueToken(server.url, tenant.clientId, tenant.clientSecret)
    const after = await api('POST', '/query/jobs', body, { 'idempotency-key': key })
    assert.equal(after.status, 200, after.text)
    assert.equal(after.headers['idempotent-replayed'], undefined)
    assert.notEqual(after.json().data.id, first.json().data.id, 'a new request: the key had expired')
    await clock({ mode: 'real' })
  })

  test('two tenants\' clocks do not touch each other', async () => {
    await clock({ mode: 'frozen', now: '2020-02-02T02:02:02Z' })
    try {
      await advance(10 * DAY)
      const mine = await runQuery('SELECT 4')
      const theirs = await runQuery('SELECT 4', other.token)
      assert.equal(mine.createdOn, '2020-02-12T02:02:02.000Z')
      assert.ok(Math.abs(Date.parse(theirs.createdOn) - Date.now()) < 60_000, theirs.createdOn)
      assert.equal((await admin(server, 'GET', `/admin/tenants/${other.tenant.id}/clock`)).mode, 'real')
    } finally {
      await clock({ mode: 'real' })
    }
  })

  test('bad clock settings get a clear admin error naming the field, and change nothing', async () => {
    await clock({ mode: 'frozen', now: FROZEN })
    const put = (body: unknown, tenant = tenantId) => server.admin('PUT', `/admin/tenants/${tenant}/clock`, body)
    const post = (body: unknown, tenant = tenantId) => server.admin('POST', `/admin/tenants/${tenant}/clock/advance`, body)
    assertAdminError(await put({ mode: 'paused' }), 400, '20', /body\.mode/)
    assertAdminError(await put({ mode: 'frozen' }), 400, '22', /now is required with mode frozen/)
    for (const now of ['yesterday', '2026-02-30T00:00:00Z', '2026-01-01', '2026-01-01T00:00:00', '2026-01-01T25:00:00Z', '2026-01-01T00:00:00+15:00']) {
      assertAdminError(await put({ mode: 'offset', now }), 400, '20', /^now: '.*' is not an ISO-8601 date-time with a time zone/)
    }
    assertAdminError(await put({ mode: 'frozen', now: '1969-12-31T23:59:59Z' }), 400, '20', /now: the year must be between 1970 and 9999/)
    assertAdminError(await put({ mode: 'real', now: FROZEN }), 400, '20', /now: mode real takes no time/)
    assertAdminError(await put({ mode: 'real', at: FROZEN }), 400, '21', /body\.at is not a known field/)
    assertAdminError(await post({ seconds: -5 }), 400, '20', /body\.seconds must be > 0/)
    assertAdminError(await post({ seconds: 0 }), 400, '20', /body\.seconds must be > 0/)
    assertAdminError(await post({ seconds: 'soon' }), 400, '20', /body\.seconds must be number/)
    assertAdminError(await post({}), 400, '22', /seconds/)
    assertAdminError(await put({ mode: 'real' }, '99999999'), 404, '40', /Tenant 99999999 does not exist/)
    assertAdminError(await post({ seconds: 1 }, '99999999'), 404, '40', /Tenant 99999999 does not exist/)
    assert.deepEqual(await admin(server, 'GET', `/admin/tenants/${tenantId}/clock`), { tenantId, mode: 'frozen', now: FROZEN }, 'unchanged')
    await clock({ mode: 'real' })
  })
})

describe('rate windows on a tenant clock', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ rateLimitPerMinute: 3 })
  })
  after(() => server.close())

  test('a frozen clock holds the minute window; moving it on opens the next', async () => {
    const tenantId = server.server.bootstrap.tenant.id
    await admin(server, 'PUT', `/admin/tenants/${tenantId}/clock`, { mode: 'frozen', now: '2025-06-01T12:00:00Z' })
    const token = await server.token()
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await server.api('GET', '/query/jobs', { token })).status)
    assert.deepEqual(statuses, [200, 200, 200, 429])
    const limited = await server.api('GET', '/query/jobs', { token })
    assert.equal(limited.headers['ratelimit-reset'], '60', 'the window ends a minute on, on the frozen clock')
    await admin(server, 'POST', `/admin/tenants/${tenantId}/clock/advance`, { seconds: 60 })
    const next = await server.api('GET', '/query/jobs', { token })
    assert.equal(next.status, 200)
    assert.equal(next.headers['ratelimit-remaining'], '2')
  })
})
