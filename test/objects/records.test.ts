// /objects/records and /objects/batch as a Zuora client drives them: writes checked against
// the database, every answer against Zuora's schemas, every refusal with its code and
// nothing changed.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { seedTenant } from '../../src/billing/seed.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { call, createTenantWithClient, define, storedRecords, userWith, vehicle } from './helpers.ts'

const RECORDS = '/objects/records/default/{object}'
const RECORD = '/objects/records/default/{object}/{id}'
/** Batch answers are not in the vendor file; their `error` is Zuora's CustomObjectRecordsErrorResponse, as create's 400. */
const assertRecordsError = (body: unknown) => assertVendorResponse('POST', RECORDS, 400, body)

describe('custom object records', () => {
  let server: TestServer
  let tenantId: string

  const create = async (records: unknown[], allowPartialSuccess?: boolean, status = 200, object = 'Vehicle') => {
    const body = allowPartialSuccess === undefined ? { records } : { records, allowPartialSuccess }
    return (await call(server, 'POST', `/objects/records/default/${object}`, RECORDS, status, { body })).json()
  }
  const list = async (query: string, object = 'Vehicle') =>
    (await call(server, 'GET', `/objects/records/default/${object}?${query}`, RECORDS, 200)).json()
  const q = async (filter: string) => {
    const found = await list(`pageSize=1000&q=${encodeURIComponent(filter)}`)
    assert.equal(found.count, found.records.length)
    return found.records.map((record: { VIN__c: string }) => record.VIN__c).sort()
  }

  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    tenantId = server.server.bootstrap.tenant.id
    await define(server, { Vehicle: vehicle() })
  })
  after(() => server.close())

  test('create: every field kind stored as sent, defaults applied, numbers exact, system fields set', async () => {
    const sent = {
      VIN__c: '1HGCM82633A004352',
      make__c: 'Honda',
      notes__c: 'n'.repeat(1500),
      site__c: 'https://example.com/cars/1',
      seats__c: 5,
      MSRP__c: 1234567890123.123456789,
      delivered__c: '2024-07-09',
      inspected__c: '2024-07-09T14:41:17.377+08:00',
      extras__c: 'roof;tint',
      tracker__c: '8AD084A67F9C7138017FAB8A8B511B5A',
      owner__c: 'owner@example.com',
    }
    // Sent as text: JSON.stringify would round the number before it left.
    const text = JSON.stringify({ records: [sent] }).replace('1234567890123.1235', '1234567890123.123456789')
    const response = await call(server, 'POST', '/objects/records/default/Vehicle', RECORDS, 200, { body: text, headers: { 'content-type': 'application/json' } })
    assert.ok(response.text.includes('"MSRP__c":1234567890123.123456789'), response.text)
    const [record] = response.json().records
    assert.match(record.Id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(record.type, 'Vehicle')
    assert.equal(record.color__c, 'white', 'default')
    assert.equal(record.electric__c, false, 'default')
    assert.equal(record.inspected__c, '2024-07-09T06:41:17.377Z')
    assert.equal(record.tracker__c, '8ad084a6-7f9c-7138-017f-ab8a8b511b5a')
    assert.match(record.CreatedById, /^[0-9a-f]{32}$/)
    assert.equal(record.CreatedDate, record.UpdatedDate)
    const read = await call(server, 'GET', `/objects/records/default/Vehicle/${record.Id}`, RECORD, 200)
    assert.equal(read.text, JSON.stringify(response.json().records[0]).replace('1234567890123.1235', '1234567890123.123456789'))
    assert.equal(read.headers.etag, '"1"')
    const [stored] = await storedRecords(server, tenantId, 'Vehicle')
    assert.equal(stored.id, record.Id)
    const exact = await server.server.db.query<{ msrp: string }>(`SELECT data->>'MSRP__c' AS msrp FROM custom_object_records WHERE id = $1`, [record.Id])
    assert.equal(exact.rows[0].msrp, '1234567890123.123456789')
  })

  test('a wrong value in every field kind, empty strings, unknown and missing fields: 400 with Zuora\'s codes, nothing created', async () => {
    const good = { VIN__c: 'WRONGTYPES', make__c: 'Kia' }
    const cases: [Record<string, unknown>, number][] = [
      [{ make__c: 42 }, 71012526],
      [{ make__c: '' }, 71012526],
      [{ VIN__c: 'x'.repeat(18) }, 71012526],
      [{ notes__c: 'n'.repeat(2001) }, 71012526],
      [{ site__c: 'not a url' }, 71012520],
      [{ seats__c: 'four' }, 71012523],
      [{ seats__c: 4.5 }, 71012523],
      [{ seats__c: 10 }, 71012523],
      [{ MSRP__c: 'fast' }, 71012524],
      [{ MSRP__c: -1 }, 71012524],
      [{ electric__c: 'yes' }, 71012525],
      [{ delivered__c: '09/07/2024' }, 71012520],
      [{ inspected__c: '2024-07-09' }, 71012520],
      [{ color__c: 'green' }, 71012520],
      [{ extras__c: 'roof;wings' }, 71012520],
      [{ tracker__c: '123' }, 71012520],
      [{ owner__c: 'nobody' }, 71012520],
      [{ wheels__c: 4 }, 71012521],
      [{ VIN__c: undefined }, 71012522],
      [{ make__c: null }, 71012522],
    ]
    for (const [change, code] of cases) {
      const record = { ...good, ...change }
      const refused = await create([record], false, 400)
      assertRecordsError(refused)
      assert.equal(refused.code, 71012520, JSON.stringify(change))
      assert.equal(refused.message, 'Unabled to create object records due to invalid request.')
      assert.equal(refused.details.length, 1)
      assert.equal(refused.details[0].code, code, `${JSON.stringify(change)}: ${refused.details[0].message}`)
      assert.deepEqual(refused.details[0].record, JSON.parse(JSON.stringify(record)))
    }
    assert.equal((await create([{ MSRP__c: 'fast', ...good }], false, 400)).details[0].message, 'Field [MSRP__c] is a number field but received a string value.')
    assert.equal((await create([{ ...good, make__c: '' }], false, 400)).details[0].message, 'Field [make__c] cannot accept empty string.')
    assert.deepEqual(await q('VIN__c:WRONGTYPES'), [], 'nothing was created')
  })

  test('allowPartialSuccess: the valid records are created, the others reported; without it, none', async () => {
    const batch = [
      { VIN__c: 'P1', make__c: 'Ford' },
      { VIN__c: 'P2', make__c: 'Ford', MSRP__c: 'fast' },
      { VIN__c: 'P3', make__c: 'Ford' },
    ]
    const none = await create(batch, false, 400)
    assert.deepEqual(none.details.map((d: { record: { VIN__c: string } }) => d.record.VIN__c), ['P2'])
    assert.deepEqual(await q('make__c:Ford'), [])
    const some = await create(batch, true)
    assert.deepEqual(some.records.map((r: { VIN__c: string }) => r.VIN__c), ['P1', 'P3'])
    assert.equal(some.error.code, 71012520)
    assert.equal(some.error.details[0].code, 71012524)
    assert.deepEqual(await q('make__c:Ford'), ['P1', 'P3'])
    const tooMany = await create(Array.from({ length: 1001 }, (_, i) => ({ VIN__c: `M${i}`, make__c: 'Many' })), true, 400)
    assert.equal(tooMany.code, 71012530)
    assert.deepEqual(await q('make__c:Many'), [])
  })

  test('unique fields: a duplicate in the request or in the object is refused; concurrent writers cannot both win', async () => {
    const partial = await create(
      [
        { VIN__c: 'U1', make__c: 'Mazda' },
        { VIN__c: 'U1', make__c: 'Mazda' },
        { VIN__c: 'P1', make__c: 'Mazda' },
      ],
      true,
    )
    assert.deepEqual(partial.records.map((r: { VIN__c: string }) => r.VIN__c), ['U1'])
    assert.deepEqual(partial.error.details.map((d: { code: number }) => d.code), [71012530, 71012530])
    assert.match(partial.error.details[0].message, /Field \[VIN__c\] must be unique/)
    const strict = await create([{ VIN__c: 'U2', make__c: 'Mazda' }, { VIN__c: 'U1', make__c: 'Mazda' }], false, 400)
    assert.equal(strict.details[0].code, 71012530)
    assert.deepEqual(await q('make__c:Mazda'), ['U1'], 'the strict request left nothing')

    const racers = await Promise.all(
      Array.from({ length: 8 }, () => server.api('POST', '/objects/records/default/Vehicle', { body: { records: [{ VIN__c: 'RACE', make__c: 'Race' }] } })),
    )
    assert.deepEqual(racers.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400])
    assert.deepEqual(await q('VIN__c:RACE'), ['RACE'])
  })

  test('retrieve, PUT and PATCH (merge, null clears, If-Match), DELETE (200 even when absent)', async () => {
    const [record] = (await create([{ VIN__c: 'E1', make__c: 'Audi', seats__c: 4, color__c: 'red' }])).records
    const path = `/objects/records/default/Vehicle/${record.Id}`
    const put = await call(server, 'PUT', path, RECORD, 200, { body: { seats__c: 5 }, headers: { 'if-match': '"1"' } })
    assert.equal(put.json().seats__c, 5)
    assert.equal(put.json().color__c, 'red', 'fields not sent stay')
    assert.equal(put.headers.etag, '"2"')
    assert.ok(put.json().UpdatedDate >= record.UpdatedDate)
    const stale = await call(server, 'PUT', path, undefined, 412, { body: { seats__c: 6 }, headers: { 'if-match': '"1"' } })
    assert.equal(stale.json().code, 71012530)
    const patch = await call(server, 'PATCH', path, RECORD, 200, {
      body: JSON.stringify({ color__c: null, make__c: 'Audi AG', Id: record.Id, CreatedDate: '2000-01-01T00:00:00.000Z' }),
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    assert.equal(patch.json().color__c, undefined, 'null removes the value')
    assert.equal(patch.json().make__c, 'Audi AG')
    assert.equal(patch.json().CreatedDate, record.CreatedDate, 'system fields are the server\'s')
    const invalid = await call(server, 'PATCH', path, undefined, 400, { body: { make__c: null } })
    assertRecordsError(invalid.json())
    assert.equal(invalid.json().details[0].code, 71012522)
    const taken = await call(server, 'PUT', path, undefined, 400, { body: { VIN__c: 'U1' } })
    assert.equal(taken.json().details[0].code, 71012530)
    assert.equal((await server.api('GET', path)).json().VIN__c, 'E1', 'refused updates change nothing')

    for (const missing of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const notFound = await call(server, 'GET', `/objects/records/default/Vehicle/${missing}`, RECORD, 404)
      assert.equal(notFound.json().code, 71012540)
      assert.equal((await call(server, 'PUT', `/objects/records/default/Vehicle/${missing}`, RECORD, 404, { body: { seats__c: 2 } })).json().code, 71012540)
      assert.equal((await call(server, 'PATCH', `/objects/records/default/Vehicle/${missing}`, RECORD, 404, { body: { seats__c: 2 } })).json().code, 71012540)
    }
    const deleted = await call(server, 'DELETE', path, RECORD, 200)
    assert.equal(deleted.json(), `/objects/records/default/Vehicle/${record.Id}`)
    assert.equal((await server.api('GET', path)).status, 404)
    assert.equal((await call(server, 'DELETE', path, RECORD, 200)).json(), `/objects/records/default/Vehicle/${record.Id}`)
    const unknownObject = await call(server, 'GET', '/objects/records/default/Spaceship', undefined, 404)
    assert.equal(unknownObject.json().code, 71012640)
    assert.equal((await call(server, 'GET', '/objects/records/default/vehicle', undefined, 404)).json().code, 71012640, 'names are case-sensitive')
  })

  test('list: pages by cursor and page, count of all matches, ids', async () => {
    await create(Array.from({ length: 25 }, (_, i) => ({ VIN__c: `L${String(i).padStart(2, '0')}`, make__c: 'Lada', seats__c: (i % 9) + 1 })))
    const all = await list('q=make__c:Lada&pageSize=1000')
    assert.equal(all.count, 25)
    const seen: string[] = []
    let cursor: string | undefined
    for (;;) {
      const page = await list(`q=make__c:Lada&pageSize=10${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(page.count, 25, 'count is every match, not the page')
      seen.push(...page.records.map((r: { Id: string }) => r.Id))
      if (page.records.length < 10) break
      cursor = page.records[page.records.length - 1].Id
    }
    assert.deepEqual(seen, all.records.map((r: { Id: string }) => r.Id))
    assert.equal(new Set(seen).size, 25)
    assert.deepEqual(all.records.map((r: { VIN__c: string }) => r.VIN__c), [...all.records.map((r: { VIN__c: string }) => r.VIN__c)].sort(), 'id order is creation order')
    const second = await list('q=make__c:Lada&pageSize=10&page=2')
    assert.deepEqual(second.records.map((r: { Id: string }) => r.Id), seen.slice(10, 20))
    const byIds = await list(`ids=${seen[3]}&ids=${seen[7]}&ids=00000000-0000-4000-8000-000000000000`)
    assert.deepEqual(byIds.records.map((r: { Id: string }) => r.Id), [seen[3], seen[7]])
    assert.equal(byIds.count, 2)
    assert.equal((await list(`ids=${seen[3]}&q=make__c:Other`)).count, 0)
    assert.equal((await list('pageSize=1')).records.length, 1)
    for (const bad of ['pageSize=0', 'pageSize=1001', 'ids=nope', 'cursor=nope']) {
      assert.equal((await server.api('GET', `/objects/records/default/Vehicle?${bad}`)).status, 400, bad)
    }
    assert.equal((await server.api('GET', '/objects/records/default/Vehicle?ids=nope')).json().code, 71012920)
  })

  test('q: the documented grammar, against what is stored', async () => {
    await create([
      { VIN__c: 'Q1', make__c: 'Tesla Motors', seats__c: 5, MSRP__c: 41990, electric__c: true, delivered__c: '2017-12-31', inspected__c: '2018-01-01T00:00:00.000Z', color__c: 'red' },
      { VIN__c: 'Q2', make__c: 'Tesla', seats__c: 7, MSRP__c: 79990.5, electric__c: true, delivered__c: '2018-01-01', inspected__c: '2018-01-01T07:59:59.999Z', color__c: 'black' },
      { VIN__c: 'Q3', make__c: 'Volvo', seats__c: 5, MSRP__c: 35000, electric__c: false, delivered__c: '2018-06-15', inspected__c: '2018-06-15T12:00:00Z' },
      { VIN__c: 'Q4', make__c: 'Volvo', seats__c: 2, delivered__c: '2019-02-01', tracker__c: '3a437f0b-fa7a-45bf-a9a5-2187a5a13ec0' },
    ])
    const Q = (filter: string) => q(`(VIN__c:Q1 OR VIN__c:Q2 OR VIN__c:Q3 OR VIN__c:Q4) AND (${filter})`)
    assert.deepEqual(await Q('make__c:Volvo'), ['Q3', 'Q4'])
    assert.deepEqual(await Q('make__c:"Tesla Motors"'), ['Q1'])
    assert.deepEqual(await Q('make__c:tesla'), [], 'equality is exact')
    assert.deepEqual(await Q('seats__c:5'), ['Q1', 'Q3'])
    assert.deepEqual(await Q('seats__c:>5'), ['Q2'])
    assert.deepEqual(await Q('seats__c:>=5'), ['Q1', 'Q2', 'Q3'])
    assert.deepEqual(await Q('seats__c:<5'), ['Q4'])
    assert.deepEqual(await Q('MSRP__c:<=41990'), ['Q1', 'Q3'])
    assert.deepEqual(await Q('MSRP__c:79990.50'), ['Q2'])
    assert.deepEqual(await Q('electric__c:true'), ['Q1', 'Q2'])
    assert.deepEqual(await Q('color__c:white'), ['Q3', 'Q4'], 'the default was stored')
    assert.deepEqual(await Q('tracker__c:3A437F0BFA7A45BFA9A52187A5A13EC0'), ['Q4'])
    // Dates: full date-times with escaped colons, days, months, years, epoch milliseconds.
    assert.deepEqual(await Q('delivered__c:<2018'), ['Q1'])
    assert.deepEqual(await Q('delivered__c:>=2018-06'), ['Q3', 'Q4'])
    assert.deepEqual(await Q('delivered__c:2018-01-01'), ['Q2'])
    assert.deepEqual(await Q('delivered__c:<2018-01-01T00\\:00\\:00.001Z'), ['Q1', 'Q2'], 'a date field is midnight UTC against a date-time')
    assert.deepEqual(await Q('inspected__c:<2018-01-01T08\\:00\\:00+08\\:00'), [], 'offsets count')
    assert.deepEqual(await Q('inspected__c:<=2018-01-01T15\\:59\\:59.999+08\\:00'), ['Q1', 'Q2'])
    assert.deepEqual(await Q('inspected__c:2018-01-01'), ['Q1', 'Q2'], 'a date against a date-time compares the day')
    assert.deepEqual(await Q(`inspected__c:>${Date.UTC(2018, 0, 1, 7)}`), ['Q2', 'Q3'], 'epoch milliseconds')
    assert.deepEqual(await Q('inspected__c:2018-01-01T00\\:00\\:00Z'), ['Q1'])
    assert.deepEqual(await Q('CreatedDate:>2000 AND UpdatedDate:<=2999'), ['Q1', 'Q2', 'Q3', 'Q4'])
    // Existence and the null rule.
    assert.deepEqual(await Q('_exists_:MSRP__c'), ['Q1', 'Q2', 'Q3'])
    assert.deepEqual(await Q('!_exists_:MSRP__c'), ['Q4'])
    assert.deepEqual(await Q('NOT _exists_:tracker__c'), ['Q1', 'Q2', 'Q3'])
    assert.deepEqual(await Q('!MSRP__c:35000'), ['Q1', 'Q2', 'Q4'], 'missing values match a negation')
    assert.deepEqual(await Q('NOT MSRP__c:<40000'), ['Q1', 'Q2', 'Q4'])
    assert.deepEqual(await Q('_exists_:MSRP__c AND !MSRP__c:35000'), ['Q1', 'Q2'])
    // Boolean operators and their symbols.
    assert.deepEqual(await Q('make__c:Volvo && seats__c:5'), ['Q3'])
    assert.deepEqual(await Q('make__c:Tesla || seats__c:2'), ['Q2', 'Q4'])
    assert.deepEqual(await Q('electric__c:true AND NOT (seats__c:5 OR color__c:black)'), [])
    assert.deepEqual(await Q('(make__c:Volvo OR make__c:Tesla) AND seats__c:>=5'), ['Q2', 'Q3'])
    assert.deepEqual(await Q(`Id:${(await list('q=VIN__c:Q3')).records[0].Id}`), ['Q3'])
    // Refused: not filterable, unknown, wrong type, ranges on text, syntax.
    for (const [filter, code] of [
      ['notes__c:x', 71012720],
      ['extras__c:roof', 71012720],
      ['wings__c:2', 71012721],
      ['seats__c:many', 71012720],
      ['delivered__c:<soon', 71012720],
      ['make__c:>M', 71012720],
      ['electric__c:maybe', 71012720],
      ['tracker__c:123', 71012720],
      ['VIN__c:Q1 VIN__c:Q2', 71012720],
      ['VIN__c:Q1 and VIN__c:Q2', 71012720],
      ['(VIN__c:Q1', 71012720],
    ] as const) {
      const refused = await call(server, 'GET', `/objects/records/default/Vehicle?q=${encodeURIComponent(filter)}`, undefined, 400)
      assert.equal(refused.json().code, code, `${filter}: ${refused.text}`)
    }
    // A hostile value is only a value.
    assert.deepEqual(await q(`make__c:"x' OR 1=1 --"`), [])
  })

  test('batch: delete by ids; update all or nothing, or partially', async () => {
    const made = (await create([0, 1, 2, 3].map((i) => ({ VIN__c: `B${i}`, make__c: 'Batch', seats__c: 2 })))).records
    const ids = made.map((r: { Id: string }) => r.Id)
    const updates = { [ids[0]]: { seats__c: 3 }, [ids[1]]: { seats__c: 'x' }, '00000000-0000-4000-8000-000000000000': { seats__c: 3 } }
    const strict = await call(server, 'POST', '/objects/batch/default/Vehicle', undefined, 400, { body: { action: { type: 'update', records: updates } } })
    assertRecordsError(strict.json())
    assert.deepEqual(strict.json().details.map((d: { code: number }) => d.code), [71012523, 71012530])
    assert.equal(strict.json().details[0].record.Id, ids[1])
    assert.equal((await server.api('GET', `/objects/records/default/Vehicle/${ids[0]}`)).json().seats__c, 2, 'nothing changed')
    const partial = await call(server, 'POST', '/objects/batch/default/Vehicle', undefined, 200, {
      body: { action: { type: 'update', records: { ...updates, [ids[2]]: { VIN__c: 'B3' } }, allowPartialSuccess: true } },
    })
    assertRecordsError(partial.json().error)
    assert.deepEqual(partial.json().error.details.map((d: { code: number }) => d.code), [71012523, 71012530, 71012530])
    assert.equal((await server.api('GET', `/objects/records/default/Vehicle/${ids[0]}`)).json().seats__c, 3)
    assert.equal((await server.api('GET', `/objects/records/default/Vehicle/${ids[2]}`)).json().VIN__c, 'B2', 'a unique clash is refused')
    const clean = await call(server, 'POST', '/objects/batch/default/Vehicle', undefined, 200, { body: { action: { type: 'update', records: { [ids[3]]: { seats__c: 4 } } } } })
    assert.deepEqual(clean.json(), {})
    // A client generated from Zuora's spec sends allowPartialSuccess (false by default) on every action.
    const deleted = await call(server, 'POST', '/objects/batch/default/Vehicle', undefined, 200, {
      body: { action: { type: 'delete', ids: [ids[0], ids[1], '00000000-0000-4000-8000-000000000000'], allowPartialSuccess: false } },
    })
    assert.deepEqual(deleted.json(), {})
    assert.deepEqual(await q('make__c:Batch'), ['B2', 'B3'])
    const notBoolean = await call(server, 'POST', '/objects/batch/default/Vehicle', undefined, 400, {
      body: { action: { type: 'delete', ids: [ids[2]], allowPartialSuccess: 'yes' } },
    })
    assert.match(String(notBoolean.json().code), /^710125\d\d$/)
    assert.deepEqual(await q('make__c:Batch'), ['B2', 'B3'], 'a refused delete deletes nothing')
    const tooMany = await call(server, 'POST', '/objects/batch/default/Vehicle', undefined, 400, {
      body: { action: { type: 'delete', ids: Array.from({ length: 1001 }, () => ids[2]) } },
    })
    assert.equal(tooMany.json().code, 71012930)
    assert.match(String((await call(server, 'POST', '/objects/batch/default/Vehicle', undefined, 400, { body: { action: { type: 'merge' } } })).json().code), /^710125\d\d$/)
  })

  test('relationships: a custom object, an Account, a User; missing and other tenants\' ids refused', async () => {
    await seedTenant(server.server.db, tenantId, { accounts: 2, seed: 11 })
    const other = await createTenantWithClient(server, { name: 'other records tenant' })
    await seedTenant(server.server.db, other.tenant.id, { accounts: 2, seed: 12 })
    const account = async (tenant: string) =>
      (await server.server.db.query<{ id: string }>('SELECT id FROM billing.account WHERE tenant_id = $1 AND NOT deleted LIMIT 1', [tenant])).rows[0].id
    await define(server, {
      Lease: {
        object: 'Lease',
        label: 'Lease',
        properties: {
          vehicle__c: { type: 'string', format: 'uuid', label: 'Vehicle' },
          account__c: { type: 'string', format: 'uuid', label: 'Account' },
        },
        relationships: [
          { cardinality: 'manyToOne', namespace: 'default', object: 'Vehicle', fields: { vehicle__c: 'Id' } },
          { cardinality: 'manyToOne', namespace: 'com_zuora', object: 'Account', fields: { account__c: 'Id' }, recordConstraints: { create: { enforceValidMapping: true } } },
        ],
      },
    })
    await define(server, { Vehicle: vehicle() }, other.token)
    const theirVehicle = (await server.api('POST', '/objects/records/default/Vehicle', { body: { records: [{ VIN__c: 'THEIRS', make__c: 'X' }] }, token: other.token })).json().records[0].Id
    const myVehicle = (await list('q=VIN__c:Q1')).records[0].Id
    const myAccount = await account(tenantId)
    const ok = await create([{ vehicle__c: myVehicle, account__c: myAccount }], false, 200, 'Lease')
    assert.equal(ok.records[0].account__c.replaceAll('-', ''), myAccount)
    for (const [record, field] of [
      [{ vehicle__c: '00000000-0000-4000-8000-000000000000' }, 'vehicle__c'],
      [{ vehicle__c: theirVehicle }, 'vehicle__c'],
      [{ account__c: await account(other.tenant.id) }, 'account__c'],
      [{ account__c: '2c92c0f96a07409d016a0a58ab1172ec' }, 'account__c'],
    ] as const) {
      const refused = await create([record], false, 400, 'Lease')
      assert.equal(refused.details[0].code, 71012530, JSON.stringify(record))
      assert.match(refused.details[0].message, new RegExp(`Field \\[${field}\\]`))
    }
    assert.equal((await list('pageSize=1000', 'Lease')).count, 1)
    await define(server, {
      Visit: {
        object: 'Visit',
        label: 'Visit',
        properties: { agent__c: { type: 'string', format: 'uuid', label: 'Agent' } },
        relationships: [{ cardinality: 'manyToOne', namespace: 'com_zuora', object: 'User', fields: { agent__c: 'Id' } }],
      },
    })
    const me = (await list('q=VIN__c:Q1')).records[0].CreatedById
    assert.equal((await create([{ agent__c: me }], false, 200, 'Visit')).records.length, 1)
    const stranger = (await server.api('GET', '/objects/records/default/Vehicle', { token: other.token })).json().records[0].CreatedById
    assert.equal((await create([{ agent__c: stranger }], false, 400, 'Visit')).details[0].code, 71012530, "another tenant's user")
    // Another tenant's record of an object with the same name is not found by id either.
    assert.equal((await server.api('GET', `/objects/records/default/Vehicle/${theirVehicle}`)).status, 404)
    await server.api('DELETE', `/objects/records/default/Vehicle/${theirVehicle}`)
    assert.equal((await server.api('GET', `/objects/records/default/Vehicle/${theirVehicle}`, { token: other.token })).status, 200, 'a delete never reaches another tenant')
  })

  test('permissions: records answer 401 with Zuora\'s ErrorResponse401Record', async () => {
    const viewer = await userWith(server, tenantId, 'records-viewer', ['viewCustomObjects'])
    const editor = await userWith(server, tenantId, 'records-editor', ['editCustomObjects'])
    assert.equal((await server.api('GET', '/objects/records/default/Vehicle', { token: viewer })).status, 200)
    const denied = await call(server, 'POST', '/objects/records/default/Vehicle', RECORDS, 401, {
      body: { records: [{ VIN__c: 'NOPE', make__c: 'No' }] },
      token: viewer,
    })
    assert.deepEqual(denied.json(), {
      code: 71012515,
      message: 'Unauthorized to process object record.',
      details: [{ code: 71012515, message: 'Unauthorized Action' }],
    })
    assert.equal((await server.api('GET', '/objects/records/default/Vehicle', { token: editor })).json().code, 71012512)
    const some = (await list('q=VIN__c:Q1')).records[0].Id
    assert.equal((await server.api('DELETE', `/objects/records/default/Vehicle/${some}`, { token: editor })).json().code, 71012514)
    assert.equal((await server.api('PATCH', `/objects/records/default/Vehicle/${some}`, { token: viewer, body: { seats__c: 2 } })).json().code, 71012513)
    assert.deepEqual(await q('VIN__c:NOPE'), [])
  })

  test('permissions: PUT, batch update and batch delete each need theirs, and change nothing without it', async () => {
    const viewer = await userWith(server, tenantId, 'batch-viewer', ['viewCustomObjects'])
    const editor = await userWith(server, tenantId, 'batch-editor', ['viewCustomObjects', 'editCustomObjects'])
    const deleter = await userWith(server, tenantId, 'batch-deleter', ['viewCustomObjects', 'deleteCustomObjects'])
    const [created] = (await create([{ VIN__c: 'PERM1', make__c: 'Kept', seats__c: 4 }])).records
    const before = await storedRecords(server, tenantId, 'Vehicle')
    assert.ok(before.some((record) => record.data.VIN__c === 'PERM1'))
    const denied = async (method: string, path: string, token: string, body: unknown, code: number) => {
      const response = await server.api(method, path, { token, body })
      assert.equal(response.status, 401, `${method} ${path}: ${response.text}`)
      assert.deepEqual(response.json(), {
        code,
        message: 'Unauthorized to process object record.',
        details: [{ code, message: 'Unauthorized Action' }],
      })
    }
    const record = `/objects/records/default/Vehicle/${created.Id}`
    // PUT and batch update need Edit Custom Objects: the viewer and the deleter are refused.
    for (const token of [viewer, deleter]) {
      await denied('PUT', record, token, { make__c: 'Changed' }, 71012513)
      await denied('POST', '/objects/batch/default/Vehicle', token, { action: { type: 'update', records: { [created.Id]: { make__c: 'Changed' } } } }, 71012513)
    }
    // Batch delete needs Delete Custom Objects: the viewer and the editor are refused.
    for (const token of [viewer, editor]) {
      await denied('POST', '/objects/batch/default/Vehicle', token, { action: { type: 'delete', ids: [created.Id] } }, 71012514)
    }
    assert.deepEqual(await storedRecords(server, tenantId, 'Vehicle'), before)

    // With the permission each goes through.
    assert.equal((await server.api('PUT', record, { token: editor, body: { make__c: 'Put' } })).status, 200)
    const batch = await server.api('POST', '/objects/batch/default/Vehicle', { token: editor, body: { action: { type: 'update', records: { [created.Id]: { make__c: 'Batched' } } } } })
    assert.equal(batch.status, 200, batch.text)
    assert.equal((await storedRecords(server, tenantId, 'Vehicle')).find((row) => row.id === created.Id)?.data.make__c, 'Batched')
    const removed = await server.api('POST', '/objects/batch/default/Vehicle', { token: deleter, body: { action: { type: 'delete', ids: [created.Id] } } })
    assert.equal(removed.status, 200, removed.text)
    assert.ok(!(await storedRecords(server, tenantId, 'Vehicle')).some((row) => row.id === created.Id))
  })
})
