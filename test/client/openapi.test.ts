// The client of the public API (src/client) checked against a running server's /openapi.json:
// every operation it calls exists with its method and Zuora's operationId, the request bodies
// it builds validate against the documented schemas, and every response field the front-ends
// read is documented. A route renamed, a field dropped or an enum changed fails here.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { ADMIN_OPERATIONS, OPERATIONS, type Operation } from '../../src/client/operations.ts'
import { plan } from '../../src/commands/query.ts'
import { parseCondition } from '../../src/commands/objects.ts'
import { request } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** The fields of each 200 answer the job commands (and the console after them) read. */
const FIELDS_READ: [keyof typeof OPERATIONS, string[]][] = [
  ['token', ['access_token', 'expires_in']],
  ['submitQuery', ['data.id', 'data.queryStatus']],
  ['getQuery', ['data.id', 'data.query', 'data.queryStatus', 'data.dataFile', 'data.outputRows', 'data.errorMessage', 'data.createdOn', 'data.updatedOn']],
  ['cancelQuery', ['data.queryStatus']],
  ['listDefinitions', ['definitions']],
  ['createDefinitions', ['count', 'definitions']],
  ['listRecords', ['count', 'records']],
  ['submitBulkJob', ['Id', 'status']],
  ['getBulkJob', ['Id', 'status', 'object', 'operation', 'recordsProcessed', 'error', 'CreatedDate', 'UpdatedDate']],
  ['listBulkJobs', ['cursor', 'jobs']],
  ['getBulkJobErrors', ['errors']],
  ['createBackfillJob', ['jobId']],
  [
    'getBackfillJob',
    [
      'job.id', 'job.importType', 'job.status', 'job.uploadedFileName', 'job.uploadedOn', 'job.totalCount', 'job.processedCount',
      'job.successCount', 'job.failedCount', 'job.completedPercentage', 'job.remainingTimeText', 'job.failureMessage',
      'job.resultFileName', 'job.resultFileUrl',
    ],
  ],
  ['listBackfillJobs', ['jobs']],
  ['createAutoBackfill', ['jobId']],
  ['getAutoBackfill', ['job.id', 'job.type', 'job.status', 'job.createdOn', 'job.batchSentCount', 'job.batchFinishedCount', 'job.errorCount', 'job.progress']],
  ['getBookingDateBackfill', ['job.id', 'job.status', 'job.progress']],
]

