// /objects/definitions/default and /objects/migrations as a Zuora client drives them: every
// answer checked against Zuora's schemas, every refused definition with its 8-digit code and
// nothing stored.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { call, createTenantWithClient, define, userWith, vehicle } from './helpers.ts'

describe('custom object definitions', () => {
  let server: TestServer
  let tenantId: string

  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    tenantId = server.server.bootstrap.tenant.id
  })
  after(() => server.close())

  const refused = async (definitions: Record<string, unknown>, code: number, message?: RegExp) => {
    const before = (await server.api('GET', '/objects/definitions/default')).json().count
    const response = await call(server, 'POST', '/objects/definitions/default', '/objects/definitions/default', 400, { body: { definitions } })
    assert.equal(response.json().code, code, response.text)
    if (message) assert.match(response.json().message, message)
    assert.equal((await server.api('GET', '/objects/definitions/default')).json().count, before, 'nothing was created')
  }

  test('create answers the definition with system fields, implicit relationships and Zuora\'s lists', async () => {
    const created = await define(server, { Vehicle: vehicle() })
    assert.equal(created.count, 1)
    const definition = created.definitions.Vehicle
    assert.match(definition.Id, /^[0-9a-f-]{36}$/)
    assert.equal(definition.type, 'Vehicle')
    assert.match(definition.CreatedById, /^[0-9a-f]{8}-[0-9a-f]{4}-/)
    const schema = definition.schema
    assert.equal(schema.type, 'object')
    assert.equal(schema.description, 'Vehicles sold under a subscription')
    assert.deepEqual(schema.properties.VIN__c, { type: 'string', label: 'VIN', maxLength: 17, origin: 'custom' })
    assert.deepEqual(schema.properties.Id, { type: 'string', format: 'uuid', label: 'Id', origin: 'system' })
    assert.equal(schema.properties.CreatedDate.format, 'date-time')
    assert.deepEqual(schema.required, ['VIN__c', 'make__c', 'Id', 'CreatedById', 'UpdatedById', 'CreatedDate', 'UpdatedDate'])
    assert.ok(schema.filterable.includes('Id') && schema.filterable.includes('VIN__c'))
    assert.deepEqual(schema.unique, ['VIN__c'])
    assert.deepEqual(
      schema.relationships.map((r: { object: string; fields: object }) => [r.object, r.fields]),
      [
        ['User', { CreatedById: 'Id' }],
        ['User', { UpdatedById: 'Id' }],
      ],
    )
    assert.equal(schema.enableCreateRecordAuditing, false)
    // The order of the fields is the client's.
    assert.deepEqual(Object.keys(schema.properties).slice(0, 3), ['VIN__c', 'make__c', 'notes__c'])
  })

  test('list, list with select=type, retrieve; unknown objects are 404 (71000040); names are case-sensitive', async () => {
    const list = await call(server, 'GET', '/objects/definitions/default', '/objects/definitions/default', 200)
    assert.equal(list.json().count, Object.keys(list.json().definitions).length)
    assert.ok(list.json().definitions.Vehicle.schema.properties.VIN__c)
    const types = await call(server, 'GET', '/objects/definitions/default?select=type', '/objects/definitions/default', 200)
    assert.deepEqual(types.json().definitions.Vehicle, { type: 'Vehicle' })
    const one = await call(server, 'GET', '/objects/definitions/default/Vehicle', '/objects/definitions/default/{object}', 200)
    assert.deepEqual(one.json(), list.json().definitions.Vehicle)
    const missing = await call(server, 'GET', '/objects/definitions/default/vehicle', '/objects/definitions/default/{object}', 404)
    assert.equal(missing.json().code, 71000040)
    assert.equal((await server.api('GET', '/objects/definitions/default?select=label')).status, 400)
  })

  test('a list response is accepted verbatim by another tenant (tenant-to-tenant copy)', async () => {
    await define(server, {
      Dealer: {
        object: 'Dealer',
        label: 'Dealer',
        properties: { name__c: { type: 'string', label: 'Name' } },
        relationships: [],
      },
      Lease: {
        object: 'Lease',
        label: 'Lease',
        properties: {
          vehicle__c: { type: 'string', format: 'uuid', label: 'Vehicle' },
          account__c: { type: 'string', format: 'uuid', label: 'Account' },
        },
        filterable: ['vehicle__c'],
        relationships: [
          { cardinality: 'manyToOne', namespace: 'default', object: 'Vehicle', fields: { vehicle__c: 'Id' } },
          {
            cardinality: 'manyToOne',
            namespace: 'com_zuora',
            object: 'Account',
            fields: { account__c: 'Id' },
            recordConstraints: { create: { enforceValidMapping: false } },
          },
        ],
      },
    })
    // The target shows the other side.
    const target = (await server.api('GET', '/objects/definitions/default/Vehicle')).json()
    assert.ok(target.schema.relationships.some((r: { cardinality: string; object: string }) => r.cardinality === 'oneToMany' && r.object === 'Lease'))

    const exported = (await server.api('GET', '/objects/definitions/default')).json()
    const other = await createTenantWithClient(server, { name: 'copy target' })
    const copied = await call(server, 'POST', '/objects/definitions/default', '/objects/definitions/default', 200, { body: exported, token: other.token })
    assert.equal(copied.json().count, exported.count)
    for (const [name, definition] of Object.entries(exported.definitions as Record<string, { Id: string; schema: unknown }>)) {
      const copy = copied.json().definitions[name]
      assert.notEqual(copy.Id, definition.Id, 'the copy has its own id')
      assert.deepEqual(copy.schema, definition.schema, `${name}: the same schema`)
    }
    // Each tenant sees its own.
    const theirs = (await server.api('GET', '/objects/definitions/default', { token: other.token })).json()
    assert.deepEqual(Object.keys(theirs.definitions).sort(), Object.keys(exported.definitions).sort())
    assert.notEqual(theirs.definitions.Vehicle.Id, exported.definitions.Vehicle.Id)
  })

  test('refused definitions, each with its code, and nothing created', async () => {
    const field = { type: 'string', label: 'F' }
    const base = (extra: Record<string, unknown>) => ({ object: 'Thing', label: 'Thing', properties: { f__c: field }, ...extra })
    await refused({ Vehicle: vehicle() }, 71000230, /already exists/)
    await refused({ VEHICLE: vehicle('VEHICLE') }, 71000230, /case-insensitive/)
    await refused({ Thing: base({ object: 'Other' }) }, 71000220)
    await refused({ 'bad name': base({ object: 'bad name' }) }, 71000220)
    await refused({ ['T'.repeat(65)]: base({ object: 'T'.repeat(65) }) }, 71000220)
    await refused({ Thing: base({ label: 'L'.repeat(65) }) }, 71000720)
    await refused({ Thing: base({ label: undefined }) }, 71000722)
    await refused({ Thing: base({ description: 'D'.repeat(251) }) }, 71000620)
    await refused({ Thing: base({ properties: {} }) }, 71001330, /1 to 50/)
    await refused(
      { Thing: base({ properties: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}__c`, field])) }) },
      71001330,
    )
    await refused({ Thing: base({ properties: { Id: field } }) }, 71001420, /reserved/)
    await refused({ Thing: base({ properties: { a__c: field, A__c: field } }) }, 71001320, /case/)
    await refused({ Thing: base({ properties: { f__c: { ...field, label: 'x'.repeat(65) } } }) }, 71001520)
    await refused({ Thing: base({ properties: { f__c: { ...field, description: 'x'.repeat(251) } } }) }, 71001620)
    await refused({ Thing: base({ properties: { f__c: { type: 'date', label: 'F' } } }) }, 71002120)
    await refused({ Thing: base({ properties: { f__c: { label: 'F' } } }) }, 71002122)
    await refused({ Thing: base({ properties: { f__c: { ...field, format: 'ipv4' } } }) }, 71002620)
    await refused({ Thing: base({ properties: { f__c: { ...field, maxLength: 8193 } } }) }, 71001820)
    await refused({ Thing: base({ properties: { f__c: { ...field, enum: [] } } }) }, 71001720)
    await refused({ Thing: base({ properties: { f__c: { ...field, enum: ['a', 'a'] } } }) }, 71001720)
    await refused({ Thing: base({ properties: { f__c: { ...field, enum: Array.from({ length: 251 }, (_, i) => `o${i}`) } } }) }, 71001720)
    await refused({ Thing: base({ properties: { f__c: { type: 'integer', label: 'F', minimum: 5, maximum: 1 } } }) }, 71002320)
    await refused({ Thing: base({ properties: { f__c: { type: 'number', label: 'F', multipleOf: 0 } } }) }, 71002420)
    await refused({ Thing: base({ properties: { f__c: { type: 'integer', label: 'F', default: 'x' } } }) }, 71001920)
    await refused({ Thing: base({ properties: { f__c: { ...field, origin: 'system' } } }) }, 71002020)
    await refused({ Thing: base({ properties: { f__c: { ...field, precision: 2 } } }) }, 71001421)
    await refused({ Thing: base({ properties: { f__c: { ...field, format: 'url', displayName: true } } }) }, 71001420)
    await refused({ Thing: base({ properties: { a__c: { ...field, displayName: true }, b__c: { ...field, displayName: true } } }) }, 71001430)
    await refused({ Thing: base({ required: ['nope__c'] }) }, 71000420)
    await refused({ Thing: base({ filterable: ['nope__c'] }) }, 71000520)
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}__c`, field]))
    await refused({ Thing: base({ properties: many, filterable: Object.keys(many) }) }, 71000530, /at most 10/)
    await refused({ Thing: base({ properties: { u__c: { ...field, format: 'url' } }, filterable: ['u__c'] }) }, 71000530)
    await refused({ Thing: base({ unique: ['f__c'] }) }, 71000030, /filterable/)
    const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}__c`, field]))
    await refused({ Thing: base({ properties: six, filterable: Object.keys(six), unique: Object.keys(six) }) }, 71000030, /at most 5 unique/)
    await refused({ Thing: base({ properties: six, auditable: Object.keys(six) }) }, 71000030, /at most 5 auditable/)
    const relationship = (extra: Record<string, unknown>) => ({ cardinality: 'manyToOne', namespace: 'com_zuora', object: 'Account', fields: { f__c: 'Id' }, ...extra })
    const uuid = { type: 'string', format: 'uuid', label: 'U' }
    await refused({ Thing: base({ properties: { f__c: uuid }, relationships: [relationship({ cardinality: 'oneToOne' })] }) }, 71001220)
    await refused({ Thing: base({ properties: { f__c: uuid }, relationships: [relationship({ namespace: 'other' })] }) }, 71000120)
    await refused({ Thing: base({ properties: { f__c: uuid }, relationships: [relationship({ object: 'Spaceship' })] }) }, 71001020)
    await refused({ Thing: base({ properties: { f__c: uuid }, relationships: [relationship({ namespace: 'default', object: 'Nope' })] }) }, 71001020)
    await refused({ Thing: base({ relationships: [relationship({})] }) }, 71001120, /format uuid/)
    await refused({ Thing: base({ properties: { f__c: uuid }, relationships: [relationship({ fields: { f__c: 'Id', g__c: 'Id' } })] }) }, 71001120)
    await refused({ Thing: base({ properties: { f__c: uuid }, relationships: [relationship({ recordConstraints: { create: { enforceValidMapping: 'yes' } } })] }) }, 71003020)
    await refused(
      {
        Thing: base({
          properties: { a__c: uuid, b__c: uuid, c__c: uuid },
          relationships: ['a__c', 'b__c', 'c__c'].map((name) => relationship({ fields: { [name]: 'Id' } })),
        }),
      },
      71001030,
    )
    await refused({ Thing: base({ extra: true }) }, 71000921)
    // Validation of the request itself.
    const empty = await call(server, 'POST', '/objects/definitions/default', '/objects/definitions/default', 400, { body: {} })
    assert.equal(empty.json().code, 71000022)
  })

  test('delete: only without records and relationships pointing at it; answers the URI', async () => {
    await define(server, { Temp: { object: 'Temp', label: 'Temp', properties: { n__c: { type: 'integer', label: 'N' } } } })
    const created = await server.api('POST', '/objects/records/default/Temp', { body: { records: [{ n__c: 1 }] } })
    assert.equal(created.status, 200, created.text)
    const busy = await call(server, 'DELETE', '/objects/definitions/default/Temp', undefined, 400)
    assert.equal(busy.json().code, 71000030)
    const referenced = await call(server, 'DELETE', '/objects/definitions/default/Vehicle', undefined, 400)
    assert.equal(referenced.json().code, 71001030, 'Lease points at Vehicle')
    await server.api('POST', '/objects/batch/default/Temp', { body: { action: { type: 'delete', ids: [created.json().records[0].Id] } } })
    const deleted = await call(server, 'DELETE', '/objects/definitions/default/Temp', '/objects/definitions/default/{object}', 200)
    assert.equal(deleted.json(), '/objects/definitions/default/Temp')
    assert.equal((await server.api('GET', '/objects/definitions/default/Temp')).status, 404)
    const again = await call(server, 'DELETE', '/objects/definitions/default/Temp', undefined, 404)
    assert.equal(again.json().code, 71000040)
  })

  test('permissions: view to read, edit to create and change, delete to delete (403 with category 12-15)', async () => {
    const viewer = await userWith(server, tenantId, 'co-viewer', ['viewCustomObjects'])
    const nobody = await userWith(server, tenantId, 'co-nobody', ['dataQuery'])
    assert.equal((await server.api('GET', '/objects/definitions/default', { token: viewer })).status, 200)
    const cannotRead = await call(server, 'GET', '/objects/definitions/default', undefined, 403, { token: nobody })
    assert.deepEqual(cannotRead.json(), { code: 71000012, message: 'User does not have permission to view custom objects.' })
    // Zuora documents no 403 for definitions: {code, message} as its jobs' 403.
    const cannotCreate = await call(server, 'POST', '/objects/definitions/default', undefined, 403, {
      body: { definitions: { Nope: { object: 'Nope', label: 'Nope', properties: { a__c: { type: 'string', label: 'A' } } } } },
      token: viewer,
    })
    assert.equal(cannotCreate.json().code, 71000015)
    const cannotMigrate = await call(server, 'POST', '/objects/migrations', undefined, 403, {
      body: { actions: [{ type: 'updateObject', namespace: 'default', object: 'Vehicle', label: 'Car' }] },
      token: viewer,
    })
    assert.equal(cannotMigrate.json().code, 71000013)
    assert.equal((await call(server, 'DELETE', '/objects/definitions/default/Dealer', undefined, 403, { token: viewer })).json().code, 71000014)
  })
})

describe('custom object migrations', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    await define(server, { Vehicle: vehicle(), Dealer: { object: 'Dealer', label: 'Dealer', properties: { name__c: { type: 'string', label: 'Name' } } } })
  })
  after(() => server.close())

  const migrate = async (action: Record<string, unknown>, status = 200) => {
    const body = { actions: [{ namespace: 'default', object: 'Vehicle', ...action }] }
    const response = await call(server, 'POST', '/objects/migrations', undefined, status, { body })
    if (status === 200) assert.deepEqual(response.json(), body, 'the actions are echoed')
    return response
  }
  const schema = async () => {
    const response = await call(server, 'GET', '/objects/definitions/default/Vehicle', '/objects/definitions/default/{object}', 200)
    return response.json().schema
  }

  test('addField, updateField, renameField, deleteField, updateObject on an object without records', async () => {
    await migrate({ type: 'addField', field: { name: 'zip__c', filterable: true, required: true, definition: { type: 'string', label: 'Zip', maxLength: 10 } } })
    let current = await schema()
    assert.deepEqual(current.properties.zip__c, { type: 'string', label: 'Zip', maxLength: 10, origin: 'custom' })
    assert.ok(current.required.includes('zip__c') && current.filterable.includes('zip__c'))
    await migrate({ type: 'updateField', field: { name: 'zip__c', unique: true, definition: { type: 'string', label: 'Postal code', maxLength: 12 } } })
    current = await schema()
    assert.equal(current.properties.zip__c.label, 'Postal code')
    assert.deepEqual(current.unique, ['VIN__c', 'zip__c'])
    await migrate({ type: 'renameField', field: { name: 'zip__c', targetName: 'postcode__c' } })
    current = await schema()
    assert.equal(current.properties.zip__c, undefined)
    assert.equal(current.properties.postcode__c.label, 'Postal code')
    assert.ok(current.unique.includes('postcode__c') && current.required.includes('postcode__c'))
    await migrate({ type: 'deleteField', field: { name: 'postcode__c' } })
    current = await schema()
    assert.equal(current.properties.postcode__c, undefined)
    assert.ok(!current.required.includes('postcode__c'))
    assert.deepEqual(current.unique, ['VIN__c'])
    await migrate({ type: 'updateObject', label: 'Car', description: 'Cars', enableCreateRecordAuditing: true })
    current = await schema()
    assert.deepEqual([current.label, current.description, current.enableCreateRecordAuditing], ['Car', 'Cars', true])
  })

  test('addRelationship and deleteRelationship', async () => {
    await migrate({ type: 'addField', field: { name: 'dealer__c', definition: { type: 'string', format: 'uuid', label: 'Dealer' } } })
    await migrate({ type: 'addRelationship', relationship: { cardinality: 'manyToOne', namespace: 'default', object: 'Dealer', fields: { dealer__c: 'Id' } } })
    let current = await schema()
    assert.deepEqual(current.relationships[0], {
      cardinality: 'manyToOne',
      namespace: 'default',
      object: 'Dealer',
      fields: { dealer__c: 'Id' },
      recordConstraints: { create: { enforceValidMapping: true } },
    })
    await migrate({ type: 'deleteField', field: { name: 'dealer__c' } }, 400)
    await migrate({ type: 'deleteRelationship', relationship: { namespace: 'default', object: 'Dealer', fields: { dealer__c: 'Id' } } })
    current = await schema()
    assert.ok(!current.relationships.some((r: { object: string }) => r.object === 'Dealer'))
    const missing = await migrate({ type: 'deleteRelationship', relationship: { object: 'Dealer' } }, 400)
    assert.equal(missing.json().code, 71001040)
    const unknownTarget = await migrate(
      { type: 'addRelationship', relationship: { cardinality: 'manyToOne', namespace: 'default', object: 'Nope', fields: { dealer__c: 'Id' } } },
      400,
    )
    assert.equal(unknownTarget.json().code, 71001020)
  })

  test('rules once the object has records: no field deletion, no new required or unique field, no narrowing; renames move the data', async () => {
    const created = await server.api('POST', '/objects/records/default/Vehicle', { body: { records: [{ VIN__c: 'V1', make__c: 'Saab', seats__c: 4 }] } })
    assert.equal(created.status, 200, created.text)
    assert.equal((await migrate({ type: 'deleteField', field: { name: 'notes__c' } }, 400)).json().code, 71000030)
    const required = await migrate({ type: 'addField', field: { name: 'req__c', required: true, definition: { type: 'string', label: 'R' } } }, 400)
    assert.equal(required.json().code, 71000030)
    assert.equal((await migrate({ type: 'updateField', field: { name: 'notes__c', required: true } }, 400)).json().code, 71000030)
    assert.equal((await migrate({ type: 'updateField', field: { name: 'make__c', unique: true } }, 400)).json().code, 71000030)
    const narrower = await migrate({ type: 'updateField', field: { name: 'seats__c', definition: { type: 'integer', label: 'Seats', minimum: 2, maximum: 9 } } }, 400)
    assert.equal(narrower.json().code, 71001430)
    // Widening is fine; optional fields can be added; required can be dropped.
    await migrate({ type: 'updateField', field: { name: 'seats__c', definition: { type: 'integer', label: 'Seats', minimum: 0, maximum: 20 } } })
    await migrate({ type: 'updateField', field: { name: 'color__c', definition: { type: 'string', label: 'Color', enum: ['white', 'red', 'black', 'blue'] } } })
    await migrate({ type: 'addField', field: { name: 'trim__c', definition: { type: 'string', label: 'Trim' } } })
    await migrate({ type: 'updateField', field: { name: 'make__c', required: false } })
    await migrate({ type: 'renameField', field: { name: 'seats__c', targetName: 'places__c' } })
    const record = (await server.api('GET', `/objects/records/default/Vehicle/${created.json().records[0].Id}`)).json()
    assert.equal(record.places__c, 4)
    assert.equal(record.seats__c, undefined)
  })

  test('malformed actions get their codes', async () => {
    const two = await call(server, 'POST', '/objects/migrations', undefined, 400, {
      body: { actions: [{ type: 'updateObject', namespace: 'default', object: 'Vehicle', label: 'A' }, { type: 'updateObject', namespace: 'default', object: 'Vehicle', label: 'B' }] },
    })
    assert.equal(two.json().code, 71002820)
    assert.equal((await migrate({ type: 'dropTable' }, 400)).json().code, 71002820)
    assert.equal((await migrate({ type: 'updateObject', namespace: 'com_zuora', label: 'X' }, 400)).json().code, 71000120)
    assert.equal((await migrate({ type: 'updateObject', object: 'Nope', label: 'X' }, 404)).json().code, 71000040)
    assert.equal((await migrate({ type: 'renameField', field: { name: 'make__c', targetName: 'VIN__c' } }, 400)).json().code, 71002530)
    assert.equal((await migrate({ type: 'renameField', field: { name: 'make__c', targetName: 'bad name' } }, 400)).json().code, 71002520)
    assert.equal((await migrate({ type: 'addField', field: { name: 'VIN__c', definition: { type: 'string', label: 'V' } } }, 400)).json().code, 71001430)
    assert.equal((await migrate({ type: 'updateField', field: { name: 'nope__c', definition: { type: 'string', label: 'V' } } }, 400)).json().code, 71001420)
    assert.equal((await migrate({ type: 'updateObject' }, 400)).json().code, 71002822)
    const unknown = await call(server, 'POST', '/objects/migrations', undefined, 400, {
      body: { actions: [{ type: 'updateObject', namespace: 'default', object: 'Vehicle', label: 'A' }], extra: 1 },
    })
    assert.equal(unknown.json().code, 71002821)
  })
})

void assertVendorResponse
