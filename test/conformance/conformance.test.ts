// Conformance with Zuora's API reference, operation by operation (issue 19): every operation
// of test/conformance/operations.ts is driven here as a client generated from Zuora's models
// would drive it, and what docs/coverage.md says of it is checked against the running server:
//
// - served: /openapi.json has it under Zuora's operationId; what is not served answers 501;
// - the fullest request a generated client sends (every optional field of Zuora's model at its
//   default, and again with every optional field null) succeeds;
// - each error status the table lists is provoked, and answered in the family's envelope;
// - every answer validates against the vendor's schema for it, where the vendor has one;
// - docs/coverage.md is what scripts/coverage.ts renders, and each decision it cites exists.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { renderCoverage, vendorStatuses } from '../../scripts/coverage.ts'
import { multipart, md5 } from '../backfill/helpers.ts'
import { request, type HttpResponse, type RequestOptions } from '../helpers/http.ts'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse, vendorOperation } from '../helpers/vendor.ts'
import { SMALL_VEHICLE } from '../objects/helpers.ts'
import { ALIASES, NOT_SERVED, OPERATIONS, type ZuoraOperation } from './operations.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const fixture: Json = JSON.parse(readFileSync(new URL('../fixtures/vendor-openapi.json', import.meta.url), 'utf8'))

function deref(schema: Json): Json {
  let current = schema
  while (current?.$ref) current = current.$ref.slice(2).split('/').reduce((node: Json, part: string) => node[part], fixture)
  return current
}

type Mode = 'defaults' | 'nulls'

/**
 * The body a client generated from Zuora's model sends: the values given, and every optional
 * field of the model the client holds too. `defaults`: the model's default, `false` for a flag,
 * `[]` for a list, `null` for anything else; `nulls`: `null` for every one.
 */
export function fullest(schema: Json, given: unknown, mode: Mode): unknown {
  const model = deref(schema)
  if (given === undefined) {
    if (mode === 'nulls') return null
    if (model && 'default' in model) return model.default
    if (model?.type === 'boolean') return false
    if (model?.type === 'array') return []
    return null
  }
  if (Array.isArray(given)) return model?.items ? given.map((item) => fullest(model.items, item, mode)) : given
  if (given !== null && typeof given === 'object' && model && (model.properties || typeof model.additionalProperties === 'object')) {
    const properties: Record<string, Json> = model.properties ?? {}
    const out: Record<string, unknown> = {}
    for (const [name, property] of Object.entries(properties)) out[name] = fullest(property, (given as Json)[name], mode)
    for (const [name, value] of Object.entries(given)) {
      if (name in properties) continue
      out[name] = typeof model.additionalProperties === 'object' ? fullest(model.additionalProperties, value, mode) : value
    }
    return out
  }
  return given
}

/** The fullest JSON body of a vendor operation, in both modes (once if they are the same). */
function fullBodies(method: string, path: string, given: unknown): unknown[] {
  const schema = vendorOperation(method, path)?.requestBody?.content?.['application/json']?.schema
  assert.ok(schema, `the vendor has a JSON body for ${method} ${path}`)
  const bodies = (['defaults', 'nulls'] as const).map((mode) => fullest(schema, given, mode))
  return JSON.stringify(bodies[0]) === JSON.stringify(bodies[1]) ? [bodies[0]] : bodies
}

interface Scenario {
  /** The requests of a successful call (each must answer 2xx), made in order. */
  ok: () => Promise<HttpResponse[]>
  /** Method and concrete URL of the operation, for the 401 without a token. */
  url: () => string
  errors?: Partial<Record<number, () => Promise<HttpResponse>>>
}

