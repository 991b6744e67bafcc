// The Trino functions, operators and literals Zuora's Data Query documentation uses (the table
// "What Zuora's Data Query documentation uses" in docs/data-query.md), each run as a query job
// runs it: validated and rewritten by the SQL engine (prepareStatement), then run in the
// sandbox (runQuery) with a session time zone, checked against Trino's semantics (NULL
// handling, result types, time zones).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { runQuery, type QueryScope, type RowSink } from '../../src/query/execute.ts'
import { prepareStatement } from '../../src/query/sql.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'

type Value = string | null

let server: TestServer
let tenantId: string
before(async () => {
  server = await startTestServer()
  tenantId = (await createTenantWithClient(server, { name: 'Documented', timeZone: 'America/Los_Angeles' })).tenant.id
})
after(() => server?.close())

/** The rows of a Data Query statement, each value as the result file would show it (PostgreSQL's text). */
async function query(sql: string, timeZone = 'America/Los_Angeles'): Promise<{ columns: { name: string; type: string }[]; rows: Value[][] }> {
  const statement = await prepareStatement(sql, { admin: true }, { maxRows: 1000 })
  assert.equal(statement.kind, 'select')
  const scope: QueryScope = { tenantId, entityId: null, orgIds: null, deleted: false, timeZone }
  const rows: Value[][] = []
  let columns: { name: string; type: string }[] = []
  const sink: RowSink = {
    columns: (list) => void (columns = list.map((c) => ({ name: c.name, type: String((c as { type?: unknown }).type ?? '') }))),
    rows: async (batch) => void rows.push(...(batch as Value[][])),
  }
  await runQuery(server.server.db, (statement as { sql: string }).sql, scope, sink, { maxRows: 1000, deadline: Date.now() + 60_000, timeLimitSeconds: 60 })
  return { columns, rows }
}

/** One value; a boolean as the result file writes it (true/false, where PostgreSQL prints t/f). */
async function one(expression: string, timeZone?: string): Promise<Value> {
  const { columns, rows } = await query(`SELECT ${expression}`, timeZone)
  const value = rows[0]![0]!
  return /bool/.test(columns[0]!.type) && value !== null ? (value === 't' ? 'true' : 'false') : value
}

async function expect(cases: [string, Value][], timeZone?: string) {
  for (const [expression, expected] of cases) assert.equal(await one(expression, timeZone), expected, expression)
}

