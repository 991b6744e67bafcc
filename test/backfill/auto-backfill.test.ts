// Auto backfill (propagation) and booking-date jobs end to end: what they change (checked
// row by row against the catalogue), their progress figures, dry runs, bad requests, lists,
// readable times in the tenant's zone, and a stop racing the real job.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { AUTO_BACKFILL_COLUMNS, AUTO_BACKFILL_FIELDS } from '../../src/billing/model.ts'
import { seedTenant } from '../../src/billing/seed.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { ALL_BACKFILL_TABLES, assertV1Error, digest, getBatchJob, waitForBatchJob, type Json } from './helpers.ts'

const PROPAGATION = '/v1/uno/data-backfill/propagation/jobs'
const BOOKING = '/v1/uno/data-backfill/bookingdate/jobs'

describe('auto backfill and booking date jobs', () => {
  let server: TestServer
  let tenant: Awaited<ReturnType<typeof createTenantWithClient>>
  let tenantId: string
  const q = async (sql: string, values: unknown[] = [tenantId]) => (await server.server.db.query(sql, values)).rows
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    server.api(method, path, { token: tenant.token, body, headers })

  const create = async (path: string, body?: unknown, headers?: Record<string, string>): Promise<string> => {
    const response = await api('POST', path, body, headers)
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('POST', path, 200, response.json())
    assert.equal(response.json().success, true)
    assert.match(response.json().jobId, /^[0-9a-f]{32}$/)
    return response.json().jobId
  }
  const run = async (path: string, body?: unknown): Promise<Json> => {
    const id = await create(path, body)
    return waitForBatchJob(server, path, id, tenant.token)
  }

  /** Targets whose ten fields differ from their catalogue charge's (on `table`). */
  const mismatches = async (table: 'rateplancharge' | 'orderlineitem') => {
    const columns = AUTO_BACKFILL_COLUMNS[table]
    const differs = AUTO_BACKFILL_FIELDS.map((f) => `t.${columns[f]} IS DISTINCT FROM p.${f}`).join(' OR ')
    return (
      await q(
        `SELECT count(*)::int AS n FROM billing.${table} t JOIN billing.productrateplancharge p
         ON p.tenant_id = t.tenant_id AND p.id = t.productrateplanchargeid WHERE t.tenant_id = $1 AND NOT t.deleted AND (${differs})`,
      )
    )[0].n as number
  }

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    tenant = await createTenantWithClient(
      server,
      { name: 'Shanghai', timeZone: 'Asia/Shanghai' },
      { username: 'ops', email: 'ops.admin@example.com', admin: true },
    )
    tenantId = tenant.tenant.id
    await seedTenant(server.server.db, tenantId, { accounts: 60, seed: 6 })
  })
  after(() => server.close())

  test('RatePlanCharge: each charge gets its catalogue charge\'s ten revenue fields; progress and errors are computed', async () => {
    assert.ok((await mismatches('rateplancharge')) > 0, 'the seed left charges without their revenue fields')
    // A charge whose catalogue charge does not exist cannot be backfilled: an error.
    await q(
      "INSERT INTO billing.rateplancharge (tenant_id, id, productrateplanchargeid, productfamily, createddate) VALUES ($1, $2, $3, 'Orphan', '2024-01-01')",
      [tenantId, '0000000000000000000000000000beef', 'ffffffffffffffffffffffffffff0000'],
    )
    const targets = (await q('SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted'))[0].n
    const othersBefore = await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES.filter((t) => t !== 'rateplancharge'))
    const job = await run(PROPAGATION, { type: 'RatePlanCharge', batchSize: 20 })
    assert.equal(job.status, 'COMPLETED')
    assert.equal(job.type, 'RatePlanCharge')
    assert.equal(job.batchSentCount, Math.ceil(targets / 20))
    assert.equal(job.batchFinishedCount, job.batchSentCount)
    assert.equal(job.errorCount, 1)
    assert.equal(job.progress, '100.00%')
    assert.equal(job.updatedByUsername, 'ops.admin@example.com')
    assert.ok(job.updatedOn >= job.createdOn)
    assert.equal(await mismatches('rateplancharge'), 0)
    const [orphan] = await q("SELECT productfamily FROM billing.rateplancharge WHERE tenant_id = $1 AND id = '0000000000000000000000000000beef'")
    assert.equal(orphan.productfamily, 'Orphan')
    assert.equal(await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES.filter((t) => t !== 'rateplancharge')), othersBefore)
    await q("DELETE FROM billing.rateplancharge WHERE tenant_id = $1 AND id = '0000000000000000000000000000beef'")
  })

  test('readable times are in the tenant\'s time zone, as yyyy-MM-ddTHH:mm:ss+0800', async () => {
    const [job] = (await api('GET', PROPAGATION)).json().jobs
    assert.match(job.createdOnReadable, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0800$/)
    const shanghai = new Date(job.createdOn + 8 * 3600_000).toISOString().slice(0, 19)
    assert.equal(job.createdOnReadable, `${shanghai}+0800`)
    assert.equal(job.updatedOnReadable, `${new Date(job.updatedOn + 8 * 3600_000).toISOString().slice(0, 19)}+0800`)
  })

  test('OrderLineItem: line items get the fields under their own column names', async () => {
    await q('UPDATE billing.orderlineitem SET productfamily = NULL, excludeitembookingfromrevenue = NULL, isunbilled = NULL WHERE tenant_id = $1')
    assert.ok((await mismatches('orderlineitem')) > 0)
    const charges = await digest(server.server.db, tenantId, ['rateplancharge'])
    const job = await run(PROPAGATION, { type: 'OrderLineItem' })
    assert.deepEqual([job.status, job.type, job.errorCount, job.batchSentCount, job.batchFinishedCount], ['COMPLETED', 'OrderLineItem', 0, 1, 1])
    assert.equal(await mismatches('orderlineitem'), 0)
    assert.equal(await digest(server.server.db, tenantId, ['rateplancharge']), charges)
  })

  test('a dry run computes batches and errors and writes nothing', async () => {
    await q('UPDATE billing.rateplancharge SET productclass = NULL WHERE tenant_id = $1')
    const before = await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES)
    const targets = (await q('SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted'))[0].n
    const job = await run(PROPAGATION, { type: 'RatePlanCharge', batchSize: 50, dryRun: true })
    assert.deepEqual([job.status, job.batchSentCount, job.batchFinishedCount, job.errorCount], ['COMPLETED', Math.ceil(targets / 50), Math.ceil(targets / 50), 0])
    assert.equal(await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES), before)
  })

  test('booking date: each charge\'s booking date is its original charge\'s creation date, in the tenant\'s zone', async () => {
    await q('UPDATE billing.rateplancharge SET bookingdate = NULL WHERE tenant_id = $1')
    // A charge with no creation date anywhere cannot get a booking date.
    await q('INSERT INTO billing.rateplancharge (tenant_id, id, originalid) VALUES ($1, $2, $2)', [tenantId, '0000000000000000000000000000dead'])
    const amended = (await q('SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND originalid <> id'))[0].n
    assert.ok(amended > 0, 'some charges are amendments of an original')
    for (const body of [undefined, '', '{}']) {
      const headers = body === undefined ? undefined : { 'content-type': 'application/json' }
      const id = await create(BOOKING, body, headers)
      const job = await waitForBatchJob(server, BOOKING, id, tenant.token)
      assert.deepEqual([job.status, job.type, job.errorCount, job.progress], ['COMPLETED', 'BookingDate', 1, '100.00%'])
    }
    const wrong = await q(
      `SELECT count(*)::int AS n FROM billing.rateplancharge t
       LEFT JOIN billing.rateplancharge o ON o.tenant_id = t.tenant_id AND o.id = t.originalid
       WHERE t.tenant_id = $1 AND NOT t.deleted
         AND t.bookingdate IS DISTINCT FROM (coalesce(o.createddate, t.createddate) AT TIME ZONE 'Asia/Shanghai')::date`,
    )
    assert.equal(wrong[0].n, 0)
    const differs = await q(
      `SELECT count(*)::int AS n FROM billing.rateplancharge t WHERE t.tenant_id = $1 AND t.originalid <> t.id
         AND t.bookingdate <> (t.createddate AT TIME ZONE 'Asia/Shanghai')::date`,
    )
    assert.ok(differs[0].n > 0, 'amendments take the original charge\'s date, not their own')
    const list = await api('GET', BOOKING)
    assert.equal(list.status, 200)
    assertVendorResponse('GET', BOOKING, 200, list.json())
    assert.equal(list.json().jobs.length, 3)
    assert.ok(list.json().jobs.every((job: Json) => job.type === 'BookingDate'))
    await q("DELETE FROM billing.rateplancharge WHERE tenant_id = $1 AND id = '0000000000000000000000000000dead'")
  })

  test('lists are newest first and each family lists only its jobs', async () => {
    const list = await api('GET', PROPAGATION)
    assert.equal(list.status, 200)
    assertVendorResponse('GET', PROPAGATION, 200, list.json())
    const jobs = list.json().jobs as Json[]
    assert.equal(jobs.length, 3)
    assert.ok(jobs.every((job) => job.type !== 'BookingDate'))
    for (let i = 1; i < jobs.length; i++) assert.ok(jobs[i - 1].createdOn >= jobs[i].createdOn)
    const one = await getBatchJob(server, PROPAGATION, jobs[0].id, tenant.token)
    assert.deepEqual(one, jobs[0])
    // The id of a job of the other family is unknown here.
    const booking = (await api('GET', BOOKING)).json().jobs[0].id
    assertV1Error(await api('GET', `${PROPAGATION}/${booking}`), 404, '50000040', /No auto backfill job/)
  })

  test('bad requests get clear v1 errors and create nothing', async () => {
    const count = async () => (await api('GET', PROPAGATION)).json().jobs.length
    const before = await count()
    const cases: [unknown, number, string, RegExp][] = [
      [{ type: 'Account' }, 400, '50000020', /body\.type/],
      [{}, 400, '50000022', /type/],
      [{ type: 'RatePlanCharge', batchSize: 0 }, 400, '50000020', /batchSize must be >= 1/],
      [{ type: 'RatePlanCharge', batchSize: 1001 }, 400, '50000020', /batchSize must be <= 1000/],
      [{ type: 'RatePlanCharge', batchSize: 2.5 }, 400, '50000020', /batchSize must be integer/],
      [{ type: 'RatePlanCharge', dryRun: 'sometimes' }, 400, '50000020', /dryRun must be boolean/],
      ['{"type":', 400, '50000090', /not valid JSON/],
    ]
    for (const [body, status, code, message] of cases) {
      const response = await api('POST', PROPAGATION, body, typeof body === 'string' ? { 'content-type': 'application/json' } : undefined)
      assertV1Error(response, status, code, message)
      assertVendorResponse('POST', PROPAGATION, status, response.json())
    }
    assertV1Error(await api('POST', BOOKING, '{"x":', { 'content-type': 'application/json' }), 400, '50000090')
    assert.equal(await count(), before)
    for (const base of [PROPAGATION, BOOKING]) {
      assertV1Error(await api('GET', `${base}/abc`), 400, '50000020', /exactly 32 characters/)
      assertV1Error(await api('PUT', `${base}/${'g'.repeat(32)}`, { status: 'Stopping' }), 400, '50000020', /hexadecimal/)
      const unknown = await api('GET', `${base}/${'1'.repeat(32)}`)
      assertV1Error(unknown, 404, '50000040')
      assertVendorResponse('GET', `${base}/{jobId}`, 404, unknown.json())
      const [done] = (await api('GET', base)).json().jobs
      const stop = await api('PUT', `${base}/${done.id}`, { status: 'Stopping' })
      assertV1Error(stop, 409, '50000030', /cannot be stopped: it is completed/)
      assertVendorResponse('PUT', `${base}/{jobId}`, 409, stop.json())
      assertV1Error(await api('PUT', `${base}/${done.id}`, { status: 'STOPPED' }), 400, '50000020', /Stopping/)
    }
  })

  test('Idempotency-Key on both create calls replays the first job id', async () => {
    for (const [path, body] of [
      [PROPAGATION, { type: 'RatePlanCharge', dryRun: true }],
      [BOOKING, undefined],
    ] as const) {
      const key = { 'idempotency-key': `create-${path}` }
      const first = await api('POST', path, body, key)
      const second = await api('POST', path, body, key)
      assert.equal(first.status, 200, first.text)
      assert.equal(second.headers['idempotent-replayed'], 'true')
      assert.equal(second.json().jobId, first.json().jobId)
      await waitForBatchJob(server, path, first.json().jobId, tenant.token)
    }
  })

  test('a stop racing the real job leaves exactly batchFinishedCount x batchSize charges changed', async () => {
    await q("UPDATE billing.rateplancharge SET productline = 'SENTINEL' WHERE tenant_id = $1")
    const id = await create(PROPAGATION, { type: 'RatePlanCharge', batchSize: 1 })
    let stopped: Awaited<ReturnType<typeof api>> | undefined
    for (let i = 0; i < 2000 && !stopped; i++) {
      const job = await getBatchJob(server, PROPAGATION, id, tenant.token)
      if (job.batchFinishedCount >= 2) stopped = await api('PUT', `${PROPAGATION}/${id}`, { status: 'Stopping' })
      else await sleep(5)
    }
    assert.equal(stopped?.status, 200, stopped?.text)
    const job = await waitForBatchJob(server, PROPAGATION, id, tenant.token)
    assert.equal(job.status, 'STOPPED')
    assert.ok(job.batchFinishedCount < job.batchSentCount)
    const changed = (await q("SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND productline <> 'SENTINEL'"))[0].n
    assert.equal(changed, job.batchFinishedCount * 1)
  })

  test('on a multi-entity tenant a job works on its entity\'s charges only', async () => {
    const me = await createTenantWithClient(server, { name: 'Entities', entities: ['Global', 'Europe'] }, { username: 'me', admin: true })
    await seedTenant(server.server.db, me.tenant.id, { accounts: 8, seed: 9 })
    const [global, europe] = me.tenant.entities.map((e: { id: string }) => e.id)
    await q("UPDATE billing.rateplancharge SET productfamily = 'SENTINEL' WHERE tenant_id = $1", [me.tenant.id])
    const headers = { 'zuora-entity-ids': global }
    const response = await server.api('POST', PROPAGATION, { token: me.token, body: { type: 'RatePlanCharge' }, headers })
    assert.equal(response.status, 200, response.text)
    const id = response.json().jobId
    for (;;) {
      const job = (await server.api('GET', `${PROPAGATION}/${id}`, { token: me.token, headers })).json().job
      if (job.status === 'COMPLETED') break
      await sleep(20)
    }
    const left = await q(
      "SELECT entity_id, count(*) FILTER (WHERE productfamily = 'SENTINEL')::int AS sentinel, count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 GROUP BY entity_id",
      [me.tenant.id],
    )
    const of = (entity: string) => left.find((row) => row.entity_id === entity)
    assert.equal(of(global).sentinel, 0)
    assert.equal(of(europe).sentinel, of(europe).n)
    const elsewhere = await server.api('GET', `${PROPAGATION}/${id}`, { token: me.token, headers: { 'zuora-entity-ids': europe } })
    assertV1Error(elsewhere, 404, '50000040')
  })

  test("on a multi-org tenant a job works on the charges of the request's orgs only", async () => {
    const me = await createTenantWithClient(server, { name: 'Orgs', orgs: ['North', 'South'] }, { username: 'me-orgs', admin: true })
    await seedTenant(server.server.db, me.tenant.id, { accounts: 8, seed: 10 })
    const [north, south] = me.tenant.orgs.map((org: { id: string }) => org.id)
    await q("UPDATE billing.rateplancharge SET productfamily = 'SENTINEL' WHERE tenant_id = $1", [me.tenant.id])
    const headers = { 'zuora-org-ids': north }
    const response = await server.api('POST', PROPAGATION, { token: me.token, body: { type: 'RatePlanCharge' }, headers })
    assert.equal(response.status, 200, response.text)
    const job = await waitForBatchJob(server, PROPAGATION, response.json().jobId, me.token)
    assert.equal(job.status, 'COMPLETED')
    const left = await q(
      "SELECT org_id, count(*) FILTER (WHERE productfamily = 'SENTINEL')::int AS sentinel, count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 GROUP BY org_id",
      [me.tenant.id],
    )
    const of = (org: string) => left.find((row) => row.org_id === org)
    assert.ok(of(north).n > 0 && of(south).n > 0, 'the seed gave both orgs charges')
    assert.equal(of(north).sentinel, 0, "the request's org's charges were backfilled")
    assert.equal(of(south).sentinel, of(south).n, "the other org's charges were not")
  })
})