describe('the API client against /openapi.json', () => {
  let server: TestServer
  let doc: Json
  before(async () => {
    server = await startTestServer()
    doc = (await request(`${server.url}/openapi.json`)).json()
  })
  after(() => server.close())

  const resolve = (schema: Json): Json => {
    if (!schema?.$ref) return schema
    const name = String(schema.$ref).replace('#/components/schemas/', '')
    return resolve(doc.components.schemas[name])
  }
  /** OpenAPI 3.0's `exclusiveMinimum: true` beside `minimum` as JSON Schema (Ajv) writes it. */
  const jsonSchema = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(jsonSchema)
    if (!node || typeof node !== 'object') return node
    const out: Json = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, jsonSchema(value)]))
    for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
      if (out[exclusive] === true) {
        out[exclusive] = out[bound]
        delete out[bound]
      } else if (out[exclusive] === false) delete out[exclusive]
    }
    return out
  }
  const operationOf = (operation: Operation): Json => doc.paths[operation.path]?.[operation.method.toLowerCase()]
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }))
  const assertBody = (operation: Operation, body: unknown) => {
    const schema = resolve(operationOf(operation).requestBody?.content?.['application/json']?.schema)
    assert.ok(schema, `${operation.method} ${operation.path} documents a JSON body`)
    const validate = ajv.compile(jsonSchema(schema))
    assert.ok(validate(body), `${JSON.stringify(body)} does not fit ${operation.method} ${operation.path}: ${ajv.errorsText(validate.errors)}`)
  }

  test('every operation the client calls is in the document, with its method and operationId', () => {
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      const documented = operationOf(operation)
      assert.ok(documented, `${name}: ${operation.method} ${operation.path} is not in /openapi.json`)
      if (operation.operationId) assert.equal(documented.operationId, operation.operationId, `${name}'s operationId`)
    }
  })

  test('every admin operation the console calls is in the document, with its method', () => {
    for (const [name, operation] of Object.entries(ADMIN_OPERATIONS)) {
      assert.ok(operationOf(operation), `${name}: ${operation.method} ${operation.path} is not in /openapi.json`)
    }
  })

  test('every response field the job commands read is documented', () => {
    for (const [name, fields] of FIELDS_READ) {
      const operation = OPERATIONS[name]
      const schema = resolve(operationOf(operation).responses?.['200']?.content?.['application/json']?.schema)
      assert.ok(schema, `${name} documents a 200 JSON answer`)
      for (const field of fields) {
        let at = schema
        for (const part of field.split('.')) {
          at = resolve(at?.properties?.[part])
          assert.ok(at, `${name}: the answer's ${field} is not documented`)
        }
      }
    }
  })

  test('the request bodies the commands build fit the documented schemas', () => {
    const flags = { format: 'csv', compression: 'none', out: '-', source: 'live' }
    const submissions = [
      plan('SELECT 1', flags, false).submission,
      plan('SELECT 1', { ...flags, format: 'dsv', separator: '|', compression: 'gzip', source: 'warehouse', readDeleted: true }, false).submission,
      plan('SELECT 1', { ...flags, format: 'jsonl', compression: 'zip' }, false).submission,
    ]
    for (const submission of submissions) assertBody(OPERATIONS.submitQuery, submission)
    for (const operation of ['create', 'update', 'delete']) assertBody(OPERATIONS.submitBulkJob, { namespace: 'default', object: 'Vehicle', operation })
    assertBody(OPERATIONS.submitBulkJob, {
      namespace: 'default',
      object: 'Vehicle',
      operation: 'delete',
      filter: { conditions: [parseCondition('seats__c GE 4'), parseCondition('electric__c EQ true'), parseCondition('make__c EQ "Volvo"')] },
    })
    assertBody(OPERATIONS.createAutoBackfill, { type: 'RatePlanCharge', batchSize: 500, dryRun: true })
    assertBody(OPERATIONS.stopBackfillJob, { status: 'Stopping' })
    assertBody(OPERATIONS.createDefinitions, { definitions: { Vehicle: { object: 'Vehicle' } } })
    // The console's admin pages.
    assertBody(ADMIN_OPERATIONS.createTenant, { name: 'Acme', timeZone: 'UTC', entities: ['Global'], orgs: ['East'] })
    assertBody(ADMIN_OPERATIONS.createUser, { username: 'analyst', admin: false, permissions: ['dataQuery'] })
    assertBody(ADMIN_OPERATIONS.createClient, { userId: 'u' })
    assertBody(ADMIN_OPERATIONS.mintToken, {})
    assertBody(ADMIN_OPERATIONS.seed, { accounts: 10, seed: 1 })
    assertBody(ADMIN_OPERATIONS.setClock, { mode: 'frozen', now: '2026-01-31T09:30:00Z' })
    assertBody(ADMIN_OPERATIONS.advanceClock, { seconds: 3600 })
    assertBody(ADMIN_OPERATIONS.setLifecycle, { dataQuery: { progression: 'reads', reads: 2 }, autoBackfill: { progression: 'manual' } })
    assertBody(ADMIN_OPERATIONS.advanceJob, { to: 'completed' })
    assertBody(ADMIN_OPERATIONS.addFault, { match: { operationId: 'GET_DataQueryJob' }, effect: { status: 503 }, times: 2 })
    assertBody(ADMIN_OPERATIONS.resetTenant, { keep: ['billing'] })
    assertBody(ADMIN_OPERATIONS.resetTenant, {})
  })
})
