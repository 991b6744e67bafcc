// Fault rules and the request journal end to end, as a real HTTP client sees them: each
// request effect (a status in the family's envelope checked against Zuora's schema, 429's
// headers, latency, a reset or empty connection), `times`, seeded probabilities, job faults
// (remainingRetries counting down), row faults in bulk /errors and backfill result files, two
// tenants kept apart, the journal, and the admin plane's refusals of bad input.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { seedTenant } from '../../src/billing/seed.ts'
import { resultRows, submitFile, waitForFileJob } from '../backfill/helpers.ts'
import { request } from '../helpers/http.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { runFileJob, SMALL_VEHICLE } from '../objects/helpers.ts'
import { admin, assertAdminError, type Json } from './helpers.ts'

const QUERY = { query: 'SELECT 1 AS one', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }

describe('fault rules and the request journal', () => {
  let server: TestServer
  let tenant: Awaited<ReturnType<typeof createTenantWithClient>>
  let other: Awaited<ReturnType<typeof createTenantWithClient>>
  let tenantId: string
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    server.api(method, path, { token: tenant.token, body, headers })
  const addFault = (rule: unknown, id = tenantId) => admin(server, 'POST', `/admin/tenants/${id}/faults`, rule, 201)
  const faults = async (id = tenantId) => (await admin(server, 'GET', `/admin/tenants/${id}/faults`)).faults as Json[]
  const clearFaults = (id = tenantId) => admin(server, 'DELETE', `/admin/tenants/${id}/faults`)
  const journal = async (query = '', id = tenantId) => (await admin(server, 'GET', `/admin/tenants/${id}/requests${query}`)).requests as Json[]
  const submitQuery = async () => {
    const response = await api('POST', '/query/jobs', QUERY)
    assert.equal(response.status, 200, response.text)
    return response.json().data
  }

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    tenant = await createTenantWithClient(server, { name: 'Faulty' }, { username: 'ops', email: 'ops@example.com', admin: true })
    other = await createTenantWithClient(server, { name: 'Bystander' }, { username: 'other', admin: true })
    tenantId = tenant.tenant.id
  })
  after(async () => {
    await server?.close()
  })

  test('a status fault answers in each family\'s envelope, as Zuora\'s schema says, for the next N calls only, and writes nothing', async () => {
    const job = await submitQuery()
    const rule = await addFault({ match: { operationId: 'GET_DataQueryJob' }, effect: { status: 404 }, times: 2 })
    assert.equal(rule.kind, 'request')
    assert.equal(rule.remaining, 2)
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const response = await api('GET', `/query/jobs/${job.id}`)
      statuses.push(response.status)
      if (response.status === 404) {
        assertVendorResponse('GET', '/query/jobs/{job-id}', 404, response.json())
        assert.equal(response.json().code, 404)
        assert.match(response.headers['zuora-request-id'] as string, /^[0-9a-f-]{36}$/)
      }
    }
    assert.deepEqual(statuses, [404, 404, 200, 200], 'next 2: exactly twice')
    const [listed] = await faults()
    assert.equal(listed.fired, 2)
    assert.equal(listed.matched, 2)
    assert.equal(listed.remaining, 0)
    await clearFaults()

    // Custom Objects: a refused submission creates no job.
    await addFault({ match: { method: 'POST', path: '/objects/jobs' }, effect: { status: 403, code: 71010010, message: 'No permission' }, times: 1 })
    const before = (await api('GET', '/objects/jobs')).json().size ?? (await api('GET', '/objects/jobs')).json().jobs?.length
    const refused = await api('POST', '/objects/jobs', { namespace: 'default', object: 'Nothing', operation: 'delete' })
    assert.equal(refused.status, 403, refused.text)
    assertVendorResponse('POST', '/objects/jobs', 403, refused.json())
    assert.deepEqual(refused.json(), { code: 71010010, message: 'No permission' })
    const jobsAfter = (await server.server.db.query("SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND kind LIKE 'custom_objects%'", [tenantId])).rows[0].n
    assert.equal(jobsAfter, 0, `a faulted submission writes nothing (${before})`)
    await clearFaults()

    // Data Backfill: a 500 and a 400 in the v1 shapes.
    await addFault({ match: { method: 'GET', path: '/v1/uno/data-backfill/jobs/{jobId}' }, effect: { status: 500 }, times: 1 })
    await addFault({ match: { method: 'GET', path: '/v1/uno/data-backfill/jobs/{jobId}' }, effect: { status: 400 }, times: 1 })
    const failed = await api('GET', '/v1/uno/data-backfill/jobs/0123456789abcdef0123456789abcdef')
    assert.equal(failed.status, 500, failed.text)
    assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{jobId}', 500, failed.json())
    const bad = await api('GET', '/v1/uno/data-backfill/jobs/0123456789abcdef0123456789abcdef')
    assert.equal(bad.status, 400, bad.text)
    assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{jobId}', 400, bad.json())
    assert.equal(bad.json().success, false)
    assert.match(bad.json().reasons[0].code, /^\d{6}20$/)
    assert.equal((await api('GET', '/v1/uno/data-backfill/jobs/0123456789abcdef0123456789abcdef')).status, 404, 'both used up: the real answer')
    await clearFaults()

    // 401: the gateway's answer, whatever the family.
    await addFault({ match: { operationId: 'GET_DataQueryJobs' }, effect: { status: 401 }, times: 1 })
    const unauthorized = await api('GET', '/query/jobs')
    assert.equal(unauthorized.status, 401)
    assert.deepEqual(unauthorized.json(), { message: 'Authentication error' })
    assert.match(unauthorized.headers['www-authenticate'] as string, /Bearer realm=Zuora API/)
    await clearFaults()
  })

  test('429 carries Retry-After and the rate-limit headers; the token route answers its own shape', async () => {
    await addFault({ match: { method: 'GET', path: '/query/jobs' }, effect: { status: 429, retryAfter: 7 }, times: 1 })
    const limited = await api('GET', '/query/jobs')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers['retry-after'], '7')
    assert.equal(limited.headers['ratelimit-remaining'], '0')
    assert.equal(limited.headers['ratelimit-reset'], '7')
    assert.match(limited.headers['ratelimit-limit'] as string, /^\d+/)
    assert.equal(typeof limited.json().message, 'string')
    assert.equal((await api('GET', '/query/jobs')).status, 200)

    await addFault({ match: { operationId: 'createToken' }, effect: { status: 429, retryAfter: 3 }, times: 1 })
    const form = { client_id: tenant.clientId, client_secret: tenant.clientSecret, grant_type: 'client_credentials' }
    const token = await request(`${server.url}/oauth/token`, { method: 'POST', form })
    assert.equal(token.status, 429, token.text)
    assert.equal(token.json().error, 'too_many_requests')
    assert.equal(token.headers['retry-after'], '3')
    assert.equal(token.headers['x-ratelimit-remaining-minute'], '0')
    const again = await request(`${server.url}/oauth/token`, { method: 'POST', form })
    assert.equal(again.status, 200, again.text)
    // Another tenant's client is not touched by this tenant's rule.
    await addFault({ match: { operationId: 'createToken' }, effect: { status: 503 } })
    const elsewhere = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      form: { client_id: other.clientId, client_secret: other.clientSecret, grant_type: 'client_credentials' },
    })
    assert.equal(elsewhere.status, 200)
    await clearFaults()
  })

  test('latency delays the answer; drop resets the connection or closes it empty, and writes nothing', async () => {
    await addFault({ match: { operationId: 'GET_DataQueryJobs' }, effect: { latencyMs: { fixed: 300 } }, times: 1 })
    const slow = await api('GET', '/query/jobs', undefined, { 'Zuora-Track-Id': 'slow-one' })
    assert.equal(slow.status, 200)
    const [entry] = await journal('?limit=1')
    assert.equal(entry.trackId, 'slow-one')
    assert.equal(entry.fault.effect, 'latency 300 ms')
    assert.ok(entry.durationMs >= 299, `waited ${entry.durationMs} ms`)

    const raw = (method: string, path: string, body?: string) =>
      new Promise<{ error?: NodeJS.ErrnoException; status?: number }>((resolve) => {
        const req = httpRequest(`${server.url}${path}`, {
          method,
          agent: false,
          headers: { authorization: `Bearer ${tenant.token}`, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) },
        }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode }))
        })
        req.on('error', (error) => resolve({ error }))
        req.end(body)
      })
    await addFault({ match: { operationId: 'POST_DataQueryJob' }, effect: { drop: 'reset' }, times: 1 })
    const countJobs = async () => (await server.server.db.query('SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1', [tenantId])).rows[0].n
    const jobsBefore = await countJobs()
    const reset = await raw('POST', '/query/jobs', JSON.stringify(QUERY))
    assert.equal(reset.error?.code, 'ECONNRESET', String(reset.error))
    assert.equal(await countJobs(), jobsBefore, 'a dropped submission makes no job')

    await addFault({ match: { operationId: 'GET_DataQueryJobs' }, effect: { drop: 'empty' }, times: 1 })
    const empty = await raw('GET', '/query/jobs')
    assert.ok(empty.error, 'no answer')
    assert.match(String(empty.error?.message), /socket hang up|ECONNRESET/)
    const [dropped, resetEntry] = await journal('?limit=2')
    assert.equal(dropped.status, null)
    assert.equal(dropped.fault.effect, 'drop empty')
    assert.equal(resetEntry.fault.effect, 'drop reset')
    assert.equal((await api('GET', '/query/jobs')).status, 200)
    await clearFaults()
  })

  test('a seeded probability fails the same calls on every run', async () => {
    const run = async () => {
      const rule = await addFault({ match: { operationId: 'GET_DataQueryJobs' }, effect: { status: 503 }, probability: 0.4, seed: 7 })
      const outcomes: number[] = []
      for (let i = 0; i < 24; i++) outcomes.push((await api('GET', '/query/jobs?pageSize=1')).status)
      const [listed] = await faults()
      assert.equal(listed.id, rule.id)
      assert.equal(listed.matched, 24)
      assert.equal(listed.fired, outcomes.filter((status) => status === 503).length)
      await clearFaults()
      return outcomes.join(' ')
    }
    const first = await run()
    assert.match(first, /200/)
    assert.match(first, /503/)
    assert.equal(await run(), first)
  })

  test('a job fault: transient failures count remainingRetries down, then the query completes; a fail rule fails the next job', async () => {
    await addFault({ job: { type: 'dataQuery', transientFailures: 2 }, times: 1 })
    const job = await submitQuery()
    const seen: number[] = []
    let last: Json
    for (;;) {
      const response = await api('GET', `/query/jobs/${job.id}`)
      assertVendorResponse('GET', '/query/jobs/{job-id}', 200, response.json())
      last = response.json().data
      if (seen.at(-1) !== last.remainingRetries) seen.push(last.remainingRetries)
      if (['completed', 'failed', 'cancelled'].includes(last.queryStatus)) break
      await sleep(100)
    }
    assert.equal(last.queryStatus, 'completed', JSON.stringify(last))
    assert.equal(last.remainingRetries, 1, 'two of three retries used')
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a), `counts down: ${seen}`)
    assert.ok(seen.includes(1))
    const [rule] = await faults()
    assert.equal(rule.fired, 1)

    const next = await submitQuery()
    let done: Json
    do {
      await sleep(50)
      done = (await api('GET', `/query/jobs/${next.id}`)).json().data
    } while (!['completed', 'failed'].includes(done.queryStatus))
    assert.equal(done.remainingRetries, 3, 'times: 1 — the next job runs untouched')
    await clearFaults()

    await addFault({ job: { type: 'dataQuery', fail: { errorMessage: 'Simulated outage' } }, times: 1 })
    const failing = await submitQuery()
    do {
      await sleep(50)
      done = (await api('GET', `/query/jobs/${failing.id}`)).json().data
    } while (!['completed', 'failed'].includes(done.queryStatus))
    assert.equal(done.queryStatus, 'failed')
    assert.equal(done.errorMessage, 'Simulated outage')
    assert.equal(done.dataFile, undefined)
    await clearFaults()
  })

  test('row faults: refused in a bulk job\'s /errors with their row numbers, every other row created', async () => {
    const defined = await api('POST', '/objects/definitions/default', { definitions: { Vehicle: SMALL_VEHICLE } })
    assert.equal(defined.status, 200, defined.text)
    await addFault({ rows: { type: 'customObjectBulk', rowNumbers: [3, 5], code: 71100050, message: 'Refused by the test' }, times: 1 })
    const csv = ['VIN__c,make__c,seats__c', 'V1,Ford,4', 'V2,Ford,4', 'V3,Ford,4', 'V4,Ford,4', 'V5,Ford,4'].join('\n')
    const { job, errors } = await runFileJob(server, 'Vehicle', 'create', csv, tenant.token)
    assert.equal(job.status, 'completed', JSON.stringify(job))
    assert.deepEqual(errors.map((error: Json) => [error.row, error.code, error.message]), [
      [3, 71100050, 'Refused by the test'],
      [5, 71100050, 'Refused by the test'],
    ])
    const records = (await api('GET', '/objects/records/default/Vehicle')).json().records as Json[]
    const refusedVins = errors.map((error: Json) => error.record.VIN__c).sort()
    assert.equal(records.length, 3)
    assert.deepEqual(records.map((record) => record.VIN__c).filter((vin) => refusedVins.includes(vin)), [])
    // times: 1 — the next file is whole.
    const second = await runFileJob(server, 'Vehicle', 'create', ['VIN__c,make__c', 'W1,Kia', 'W2,Kia', 'W3,Kia'].join('\n'), tenant.token)
    assert.deepEqual(second.errors, [])
    await clearFaults()
  })

  test('row faults: failed in a backfill\'s result file with their row numbers, every other row applied', async () => {
    await seedTenant(server.server.db, tenantId, { accounts: 5, seed: 3 })
    const ids = (
      await server.server.db.query('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 4', [tenantId])
    ).rows.map((row) => row.id as string)
    await addFault({ rows: { type: 'dataBackfill', rowNumbers: [2, 4], message: 'Refused by the test' } })
    const csv = ['Id,Product Family', ...ids.map((id, i) => `${id},Fam-${i + 1}`)].join('\n')
    const jobId = await submitFile(server, 'RatePlanCharge', csv, { filename: 'rpc.csv', token: tenant.token })
    const job = await waitForFileJob(server, jobId, tenant.token)
    assert.equal(job.status, 'Completed', JSON.stringify(job))
    assert.equal(job.successCount, 2)
    assert.equal(job.failedCount, 2)
    const result = await resultRows(server, job, tenant.token)
    assert.deepEqual(result.rows.slice(1).map((row) => row.slice(-2)), [
      ['true', ''],
      ['false', 'Refused by the test'],
      ['true', ''],
      ['false', 'Refused by the test'],
    ])
    const families = (
      await server.server.db.query('SELECT id, productfamily FROM billing.rateplancharge WHERE tenant_id = $1 AND id = ANY($2)', [tenantId, ids])
    ).rows
    const familyOf = new Map(families.map((row) => [row.id, row.productfamily]))
    assert.equal(familyOf.get(ids[0]), 'Fam-1')
    assert.notEqual(familyOf.get(ids[1]), 'Fam-2')
    assert.equal(familyOf.get(ids[2]), 'Fam-3')
    assert.notEqual(familyOf.get(ids[3]), 'Fam-4')
    await clearFaults()
  })

  test('two tenants\' faults never cross; each journal holds its own tenant\'s requests', async () => {
    await addFault({ match: { operationId: 'GET_DataQueryJobs' }, effect: { status: 500 } })
    await admin(server, 'DELETE', `/admin/tenants/${other.tenant.id}/requests`)
    for (let i = 0; i < 3; i++) {
      assert.equal((await api('GET', '/query/jobs')).status, 500)
      const theirs = await server.api('GET', '/query/jobs', { token: other.token })
      assert.equal(theirs.status, 200)
    }
    const mine = await journal('?limit=3')
    assert.deepEqual(mine.map((entry) => entry.status), [500, 500, 500])
    const theirs = await journal('', other.tenant.id)
    assert.equal(theirs.length, 3)
    assert.ok(theirs.every((entry) => entry.status === 200 && entry.fault === null))
    assert.deepEqual(await faults(other.tenant.id), [])
    await clearFaults()
  })

  test('the journal: newest first, bounded by limit and since, no secrets, cleared by DELETE', async () => {
    await admin(server, 'DELETE', `/admin/tenants/${tenantId}/requests`)
    assert.deepEqual(await journal(), [])
    const start = new Date().toISOString()
    await api('GET', '/query/jobs?pageSize=2&signature=abc&access_token=secret', undefined, { 'Zuora-Track-Id': 'track-1' })
    await api('POST', '/query/jobs', QUERY)
    const entries = await journal()
    assert.equal(entries.length, 2)
    const [post, get] = entries
    assert.equal(post.method, 'POST')
    assert.equal(post.path, '/query/jobs')
    assert.equal(post.operationId, 'POST_DataQueryJob')
    assert.equal(post.status, 200)
    assert.equal(post.requestBytes, Buffer.byteLength(JSON.stringify(QUERY)))
    assert.ok(post.responseBytes > 0)
    assert.match(post.requestId, /^[0-9a-f-]{36}$/)
    assert.equal(get.path, '/query/jobs?pageSize=2&signature=REDACTED&access_token=REDACTED')
    assert.equal(get.trackId, 'track-1')
    assert.equal(get.operationId, 'GET_DataQueryJobs')
    assert.ok(Date.parse(get.time) <= Date.parse(post.time))
    const text = JSON.stringify(entries)
    assert.ok(!text.includes(tenant.token) && !text.includes('secret') && !text.includes('abc'), text)
    assert.equal((await journal('?limit=1')).length, 1)
    assert.equal((await journal(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length, 0)
    assert.equal((await journal(`?since=${encodeURIComponent(start)}`)).length, 2)
    const cleared = await admin(server, 'DELETE', `/admin/tenants/${tenantId}/requests`)
    assert.equal(cleared.deleted, 2)
    assert.deepEqual(await journal(), [])
  })

  test('bad input gets a clear admin error and changes nothing', async () => {
    await addFault({ match: { operationId: 'GET_DataQueryJobs' }, effect: { status: 503 }, times: 5 })
    const before = await faults()
    const cases: [unknown, number, string, RegExp][] = [
      [{ match: { operationId: 'GET_Nothing' }, effect: { status: 500 } }, 400, '20', /GET_Nothing.*not an operation/],
      [{ match: { method: 'GET', path: '/query/nothing' }, effect: { status: 500 } }, 400, '20', /not an operation/],
      [{ match: { operationId: 'GET_DataQueryJob' }, effect: { status: 418 } }, 400, '20', /never answers 418/],
      [{ match: { operationId: 'createToken' }, effect: { status: 404 } }, 400, '20', /never answers 404/],
      [{ match: { operationId: 'GET_DataQueryJob' }, effect: { status: 500 }, probability: 1.5 }, 400, '20', /probability/],
      [{ match: { operationId: 'GET_DataQueryJob' }, effect: { status: 500 }, times: -1 }, 400, '20', /times/],
      [{ match: { operationId: 'GET_DataQueryJob' } }, 400, '22', /effect is required/],
      [{ match: { operationId: 'GET_DataQueryJob' }, effect: { drop: 'reset', status: 500 } }, 400, '20', /drop/],
      [{ job: { type: 'dataQuerry', transientFailures: 1 } }, 400, '20', /dataQuerry.*not a job type/],
      [{ rows: { type: 'dataQuery', rowNumbers: [1] } }, 400, '20', /no file rows/],
      [{ rows: { type: 'customObjectBulk', rowNumbers: [0] } }, 400, '20', /rowNumbers/],
      [{ match: { operationId: 'GET_DataQueryJob' }, effect: { status: 500 }, color: 'red' }, 400, '21', /color/],
    ]
    for (const [body, status, category, message] of cases) {
      assertAdminError(await server.admin('POST', `/admin/tenants/${tenantId}/faults`, body), status, category, message)
    }
    assertAdminError(await server.admin('POST', '/admin/tenants/999999/faults', { job: { type: 'dataQuery', transientFailures: 1 } }), 404, '40', /999999/)
    assertAdminError(await server.admin('GET', '/admin/tenants/999999/requests'), 404, '40', /999999/)
    assertAdminError(await server.admin('GET', '/admin/tenants/999999/faults'), 404, '40', /999999/)
    assertAdminError(await server.admin('DELETE', `/admin/tenants/${tenantId}/faults/no-such-rule`), 404, '40', /no-such-rule/)
    assertAdminError(await server.admin('GET', `/admin/tenants/${tenantId}/requests?since=yesterday`), 400, '20', /since/)
    assert.deepEqual(await faults(), before)
    await clearFaults()
  })

  test('/openapi.json lists the fault and journal operations', async () => {
    const document = (await request(`${server.url}/openapi.json`)).json()
    assert.ok(document.paths['/admin/tenants/{tenantId}/faults'].post)
    assert.ok(document.paths['/admin/tenants/{tenantId}/faults'].get)
    assert.ok(document.paths['/admin/tenants/{tenantId}/faults'].delete)
    assert.ok(document.paths['/admin/tenants/{tenantId}/faults/{ruleId}'].delete)
    assert.ok(document.paths['/admin/tenants/{tenantId}/requests'].get)
    assert.ok(document.paths['/admin/tenants/{tenantId}/requests'].delete)
  })
})
