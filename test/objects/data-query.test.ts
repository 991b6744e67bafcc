// Custom objects in Data Query: each object of the tenant is the table default__<object in
// lower case> with typed, lower-case columns, listed by SHOW TABLES and DESCRIBE, holding
// exactly the tenant's records (another tenant's object of the same name is another table).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { waitForQueryJob, type QueryJob } from '../helpers/query-jobs.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { call, createTenantWithClient, define, runFileJob, userWith, vehicle } from './helpers.ts'

type Row = Record<string, unknown>

describe('custom objects in Data Query', () => {
  let server: TestServer
  let other: { token: string }

  const run = async (query: string, token?: string): Promise<QueryJob> => {
    const submitted = await server.api('POST', '/query/jobs', {
      body: { query, outputFormat: 'JSON', compression: 'NONE', output: { target: 'S3' } },
      token,
    })
    assert.equal(submitted.status, 200, submitted.text)
    assertVendorResponse('POST', '/query/jobs', 200, submitted.json())
    return waitForQueryJob(server, submitted.json().data.id, token)
  }
  /** The rows of a query's JSON Lines result. */
  const rows = async (query: string, token?: string): Promise<Row[]> => {
    const job = await run(query, token)
    assert.equal(job.queryStatus, 'completed', `${query}: ${job.errorMessage}`)
    assert.ok(job.dataFile)
    const file = await request(job.dataFile.replace('//localhost:', '//127.0.0.1:'))
    assert.equal(file.status, 200, file.text)
    const lines = file.text.split('\n').filter((line) => line !== '')
    assert.equal(lines.length, job.outputRows)
    return lines.map((line) => JSON.parse(line))
  }
  const records = async (object: string, token?: string): Promise<Row[]> =>
    (await call(server, 'GET', `/objects/records/default/${object}?pageSize=1000`, '/objects/records/default/{object}', 200, { token })).json().records

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    other = await createTenantWithClient(server, { name: 'dq other tenant' })
    await define(server, { Vehicle: vehicle() })
    await define(server, { Vehicle: vehicle(), Secret: { object: 'Secret', label: 'Secret', properties: { code__c: { type: 'string', label: 'Code' } } } }, other.token)
    await call(server, 'POST', '/objects/records/default/Vehicle', undefined, 200, {
      body: {
        records: [
          {
            VIN__c: 'A1',
            make__c: 'Honda',
            seats__c: 5,
            MSRP__c: 23990.5,
            electric__c: true,
            delivered__c: '2024-07-09',
            inspected__c: '2024-07-09T14:41:17.377+08:00',
            extras__c: 'roof;tint',
            tracker__c: '8ad084a6-7f9c-7138-017f-ab8a8b511b5a',
            notes__c: 'first, "quoted"',
          },
          { VIN__c: 'A2', make__c: 'Tesla', seats__c: 7, MSRP__c: 79990, delivered__c: '2023-12-31' },
        ],
      },
    })
    // A third one through a bulk job: its records are Data Query's too.
    await runFileJob(server, 'Vehicle', 'create', 'VIN__c,make__c,seats__c,electric__c\nA3,Volvo,2,true\n')
    await call(server, 'POST', '/objects/records/default/Vehicle', undefined, 200, {
      body: { records: [{ VIN__c: 'A1', make__c: 'Theirs', seats__c: 9 }, { VIN__c: 'B2', make__c: 'Theirs', seats__c: 4 }] },
      token: other.token,
    })
    await call(server, 'POST', '/objects/records/default/Secret', undefined, 200, { body: { records: [{ code__c: 'hidden' }] }, token: other.token })
  })
  after(() => server.close())

  test('SHOW TABLES lists the tenant\'s objects as default__<object>; DESCRIBE shows typed lower-case columns', async () => {
    const tables = (await rows('SHOW TABLES')).map((row) => row.Table)
    assert.ok(tables.includes('default__vehicle'))
    assert.ok(!tables.includes('default__secret'), 'another tenant\'s object is no table here')
    assert.ok(tables.includes('account'))
    const theirs = (await rows('SHOW TABLES', other.token)).map((row) => row.Table)
    assert.ok(theirs.includes('default__vehicle') && theirs.includes('default__secret'))

    const columns = await rows('DESCRIBE default__vehicle')
    const column = (name: string, type: string, apiName: string) => ({ Column: name, Type: type, Extra: '', Comment: apiName })
    assert.deepEqual(columns, [
      column('id', 'varchar', 'Id'),
      column('color__c', 'varchar', 'color__c'),
      column('createdbyid', 'varchar', 'CreatedById'),
      column('createddate', 'timestamp with time zone', 'CreatedDate'),
      column('delivered__c', 'date', 'delivered__c'),
      column('electric__c', 'boolean', 'electric__c'),
      column('extras__c', 'varchar', 'extras__c'),
      column('inspected__c', 'timestamp with time zone', 'inspected__c'),
      column('make__c', 'varchar', 'make__c'),
      column('msrp__c', 'decimal(22,9)', 'MSRP__c'),
      column('notes__c', 'varchar', 'notes__c'),
      column('owner__c', 'varchar', 'owner__c'),
      column('seats__c', 'bigint', 'seats__c'),
      column('site__c', 'varchar', 'site__c'),
      column('tracker__c', 'varchar', 'tracker__c'),
      column('updatedbyid', 'varchar', 'UpdatedById'),
      column('updateddate', 'timestamp with time zone', 'UpdatedDate'),
      column('vin__c', 'varchar', 'VIN__c'),
    ])
    assert.deepEqual(await rows('SHOW COLUMNS FROM Default__Vehicle'), columns)
    const missing = await run('DESCRIBE default__secret')
    assert.equal(missing.queryStatus, 'failed')
  })

  test('SELECT returns exactly the tenant\'s records, typed; another tenant\'s same-named object stays theirs', async () => {
    const api = (await records('Vehicle')).sort((a, b) => (String(a.VIN__c) < String(b.VIN__c) ? -1 : 1))
    assert.equal(api.length, 3)
    const selected = await rows(
      'SELECT id, vin__c, make__c, seats__c, msrp__c, electric__c, delivered__c, inspected__c, color__c, extras__c, tracker__c, notes__c, createdbyid, createddate, updateddate FROM default__vehicle ORDER BY vin__c',
    )
    assert.deepEqual(
      selected.map((row) => row.vin__c),
      ['A1', 'A2', 'A3'],
    )
    for (const [i, row] of selected.entries()) {
      const record = api[i]
      assert.equal(row.id, record.Id)
      assert.equal(row.make__c, record.make__c)
      assert.equal(row.seats__c, record.seats__c)
      assert.equal(row.msrp__c === null ? null : Number(row.msrp__c), record.MSRP__c ?? null)
      assert.equal(row.electric__c, record.electric__c)
      assert.equal(row.delivered__c, record.delivered__c ?? null)
      assert.equal(row.inspected__c === null ? null : Date.parse(String(row.inspected__c)), record.inspected__c ? Date.parse(String(record.inspected__c)) : null)
      assert.equal(row.color__c, record.color__c)
      assert.equal(row.extras__c, record.extras__c ?? null)
      assert.equal(row.tracker__c, record.tracker__c ?? null)
      assert.equal(row.notes__c, record.notes__c ?? null)
      assert.equal(row.createdbyid, record.CreatedById)
      assert.equal(Date.parse(String(row.createddate)), Date.parse(String(record.CreatedDate)))
      assert.equal(Date.parse(String(row.updateddate)), Date.parse(String(record.UpdatedDate)))
    }
    assert.equal(selected[0].seats__c, 5, 'integers are numbers')
    assert.equal(selected[0].electric__c, true, 'booleans are booleans')
    assert.equal(selected[0].delivered__c, '2024-07-09')

    // Typed comparisons, not text ones.
    const picked = await rows("SELECT vin__c FROM default__vehicle WHERE seats__c >= 5 AND msrp__c > 30000.25 AND delivered__c < DATE '2024-01-01'")
    assert.deepEqual(picked, [{ vin__c: 'A2' }])
    assert.deepEqual(await rows('SELECT vin__c FROM default__vehicle WHERE electric__c ORDER BY seats__c'), [{ vin__c: 'A3' }, { vin__c: 'A1' }])
    assert.deepEqual(await rows("SELECT count(*) AS n FROM Default__Vehicle WHERE make__c = 'Theirs'"), [{ n: 0 }])

    const theirs = await rows('SELECT vin__c, make__c, seats__c FROM default__vehicle ORDER BY vin__c', other.token)
    assert.deepEqual(theirs, [
      { vin__c: 'A1', make__c: 'Theirs', seats__c: 9 },
      { vin__c: 'B2', make__c: 'Theirs', seats__c: 4 },
    ])
    assert.deepEqual(await rows('SELECT code__c FROM default__secret', other.token), [{ code__c: 'hidden' }])
    const notMine = await run('SELECT code__c FROM default__secret')
    assert.equal(notMine.queryStatus, 'failed')
    assert.match(String(notMine.errorMessage), /default__secret/)
    // The records view is not a table a query can name.
    const view = await run('SELECT * FROM custom_object_records')
    assert.equal(view.queryStatus, 'failed')
  })

  test('a Data Query user without View Custom Objects reads no custom object: the job fails "process object", as the records API refuses', async () => {
    const tenantId = server.server.bootstrap.tenant.id
    const analyst = await userWith(server, tenantId, 'dq-without-co', ['dataQuery'])
    const viewer = await userWith(server, tenantId, 'dq-with-co', ['dataQuery', 'viewCustomObjects'])
    // The records API refuses the analyst...
    const refused = await server.api('GET', '/objects/records/default/Vehicle', { token: analyst })
    assert.equal(refused.status, 401, refused.text)
    assert.equal(refused.json().code, 71012512)
    // ...and so does Data Query, for every statement that reads an object's records or fields.
    for (const query of [
      'SELECT vin__c FROM default__vehicle',
      'SELECT a.name FROM account a WHERE a.id IN (SELECT createdbyid FROM Default__Vehicle)',
      'WITH v AS (SELECT * FROM default__vehicle) SELECT count(*) FROM v',
      'DESCRIBE default__vehicle',
      'SHOW COLUMNS FROM default__vehicle',
    ]) {
      const job = await run(query, analyst)
      assert.equal(job.queryStatus, 'failed', `${query}: ${job.queryStatus}`)
      assert.match(String(job.errorMessage), /failed to process object default__vehicle/, query)
      assert.equal(job.outputRows, undefined)
      assert.equal(job.dataFile, undefined)
    }
    // Billing tables stay readable, and the object's name is listed, as Zuora lists tables a user may not read.
    assert.deepEqual(await rows('SELECT count(*) AS n FROM account', analyst), [{ n: 0 }])
    assert.ok((await rows('SHOW TABLES', analyst)).some((row) => row.Table === 'default__vehicle'))
    // With the permission, the same query reads the records.
    assert.equal((await rows('SELECT vin__c FROM default__vehicle', viewer)).length, 3)
  })
})
