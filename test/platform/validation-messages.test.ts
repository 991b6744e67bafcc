// Request validation a person can act on (issue 19, item 2): a refused literal names the
// values it takes, never Ajv's "must be equal to constant" or "must match a schema in anyOf";
// every problem of a body is reported at once, as each family's envelope allows (v1 and admin
// `reasons`, Custom Objects `details`, Data Query one message naming them all).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv } from 'ajv'
import { Type } from 'typebox'
import { describeValidation, MAX_PROBLEMS, type AjvError } from '../../src/http/validation.ts'
import type { HttpResponse } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'

const AJV_WORDING = /must be equal to constant|must match a schema in anyOf|must be equal to one of the allowed values|must have required property|must NOT have additional/

function assertActionable(response: HttpResponse) {
  assert.doesNotMatch(response.text, AJV_WORDING)
}

describe('validation messages, unit', () => {
  const ajv = new Ajv({ allErrors: true, strict: false })
  const problems = (schema: unknown, data: unknown) => {
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema)))
    assert.equal(validate(data), false)
    return describeValidation(validate.errors as AjvError[], 'body')
  }

  test('a union of literals names its values; with null, null too', () => {
    const schema = Type.Object({
      type: Type.Union([Type.Literal('RatePlanCharge'), Type.Literal('OrderLineItem')]),
      size: Type.Optional(Type.Union([Type.Literal('xsmall'), Type.Literal('NULL'), Type.Null()])),
      target: Type.Optional(Type.Literal('S3')),
      color: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      kind: Type.Optional(Type.String({ enum: ['a', 'b'] })),
    })
    assert.deepEqual(problems(schema, { type: 'Account', size: 'big', target: 'GCS', color: 1, kind: 'c' }), [
      { category: '20', message: 'body.type must be one of RatePlanCharge, OrderLineItem' },
      { category: '20', message: 'body.size must be one of xsmall, NULL, null' },
      { category: '20', message: 'body.target must be S3' },
      { category: '20', message: 'body.color must be string or null' },
      { category: '20', message: 'body.kind must be one of a, b' },
    ])
  })

  test('a union of objects: the branch the value chose, or its discriminator', () => {
    const schema = Type.Object({
      action: Type.Union([
        Type.Object({ type: Type.Literal('delete'), ids: Type.Array(Type.String()) }, { additionalProperties: false }),
        Type.Object({ type: Type.Literal('update'), records: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false }),
      ]),
    })
    assert.deepEqual(problems(schema, { action: { type: 'purge', ids: [] } }), [
      { category: '20', message: 'body.action.type must be one of delete, update' },
    ])
    assert.deepEqual(problems(schema, { action: { type: 'delete', ids: 'x', extra: 1 } }), [
      { category: '21', message: 'body.action.extra is not a known field' },
      { category: '20', message: 'body.action.ids must be array' },
    ])
    assert.deepEqual(problems(schema, { action: { type: 'update' } }), [{ category: '22', message: 'body.action.records is required' }])
    assert.deepEqual(problems(schema, { action: 'delete' }), [{ category: '20', message: 'body.action must be object' }])
  })

  test('items of an array are named by index; a string-or-object item by the branch it took', () => {
    const schema = Type.Object({
      entities: Type.Array(Type.Union([Type.String(), Type.Object({ name: Type.String() }, { additionalProperties: false })])),
    })
    assert.deepEqual(problems(schema, { entities: [1, { name: 2 }, { name: 'a', x: 1 }] }), [
      { category: '20', message: 'body.entities[0] must be string or object' },
      { category: '20', message: 'body.entities[1].name must be string' },
      { category: '21', message: 'body.entities[2].x is not a known field' },
    ])
  })

  test(`at most ${MAX_PROBLEMS} problems, each once`, () => {
    const schema = Type.Object({ ids: Type.Array(Type.String()) })
    const list = problems(schema, { ids: Array.from({ length: 200 }, (_, i) => i) })
    assert.equal(list.length, MAX_PROBLEMS)
    assert.equal(list[0]!.message, 'body.ids[0] must be string')
  })
})

