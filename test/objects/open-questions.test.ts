// The Custom Objects questions Zuora's documentation leaves open, as decided (issue 19, item 4;
// docs/decisions.md, "Where Zuora's documentation is open, the Custom Objects choices"): a
// definition's `title`, the envelope of definition and record 404s, the code of an unknown
// object in a records path, and the length of UUID field values.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { call, define, vehicle } from './helpers.ts'

describe('Custom Objects: the open questions, decided', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
    await define(server, { Vehicle: vehicle() })
  })
  after(() => server.close())

  test("a definition's title is kept and shown back (as in Zuora's own export), and copies with the definition", async () => {
    const created = await define(server, { Boat: { ...vehicle('Boat'), title: 'Boat' } })
    assert.equal(created.definitions.Boat.schema.title, 'Boat')
    const read = (await call(server, 'GET', '/objects/definitions/default/Boat', '/objects/definitions/default/{object}', 200)).json()
    assert.equal(read.schema.title, 'Boat')
    assert.deepEqual(Object.keys(read.schema).slice(0, 3), ['object', 'label', 'title'])
    // Without a title, none is shown.
    const vehicleRead = (await call(server, 'GET', '/objects/definitions/default/Vehicle', '/objects/definitions/default/{object}', 200)).json()
    assert.equal('title' in vehicleRead.schema, false)
    const refused = await call(server, 'POST', '/objects/definitions/default', '/objects/definitions/default', 400, {
      body: { definitions: { Raft: { ...vehicle('Raft'), title: 7 } } },
    })
    assert.equal(refused.json().code, 71000720)
    assert.match(refused.json().message, /title must be a string/)
  })

  test('404s are {code, message} with the resource of what is missing', async () => {
    const definition = await call(server, 'GET', '/objects/definitions/default/Spaceship', '/objects/definitions/default/{object}', 404)
    assert.deepEqual(Object.keys(definition.json()).sort(), ['code', 'message'])
    assert.equal(definition.json().code, 71000040)
    // An unknown object in a records path: the record type's resource (710126), not the record's.
    const list = await server.api('GET', '/objects/records/default/Spaceship')
    assert.equal(list.status, 404)
    assert.equal(list.json().code, 71012640)
    const one = await call(server, 'GET', `/objects/records/default/Spaceship/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`, '/objects/records/default/{object}/{id}', 404)
    assert.equal(one.json().code, 71012640)
    // An unknown record of a known object: the record's resource.
    const record = await call(server, 'GET', `/objects/records/default/Vehicle/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`, '/objects/records/default/{object}/{id}', 404)
    assert.equal(record.json().code, 71012540)
    assert.deepEqual(Object.keys(record.json()).sort(), ['code', 'message'])
  })

  test('a UUID field takes 36 or 32 characters and keeps 36, in lower case', async () => {
    const created = await call(server, 'POST', '/objects/records/default/Vehicle', '/objects/records/default/{object}', 200, {
      body: { records: [{ VIN__c: 'UUID36', make__c: 'Kia', tracker__c: '2C92C0F967BB659C0167BE58D878735F' }] },
    })
    assert.equal(created.json().records[0].tracker__c, '2c92c0f9-67bb-659c-0167-be58d878735f')
  })
})