describe("what Zuora's Data Query documentation uses", () => {
  test('to_uuid32 and to_uuid36: both ways, NULL in, NULL out', async () => {
    await expect([
      [`to_uuid32('2c92c0f9-67bb-659c-0167-be58d878735f')`, '2c92c0f967bb659c0167be58d878735f'],
      [`to_uuid36('2c92c0f967bb659c0167be58d878735f')`, '2c92c0f9-67bb-659c-0167-be58d878735f'],
      [`to_uuid36(NULL)`, null],
      [`to_uuid32(CAST(NULL AS varchar))`, null],
    ])
  })

  test("timestamp literals with a zone are instants, shown in the session's zone", async () => {
    await expect([
      [`TIMESTAMP '2023-01-02 00:00:00.000 +00:00'`, '2023-01-01 16:00:00-08'],
      [`timestamp '2019-01-01 -7:00'`, '2018-12-31 23:00:00-08'],
      [`TIMESTAMP '2023-01-02 00:00:00.000 +00:00' = TIMESTAMP '2023-01-01 19:00:00 -05:00'`, 'true'],
    ])
    await expect([[`TIMESTAMP '2023-01-02 00:00:00.000 +00:00'`, '2023-01-02 08:00:00+08']], 'Asia/Shanghai')
  })

  test('CAST(x AS TIMESTAMP(3)) keeps milliseconds; CURRENT_TIMESTAMP, current_date', async () => {
    await expect([
      [`CAST('2024-05-06 07:08:09.123456' AS TIMESTAMP(3))`, '2024-05-06 07:08:09.123-07'],
      [`CAST(CURRENT_TIMESTAMP AS date) = current_date`, 'true'],
      [`typeof(CURRENT_TIMESTAMP)`, 'timestamp(3) with time zone'],
      [`typeof(current_date)`, 'date'],
    ])
  })

  test('date(x AT TIME ZONE zone): the calendar day in that zone', async () => {
    await expect([
      [`date(TIMESTAMP '2024-03-01 02:00:00 +00:00' AT TIME ZONE 'America/Los_Angeles')`, '2024-02-29'],
      [`date(TIMESTAMP '2024-03-01 02:00:00 +00:00' AT TIME ZONE 'Asia/Tokyo')`, '2024-03-01'],
      [`date(CAST(NULL AS timestamp) AT TIME ZONE 'UTC')`, null],
      [`date('2024-02-29')`, '2024-02-29'],
      [`typeof(date('2024-02-29'))`, 'date'],
    ])
  })

  test('comparison and logic operators: three-valued with NULL, as Trino', async () => {
    await expect([
      [`1 = 1`, 'true'],
      [`1 <> 2`, 'true'],
      [`1 != 1`, 'false'],
      [`NULL = NULL`, null],
      [`NULL IS NULL`, 'true'],
      [`1 IS NOT NULL`, 'true'],
      [`NULL AND false`, 'false'],
      [`NULL OR true`, 'true'],
      [`NOT (NULL = 1)`, null],
      [`2 BETWEEN 1 AND 3`, 'true'],
      [`NULL BETWEEN 1 AND 3`, null],
      [`2 IN (1, 2)`, 'true'],
      [`3 IN (1, NULL)`, null],
      [`'2c92c0f9' LIKE '2c92%'`, 'true'],
      [`'a_c' LIKE 'a\\_c' ESCAPE '\\'`, 'true'],
      [`NULL LIKE 'a%'`, null],
      [`1 IS DISTINCT FROM NULL`, 'true'],
    ])
  })

  test('arithmetic and ||: decimals stay exact, integer division truncates, NULL propagates', async () => {
    await expect([
      [`CAST(345.4 AS decimal(18,6)) + CAST(0.1 AS decimal(18,6))`, '345.500000'],
      [`7 / 2`, '3'],
      [`-7 / 2`, '-3'],
      [`7 % 3`, '1'],
      [`1 + NULL`, null],
      [`'A-' || 'B'`, 'A-B'],
      [`'A-' || NULL`, null],
    ])
  })

  test('CASE, COALESCE, NULLIF, CAST', async () => {
    await expect([
      [`CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END`, 'b'],
      [`CASE WHEN NULL THEN 'a' END`, null],
      [`COALESCE(NULL, 'x')`, 'x'],
      [`NULLIF(1, 1)`, null],
      [`CAST('12' AS bigint) + 1`, '13'],
    ])
  })

  test('aggregates of GROUP BY and HAVING skip NULLs; count(*) counts rows', async () => {
    const result = await query(
      `SELECT k, count(*) AS n, count(v) AS c, sum(v) AS s, avg(v) AS a, min(v) AS lo, max(v) AS hi
       FROM (VALUES ('x', 1), ('x', NULL), ('y', 4)) AS t(k, v) GROUP BY k HAVING count(*) > 1 ORDER BY k`,
    )
    // avg of integers is an exact decimal here (Trino: a double, 1.0): docs/data-query.md says so.
    assert.deepEqual(result.rows.map((row) => row.map((v, i) => (i === 4 ? String(Number(v)) : v))), [['x', '2', '1', '1', '1', '1', '1']])
    assert.deepEqual(result.columns.map((c) => c.name), ['k', 'n', 'c', 's', 'a', 'lo', 'hi'])
  })

  test('joins, subqueries, UNION, WITH, ORDER BY and LIMIT', async () => {
    const result = await query(
      `WITH a AS (SELECT 1 AS id, 'one' AS name UNION ALL SELECT 2, 'two'), b AS (SELECT 1 AS id, 10 AS amount)
       SELECT a.name, b.amount FROM a LEFT JOIN b ON a.id = b.id
       WHERE a.id IN (SELECT id FROM a) ORDER BY a.name DESC LIMIT 5`,
    )
    assert.deepEqual(result.rows, [['two', null], ['one', '10']])
    const union = await query(`SELECT 1 AS n UNION SELECT 1 UNION SELECT 2 ORDER BY n`)
    assert.deepEqual(union.rows, [['1'], ['2']])
  })
})
