// The isolation matrix: every operation of /openapi.json whose path names something (a
// tenant, job, record, object, file or user) is called with a victim tenant's ids by
// - another tenant's admin user (its ids do not exist there: the family's 404),
// - a user of the victim's tenant without any permission (the family's 403; records: 401),
// - a non-admin user of the victim's tenant, on another user's Data Query job (403, code 1009),
// - a user of another entity of a multi-entity tenant (404),
// and on the admin plane with a tenant's token (401), another tenant's path (404: jobs, users, fault
// rules) or a tenant that does not exist (404); the tenant-wide admin operations (journal, fault
// rules, snapshot, reset) of one tenant see and change nothing of another. Every
// attempt is refused in the family's envelope and changes nothing in the database. A new
// operation with a path parameter the matrix does not know fails the test until it is added.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { request, type HttpResponse } from '../helpers/http.ts'
import { ADMIN_TOKEN, createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { multipart } from '../backfill/helpers.ts'
import { changed, envelopeProblem, fillPath, fingerprint, operationName, operations, sampleOf, type Json, type Operation } from './routes.ts'

/** Path parameters that name something a tenant owns; `type` (a backfill template) names nothing. */
const ID_PARAMS = ['tenantId', 'jobId', 'id', 'object', 'fileId', 'userId', 'ruleId']
const NOT_IDS = ['type']

interface Victim {
  tenantId: string
  adminUserId: string
  queryJob: string
  fileJob: string
  propagationJob: string
  bookingJob: string
  bulkJob: string
  record: string
  fileId: string
  faultRule: string
}

/** The victim's id for a parameter of an operation. */
function idFor(op: Operation, name: string, victim: Victim): string {
  switch (name) {
    case 'tenantId':
      return victim.tenantId
    case 'userId':
      return victim.adminUserId
    case 'ruleId':
      return victim.faultRule
    case 'object':
      return 'Vehicle'
    case 'fileId':
      return victim.fileId
    case 'type':
      return 'RatePlanCharge'
    case 'id':
      return op.path.startsWith('/objects/records/') ? victim.record : victim.bulkJob
    case 'jobId':
      if (op.path.startsWith('/query/') || op.path.startsWith('/admin/')) return victim.queryJob
      if (op.path.includes('/propagation/')) return victim.propagationJob
      if (op.path.includes('/bookingdate/')) return victim.bookingJob
      return victim.fileJob
  }
  throw new Error(`${operationName(op)}: the isolation matrix does not know path parameter {${name}}; add it`)
}

/** A body the operation takes (its documented sample), so that a refusal is about who asks, not what. */
function bodyFor(op: Operation): { body?: unknown; headers?: Record<string, string> } {
  if (op.bodyTypes.includes('application/json')) {
    const sample = sampleOf(op.bodySchema)
    if (op.path.endsWith('/jobs/{jobId}') && op.method === 'PUT') return { body: { status: 'Stopping' } }
    if (op.path.endsWith('/clock/advance')) return { body: { seconds: 60 } }
    if (op.path.startsWith('/objects/records/') && op.method === 'POST') return { body: { records: [{ VIN__c: 'X1' }] } }
    if (op.path.startsWith('/objects/records/')) return { body: { VIN__c: 'X2' } }
    if (op.path.startsWith('/objects/batch/')) return { body: { action: { type: 'delete', ids: [] } } }
    return { body: sample ?? {} }
  }
  if (op.path.endsWith('/files') && op.method === 'POST') return { body: 'VIN__c\nX3\n', headers: { 'content-type': 'text/csv' } }
  if (op.path.endsWith('/import')) return { body: 'id,name\n', headers: { 'content-type': 'text/csv' } }
  // A gzip stream that is no archive: the tenant is looked up before the archive is read.
  if (op.path.endsWith('/snapshot') && op.method === 'POST') return { body: gzipSync('not an archive'), headers: { 'content-type': 'application/gzip' } }
  return {}
}

describe('isolation matrix over /openapi.json', () => {
  let server: TestServer
  let ops: Operation[]
  const victim = {} as Victim
  const tokens = {} as { otherTenant: string; noPermission: string; otherAnalyst: string; otherEntity: string; victimAdmin: string }
  let entityTenant: { tenantId: string; entityA: string; entityB: string; queryJob: string; bulkJob: string; fileJob: string; record: string }

  const ok = async (response: Promise<HttpResponse>): Promise<Json> => {
    const answer = await response
    assert.ok(answer.status < 300, answer.text)
    return answer.json()
  }
  const as = (token: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) =>
    request(`${server.url}${path}`, { method, body: options.body, headers: { authorization: `Bearer ${token}`, ...options.headers } })
  const userToken = async (tenantId: string, user: Json, headers: Record<string, string> = {}) => {
    const created = await ok(server.admin('POST', `/admin/tenants/${tenantId}/users`, user))
    const minted = await ok(
      request(`${server.url}/admin/tenants/${tenantId}/users/${created.id}/token`, { method: 'POST', body: headers, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    )
    return minted.access_token as string
  }

  /** A tenant's resources of every kind: a custom object with a record, a bulk job with its upload, a query, backfills. */
  async function resources(token: string, headers: Record<string, string> = {}) {
    const call = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => ok(as(token, method, path, { body, headers: { ...headers, ...extra } }))
    await call('POST', '/objects/definitions/default', {
      definitions: { Vehicle: { object: 'Vehicle', label: 'Vehicle', properties: { VIN__c: { type: 'string', label: 'VIN', maxLength: 17 } }, required: ['VIN__c'], filterable: ['VIN__c'], unique: ['VIN__c'] } },
    }).catch(() => {}) // defined once per tenant
    const record = await call('POST', '/objects/records/default/Vehicle', { records: [{ VIN__c: `V${Math.random().toString(16).slice(2, 10)}` }] })
    const bulk = await call('POST', '/objects/jobs', { namespace: 'default', object: 'Vehicle', operation: 'create' })
    await call('POST', `/objects/jobs/${bulk.Id}/files`, 'VIN__c\nB1\n', { 'content-type': 'text/csv' })
    const query = await call('POST', '/query/jobs', { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } })
    const { body, contentType } = multipart([
      { name: 'type', value: 'RatePlanCharge' },
      { name: 'file', value: 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Once\n', filename: 'b.csv', contentType: 'text/csv' },
    ])
    const file = await call('POST', '/v1/uno/data-backfill/jobs', body, { 'content-type': contentType })
    return { record: String(record.records[0].Id ?? record.records[0].id), bulkJob: String(bulk.Id), queryJob: String(query.data.id), fileJob: String(file.jobId) }
  }

  before(async () => {
    // No workers: nothing changes unless a request changes it.
    server = await startTestServer({}, { workers: 'none' })
    ops = await operations(server)
    tokens.otherTenant = await server.token()
    const owner = await createTenantWithClient(server, { name: 'victim' }, { username: 'owner', admin: true })
    tokens.victimAdmin = owner.token
    victim.tenantId = String(owner.tenant.id)
    victim.adminUserId = String(owner.user.id)
    Object.assign(victim, await resources(owner.token))
    victim.propagationJob = String((await ok(as(owner.token, 'POST', '/v1/uno/data-backfill/propagation/jobs', { body: { type: 'RatePlanCharge' } }))).jobId)
    victim.bookingJob = String((await ok(as(owner.token, 'POST', '/v1/uno/data-backfill/bookingdate/jobs'))).jobId)
    const { rows } = await server.server.db.query<{ id: string }>('SELECT id FROM files WHERE tenant_id = $1 ORDER BY id LIMIT 1', [victim.tenantId])
    victim.fileId = rows[0].id
    // A fault rule no request of the matrix matches (the list of Data Query jobs has no id).
    victim.faultRule = String(
      (await ok(server.admin('POST', `/admin/tenants/${victim.tenantId}/faults`, { match: { operationId: 'GET_DataQueryJobs' }, effect: { status: 503 }, times: 1 }))).id,
    )
    tokens.noPermission = await userToken(victim.tenantId, { username: 'nobody', permissions: [] })
    tokens.otherAnalyst = await userToken(victim.tenantId, { username: 'analyst', permissions: ['dataQuery', 'viewCustomObjects', 'dataBackfill'] })

    // A multi-entity tenant: resources in one entity, a user of the other.
    const entities = await ok(server.admin('POST', '/admin/tenants', { name: 'entities', entities: ['Global', 'Europe'] }))
    const [entityA, entityB] = entities.entities.map((entity: Json) => String(entity.id))
    const entityAdmin = await userToken(String(entities.id), { username: 'global-admin', admin: true, entityIds: [entityA] }, { entityId: entityA })
    tokens.otherEntity = await userToken(String(entities.id), { username: 'europe-admin', admin: true, entityIds: [entityB] }, { entityId: entityB })
    entityTenant = { tenantId: String(entities.id), entityA, entityB, ...(await resources(entityAdmin)) }
  })
  after(() => server?.close())

  const idOps = () => ops.filter((op) => op.pathParams.some((name) => !NOT_IDS.includes(name)))

  test('every path parameter of the document is one the matrix knows', () => {
    const unknown = ops.flatMap((op) => op.pathParams.filter((name) => !ID_PARAMS.includes(name) && !NOT_IDS.includes(name)).map((name) => `${operationName(op)} {${name}}`))
    assert.deepEqual(unknown, [], 'a new kind of id: teach the isolation matrix how to name the victim\'s')
    assert.ok(idOps().length >= 30, `id-bearing operations: ${idOps().length}`)
  })

  /** Calls each id-bearing operation as `who` and checks the answer; returns what went wrong. */
  async function attempt(who: string, token: string | undefined, pick: (op: Operation) => { path: string; expect: number[] } | undefined) {
    const problems: string[] = []
    let tried = 0
    for (const op of idOps()) {
      const target = pick(op)
      if (!target) continue
      const before = await fingerprint(server)
      const { body, headers } = bodyFor(op)
      const response = await request(`${server.url}${target.path}`, {
        method: op.method,
        body,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      })
      tried += 1
      const touched = changed(before, await fingerprint(server))
      const envelope = envelopeProblem(target.path, response)
      if (!target.expect.includes(response.status) || envelope || touched.length > 0) {
        problems.push(`${who}: ${op.method} ${target.path} -> ${response.status} (wanted ${target.expect.join('/')})${envelope ? ` ${envelope}` : ''}${touched.length ? ` changed ${touched.join(', ')}` : ''} ${response.text.slice(0, 160)}`)
      }
    }
    assert.ok(tried > 0)
    return { problems, tried }
  }

  const isAdmin = (op: Operation) => op.path.startsWith('/admin/')
  const isSigned = (op: Operation) => op.path.startsWith('/files/')
  const victimPath = (op: Operation) => fillPath(op.path, Object.fromEntries(op.pathParams.map((name) => [name, idFor(op, name, victim)])))

  test("another tenant's ids: the family's 404, nothing changed", async () => {
    const { problems, tried } = await attempt('another tenant', tokens.otherTenant, (op) => {
      if (isAdmin(op)) return undefined // the admin plane: its own tests below
      // A signed link names its tenant and is signed for it: without the signature, 403.
      if (isSigned(op)) return { path: `${victimPath(op)}?tenant=${victim.tenantId}&expires=9999999999&signature=${'0'.repeat(64)}`, expect: [403] }
      return { path: victimPath(op), expect: [404] }
    })
    console.log(`# isolation: another tenant, ${tried} operations`)
    assert.deepEqual(problems, [])
  })

  test("a user of the tenant without the permission: the family's 403, nothing changed", async () => {
    const { problems, tried } = await attempt('no permission', tokens.noPermission, (op) => {
      if (isAdmin(op) || isSigned(op)) return undefined
      // Record operations answer Zuora's ErrorResponse401Record (src/objects/permissions.ts).
      const records = op.path.startsWith('/objects/records/') || op.path.startsWith('/objects/batch/')
      return { path: victimPath(op), expect: records ? [401] : [403] }
    })
    console.log(`# isolation: no permission, ${tried} operations`)
    assert.deepEqual(problems, [])
  })

  test("another user's Data Query job: a non-admin analyst gets 403 (code 1009, restricted job), nothing changed", async () => {
    const { problems } = await attempt('not the owner', tokens.otherAnalyst, (op) =>
      op.path.startsWith('/query/jobs/{jobId}') ? { path: victimPath(op), expect: [403] } : undefined,
    )
    assert.deepEqual(problems, [])
    // The owner reads it (the refusals are about who asks).
    assert.equal((await as(tokens.victimAdmin, 'GET', `/query/jobs/${victim.queryJob}`)).status, 200)
  })

  test("another entity's ids: 404 from the other entity, nothing changed", async () => {
    const ids: Record<string, string> = { id: entityTenant.bulkJob, object: 'Vehicle' }
    const { problems, tried } = await attempt('another entity', tokens.otherEntity, (op) => {
      if (isAdmin(op) || isSigned(op) || op.path.startsWith('/apps/') || op.path.includes('/propagation/') || op.path.includes('/bookingdate/')) return undefined
      // Custom objects (definitions, records, jobs) are each entity's own.
      const values: Record<string, string> = {
        ...ids,
        id: op.path.startsWith('/objects/records/') ? entityTenant.record : entityTenant.bulkJob,
        jobId: op.path.startsWith('/query/') ? entityTenant.queryJob : entityTenant.fileJob,
      }
      return { path: fillPath(op.path, values), expect: [404] }
    })
    console.log(`# isolation: another entity, ${tried} operations`)
    assert.deepEqual(problems, [])
  })

  test('the admin plane: a tenant token gets 401; another tenant in the path gets 404; nothing changed', async () => {
    const admin = idOps().filter(isAdmin)
    assert.ok(admin.length >= 10)
    const withToken = await attempt('tenant token on /admin', tokens.victimAdmin, (op) => (isAdmin(op) ? { path: victimPath(op), expect: [401] } : undefined))
    assert.deepEqual(withToken.problems, [])
    // The victim's job and user under another tenant's path.
    const otherTenantId = String(server.server.bootstrap.tenant.id)
    const crossed = await attempt('admin, crossed tenants', ADMIN_TOKEN, (op) => {
      if (!isAdmin(op) || !op.pathParams.some((name) => name !== 'tenantId')) return undefined
      const path = fillPath(op.path, Object.fromEntries(op.pathParams.map((name) => [name, name === 'tenantId' ? otherTenantId : idFor(op, name, victim)])))
      return { path, expect: [404] }
    })
    console.log(`# isolation: admin plane, ${withToken.tried} + ${crossed.tried} operations`)
    assert.deepEqual(crossed.problems, [])
  })

  test("the admin plane on a tenant that does not exist: 404 on every operation, nothing changed", async () => {
    const missing = await attempt('admin, missing tenant', ADMIN_TOKEN, (op) =>
      isAdmin(op)
        ? {
            // A request right but for the tenant (an import names its object).
            path: fillPath(op.path, Object.fromEntries(op.pathParams.map((name) => [name, name === 'tenantId' ? '987654321' : idFor(op, name, victim)]))) + (op.path.endsWith('/import') ? '?object=Account' : ''),
            expect: [404],
          }
        : undefined,
    )
    console.log(`# isolation: admin plane, missing tenant, ${missing.tried} operations`)
    assert.deepEqual(missing.problems, [])
  })

  test("the admin plane's tenant-wide operations (journal, faults, snapshot, reset) see and touch only the tenant in the path", async () => {
    const other = String(server.server.bootstrap.tenant.id)
    const victimIds = [victim.queryJob, victim.bulkJob, victim.fileJob, victim.record, victim.faultRule, victim.fileId]
    // A request of each tenant, marked by its track id, is in its own journal only (written in
    // batches: a read flushes them); no request is in both.
    const marks = { victim: `victim-${Date.now()}`, other: `other-${Date.now()}` }
    assert.equal((await as(tokens.victimAdmin, 'GET', '/objects/definitions/default', { headers: { 'zuora-track-id': marks.victim } })).status, 200)
    assert.equal((await as(tokens.otherTenant, 'GET', '/objects/definitions/default', { headers: { 'zuora-track-id': marks.other } })).status, 200)
    const journalOf = async (tenantId: string) => (await ok(server.admin('GET', `/admin/tenants/${tenantId}/requests`))).requests as Json[]
    const [own, theirs] = [await journalOf(victim.tenantId), await journalOf(other)]
    assert.deepEqual([own.some((entry) => entry.trackId === marks.victim), own.some((entry) => entry.trackId === marks.other)], [true, false])
    assert.deepEqual([theirs.some((entry) => entry.trackId === marks.other), theirs.some((entry) => entry.trackId === marks.victim)], [true, false])
    const ownIds = new Set(own.map((entry) => entry.requestId))
    assert.deepEqual(theirs.filter((entry) => ownIds.has(entry.requestId)), [])
    assert.deepEqual((await ok(server.admin('GET', `/admin/tenants/${other}/faults`))).faults, [])
    // Another tenant's snapshot holds none of the victim's ids.
    const snapshot = await request(`${server.url}/admin/tenants/${other}/snapshot`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    assert.equal(snapshot.status, 200, snapshot.text)
    const archive = gunzipSync(snapshot.body).toString('latin1')
    assert.ok(archive.includes('manifest'), 'an archive')
    assert.deepEqual(victimIds.filter((id) => archive.includes(id)), [], 'victim ids in another tenant\'s snapshot')
    // Clearing another tenant's journal and faults, restoring its snapshot and resetting it leave the victim's rows as they were.
    const before = await fingerprint(server, { tenantId: victim.tenantId })
    await ok(server.admin('DELETE', `/admin/tenants/${other}/requests`))
    await ok(server.admin('DELETE', `/admin/tenants/${other}/faults`))
    const restored = await request(`${server.url}/admin/tenants/${other}/snapshot`, { method: 'POST', body: snapshot.body, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/gzip' } })
    assert.equal(restored.status, 200, restored.text)
    await ok(server.admin('POST', `/admin/tenants/${other}/reset`, {}))
    assert.deepEqual(changed(before, await fingerprint(server, { tenantId: victim.tenantId })), [])
    assert.ok((await journalOf(victim.tenantId)).some((entry) => entry.trackId === marks.victim), 'the victim\'s journal kept')
  })
})
