// The most records one custom object may hold (Zuora: 10,000,000; here ZJOBS_CO_MAX_RECORDS
// set to 5): creates past it are refused record by record (71012530) through the records API
// and bulk jobs alike, concurrent writers cannot overshoot it, and deleting makes room again.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { call, define, runFileJob, storedRecords, vehicle } from './helpers.ts'

const MAX = 5
const RECORDS = '/objects/records/default/{object}'

describe('records per custom object', () => {
  let server: TestServer
  let tenantId: string

  before(async () => {
    server = await startTestServer({ customObjectMaxRecords: MAX }, { workers: 'inline' })
    tenantId = server.server.bootstrap.tenant.id
    await define(server, { Fleet: vehicle('Fleet'), Spare: vehicle('Spare') })
  })
  after(() => server.close())

  const vehicles = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ VIN__c: `V${from + i}`, make__c: 'Limit' }))
  const create = (object: string, records: unknown[], allowPartialSuccess: boolean, status: number) =>
    call(server, 'POST', `/objects/records/default/${object}`, RECORDS, status, { body: { records, allowPartialSuccess } })
  /** The object's records, and the count the database keeps for it. */
  const held = async (object: string) => {
    const { rows } = await server.server.db.query<{ records: number }>(
      `SELECT c.records::int FROM custom_object_record_counts c JOIN custom_object_definitions d ON d.tenant_id = c.tenant_id AND d.id = c.definition_id
       WHERE c.tenant_id = $1 AND d.object = $2`,
      [tenantId, object],
    )
    const stored = (await storedRecords(server, tenantId, object)).length
    assert.equal(rows[0]?.records ?? 0, stored, 'the kept count is the records held')
    return stored
  }

  test('the records API fills the object to its limit and refuses the rest, all or nothing unless partial', async () => {
    await create('Fleet', vehicles(0, 3), false, 200)
    const refused = (await create('Fleet', vehicles(3, 3), false, 400)).json()
    assert.deepEqual(
      refused.details.map((detail: { code: number; message: string }) => [detail.code, detail.message]),
      [[71012530, `Service limit reached: object [Fleet] holds at most ${MAX} records.`]],
    )
    assert.equal(await held('Fleet'), 3, 'nothing written')
    const partial = (await create('Fleet', vehicles(3, 3), true, 200)).json()
    assert.deepEqual(partial.records.map((record: { VIN__c: string }) => record.VIN__c), ['V3', 'V4'])
    assert.deepEqual(partial.error.details.map((detail: { code: number; record: { VIN__c: string } }) => [detail.code, detail.record.VIN__c]), [[71012530, 'V5']])
    assert.equal(await held('Fleet'), MAX)
    // Another object has its own limit.
    await create('Spare', vehicles(0, MAX), false, 200)
    assert.equal(await held('Spare'), MAX)
  })

  test('deleting makes room; a bulk create past the limit reports the rows it could not take', async () => {
    const [first, second] = await storedRecords(server, tenantId, 'Fleet')
    await call(server, 'DELETE', `/objects/records/default/Fleet/${first.id}`, undefined, 200)
    await call(server, 'DELETE', `/objects/records/default/Fleet/${second.id}`, undefined, 200)
    assert.equal(await held('Fleet'), MAX - 2)
    const { job, errors } = await runFileJob(server, 'Fleet', 'create', ['VIN__c,make__c', 'B1,Bulk', 'B2,Bulk', 'B3,Bulk', 'B4,Bulk'].join('\n'))
    assert.equal(job.status, 'completed')
    assert.deepEqual(errors.map((error: { row: number; code: number }) => [error.row, error.code]), [[4, 71012530], [5, 71012530]])
    assert.equal(await held('Fleet'), MAX)
  })

  test('writers racing for the last places cannot overshoot', async () => {
    const [one] = await storedRecords(server, tenantId, 'Spare')
    await call(server, 'DELETE', `/objects/records/default/Spare/${one.id}`, undefined, 200)
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => create('Spare', [{ VIN__c: `R${i}`, make__c: 'Race' }], true, 200)))
    assert.equal(answers.filter((answer) => answer.json().records.length === 1).length, 1, 'one writer got the last place')
    assert.equal(await held('Spare'), MAX)
  })

  test('a definition that goes takes its count with it', async () => {
    await define(server, { Gone: vehicle('Gone') })
    await create('Gone', vehicles(0, 2), false, 200)
    for (const record of await storedRecords(server, tenantId, 'Gone')) {
      await call(server, 'DELETE', `/objects/records/default/Gone/${record.id}`, undefined, 200)
    }
    assert.equal(await held('Gone'), 0)
    await call(server, 'DELETE', '/objects/definitions/default/Gone', undefined, 200)
    const { rows } = await server.server.db.query(
      'SELECT 1 FROM custom_object_record_counts c WHERE c.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM custom_object_definitions d WHERE d.tenant_id = c.tenant_id AND d.id = c.definition_id)',
      [tenantId],
    )
    assert.equal(rows.length, 0)
  })
})
