// Lifecycle pacing end to end, as clients' polling loops see it: a Data Query shown each state
// to N reads, a bulk job held by hand, a held query cancelled, a held auto backfill stopped,
// forced failures in each family's shape, and the control plane's refusals of bad input.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { seedTenant } from '../../src/billing/seed.ts'
import { ALL_BACKFILL_TABLES, digest, multipart } from '../backfill/helpers.ts'
import { request } from '../helpers/http.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { admin, assertAdminError, type Json } from './helpers.ts'

const PROPAGATION = '/v1/uno/data-backfill/propagation/jobs'
const BOOKING = '/v1/uno/data-backfill/bookingdate/jobs'
const IMMEDIATE = { progression: 'immediate' }
const ALL_IMMEDIATE = {
  dataQuery: IMMEDIATE,
  customObjectBulk: IMMEDIATE,
  dataBackfill: IMMEDIATE,
  autoBackfill: IMMEDIATE,
  bookingDateBackfill: IMMEDIATE,
}
/** A client's pause between two polls. */
const POLL_MS = 100

describe('lifecycle pacing', () => {
  let server: TestServer
  let tenant: Awaited<ReturnType<typeof createTenantWithClient>>
  let other: Awaited<ReturnType<typeof createTenantWithClient>>
  let tenantId: string
  const q = async (sql: string, values: unknown[] = [tenantId]) => (await server.server.db.query(sql, values)).rows
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    server.api(method, path, { token: tenant.token, body, headers })
  const lifecycle = (body: unknown) => admin(server, 'PUT', `/admin/tenants/${tenantId}/lifecycle`, body)
  const advance = (jobId: string, body?: unknown, status = 200) => admin(server, 'POST', `/admin/tenants/${tenantId}/jobs/${jobId}/advance`, body, status)

  const submitQuery = async (query: string) => {
    const response = await api('POST', '/query/jobs', { query, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } })
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('POST', '/query/jobs', 200, response.json())
    return response.json().data
  }
  const getQuery = async (id: string) => {
    const response = await api('GET', `/query/jobs/${id}`)
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('GET', '/query/jobs/{job-id}', 200, response.json())
    return response.json().data
  }
  /** A client's loop: polls until the job ends; every status seen, and the last answer. */
  const pollQuery = async (id: string) => {
    const seen: string[] = []
    for (;;) {
      const job = await getQuery(id)
      seen.push(job.queryStatus)
      if (['completed', 'failed', 'cancelled'].includes(job.queryStatus)) return { seen, job }
      assert.ok(seen.length < 600, `still ${job.queryStatus} after ${seen.length} polls`)
      await sleep(POLL_MS)
    }
  }
  const getBatch = async (path: string, id: string) => {
    const response = await api('GET', `${path}/${id}`)
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('GET', `${path}/{jobId}`, 200, response.json())
    return response.json().job
  }
  const createBatch = async (path: string, body?: unknown) => {
    const response = await api('POST', path, body)
    assert.equal(response.status, 200, response.text)
    return response.json().jobId as string
  }
  const uploadBackfill = async (csv: string) => {
    const { body, contentType } = multipart([
      { name: 'type', value: 'RatePlanCharge' },
      { name: 'file', value: csv, filename: 'rpc.csv', contentType: 'text/csv' },
    ])
    const response = await api('POST', '/v1/uno/data-backfill/jobs', body, { 'content-type': contentType })
    assert.equal(response.status, 200, response.text)
    return response.json().jobId as string
  }
  const getFileJob = async (id: string) => {
    const response = await api('GET', `/v1/uno/data-backfill/jobs/${id}`)
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{jobId}', 200, response.json())
    return response.json().job
  }
  const bulkJob = async (id: string) => {
    const response = await api('GET', `/objects/jobs/${id}`)
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('GET', '/objects/jobs/{id}', 200, response.json())
    return response.json()
  }
  const submitBulk = async (operation: string, extra: Record<string, unknown> = {}) => {
    const response = await api('POST', '/objects/jobs', { namespace: 'default', object: 'Plate', operation, ...extra })
    assert.equal(response.status, 200, response.text)
    return response.json()
  }
  const plates = async () => (await q(`SELECT count(*)::int AS n FROM custom_object_records r JOIN custom_object_definitions d
    ON d.tenant_id = r.tenant_id AND d.id = r.definition_id WHERE r.tenant_id = $1 AND d.object = 'Plate'`))[0].n as number

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    tenant = await createTenantWithClient(
      server,
      { name: 'Paced', timeZone: 'Europe/Paris' },
      { username: 'ops', email: 'ops@example.com', admin: true },
    )
    other = await createTenantWithClient(server, { name: 'Elsewhere' }, { username: 'other', admin: true })
    tenantId = tenant.tenant.id
    await seedTenant(server.server.db, tenantId, { accounts: 20, seed: 4 })
    const defined = await api('POST', '/objects/definitions/default', {
      definitions: { Plate: { object: 'Plate', label: 'Plate', properties: { code__c: { type: 'string', label: 'Code', maxLength: 20 } }, required: ['code__c'], filterable: ['code__c'] } },
    })
    assert.equal(defined.status, 200, defined.text)
  })
  after(() => server.close())

  test('the control plane is in /openapi.json and takes the admin token only', async () => {
    const doc = (await request(`${server.url}/openapi.json`)).json()
    const expected: Record<string, string[]> = {
      '/admin/tenants/{tenantId}/clock': ['get', 'put'],
      '/admin/tenants/{tenantId}/clock/advance': ['post'],
      '/admin/tenants/{tenantId}/lifecycle': ['get', 'put'],
      '/admin/tenants/{tenantId}/jobs/{jobId}/lifecycle': ['get', 'put'],
      '/admin/tenants/{tenantId}/jobs/{jobId}/advance': ['post'],
    }
    for (const [path, methods] of Object.entries(expected)) {
      for (const method of methods) {
        const operation = doc.paths[path]?.[method]
        assert.ok(operation, `${method.toUpperCase()} ${path} is documented`)
        assert.deepEqual(operation.security, [{ adminToken: [] }])
        assert.deepEqual(operation.tags, ['sandbox'])
      }
    }
    const jobTypes = Object.keys(doc.paths['/admin/tenants/{tenantId}/lifecycle'].put.requestBody.content['application/json'].schema.properties)
    assert.deepEqual(jobTypes, Object.keys(ALL_IMMEDIATE))
    assert.equal((await api('GET', `/admin/tenants/${tenantId}/clock`)).status, 401, 'a tenant\'s token is not the admin token')
  })

  test('a tenant\'s policies read back as set; a type not named is immediate', async () => {
    assert.deepEqual(await admin(server, 'GET', `/admin/tenants/${tenantId}/lifecycle`), ALL_IMMEDIATE)
    const set = await lifecycle({ dataQuery: { progression: 'reads', reads: 2 }, autoBackfill: { progression: 'time', seconds: 1.5 } })
    const expected = { ...ALL_IMMEDIATE, dataQuery: { progression: 'reads', reads: 2 }, autoBackfill: { progression: 'time', seconds: 1.5 } }
    assert.deepEqual(set, expected)
    assert.deepEqual(await admin(server, 'GET', `/admin/tenants/${tenantId}/lifecycle`), expected)
    assert.deepEqual(await admin(server, 'GET', `/admin/tenants/${other.tenant.id}/lifecycle`), ALL_IMMEDIATE, 'another tenant is untouched')
    await lifecycle({})
  })

  test('a Data Query under reads: 2 is seen accepted twice, in_progress twice, then completed with the right rows', async () => {
    await lifecycle({ dataQuery: { progression: 'reads', reads: 2 } })
    const submitted = await submitQuery('SELECT accountnumber FROM account ORDER BY accountnumber')
    assert.equal(submitted.queryStatus, 'accepted')
    const { seen, job } = await pollQuery(submitted.id)
    assert.deepEqual(seen.slice(0, 4), ['accepted', 'accepted', 'in_progress', 'in_progress'], seen.join(' '))
    // At least two reads of in_progress; more only while the real query runs, then completed.
    assert.deepEqual([...new Set(seen.slice(4))], seen.length > 5 ? ['in_progress', 'completed'] : ['completed'], seen.join(' '))
    assert.equal(job.queryStatus, 'completed')
    const file = await request(job.dataFile.replace('//localhost:', '//127.0.0.1:'))
    assert.equal(file.status, 200)
    const expected = (await q('SELECT accountnumber FROM billing.account WHERE tenant_id = $1 AND NOT deleted ORDER BY accountnumber')).map((r) => r.accountnumber)
    assert.deepEqual(file.text.trim().split(/\r?\n/), ['accountnumber', ...expected])
    assert.equal(job.outputRows, expected.length)
    // The engine's own view: the query ran once, after its last in_progress read.
    const real = await admin(server, 'GET', `/admin/tenants/${tenantId}/jobs/${submitted.id}`)
    assert.equal(real.attempts, 1)
    await lifecycle({})
  })

  test('a list containing a job counts as its read, and a status filter follows what is shown', async () => {
    await lifecycle({ dataQuery: { progression: 'reads', reads: 1 } })
    const submitted = await submitQuery('SELECT 1')
    const listed = async (status?: string) => {
      const response = await api('GET', `/query/jobs?pageSize=1000${status ? `&queryStatus=${status}` : ''}`)
      assert.equal(response.status, 200, response.text)
      assertVendorResponse('GET', '/query/jobs', 200, response.json())
      return response.json().data.filter((job: Json) => job.id === submitted.id)
    }
    assert.equal((await listed('accepted'))[0]?.queryStatus, 'accepted', 'first read: accepted')
    assert.deepEqual(await listed('accepted'), [], 'second read: in_progress, so not accepted')
    const report = async () => admin(server, 'GET', `/admin/tenants/${tenantId}/jobs/${submitted.id}/lifecycle`)
    assert.deepEqual(await report(), {
      tenantId,
      jobId: submitted.id,
      jobType: 'dataQuery',
      policy: { progression: 'reads', reads: 1 },
      status: 'accepted',
      state: 'queued',
      held: true,
      reads: 1,
    }, 'the read the filter left out was not counted (nor is the admin\'s look)')
    assert.equal((await listed('in_progress'))[0]?.queryStatus, 'in_progress')
    assert.equal((await report()).held, false, 'its one read of in_progress let the work run')
    const { job } = await pollQuery(submitted.id)
    assert.equal(job.queryStatus, 'completed')
    await lifecycle({})
  })

  test('a bulk job under manual stays in_progress through 50 polls and completes with every record after advance', async () => {
    await lifecycle({ customObjectBulk: { progression: 'manual' } })
    const job = await submitBulk('create')
    assert.equal(job.status, 'pending', 'pending waits for the client\'s file, never held')
    const csv = ['code__c', ...Array.from({ length: 25 }, (_, i) => `P-${i}`)].join('\n')
    const uploaded = await api('POST', `/objects/jobs/${job.Id}/files`, csv, { 'content-type': 'text/csv' })
    assert.equal(uploaded.status, 200, uploaded.text)
    assert.equal(uploaded.json().status, 'in_progress')
    for (let poll = 0; poll < 50; poll++) {
      const seen = await bulkJob(job.Id)
      assert.equal(seen.status, 'in_progress', `poll ${poll}`)
      assert.equal(seen.recordsProcessed, 0)
    }
    assert.equal(await plates(), 0, 'held: nothing written')
    const moved = await advance(job.Id)
    assert.equal(moved.status, 'in_progress')
    assert.equal(moved.held, false)
    let done: Json
    for (;;) {
      done = await bulkJob(job.Id)
      if (done.status !== 'in_progress') break
      await sleep(POLL_MS)
    }
    assert.equal(done.status, 'completed')
    assert.equal(done.recordsProcessed, 25)
    assert.equal(await plates(), 25)
    await lifecycle({})
  })

  test('a bulk job that fails on its own shows its code beside its message, kept as data (and so do failures stored before the column)', async () => {
    const sticker = { object: 'Sticker', label: 'Sticker', properties: { text__c: { type: 'string', label: 'Text', maxLength: 20 } }, required: ['text__c'] }
    assert.equal((await api('POST', '/objects/definitions/default', { definitions: { Sticker: sticker } })).status, 200)
    await lifecycle({ customObjectBulk: { progression: 'manual' } })
    const submitted = await api('POST', '/objects/jobs', { namespace: 'default', object: 'Sticker', operation: 'create' })
    assert.equal(submitted.status, 200, submitted.text)
    const job = submitted.json()
    assert.equal((await api('POST', `/objects/jobs/${job.Id}/files`, 'text__c\nhello\n', { 'content-type': 'text/csv' })).status, 200)
    // The held job's object is deleted before its work runs: the job fails when it starts.
    assert.equal((await api('DELETE', '/objects/definitions/default/Sticker')).status, 200)
    await advance(job.Id, { to: 'completed' })
    let failed: Json
    while ((failed = await bulkJob(job.Id)).status === 'in_progress') await sleep(POLL_MS)
    assert.equal(failed.status, 'failed')
    assert.deepEqual(failed.error, { code: 71013040, message: 'Custom object [Sticker] no longer exists.' })
    const [stored] = await q('SELECT error, error_code FROM jobs WHERE tenant_id = $1 AND id = $2', [tenantId, job.Id])
    assert.deepEqual(stored, { error: 'Custom object [Sticker] no longer exists.', error_code: '71013040' }, 'the code in its column, not in the text')

    // A failure written before the column, as "[code] message", is split by the migration.
    await q(`UPDATE jobs SET error = '[71013620] The file is not valid CSV.', error_code = NULL WHERE tenant_id = $1 AND id = $2`, [tenantId, job.Id])
    const migration = readFileSync(new URL('../../src/storage/migrations/0014_job_error_code.sql', import.meta.url), 'utf8')
    await q(migration.slice(migration.indexOf('UPDATE jobs')), [])
    assert.deepEqual((await bulkJob(job.Id)).error, { code: 71013620, message: 'The file is not valid CSV.' })
    await lifecycle({})
  })

  test('a bulk delete job shows accepted then in_progress, each to two reads', async () => {
    await lifecycle({ customObjectBulk: { progression: 'reads', reads: 2 } })
    const job = await submitBulk('delete', { filter: { conditions: [{ field: 'code__c', operator: 'EQ', value: 'P-0' }] } })
    assert.equal(job.status, 'accepted')
    const seen: string[] = []
    for (;;) {
      const current = await bulkJob(job.Id)
      seen.push(current.status)
      if (current.status === 'completed') break
      assert.ok(seen.length < 300)
      await sleep(POLL_MS)
    }
    assert.deepEqual(seen.slice(0, 4), ['accepted', 'accepted', 'in_progress', 'in_progress'], seen.join(' '))
    assert.equal(await plates(), 24)
    await lifecycle({})
  })

  test('a manual Data Query is cancelled while held and never writes a file', async () => {
    await lifecycle({ dataQuery: { progression: 'manual' } })
    const accepted = await submitQuery('SELECT accountnumber FROM account')
    const inProgress = await submitQuery('SELECT accountnumber FROM account')
    for (let poll = 0; poll < 5; poll++) assert.equal((await getQuery(accepted.id)).queryStatus, 'accepted')
    const moved = await advance(inProgress.id)
    assert.deepEqual([moved.status, moved.state, moved.held], ['in_progress', 'running', true])
    assert.equal((await getQuery(inProgress.id)).queryStatus, 'in_progress')
    for (const job of [accepted, inProgress]) {
      const cancelled = await api('DELETE', `/query/jobs/${job.id}`)
      assert.equal(cancelled.status, 200, cancelled.text)
      assertVendorResponse('DELETE', '/query/jobs/{job-id}', 200, cancelled.json())
      assert.equal(cancelled.json().data.queryStatus, 'cancelled')
    }
    await sleep(500)
    for (const job of [accepted, inProgress]) {
      const seen = await getQuery(job.id)
      assert.equal(seen.queryStatus, 'cancelled')
      assert.equal(seen.dataFile, undefined)
      assert.equal((await admin(server, 'GET', `/admin/tenants/${tenantId}/jobs/${job.id}`)).attempts, 0, 'it never ran')
      assert.deepEqual(await q('SELECT id FROM files WHERE tenant_id = $1 AND job_id = $2', [tenantId, job.id]), [], 'no file')
    }
    await lifecycle({})
  })

  test('an auto backfill held while processing is stopped and ends stopped with nothing changed', async () => {
    await lifecycle({ autoBackfill: { progression: 'manual' } })
    const before = await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES)
    const id = await createBatch(PROPAGATION, { type: 'RatePlanCharge', batchSize: 5 })
    assert.equal((await getBatch(PROPAGATION, id)).status, 'ACCEPTED')
    assert.equal((await advance(id)).status, 'PROCESSING')
    assert.equal((await getBatch(PROPAGATION, id)).status, 'PROCESSING')
    const stop = await api('PUT', `${PROPAGATION}/${id}`, { status: 'Stopping' })
    assert.equal(stop.status, 200, stop.text)
    await sleep(500)
    const stopped = await getBatch(PROPAGATION, id)
    assert.equal(stopped.status, 'STOPPED')
    assert.equal(stopped.batchFinishedCount, 0)
    assert.equal(await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES), before, 'nothing changed')
    assertAdminError(await server.admin('POST', `/admin/tenants/${tenantId}/jobs/${id}/advance`, {}), 409, '30', /has ended \(stopped\)/)
    await lifecycle({})
  })

  test('progression time: each state lasts its seconds of the tenant clock (frozen, then advanced)', async () => {
    const frozen = Date.parse('2025-03-01T08:00:00Z')
    await admin(server, 'PUT', `/admin/tenants/${tenantId}/clock`, { mode: 'frozen', now: new Date(frozen).toISOString() })
    await lifecycle({ dataBackfill: { progression: 'time', seconds: 60 } })
    try {
      const [row] = await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 1')
      const id = await uploadBackfill(`Id,Product Family\n${row.id},Paced\n`)
      const pending = await getFileJob(id)
      assert.equal(pending.status, 'Pending')
      assert.equal(pending.uploadedOn, String(frozen))
      await sleep(300)
      assert.equal((await getFileJob(id)).status, 'Pending', 'the clock stands: so does the job')
      await admin(server, 'POST', `/admin/tenants/${tenantId}/clock/advance`, { seconds: 60 })
      const processing = await getFileJob(id)
      assert.equal(processing.status, 'Processing')
      assert.equal(processing.startedProcessingOn, String(frozen + 60_000))
      assert.equal(processing.processedCount, 0)
      await admin(server, 'POST', `/admin/tenants/${tenantId}/clock/advance`, { seconds: 60 })
      let job: Json
      for (;;) {
        job = await getFileJob(id)
        if (job.status !== 'Processing') break
        await sleep(POLL_MS)
      }
      assert.equal(job.status, 'Completed')
      assert.equal(job.successCount, 1)
      assert.equal(job.startedProcessingOn, String(frozen + 60_000))
      assert.equal(job.completedOn, String(frozen + 120_000))
    } finally {
      await admin(server, 'PUT', `/admin/tenants/${tenantId}/clock`, { mode: 'real' })
      await lifecycle({})
    }
  })

  test('one job\'s policy overrides its tenant\'s: released by hand, or paced by reads', async () => {
    await lifecycle({ dataQuery: { progression: 'manual' } })
    const held = await submitQuery('SELECT 2')
    const set = await admin(server, 'PUT', `/admin/tenants/${tenantId}/jobs/${held.id}/lifecycle`, { progression: 'immediate' })
    assert.deepEqual(set.policy, IMMEDIATE)
    assert.equal((await pollQuery(held.id)).job.queryStatus, 'completed')
    const paced = await submitQuery('SELECT 3')
    const reads = await admin(server, 'PUT', `/admin/tenants/${tenantId}/jobs/${paced.id}/lifecycle`, { progression: 'reads', reads: 1 })
    assert.deepEqual([reads.policy, reads.status, reads.held, reads.reads], [{ progression: 'reads', reads: 1 }, 'accepted', true, 0])
    const { seen } = await pollQuery(paced.id)
    assert.deepEqual(seen.slice(0, 2), ['accepted', 'in_progress'], seen.join(' '))
    const ended = await server.admin('PUT', `/admin/tenants/${tenantId}/jobs/${paced.id}/lifecycle`, { progression: 'manual' })
    assertAdminError(ended, 409, '30', /has ended \(completed\)/)
    await lifecycle({})
  })

  test('to: failed ends a job in its family\'s failure shape', async () => {
    await lifecycle({
      dataQuery: { progression: 'manual' },
      customObjectBulk: { progression: 'manual' },
      dataBackfill: { progression: 'manual' },
      autoBackfill: { progression: 'manual' },
      bookingDateBackfill: { progression: 'manual' },
    })
    const message = 'Simulated outage in the sandbox'

    const query = await submitQuery('SELECT 4')
    assert.equal((await advance(query.id, { to: 'FAILED', errorMessage: message })).status, 'failed')
    const failedQuery = await getQuery(query.id)
    assert.equal(failedQuery.queryStatus, 'failed')
    assert.equal(failedQuery.errorMessage, message)

    const bulk = await submitBulk('delete', { filter: { conditions: [{ field: 'code__c', operator: 'EQ', value: 'none' }] } })
    assert.equal((await advance(bulk.Id, { to: 'failed', errorMessage: message })).status, 'failed')
    const failedBulk = await bulkJob(bulk.Id)
    assert.equal(failedBulk.status, 'failed')
    assert.deepEqual(failedBulk.error, { code: 71013060, message })

    const [row] = await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 1')
    const file = await uploadBackfill(`Id,Product Family\n${row.id},Never\n`)
    assert.equal((await advance(file, { to: 'Processing' })).status, 'Processing')
    assert.equal((await advance(file, { to: 'failed' })).status, 'Failed')
    const failedFile = await getFileJob(file)
    assert.equal(failedFile.status, 'Failed')
    assert.equal(failedFile.failureMessage, 'The job failed (a failure forced through the sandbox control plane)')

    for (const path of [PROPAGATION, BOOKING]) {
      const id = await createBatch(path, path === PROPAGATION ? { type: 'RatePlanCharge' } : undefined)
      assert.equal((await advance(id, { to: 'failed', errorMessage: message })).status, 'FAILED')
      assert.equal((await getBatch(path, id)).status, 'FAILED')
    }
    await lifecycle({})
  })

  test('bad input gets a clear admin error naming the field, and changes nothing', async () => {
    const policies = { dataQuery: { progression: 'reads', reads: 3 } }
    await lifecycle(policies)
    const expected = { ...ALL_IMMEDIATE, ...policies }
    const put = (body: unknown, tenant = tenantId) => server.admin('PUT', `/admin/tenants/${tenant}/lifecycle`, body)
    assertAdminError(await put({ dataQuerry: { progression: 'manual' } }), 400, '21', /dataQuerry is not a known field/)
    assertAdminError(await put({ dataQuery: { progression: 'sometimes' } }), 400, '20', /dataQuery\.progression/)
    assertAdminError(await put({ dataQuery: { progression: 'reads', reads: -1 } }), 400, '20', /dataQuery\.reads must be >= 1/)
    assertAdminError(await put({ dataQuery: { progression: 'reads', reads: 1.5 } }), 400, '20', /dataQuery\.reads must be integer/)
    assertAdminError(await put({ dataQuery: { progression: 'reads' } }), 400, '22', /dataQuery\.reads is required/)
    assertAdminError(await put({ dataQuery: { progression: 'time', seconds: -2 } }), 400, '20', /dataQuery\.seconds must be > 0/)
    assertAdminError(await put({ dataQuery: { progression: 'manual', reads: 2 } }), 400, '20', /dataQuery\.reads: only progression reads/)
    assertAdminError(await put({ dataQuery: { progression: 'manual', seconds: 2 } }), 400, '20', /dataQuery\.seconds: only progression time/)
    assertAdminError(await put(policies, '99999999'), 404, '40', /Tenant 99999999 does not exist/)
    assert.deepEqual(await admin(server, 'GET', `/admin/tenants/${tenantId}/lifecycle`), expected, 'unchanged')

    const job = await submitQuery('SELECT 5')
    const jobPath = (id: string, tenant = tenantId) => `/admin/tenants/${tenant}/jobs/${id}`
    const before = await admin(server, 'GET', `${jobPath(job.id)}/lifecycle`)
    assert.deepEqual([before.status, before.policy, before.held], ['accepted', policies.dataQuery, true])
    assertAdminError(await server.admin('PUT', `${jobPath(job.id)}/lifecycle`, { progression: 'reads', reads: 0 }), 400, '20', /reads must be >= 1/)
    assertAdminError(await server.admin('PUT', `${jobPath(job.id)}/lifecycle`, { progression: 'later' }), 400, '20', /progression/)
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, { to: 'Stopping' }), 400, '20', /to: 'Stopping' is not a state a dataQuery job .* can be: accepted, in_progress, completed, failed/)
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, { to: 'cancelled' }), 400, '20', /to: 'cancelled'/)
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, { to: 'accepted' }), 409, '30', /already accepted/)
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, { errorMessage: 'x' }), 400, '20', /errorMessage goes with to: failed/)
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, { to: 'completed', errorMessage: 'x' }), 400, '20', /errorMessage/)
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, { to: 'completed', later: true }), 400, '21', /later is not a known field/)
    const unknown = 'ffffffff-ffff-4fff-8fff-ffffffffffff'
    assertAdminError(await server.admin('POST', `${jobPath(unknown)}/advance`, {}), 404, '40', /does not exist/)
    assertAdminError(await server.admin('PUT', `${jobPath(unknown)}/lifecycle`, IMMEDIATE), 404, '40', /does not exist/)
    // Another tenant's job is not found in this tenant, and this tenant's not in another.
    assertAdminError(await server.admin('POST', `${jobPath(job.id, other.tenant.id)}/advance`, {}), 404, '40', /does not exist in tenant/)
    const seed = await admin(server, 'POST', `/admin/tenants/${other.tenant.id}/seed`, { accounts: 0 }, 202)
    assertAdminError(await server.admin('POST', `${jobPath(seed.id, other.tenant.id)}/advance`, {}), 409, '30', /has no lifecycle/)
    assert.deepEqual(await admin(server, 'GET', `${jobPath(job.id)}/lifecycle`), before, 'the job is as it was')

    // A job running at its own pace cannot be moved on by hand; nor can one that has ended.
    await admin(server, 'PUT', `${jobPath(job.id)}/lifecycle`, IMMEDIATE)
    const { job: ended } = await pollQuery(job.id)
    assert.equal(ended.queryStatus, 'completed')
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, {}), 409, '30', /has ended \(completed\)/)
    assertAdminError(await server.admin('POST', `${jobPath(job.id)}/advance`, { to: 'failed' }), 409, '30', /has ended/)
    assert.equal((await getQuery(job.id)).queryStatus, 'completed')
    await lifecycle({})
  })
})