describe('conformance with Zuora operations (docs/coverage.md)', () => {
  let server: TestServer
  let document: Json
  const ids: Record<string, string> = {}
  const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000'
  const UNKNOWN_32 = '0'.repeat(32)

  const api = (method: string, path: string, options: RequestOptions = {}) => server.api(method, path, options)
  const json = (method: string, path: string, body: unknown) => api(method, path, { body })
  const form = (fields: Record<string, string>) => request(`${server.url}/oauth/token`, { method: 'POST', form: fields })
  const uploadBackfill = (type: string, file: string, checksum?: string) => {
    const parts = [
      { name: 'type', value: type },
      { name: 'file', value: file, filename: 'charges.csv', contentType: 'text/csv' },
      ...(checksum === undefined ? [] : [{ name: 'checksum', value: checksum }]),
    ]
    const { body, contentType } = multipart(parts)
    return api('POST', '/v1/uno/data-backfill/jobs', { body, headers: { 'content-type': contentType } })
  }
  const ok2xx = async (...responses: Promise<HttpResponse>[]) => Promise.all(responses)
  const sequential = async (calls: (() => Promise<HttpResponse>)[]) => {
    const responses: HttpResponse[] = []
    for (const call of calls) responses.push(await call())
    return responses
  }

  before(async () => {
    // No workers: jobs stay where a client's first calls find them (accepted, pending), so
    // that cancels and stops have something to act on.
    server = await startTestServer({}, { workers: 'none' })
    document = (await request(`${server.url}/openapi.json`)).json()
    const defined = await json('POST', '/objects/definitions/default', { definitions: { Vehicle: SMALL_VEHICLE, Doomed: { ...SMALL_VEHICLE, object: 'Doomed' } } })
    assert.equal(defined.status, 200, defined.text)
    const records = await json('POST', '/objects/records/default/Vehicle', {
      records: ['V-1', 'V-2', 'V-3', 'V-4'].map((VIN__c) => ({ VIN__c, make__c: 'Volvo', seats__c: 5 })),
    })
    assert.equal(records.status, 200, records.text)
    ;[ids.record, ids.recordToDelete, ids.batchDelete, ids.batchUpdate] = records.json().records.map((record: Json) => record.Id)
    const query = { query: 'SELECT 1 AS one', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }
    ids.query = (await json('POST', '/query/jobs', query)).json().data.id
    ids.queryToCancel = (await json('POST', '/query/jobs', query)).json().data.id
    const job = (operation: string) => json('POST', '/objects/jobs', { namespace: 'default', object: 'Vehicle', operation })
    ids.bulk = (await job('create')).json().Id
    ids.bulkToCancel = (await job('create')).json().Id
    const template = (await api('GET', '/v1/uno/data-backfill/jobs/RatePlanCharge/template')).text
    const file = `${template.trimEnd()}\n`
    ids.backfillFile = file
    ids.fileJob = (await uploadBackfill('RatePlanCharge', file)).json().jobId
    ids.fileJobToStop = (await uploadBackfill('RatePlanCharge', file)).json().jobId
    const auto = () => json('POST', '/v1/uno/data-backfill/propagation/jobs', { type: 'RatePlanCharge' })
    ids.auto = (await auto()).json().jobId
    ids.autoToStop = (await auto()).json().jobId
    ids.booking = (await api('POST', '/v1/uno/data-backfill/bookingdate/jobs')).json().jobId
    ids.bookingToStop = (await api('POST', '/v1/uno/data-backfill/bookingdate/jobs')).json().jobId
    for (const [name, id] of Object.entries(ids)) assert.ok(id, `setup made ${name}`)
  })
  after(() => server?.close())

  const V = '/objects/records/default/Vehicle'
  const DB = '/v1/uno/data-backfill'
  const SCENARIOS: Record<string, Scenario> = {
    createToken: {
      url: () => '/oauth/token',
      ok: async () => [await form({ client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'client_credentials' })],
      errors: {
        400: () => form({ client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'password' }),
        401: () => form({ client_id: DEFAULT_CLIENT_ID, client_secret: 'not-the-secret', grant_type: 'client_credentials' }),
      },
    },

    POST_DataQueryJob: {
      url: () => '/query/jobs',
      ok: () =>
        sequential(
          fullBodies('POST', '/query/jobs', { query: 'SELECT 1 AS one', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }).map(
            (body) => () => json('POST', '/query/jobs', body),
          ),
        ),
      errors: {
        400: () => json('POST', '/query/jobs', { query: 'SELECT 1', outputFormat: 'XML', compression: 'NONE', output: { target: 'S3' } }),
        415: () => api('POST', '/query/jobs', { body: 'query=SELECT 1', headers: { 'content-type': 'text/plain' } }),
      },
    },
    GET_DataQueryJobs: {
      url: () => '/query/jobs',
      ok: () => ok2xx(api('GET', '/query/jobs'), api('GET', '/query/jobs?pageSize=20'), api('GET', '/query/jobs?queryStatus=accepted&pageSize=20')),
      errors: { 400: () => api('GET', '/query/jobs?pageSize=0') },
    },
    GET_DataQueryJob: {
      url: () => `/query/jobs/${ids.query}`,
      ok: () => ok2xx(api('GET', `/query/jobs/${ids.query}`)),
      errors: { 404: () => api('GET', `/query/jobs/${UNKNOWN_UUID}`) },
    },
    DELETE_DataQueryJob: {
      url: () => `/query/jobs/${ids.queryToCancel}`,
      ok: () => ok2xx(api('DELETE', `/query/jobs/${ids.queryToCancel}`)),
      errors: {
        // Cancelled already (the ok call ran first).
        400: () => api('DELETE', `/query/jobs/${ids.queryToCancel}`),
        404: () => api('DELETE', `/query/jobs/${UNKNOWN_UUID}`),
      },
    },

    GET_AllCustomObjectDefinitionsInNamespace: {
      url: () => '/objects/definitions/default',
      ok: () => ok2xx(api('GET', '/objects/definitions/default'), api('GET', '/objects/definitions/default?select=type')),
      errors: { 400: () => api('GET', '/objects/definitions/default?select=everything') },
    },
    POST_CustomObjectDefinitions: {
      url: () => '/objects/definitions/default',
      ok: () => {
        const bodies = (['defaults', 'nulls'] as const).map((mode) =>
          fullBodies('POST', '/objects/definitions/default', { definitions: { [`Car_${mode}`]: { ...SMALL_VEHICLE, object: `Car_${mode}` } } })[
            mode === 'defaults' ? 0 : 1
          ],
        )
        return sequential(bodies.map((body) => () => json('POST', '/objects/definitions/default', body)))
      },
      errors: { 400: () => json('POST', '/objects/definitions/default', { definitions: { Broken: { label: 'No object name' } } }) },
    },
    GET_CustomObjectDefinitionByType: {
      url: () => '/objects/definitions/default/Vehicle',
      ok: () => ok2xx(api('GET', '/objects/definitions/default/Vehicle')),
      errors: { 404: () => api('GET', '/objects/definitions/default/NoSuchObject') },
    },
    Delete_CustomObjectDefinitionByType: {
      url: () => '/objects/definitions/default/Doomed',
      ok: () => ok2xx(api('DELETE', '/objects/definitions/default/Doomed')),
      errors: { 404: () => api('DELETE', '/objects/definitions/default/NoSuchObject') },
    },
    POST_UpdateCustomObjectDefinition: {
      url: () => '/objects/migrations',
      // Zuora's model (CustomObjectDefinitionUpdateActionRequest) holds every action's fields.
      ok: () =>
        sequential(
          (['defaults', 'nulls'] as const).map((mode) => () => {
            const none = mode === 'nulls' ? null : false
            return json('POST', '/objects/migrations', {
              actions: [
                {
                  type: 'addField',
                  namespace: 'default',
                  object: 'Vehicle',
                  field: {
                    name: `color_${mode}__c`,
                    definition: { type: 'string', label: 'Color', maxLength: 32 },
                    required: none,
                    filterable: none,
                    unique: none,
                    auditable: none,
                    targetName: null,
                  },
                  relationship: null,
                  label: null,
                  description: null,
                  enableCreateRecordAuditing: none,
                  enableDeleteRecordAuditing: none,
                },
              ],
            })
          }),
        ),
      errors: {
        400: () => json('POST', '/objects/migrations', { actions: [] }),
        404: () => json('POST', '/objects/migrations', { actions: [{ type: 'updateObject', namespace: 'default', object: 'NoSuchObject', label: 'X' }] }),
      },
    },

    POST_CustomObjectRecords: {
      url: () => V,
      ok: () => {
        const bodies = (['defaults', 'nulls'] as const).map(
          (mode) => fullBodies('POST', '/objects/records/default/{object}', { records: [{ VIN__c: `C-${mode}`, make__c: 'Saab' }] })[mode === 'defaults' ? 0 : 1],
        )
        return sequential(bodies.map((body) => () => json('POST', V, body)))
      },
      errors: {
        400: () => json('POST', V, { records: [{ make__c: 'No VIN' }] }),
        404: () => json('POST', '/objects/records/default/NoSuchObject', { records: [{ VIN__c: 'X' }] }),
      },
    },
    GET_AllRecordsForCustomObjectType: {
      url: () => V,
      ok: () => ok2xx(api('GET', V), api('GET', `${V}?pageSize=20`)),
      errors: { 400: () => api('GET', `${V}?pageSize=0`), 404: () => api('GET', '/objects/records/default/NoSuchObject') },
    },
    GET_CustomObjectRecordByID: {
      url: () => `${V}/${ids.record}`,
      ok: () => ok2xx(api('GET', `${V}/${ids.record}`)),
      errors: { 404: () => api('GET', `${V}/${UNKNOWN_UUID}`) },
    },
    PUT_CustomObjectRecord: {
      url: () => `${V}/${ids.record}`,
      ok: () => ok2xx(json('PUT', `${V}/${ids.record}`, { make__c: 'Saab' })),
      errors: { 400: () => json('PUT', `${V}/${ids.record}`, { seats__c: 'many' }), 404: () => json('PUT', `${V}/${UNKNOWN_UUID}`, { make__c: 'Saab' }) },
    },
    Patch_PartialUpdateCustomObjectRecord: {
      url: () => `${V}/${ids.record}`,
      ok: () =>
        ok2xx(
          api('PATCH', `${V}/${ids.record}`, { body: JSON.stringify({ seats__c: 4 }), headers: { 'content-type': 'application/merge-patch+json' } }),
          json('PATCH', `${V}/${ids.record}`, { seats__c: 3 }),
        ),
      errors: { 400: () => json('PATCH', `${V}/${ids.record}`, { seats__c: 'many' }), 404: () => json('PATCH', `${V}/${UNKNOWN_UUID}`, { seats__c: 2 }) },
    },
    Delete_CustomObjectRecordByID: {
      url: () => `${V}/${ids.recordToDelete}`,
      ok: () => ok2xx(api('DELETE', `${V}/${ids.recordToDelete}`), api('DELETE', `${V}/${UNKNOWN_UUID}`)),
      errors: { 404: () => api('DELETE', `/objects/records/default/NoSuchObject/${UNKNOWN_UUID}`) },
    },
    POST_CustomObjectRecordsBatchUpdateOrDelete: {
      url: () => '/objects/batch/default/Vehicle',
      // Zuora's model (CustomObjectRecordBatchAction) is one object whatever the type: a
      // generated client sends the fields the type does not use, null or empty.
      ok: () =>
        sequential([
          () => json('POST', '/objects/batch/default/Vehicle', { action: { type: 'update', records: { [ids.batchUpdate!]: { seats__c: 2 } }, ids: null, allowPartialSuccess: false } }),
          () => json('POST', '/objects/batch/default/Vehicle', { action: { type: 'update', records: { [ids.batchUpdate!]: { seats__c: 3 } }, ids: [], allowPartialSuccess: null } }),
          () => json('POST', '/objects/batch/default/Vehicle', { action: { type: 'delete', ids: [UNKNOWN_UUID], records: {}, allowPartialSuccess: null } }),
          () => json('POST', '/objects/batch/default/Vehicle', { action: { type: 'delete', ids: [ids.batchDelete], records: null, allowPartialSuccess: false } }),
        ]),
      errors: {
        400: () => json('POST', '/objects/batch/default/Vehicle', { action: { type: 'upsert', ids: [] } }),
        404: () => json('POST', '/objects/batch/default/NoSuchObject', { action: { type: 'delete', ids: [UNKNOWN_UUID] } }),
      },
    },

    POST_CustomObjectBulkJob: {
      url: () => '/objects/jobs',
      ok: async () => {
        const responses = await sequential(
          fullBodies('POST', '/objects/jobs', { namespace: 'default', object: 'Vehicle', operation: 'update' }).map((body) => () => json('POST', '/objects/jobs', body)),
        )
        // Cancelled, so that the tenant's five active jobs are not used up.
        for (const response of responses) await api('PATCH', `/objects/jobs/${response.json().Id}/cancel`)
        return responses
      },
      errors: { 400: () => json('POST', '/objects/jobs', { namespace: 'default', object: 'Vehicle', operation: 'upsert' }) },
    },
    GET_AllCustomObjectBulkJobs: {
      url: () => '/objects/jobs',
      ok: () => ok2xx(api('GET', '/objects/jobs'), api('GET', '/objects/jobs?pageSize=25'), api('GET', '/objects/jobs?status=pending&pageSize=25')),
      errors: { 400: () => api('GET', '/objects/jobs?pageSize=0') },
    },
    GET_CustomObjectBulkJob: {
      url: () => `/objects/jobs/${ids.bulk}`,
      ok: () => ok2xx(api('GET', `/objects/jobs/${ids.bulk}`)),
      errors: { 404: () => api('GET', `/objects/jobs/${UNKNOWN_UUID}`) },
    },
    PATCH_CustomObjectBulkJob: {
      url: () => `/objects/jobs/${ids.bulkToCancel}/cancel`,
      ok: () => ok2xx(api('PATCH', `/objects/jobs/${ids.bulkToCancel}/cancel`)),
      errors: { 404: () => api('PATCH', `/objects/jobs/${UNKNOWN_UUID}/cancel`) },
    },
    GET_CustomObjectBulkJobErrors: {
      url: () => `/objects/jobs/${ids.bulk}/errors`,
      ok: () => ok2xx(api('GET', `/objects/jobs/${ids.bulk}/errors`)),
      errors: { 404: () => api('GET', `/objects/jobs/${UNKNOWN_UUID}/errors`) },
    },
    POST_UploadFileForCustomObjectBulkJob: {
      url: () => `/objects/jobs/${ids.bulk}/files`,
      ok: () => ok2xx(api('POST', `/objects/jobs/${ids.bulk}/files`, { body: 'VIN__c,make__c\nU-1,Volvo\n', headers: { 'content-type': 'text/csv' } })),
      errors: {
        400: () => api('POST', `/objects/jobs/${ids.bulkToCancel}/files`, { body: 'VIN__c,make__c\nU-2,Volvo\n', headers: { 'content-type': 'application/json' } }),
        404: () => api('POST', `/objects/jobs/${UNKNOWN_UUID}/files`, { body: 'VIN__c\nU-3\n', headers: { 'content-type': 'text/csv' } }),
      },
    },

    POST_CreateDataBackfillJob: {
      url: () => `${DB}/jobs`,
      // A multipart body: a generated client sends the parts it holds (checksum when set).
      ok: () => sequential([() => uploadBackfill('RatePlanCharge', ids.backfillFile!, md5(ids.backfillFile!)), () => uploadBackfill('RatePlanCharge', ids.backfillFile!)]),
      errors: { 400: () => uploadBackfill('NoSuchType', ids.backfillFile!) },
    },
    GET_DataBackfillJobById: {
      url: () => `${DB}/jobs/${ids.fileJob}`,
      ok: () => ok2xx(api('GET', `${DB}/jobs/${ids.fileJob}`)),
      errors: { 404: () => api('GET', `${DB}/jobs/${UNKNOWN_32}`) },
    },
    PUT_StopDataBackfillJobById: {
      url: () => `${DB}/jobs/${ids.fileJobToStop}`,
      ok: () => ok2xx(json('PUT', `${DB}/jobs/${ids.fileJobToStop}`, { status: 'Stopping' })),
      errors: { 400: () => json('PUT', `${DB}/jobs/${ids.fileJob}`, { status: 'Running' }), 404: () => json('PUT', `${DB}/jobs/${UNKNOWN_32}`, { status: 'Stopping' }) },
    },
    GET_ListDataBackfillJobs: { url: () => `${DB}/listjobs`, ok: () => ok2xx(api('GET', `${DB}/listjobs`)) },
    GET_DataBackfillTemplate: {
      url: () => `${DB}/jobs/RatePlanCharge/template`,
      ok: () => ok2xx(api('GET', `${DB}/jobs/RatePlanCharge/template`), api('GET', `${DB}/jobs/InvoiceDetail/template`)),
      errors: { 400: () => api('GET', `${DB}/jobs/NoSuchType/template`) },
    },
    POST_CreateAutoBackfillJob: {
      url: () => `${DB}/propagation/jobs`,
      ok: () =>
        sequential(fullBodies('POST', `${DB}/propagation/jobs`, { type: 'OrderLineItem' }).map((body) => () => json('POST', `${DB}/propagation/jobs`, body))),
      errors: { 400: () => json('POST', `${DB}/propagation/jobs`, { type: 'BookingDate' }) },
    },
    GET_listAutoBackfillJob: { url: () => `${DB}/propagation/jobs`, ok: () => ok2xx(api('GET', `${DB}/propagation/jobs`)) },
    GET_AutoBackfillJobById: {
      url: () => `${DB}/propagation/jobs/${ids.auto}`,
      ok: () => ok2xx(api('GET', `${DB}/propagation/jobs/${ids.auto}`)),
      errors: { 404: () => api('GET', `${DB}/propagation/jobs/${UNKNOWN_32}`) },
    },
    PUT_StopAutoBackfillJobById: {
      url: () => `${DB}/propagation/jobs/${ids.autoToStop}`,
      ok: () => ok2xx(json('PUT', `${DB}/propagation/jobs/${ids.autoToStop}`, { status: 'Stopping' })),
      errors: {
        400: () => json('PUT', `${DB}/propagation/jobs/${ids.auto}`, { status: 'Running' }),
        404: () => json('PUT', `${DB}/propagation/jobs/${UNKNOWN_32}`, { status: 'Stopping' }),
      },
    },
    POST_CreateBookingDateBackfillJob: { url: () => `${DB}/bookingdate/jobs`, ok: () => ok2xx(api('POST', `${DB}/bookingdate/jobs`)) },
    GET_ListBookingDateBackfillJobs: { url: () => `${DB}/bookingdate/jobs`, ok: () => ok2xx(api('GET', `${DB}/bookingdate/jobs`)) },
    GET_BookingDateBackfillJobById: {
      url: () => `${DB}/bookingdate/jobs/${ids.booking}`,
      ok: () => ok2xx(api('GET', `${DB}/bookingdate/jobs/${ids.booking}`)),
      errors: { 404: () => api('GET', `${DB}/bookingdate/jobs/${UNKNOWN_32}`) },
    },
    PUT_StopBookingDateBackfillJobById: {
      url: () => `${DB}/bookingdate/jobs/${ids.bookingToStop}`,
      ok: () => ok2xx(json('PUT', `${DB}/bookingdate/jobs/${ids.bookingToStop}`, { status: 'Stopping' })),
      errors: {
        400: () => json('PUT', `${DB}/bookingdate/jobs/${ids.booking}`, { status: 'Running' }),
        404: () => json('PUT', `${DB}/bookingdate/jobs/${UNKNOWN_32}`, { status: 'Stopping' }),
      },
    },
  }

  /** Checks an answer of `operation`: its status, its family's envelope, the vendor's schema. */
  function check(operation: ZuoraOperation, response: HttpResponse, status: number | '2xx', what: string) {
    const where = `${operation.operationId} ${what}`
    if (status === '2xx') assert.ok(response.status >= 200 && response.status < 300, `${where}: ${response.status} ${response.text.slice(0, 600)}`)
    else assert.equal(response.status, status, `${where}: ${response.text.slice(0, 600)}`)
    const type = String(response.headers['content-type'] ?? '')
    const isJson = type.startsWith('application/json')
    const body = isJson ? response.json() : response.text
    if (response.status >= 400) assert.ok(isJson, `${where}: an error body is JSON`)
    if (vendorStatuses(fixture, operation).includes(response.status)) {
      assertVendorResponse(operation.method, operation.path, response.status, body, isJson ? 'application/json' : type.split(';')[0])
    }
  }

  for (const operation of OPERATIONS) {
    test(`${operation.operationId}: ${operation.method} ${operation.path}`, async () => {
      const scenario = SCENARIOS[operation.operationId]
      assert.ok(scenario, `a scenario drives ${operation.operationId}`)
      assert.ok(operation.served, 'every operation of the table is served')
      for (const [index, response] of (await scenario.ok()).entries()) check(operation, response, '2xx', `request ${index + 1}`)
      const provoked = Object.keys(scenario.errors ?? {}).map(Number)
      if (operation.operationId !== 'createToken') provoked.push(401)
      assert.deepEqual(provoked.sort(), [...operation.errors].sort(), 'the error cases docs/coverage.md lists are those tested here')
      for (const [status, provoke] of Object.entries(scenario.errors ?? {})) check(operation, await provoke!(), Number(status), `error ${status}`)
      if (operation.operationId !== 'createToken') {
        const unauthenticated = await request(`${server.url}${scenario.url()}`, { method: operation.method })
        check(operation, unauthenticated, 401, 'without a token')
        assert.deepEqual(unauthenticated.json(), { message: 'Authentication error' })
      }
    })
  }

  test('served: /openapi.json has each operation under its Zuora operationId, and no other under these paths', () => {
    const documented = new Map<string, string>()
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
        if (operation?.operationId) documented.set(operation.operationId, `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`)
      }
    }
    for (const operation of OPERATIONS) {
      const expected = `${operation.method} ${operation.path.replace(/\{[^}]+\}/g, '{}')}`
      assert.equal(documented.get(operation.operationId), operation.served ? expected : undefined, operation.operationId)
    }
    const listed = new Set(OPERATIONS.map((operation) => operation.operationId))
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      if (!/^\/(query|objects|v1\/uno\/data-backfill|oauth)\//.test(path)) continue
      for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
        assert.ok(listed.has(operation.operationId), `${method.toUpperCase()} ${path} (${operation.operationId}) is in test/conformance/operations.ts`)
      }
    }
  })

  test('not served: each answers 501 in its family envelope, saying zjobs does not support it', async () => {
    for (const { method, path } of NOT_SERVED) {
      const url = path.replace(/\{[^}]+\}/g, (name) => (name === '{type}' ? 'RatePlanCharge' : UNKNOWN_UUID))
      const response = await api(method, url)
      assert.equal(response.status, 501, `${method} ${url}: ${response.text}`)
      const body = response.json()
      const message = url.startsWith('/v1/') ? body.reasons?.[0]?.message : body.message
      assert.match(String(message), /is not supported by zjobs/, `${method} ${url}: ${response.text}`)
      if (url.startsWith('/v1/')) assert.equal(body.reasons[0].code, '50000045')
      else if (url.startsWith('/objects/')) assert.equal(body.code, 71000045)
      else assert.equal(body.code, 501)
    }
    for (const operation of OPERATIONS.filter((operation) => !operation.served)) {
      const response = await api(operation.method, operation.path.replace(/\{[^}]+\}/g, UNKNOWN_UUID))
      assert.equal(response.status, 501, `${operation.operationId} is not served`)
    }
  })

  test('aliases: the SDK path variants answer as the operation they name', async () => {
    for (const { method, path, of } of ALIASES) {
      const operation = OPERATIONS.find((candidate) => candidate.operationId === of)!
      const url = path.replace('{type}', 'RatePlanCharge')
      const response = await api(method, url)
      check(operation, response, 200, `as ${method} ${url}`)
    }
  })

  test('docs/coverage.md is the table scripts/coverage.ts renders, and every decision it cites exists', () => {
    const current = readFileSync(new URL('../../docs/coverage.md', import.meta.url), 'utf8')
    assert.equal(current, renderCoverage(), 'docs/coverage.md is out of date: run npm run coverage')
    const decisions = readFileSync(new URL('../../docs/decisions.md', import.meta.url), 'utf8')
    for (const operation of OPERATIONS) {
      for (const difference of operation.differences) {
        assert.ok(decisions.includes(`**${difference.decision}`), `docs/decisions.md has the entry "${difference.decision}" (${operation.operationId})`)
      }
    }
  })
})
