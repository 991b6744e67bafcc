// A result file's text is written by the database itself where it can: COPY ... TO STDOUT
// inside the sandbox. Otherwise (a DSV separator of more than one byte) rows go through a
// cursor and zjobs' writers. The paths must give the same bytes, keep the same walls, and end
// the same way on a row limit, an error mid-stream, a timeout and a stop.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { seedTenant } from '../../src/billing/seed.ts'
import { runQuery, type QueryScope, type RowSink, type RunOptions } from '../../src/query/execute.ts'
import { openResultFile } from '../../src/query/output/result-file.ts'
import { buffer } from 'node:stream/consumers'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { JOB_ID } from './output-helpers.ts'

describe('the COPY path and the cursor path', () => {
  let server: TestServer
  let scope: QueryScope

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    const tenantId = server.server.bootstrap.tenant.id
    await seedTenant(server.server.db, tenantId, { accounts: 40, seed: 11 })
    scope = { tenantId, entityId: null, orgIds: null, deleted: false, timeZone: 'Asia/Shanghai' }
  })
  after(() => server.close())

  const options = (extra: Partial<RunOptions> = {}): RunOptions => ({
    maxRows: 100_000,
    deadline: Date.now() + 60_000,
    timeLimitSeconds: 60,
    ...extra,
  })

  /** The file a query makes, through COPY where the backend allows it, or always through the cursor. */
  async function file(sql: string, format: 'CSV' | 'TSV' | 'DSV' | 'JSON', separator: string | undefined, via: 'copy' | 'cursor', extra?: Partial<RunOptions>) {
    const result = openResultFile({ jobId: JOB_ID, format, compression: 'NONE', columnSeparator: separator })
    const bytes = buffer(result.stream)
    const sink: RowSink = {
      columns: (columns) => result.writeHeader(columns),
      rows: (rows) => result.writeRows(rows),
      text: via === 'copy' ? { format: result.serverFormat, write: (text) => result.writeText(text) } : undefined,
    }
    try {
      const rows = await runQuery(server.server.db, sql, scope, sink, options(extra))
      await result.end()
      return { rows, text: (await bytes).toString('utf8') }
    } catch (error) {
      result.abort(error as Error)
      await bytes.catch(() => {})
      throw error
    }
  }

  const contextRows = async () => (await server.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dq_context')).rows[0].n

  // Every kind of value and every quoting rule: booleans (spelt out), NULL against '', quotes,
  // separators and line breaks inside text, a repeated label, numbers, dates and timestamps in
  // the query's time zone.
  const MIXED = `SELECT a.id, a.name, a.balance, a.createddate, a.autopay, a.autopay AND false AS "no", CAST(NULL AS boolean) AS unknown,
      '' AS empty, CAST(NULL AS text) AS missing, 'say "hi"' AS quoted, 'a,b;c|d e' || chr(9) || 'f' AS separators,
      'two' || chr(10) || 'lines' || chr(13) AS breaks, 1 AS id, DATE '2024-02-29' AS leap, 3.50 AS price
    FROM dataquery.account a ORDER BY a.id`

  for (const [format, separator] of [
    ['CSV', undefined],
    ['TSV', undefined],
    ['DSV', '|'],
    ['DSV', ';'],
    ['DSV', ' '],
    ['DSV', "'"],
    ['DSV', '\\'],
    ['DSV', '§'],
  ] as const) {
    test(`${format}${separator ? ` (${JSON.stringify(separator)})` : ''}: the same bytes either way`, async () => {
      const copy = await file(MIXED, format, separator, 'copy')
      const cursor = await file(MIXED, format, separator, 'cursor')
      const { rows } = await server.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM billing.account WHERE tenant_id = $1 AND NOT deleted', [scope.tenantId])
      assert.ok(rows[0].n > 0)
      assert.equal(copy.rows, rows[0].n)
      assert.equal(cursor.rows, rows[0].n)
      assert.equal(copy.text, cursor.text)
      assert.match(copy.text, /"say ""hi"""/)
      assert.ok(copy.text.split('\n')[0].includes(`id${format === 'TSV' ? '\t' : (separator ?? ',')}name`), copy.text.slice(0, 200))
    })
  }

  test('JSON Lines: the same bytes either way, every type as zjobs writes it', async () => {
    const extra = `, CAST('NaN' AS numeric) AS nan, CAST('-Infinity' AS float8) AS inf, 1.5e300::float8 AS big,
        CAST('{"a": [1, 2],' || chr(10) || ' "b": "x\\ny"}' AS json) AS doc, CAST('{"k": true}' AS jsonb) AS docb,
        'tab' || chr(9) || 'bell' || chr(7) || 'quote"back\\slash' AS controls, 'ünïcødé ✓ 😀' AS unicode,
        CAST('1 day' AS interval) AS span, ARRAY[1, 2] AS list, a.id AS "id_2", CAST('ab' AS char(5)) AS padded,
        CAST(a.createddate AS timestamp) AS wall, ARRAY[a.createddate] AS stamps, CAST(7 AS smallint) AS small, CAST(1.25 AS real) AS r,
        CAST(a.name AS varchar(40)) AS short, CAST(a.balance AS numeric(30, 8)) AS precise, 'account'::regclass AS rel,
        CAST('10.0.0.1' AS inet) AS host
      FROM dataquery.account a`
    const sql = MIXED.replace(' FROM dataquery.account a', extra)
    const copy = await file(sql, 'JSON', undefined, 'copy')
    const cursor = await file(sql, 'JSON', undefined, 'cursor')
    assert.ok(copy.rows > 0)
    assert.equal(copy.rows, cursor.rows)
    assert.equal(copy.text, cursor.text)
    const lines = copy.text.split('\n')
    assert.equal(lines.length, copy.rows + 1, 'one line per row')
    const first = JSON.parse(lines[0])
    assert.equal(first.nan, 'NaN')
    assert.equal(first.inf, '-Infinity')
    assert.equal(first.price, 3.5)
    assert.deepEqual(first.doc, { a: [1, 2], b: 'x\ny' })
    assert.equal(first.controls, 'tab\tbell\u0007quote"back\\slash')
    assert.equal(first.unicode, 'ünïcødé ✓ 😀')
    assert.equal(first.breaks, 'two\nlines\r')
    assert.deepEqual([first.id_2, first.id_3], [first.id, 1], 'a repeated label gets the next free suffix (id_2 is taken)')
    assert.equal(first.no, false)
    assert.equal(first.unknown, null)
    assert.match(first.createddate, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08$/, "timestamps in the query's time zone")
    assert.equal(first.stamps, `{"${first.createddate}"}`, 'inside arrays too')
    assert.equal(first.wall, first.createddate.slice(0, -3))
    assert.equal(first.padded, 'ab   ')
    assert.deepEqual([first.small, first.r, first.rel, first.host], [7, 1.25, 'account', '10.0.0.1'])
  })

  test('a wide result (more columns than a SQL function takes arguments) is the same either way', async () => {
    const columns = Array.from({ length: 130 }, (_, i) => (i % 3 === 0 ? `a.balance + ${i} AS n${i}` : i % 3 === 1 ? `a.name AS s${i}` : `a.autopay AS b${i}`))
    const sql = `SELECT ${columns.join(', ')} FROM dataquery.account a ORDER BY a.id`
    for (const format of ['JSON', 'CSV'] as const) {
      const copy = await file(sql, format, undefined, 'copy')
      assert.equal(copy.text, (await file(sql, format, undefined, 'cursor')).text, format)
      if (format === 'JSON') assert.equal(Object.keys(JSON.parse(copy.text.split('\n')[0])).length, 130)
    }
  })

  test('booleans are true and false; NULL is an empty field, the empty string a quoted one', async () => {
    const { text } = await file(`SELECT true AS t, false AS f, CAST(NULL AS boolean) AS n, '' AS e FROM dataquery.account LIMIT 1`, 'CSV', undefined, 'copy')
    assert.equal(text, 't,f,n,e\ntrue,false,,""\n')
  })

  test('a result of no columns is a line per row', async () => {
    const copy = await file('SELECT FROM dataquery.account LIMIT 3', 'CSV', undefined, 'copy')
    assert.deepEqual(copy, { rows: 3, text: '\n\n\n\n' })
    assert.deepEqual(await file('SELECT FROM dataquery.account LIMIT 2', 'JSON', undefined, 'copy'), { rows: 2, text: '{}\n{}\n' })
  })

  test('more rows than the limit fails the query', async () => {
    // Statement validation caps a query at the limit plus one row; here that is done by hand.
    await assert.rejects(
      file('SELECT id FROM dataquery.rateplancharge LIMIT 11', 'CSV', undefined, 'copy', { maxRows: 10 }),
      /returned more than 10 rows, the output limit/,
    )
    assert.equal((await file('SELECT id FROM dataquery.rateplancharge LIMIT 10', 'CSV', undefined, 'copy', { maxRows: 10 })).rows, 10)
    assert.equal(await contextRows(), 0)
  })

  test('an error after rows were sent fails the query, and the database carries on', async () => {
    await assert.rejects(
      file('SELECT 1 / (n - 20) AS x FROM (SELECT row_number() OVER () AS n FROM dataquery.rateplancharge) s', 'CSV', undefined, 'copy'),
      /division by zero/,
    )
    assert.equal(await contextRows(), 0)
    assert.equal((await file('SELECT 1 AS one', 'CSV', undefined, 'copy')).text, 'one\n1\n')
  })

  test('the walls hold: no billing schema, no platform tables, read-only, one tenant', async () => {
    for (const sql of ['SELECT * FROM billing.account', 'SELECT * FROM public.users', 'SELECT * FROM public.dq_context']) {
      await assert.rejects(file(sql, 'CSV', undefined, 'copy'), /Access denied|permission denied/i, sql)
    }
    await assert.rejects(file("SELECT set_config('transaction_read_only', 'off', true)", 'CSV', undefined, 'copy'))
    const { rows } = await server.server.db.query<{ n: string }>('SELECT count(*)::text AS n FROM billing.account WHERE tenant_id = $1 AND NOT deleted', [scope.tenantId])
    assert.equal((await file('SELECT count(*) AS n FROM dataquery.account', 'CSV', undefined, 'copy')).text, `n\n${rows[0].n}\n`)
  })

  test('a stop ends a long export on the server, and nothing of it stays behind', async () => {
    // Tens of MB of text: many chunks of a COPY.
    const long = 'SELECT a.id, b.id FROM dataquery.rateplancharge a, dataquery.rateplancharge b, dataquery.account c LIMIT 400000'
    const result = openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'NONE' })
    const bytes = buffer(result.stream)
    let chunks = 0
    const sink: RowSink = {
      columns: (columns) => result.writeHeader(columns),
      rows: (rows) => result.writeRows(rows),
      text: {
        format: result.serverFormat,
        write: (text) => {
          chunks++
          return result.writeText(text)
        },
      },
    }
    // Asking whether to go on takes the database (as a job's check does): the export must not
    // hold it meanwhile. The stop comes once the export is under way.
    let asked = 0
    const proceed = async () => {
      asked++
      return (await server.server.db.query<{ n: number }>('SELECT 1 AS n')).rows[0].n === 1 && chunks < 3
    }
    const rows = await runQuery(server.server.db, long, scope, sink, options({ maxRows: 1_000_000, checkEveryMs: 5, proceed }))
    await result.end()
    const text = (await bytes).toString('utf8')
    assert.equal(rows, 0, 'a stopped export reports no rows')
    assert.ok(asked >= 1)
    assert.ok(chunks >= 3 && text.startsWith('id,id\n'), 'the export was under way')
    assert.ok(text.split('\n').length < 400_000, 'and did not run to its end')
    // The server side of the query is gone: cancelled, its transaction rolled back.
    for (let i = 0; ; i++) {
      const { rows } = await server.server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT%' AND pid <> pg_backend_pid()",
      ).catch(() => ({ rows: [{ n: 0 }] }))
      if (rows[0].n === 0) break
      assert.ok(i < 100, 'the COPY is still running')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(await contextRows(), 0)
  })
})