describe('validation messages over HTTP', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  // Data Query and Data Backfill bodies ignore fields they do not know (colour), as Zuora does.
  test('Data Query: one message names every problem of the body', async () => {
    const response = await server.api('POST', '/query/jobs', {
      body: { query: 1, outputFormat: 'XML', compression: 'BZIP2', output: { target: 'GCS' }, readDeleted: 'false', colour: 1 },
    })
    assert.equal(response.status, 400, response.text)
    assertVendorResponse('POST', '/query/jobs', 400, response.json())
    assertActionable(response)
    assert.deepEqual(response.json(), {
      code: 400,
      message: [
        'body.query must be string',
        'body.outputFormat must be one of JSON, CSV, TSV, DSV',
        'body.compression must be one of NONE, GZIP, ZIP',
        'body.output.target must be S3',
        'body.readDeleted must be boolean',
      ].join('; '),
    })
    const missing = await server.api('POST', '/query/jobs', { body: { outputFormat: 'CSV' } })
    assert.equal(missing.status, 400)
    assert.equal(missing.json().message, 'body.query is required; body.compression is required; body.output is required')
    const warehouse = await server.api('POST', '/query/jobs', {
      body: { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' }, warehouseSize: 'large' },
    })
    assert.equal(warehouse.json().message, 'body.warehouseSize must be one of xsmall, NULL, null')
    // A query string stops at its first problem and names the values too.
    const list = await server.api('GET', '/query/jobs?queryStatus=done')
    assert.equal(list.status, 400)
    assert.equal(list.json().message, 'querystring.queryStatus must be one of accepted, in_progress, completed, failed, cancelled')
  })

  test('Data Backfill (v1): a reason per problem', async () => {
    const response = await server.api('POST', '/v1/uno/data-backfill/propagation/jobs', {
      body: { type: 'Account', batchSize: 0, dryRun: 'sometimes', colour: 'red' },
    })
    assert.equal(response.status, 400, response.text)
    assertVendorResponse('POST', '/v1/uno/data-backfill/propagation/jobs', 400, response.json())
    assertActionable(response)
    assert.deepEqual(response.json().reasons, [
      { code: '50000020', message: 'body.type must be one of RatePlanCharge, OrderLineItem' },
      { code: '50000020', message: 'body.batchSize must be >= 1' },
      { code: '50000020', message: 'body.dryRun must be boolean' },
    ])
  })

  test('Custom Objects: details list every problem, each with its code', async () => {
    const job = await server.api('POST', '/objects/jobs', { body: { namespace: 'custom', object: '', operation: 'upsert' } })
    assert.equal(job.status, 400, job.text)
    assertVendorResponse('POST', '/objects/jobs', 400, job.json())
    assertActionable(job)
    const body = job.json()
    assert.equal(body.code, body.details[0].code)
    assert.deepEqual(
      body.details.map((detail: { message: string }) => detail.message),
      ['body.namespace must be one of default, com_zuora', 'body.object must not be empty', 'body.operation must be one of create, update, delete'],
    )
    assert.ok(body.details.every((detail: { code: number }) => String(detail.code).startsWith('71013')), JSON.stringify(body))
    assert.equal(body.message, body.details.map((detail: { message: string }) => detail.message).join('; '))

    const batch = await server.api('POST', '/objects/batch/default/Vehicle', { body: { action: { type: 'purge', ids: [] } } })
    assert.equal(batch.status, 400, batch.text)
    assertActionable(batch)
    assert.equal(batch.json().message, 'body.action.type must be one of delete, update')
    const records = await server.api('POST', '/objects/records/default/Vehicle', { body: { records: {}, allowPartialSuccess: 'yes' } })
    assert.equal(records.status, 400, records.text)
    assertVendorResponse('POST', '/objects/records/default/{object}', 400, records.json())
    assert.deepEqual(records.json().details, [
      { code: 71012520, message: 'body.records must be array' },
      { code: 71012520, message: 'body.allowPartialSuccess must be boolean' },
    ])
  })

  test('admin plane: a reason per problem', async () => {
    const response = await server.admin('POST', '/admin/tenants', { name: '', entities: [1, { name: 2 }], colour: 'red' })
    assert.equal(response.status, 400, response.text)
    assertActionable(response)
    assert.deepEqual(
      response.json().reasons.map((reason: { code: string; message: string }) => `${reason.code} ${reason.message}`),
      [
        '80000021 body.colour is not a known field',
        '80000020 body.name must not be empty',
        '80000020 body.entities[0] must be string or object',
        '80000020 body.entities[1].name must be string',
      ],
    )
  })
})
