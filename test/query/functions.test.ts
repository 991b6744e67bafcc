// Data Query's Trino functions (migration 0006) on the database of the run's backend, with
// the sandbox's search path (dataquery, pg_catalog) and a fixed session time zone: Trino's
// documented results, NULL handling, errors, the rewrites run end to end, and the catalogue
// (src/query/functions.ts) checked against pg_proc so that it cannot drift.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { parse } from 'libpg-query'
import { deparse } from 'pgsql-deparser'
import { DATA_QUERY_FUNCTIONS, DENIED_FUNCTIONS, isAllowedFunction } from '../../src/query/functions.ts'
import { preprocessTrinoSql, rewriteTrinoCalls } from '../../src/query/rewrites.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(() => server?.close())

type Value = string | null

/** Rows of `sql` as PostgreSQL's text output, run as a Data Query is: sandbox search path, a session time zone. */
async function rows(sql: string, timeZone = 'America/Los_Angeles', role?: string): Promise<Value[][]> {
  return server.server.db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('TimeZone', $1, true), set_config('search_path', 'dataquery, pg_catalog', true)`, [timeZone])
    if (role) await tx.query(`SET LOCAL ROLE ${role}`)
    const result = await tx.query<Value[]>({ text: sql, rowMode: 'array', types: { getTypeParser: () => (text: string) => text } })
    return result.rows
  })
}

const value = async (expression: string, timeZone?: string) => (await rows(`SELECT ${expression}`, timeZone))[0][0]

/** Each [expression, expected text] pair: the expression's value, as text. */
async function expect(cases: [string, Value][], timeZone?: string) {
  for (const [expression, expected] of cases) {
    assert.equal(await value(expression, timeZone), expected, expression)
  }
}

async function expectError(expression: string, message: RegExp) {
  await assert.rejects(value(expression), message, expression)
}

/** A Trino SELECT list run the way the engine will: preprocessed, parsed, rewritten, deparsed. */
async function trino(expressions: string, from = ''): Promise<Value[][]> {
  const tree = rewriteTrinoCalls(await parse(preprocessTrinoSql(`SELECT ${expressions} ${from}`)))
  return rows(await deparse(tree))
}

describe('Zuora UUID functions', () => {
  test('to_uuid32 and to_uuid36 convert between the two forms', async () => {
    await expect([
      [`to_uuid32('2c92c0f9-67bb-659c-0167-be58d878735f')`, '2c92c0f967bb659c0167be58d878735f'],
      [`to_uuid36('2c92c0f967bb659c0167be58d878735f')`, '2c92c0f9-67bb-659c-0167-be58d878735f'],
    ])
  })

  test('a value already in the target form passes; answers are lower case', async () => {
    await expect([
      [`to_uuid32('2c92c0f967bb659c0167be58d878735f')`, '2c92c0f967bb659c0167be58d878735f'],
      [`to_uuid36('2c92c0f9-67bb-659c-0167-be58d878735f')`, '2c92c0f9-67bb-659c-0167-be58d878735f'],
      [`to_uuid32('2C92C0F9-67BB-659C-0167-BE58D878735F')`, '2c92c0f967bb659c0167be58d878735f'],
      [`to_uuid36('2C92C0F967BB659C0167BE58D878735F')`, '2c92c0f9-67bb-659c-0167-be58d878735f'],
    ])
  })

  test('NULL and anything that is not a UUID give NULL', async () => {
    await expect([
      ['to_uuid32(NULL)', null],
      ['to_uuid36(NULL)', null],
      [`to_uuid32('')`, null],
      [`to_uuid36('not-a-uuid')`, null],
      [`to_uuid36('2c92c0f967bb659c0167be58d878735')`, null],
      [`to_uuid32('2c92c0f9-67bb659c-0167-be58d878735f')`, null],
      [`to_uuid32('2c92c0f9-67bb-659c-0167-be58d878735g')`, null],
    ])
  })

  test('a 32-character id filters a 36-character column and back', async () => {
    const [[count]] = await rows(`SELECT count(*) FROM (VALUES ('2c92c0f9-67bb-659c-0167-be58d878735f'), ('other')) AS t(id)
      WHERE id = to_uuid36('2c92c0f967bb659c0167be58d878735f') AND to_uuid32(id) = '2c92c0f967bb659c0167be58d878735f'`)
    assert.equal(count, '1')
  })
})

describe('date and time functions', () => {
  test('date_format takes MySQL specifiers (MySQL manual examples)', async () => {
    await expect([
      [`date_format(TIMESTAMP '2009-10-04 22:23:00', '%W %M %Y')`, 'Sunday October 2009'],
      [`date_format(TIMESTAMP '2009-10-04 22:23:00', '%H:%i:%s')`, '22:23:00'],
      [`date_format(TIMESTAMP '2009-10-04 22:23:00', '%y %a %d %m %b %j')`, '09 Sun 04 10 Oct 277'],
      [`date_format(TIMESTAMP '2009-10-04 22:23:00', '%H %k %I %r %T %S')`, '22 22 10 10:23:00 PM 22:23:00 00'],
      [`date_format(TIMESTAMP '2009-10-04 08:05:09', '%e %c %l %h %p %s %i')`, '4 10 8 08 AM 09 05'],
      [`date_format(TIMESTAMP '2001-01-09 13:04:05.321', '%f')`, '321000'],
      [`date_format(TIMESTAMP '2021-01-03 00:00:00', '%x-%v')`, '2020-53'],
      [`date_format(TIMESTAMP '2009-10-04 22:23:00', '100%% %q "x\\y')`, '100% q "x\\y'],
      [`date_format(TIMESTAMP '2009-10-04 22:23:00', '')`, ''],
    ])
  })

  test('date_format shows an instant in the session time zone', async () => {
    await expect([[`date_format(TIMESTAMP WITH TIME ZONE '2020-01-01 03:00:00 UTC', '%Y-%m-%d %H:%i')`, '2019-12-31 19:00']])
    await expect([[`date_format(TIMESTAMP WITH TIME ZONE '2020-01-01 03:00:00 UTC', '%Y-%m-%d %H:%i')`, '2020-01-01 12:00']], 'Asia/Tokyo')
    await expect([[`date_format(DATE '2020-05-17', '%Y/%m/%d')`, '2020/05/17']])
  })

  test('date_format refuses the specifiers Trino does not support', async () => {
    for (const specifier of ['%D', '%U', '%u', '%V', '%w', '%X']) {
      await expectError(`date_format(TIMESTAMP '2020-01-01', '${specifier}')`, new RegExp(`${specifier} not supported in date format string`))
    }
  })

  test('date_parse reads MySQL formats into a timestamp', async () => {
    await expect([
      [`date_parse('2022/10/20/05', '%Y/%m/%d/%H')`, '2022-10-20 05:00:00'],
      [`date_parse('2001-01-09 13:04:05.321', '%Y-%m-%d %H:%i:%s.%f')`, '2001-01-09 13:04:05.321'],
      [`date_parse('1/9/01 1:04 PM', '%c/%e/%y %l:%i %p')`, '2001-01-09 13:04:00'],
      [`date_parse('January 9, 2001', '%M %e, %Y')`, '2001-01-09 00:00:00'],
      [`date_parse('69', '%y')`, '2069-01-01 00:00:00'],
      [`date_parse('70', '%y')`, '1970-01-01 00:00:00'],
    ])
  })

  test('format_datetime takes Joda-Time patterns', async () => {
    await expect([
      [`format_datetime(TIMESTAMP '2001-01-09 13:04:05.321', 'yyyy-MM-dd HH:mm:ss.SSS')`, '2001-01-09 13:04:05.321'],
      [`format_datetime(TIMESTAMP '2001-01-09 13:04:05.321', 'yy M d H m s S')`, '01 1 9 13 4 5 3'],
      [`format_datetime(TIMESTAMP '2001-01-09 13:04:05', 'EEE EEEE MMM MMMM a h hh')`, 'Tue Tuesday Jan January PM 1 01'],
      [`format_datetime(TIMESTAMP '2001-01-09 13:04:05', 'D DDD e w xxxx')`, '9 009 2 2 2001'],
      [`format_datetime(TIMESTAMP '2001-01-09 13:04:05', '''at'' HH''''mm')`, "at 13'04"],
      [`format_datetime(TIMESTAMP WITH TIME ZONE '2001-01-09 13:04:05 America/Los_Angeles', 'Z ZZ ZZZ z')`, '-0800 -08:00 America/Los_Angeles PST'],
    ])
    await expectError(`format_datetime(TIMESTAMP '2001-01-09', 'yyyy q')`, /Illegal pattern component: q/)
  })

  test('parse_datetime reads Joda-Time patterns into an instant', async () => {
    await expect([
      [`parse_datetime('2020-05-11 11:15:05.123 +01:00', 'yyyy-MM-dd HH:mm:ss.SSS ZZ')`, '2020-05-11 03:15:05.123-07'],
      [`parse_datetime('11/05/2020', 'dd/MM/yyyy')`, '2020-05-11 00:00:00-07'],
    ])
  })

  test('from_unixtime and to_unixtime', async () => {
    await expect([
      ['from_unixtime(1607709253)', '2020-12-11 09:54:13-08'],
      ['from_unixtime(1607709253.5)', '2020-12-11 09:54:13.5-08'],
      [`from_unixtime(1607709253, 'UTC')`, '2020-12-11 17:54:13'],
      [`from_unixtime(1607709253, 'Asia/Kolkata')`, '2020-12-11 23:24:13'],
      ['from_unixtime(1607709253, 2, 30)', '2020-12-11 20:24:13'],
      [`to_unixtime(TIMESTAMP WITH TIME ZONE '2020-12-11 17:54:13.5 UTC')`, '1607709253.5'],
      ['to_unixtime(from_unixtime(1607709253))', '1607709253'],
      ['from_unixtime(NULL)', null],
      ['to_unixtime(NULL)', null],
    ])
  })

  test('from_iso8601_timestamp and from_iso8601_date (Trino examples)', async () => {
    await expect([
      [`from_iso8601_timestamp('2020-05-11')`, '2020-05-11 00:00:00-07'],
      [`from_iso8601_timestamp('2020-05-11T11:15:05')`, '2020-05-11 11:15:05-07'],
      [`from_iso8601_timestamp('2020-05-11T11:15:05.055+01:00')`, '2020-05-11 03:15:05.055-07'],
      [`from_iso8601_timestamp('2020-05-11T11:15:05Z')`, '2020-05-11 04:15:05-07'],
      [`from_iso8601_date('2020-05-11')`, '2020-05-11'],
      [`from_iso8601_date('2020-W10')`, '2020-03-02'],
      [`from_iso8601_date('2020-W10-3')`, '2020-03-04'],
      [`from_iso8601_date('2020-123')`, '2020-05-02'],
      [`from_iso8601_date('2020-05')`, '2020-05-01'],
      ['from_iso8601_timestamp(NULL)', null],
      ['from_iso8601_date(NULL)', null],
    ])
    await expectError(`from_iso8601_timestamp('now')`, /Invalid format: "now"/)
    await expectError(`from_iso8601_date('11/05/2020')`, /Invalid format/)
  })

  test('to_iso8601 for dates, timestamps and instants (Z for UTC)', async () => {
    await expect([
      [`to_iso8601(DATE '2020-05-11')`, '2020-05-11'],
      [`to_iso8601(TIMESTAMP '2020-05-11 11:15:05.055')`, '2020-05-11T11:15:05.055'],
      [`to_iso8601(TIMESTAMP WITH TIME ZONE '2020-05-11 11:15:05.055+01:00')`, '2020-05-11T03:15:05.055-07:00'],
      ['to_iso8601(NULL::date)', null],
    ])
    await expect([[`to_iso8601(TIMESTAMP WITH TIME ZONE '2020-05-11 11:15:05.055+01:00')`, '2020-05-11T10:15:05.055Z']], 'UTC')
  })

  test('date_add (Trino examples), months clamped to the month end, dates stay dates', async () => {
    await expect([
      [`date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00')`, '2020-03-01 00:01:26'],
      [`date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00')`, '2020-03-01 09:00:00'],
      [`date_add('day', -1, TIMESTAMP WITH TIME ZONE '2020-03-01 00:00:00 UTC')`, '2020-02-28 16:00:00-08'],
      [`date_add('millisecond', 1500, TIMESTAMP '2020-03-01 00:00:00')`, '2020-03-01 00:00:01.5'],
      [`date_add('month', 1, DATE '2020-01-31')`, '2020-02-29'],
      [`date_add('QUARTER', 1, DATE '2020-01-31')`, '2020-04-30'],
      [`date_add('week', 2, DATE '2020-01-31')`, '2020-02-14'],
      [`date_add('year', -1, DATE '2020-02-29')`, '2019-02-28'],
      [`date_add('day', 1, TIMESTAMP WITH TIME ZONE '2020-03-07 12:00:00 America/Los_Angeles')`, '2020-03-08 12:00:00-07'],
      [`date_add('day', NULL, DATE '2020-01-31')`, null],
      [`date_add('day', 1, NULL::date)`, null],
      [`date_add(NULL, 1, DATE '2020-01-31')`, null],
      [`date_add(NULL, 1, TIMESTAMP '2020-01-31')`, null],
    ])
    await expectError(`date_add('hour', 1, DATE '2020-01-31')`, /'hour' is not a valid DATE field/)
    await expectError(`date_add('fortnight', 1, TIMESTAMP '2020-01-31')`, /'fortnight' is not a valid Timestamp field/)
  })

  test('date_diff counts whole units (Trino examples and Joda-Time month ends)', async () => {
    await expect([
      [`date_diff('second', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00')`, '86400'],
      [`date_diff('hour', TIMESTAMP WITH TIME ZONE '2020-03-01 00:00:00 UTC', TIMESTAMP WITH TIME ZONE '2020-03-02 00:00:00 UTC')`, '24'],
      [`date_diff('day', DATE '2020-03-01', DATE '2020-03-02')`, '1'],
      [`date_diff('millisecond', TIMESTAMP '2020-06-01 12:30:45.000000', TIMESTAMP '2020-06-02 12:30:45.123456')`, '86400123'],
      [`date_diff('day', TIMESTAMP '2020-03-02 00:00', TIMESTAMP '2020-03-01 00:00:01')`, '0'],
      [`date_diff('day', TIMESTAMP '2020-03-02 00:00', TIMESTAMP '2020-03-01 00:00:00')`, '-1'],
      [`date_diff('week', DATE '2020-01-01', DATE '2020-01-15')`, '2'],
      [`date_diff('month', DATE '2020-01-31', DATE '2020-02-29')`, '1'],
      [`date_diff('month', DATE '2020-01-31', DATE '2020-02-28')`, '0'],
      [`date_diff('month', DATE '2020-02-29', DATE '2020-01-31')`, '-1'],
      [`date_diff('month', TIMESTAMP '2020-01-15 12:00', TIMESTAMP '2020-02-15 11:59')`, '0'],
      [`date_diff('quarter', DATE '2020-01-15', DATE '2020-07-14')`, '1'],
      [`date_diff('year', DATE '2020-02-29', DATE '2021-02-28')`, '1'],
      [`date_diff('year', DATE '2020-03-01', DATE '2021-02-28')`, '0'],
      [`date_diff('YEAR', DATE '2021-03-01', DATE '2020-02-28')`, '-1'],
      [`date_diff('day', NULL::date, DATE '2020-01-01')`, null],
      [`date_diff(NULL, DATE '2020-01-01', DATE '2020-01-02')`, null],
    ])
  })

  test('date_diff: hours elapse, days count on the calendar across a DST change', async () => {
    const from = `TIMESTAMP WITH TIME ZONE '2020-03-07 12:00 America/Los_Angeles'`
    const to = `TIMESTAMP WITH TIME ZONE '2020-03-08 12:00 America/Los_Angeles'`
    await expect([
      [`date_diff('hour', ${from}, ${to})`, '23'],
      [`date_diff('day', ${from}, ${to})`, '1'],
    ])
  })

  test('field functions (bigint; ISO weeks and weekdays)', async () => {
    const ts = `TIMESTAMP '2001-08-22 03:04:05.321'`
    await expect([
      [`year(${ts})`, '2001'],
      [`quarter(${ts})`, '3'],
      [`month(${ts})`, '8'],
      [`week(${ts})`, '34'],
      [`week_of_year(${ts})`, '34'],
      [`day(${ts})`, '22'],
      [`day_of_month(${ts})`, '22'],
      [`day_of_week(DATE '2001-08-26')`, '7'],
      [`dow(DATE '2001-08-27')`, '1'],
      [`day_of_year(${ts})`, '234'],
      [`doy(DATE '2001-12-31')`, '365'],
      [`year_of_week(DATE '2021-01-01')`, '2020'],
      [`yow(DATE '2021-01-04')`, '2021'],
      [`hour(${ts})`, '3'],
      [`minute(${ts})`, '4'],
      [`second(${ts})`, '5'],
      [`millisecond(${ts})`, '321'],
      [`hour(TIMESTAMP WITH TIME ZONE '2001-08-22 10:00 UTC')`, '3'],
      [`timezone_hour(TIMESTAMP WITH TIME ZONE '2001-08-22 10:00 UTC')`, '-7'],
      [`timezone_minute(TIMESTAMP WITH TIME ZONE '2001-08-22 10:00 UTC')`, '0'],
      [`day(INTERVAL '3 days 4 hours 5 minutes 6.789 seconds')`, '3'],
      [`hour(INTERVAL '3 days 4 hours 5 minutes 6.789 seconds')`, '4'],
      [`second(INTERVAL '3 days 4 hours 5 minutes 6.789 seconds')`, '6'],
      [`millisecond(INTERVAL '3 days 4 hours 5 minutes 6.789 seconds')`, '789'],
      [`month(INTERVAL '1 year 2 months')`, '2'],
      [`day(TIMESTAMP '2020-03-02 00:00' - TIMESTAMP '2020-02-01 12:00')`, '29'],
      ['year(NULL::date)', null],
    ])
  })

  test('last_day_of_month, date_trunc on dates, date(), time zones', async () => {
    await expect([
      [`last_day_of_month(DATE '2020-02-10')`, '2020-02-29'],
      [`last_day_of_month(TIMESTAMP '2021-02-10 23:00')`, '2021-02-28'],
      [`last_day_of_month(TIMESTAMP WITH TIME ZONE '2020-05-01 03:00 UTC')`, '2020-04-30'],
      [`date_trunc('month', DATE '2020-05-17')`, '2020-05-01'],
      [`date_trunc('week', DATE '2020-05-17')`, '2020-05-11'],
      [`date_trunc('month', TIMESTAMP WITH TIME ZONE '2020-05-17 10:00')`, '2020-05-01 00:00:00-07'],
      [`date('2020-01-02')`, '2020-01-02'],
      [`date(TIMESTAMP WITH TIME ZONE '2020-01-02 23:00')`, '2020-01-02'],
      ['current_timezone()', 'America/Los_Angeles'],
      [`at_timezone(TIMESTAMP WITH TIME ZONE '2020-01-01 00:00 UTC', 'Asia/Tokyo')`, '2020-01-01 09:00:00'],
      [`with_timezone(TIMESTAMP '2020-01-01 09:00', 'Asia/Tokyo')`, '2019-12-31 16:00:00-08'],
      [`to_milliseconds(INTERVAL '1' DAY + INTERVAL '2' SECOND)`, '86402000'],
    ])
    await expect([['current_timezone()', 'Asia/Shanghai']], 'Asia/Shanghai')
  })

  test('arguments from rows, not constants: translated per query, errors only where reached', async () => {
    const result = await rows(`SELECT date_format(t, f), CASE WHEN u <> 'bogus' THEN date_diff(u, d, d + 40) END,
        CASE WHEN u <> 'bogus' THEN date_add(u, 1, d) END
      FROM (VALUES (TIMESTAMP '2020-01-02 03:04:05', '%Y', 'day', DATE '2020-01-31'),
                   (TIMESTAMP '2021-06-07 08:09:10', '%H:%i', 'month', DATE '2020-02-29'),
                   (TIMESTAMP '2021-06-07 08:09:10', '%m', 'bogus', DATE '2020-02-29')) AS v(t, f, u, d)`)
    assert.deepEqual(result, [
      ['2020', '40', '2020-02-01'],
      ['08:09', '1', '2020-03-29'],
      ['06', null, null],
    ])
    await assert.rejects(rows(`SELECT date_diff(u, DATE '2020-01-01', DATE '2020-02-01') FROM (VALUES ('day'), ('bogus')) AS v(u)`), /'bogus' is not a valid Timestamp field/)
  })
})

describe('string functions', () => {
  test('substr and substring count a negative start from the end (Trino), 0 gives nothing', async () => {
    await expect([
      [`substr('abcdef', 2)`, 'bcdef'],
      [`substr('abcdef', -2)`, 'ef'],
      [`substr('abcdef', 0)`, ''],
      [`substr('abcdef', 2, 3)`, 'bcd'],
      [`substr('abcdef', -3, 2)`, 'de'],
      [`substr('abc', -5, 2)`, ''],
      [`substr('abc', 2, 0)`, ''],
      [`substring('abcdef', -2)`, 'ef'],
      [`substring('abcdef', 2, 3)`, 'bcd'],
      ['substr(NULL, 0)', null],
      [`substr('abc', NULL)`, null],
    ])
  })

  test('concat is NULL when any argument is; replace with two arguments removes', async () => {
    await expect([
      [`concat('a', 'b', 'c')`, 'abc'],
      [`concat('a', NULL)`, null],
      [`concat('a')`, 'a'],
      [`replace('abcabc', 'b')`, 'acac'],
      [`replace('abcabc', 'b', 'x')`, 'axcaxc'],
    ])
  })

  test('trim, ltrim and rtrim remove whitespace, not only spaces', async () => {
    await expect([
      [`dataquery.trim(E'\\t x \\n')`, 'x'],
      [`ltrim(E'\\t x ')`, 'x '],
      [`rtrim(E' x \\r\\n')`, ' x'],
      [`ltrim('xxa', 'x')`, 'a'],
      ['dataquery.trim(NULL)', null],
    ])
  })

  test('split and split_part', async () => {
    await expect([
      [`split('a,b,c', ',')`, '{a,b,c}'],
      [`split('', ',')`, '{""}'],
      [`split('a,b,c', ',', 2)`, '{a,"b,c"}'],
      [`split('a,b,c', ',', 1)`, '{"a,b,c"}'],
      [`split('a,b,c', ',', 5)`, '{a,b,c}'],
      [`split(NULL, ',')`, null],
      [`split('a,b', ',', NULL)`, null],
      [`split_part('a,b,c', ',', 2)`, 'b'],
      [`split_part('a,,c', ',', 2)`, ''],
      [`split_part('a,b,c', ',', 4)`, null],
      [`split_part('a::b', '::', 2)`, 'b'],
      [`split_part('', ',', 1)`, ''],
      [`split_part(NULL, ',', 1)`, null],
    ])
    await expectError(`split('a,b', ',', 0)`, /Limit must be positive/)
  })

  test('strpos, position, codepoint, hamming_distance and PostgreSQL string built-ins', async () => {
    await expect([
      [`strpos('abc', 'c')`, '3'],
      [`strpos('abc', 'd')`, '0'],
      [`position('c' IN 'abc')`, '3'],
      [`codepoint('A')`, '65'],
      [`codepoint('é')`, '233'],
      [`hamming_distance('abc', 'abd')`, '1'],
      [`lower('ABC') || upper('def') || length('xyz')`, 'abcDEF3'],
      [`lpad('7', 3, '0') || rpad('7', 3, '-')`, '0077--'],
      [`starts_with('abc', 'ab')`, 't'],
      [`reverse('abc')`, 'cba'],
      [`chr(65)`, 'A'],
    ])
    await expect([['codepoint(NULL)', null]])
    await expectError(`codepoint('ab')`, /codepoint takes one character/)
    await expectError(`hamming_distance('abc', 'ab')`, /must have the same length/)
  })

  test('binary: UTF-8, hex, base64 and digests as Trino computes them', async () => {
    await expect([
      [`to_hex(to_utf8('abc'))`, '616263'],
      [`to_hex('abc')`, '616263'],
      [`from_utf8(from_hex('616263'))`, 'abc'],
      [`from_hex('6A')`, '\\x6a'],
      [`to_base64(to_utf8('hello'))`, 'aGVsbG8='],
      [`to_base64(repeat('x', 100))`, 'eHh4'.repeat(33) + 'eA=='],
      [`from_utf8(from_base64('aGVsbG8='))`, 'hello'],
      [`to_base64url(to_utf8('??>'))`, 'Pz8-'],
      [`from_utf8(from_base64url('Pz8-'))`, '??>'],
      [`to_hex(md5(to_utf8('abc')))`, '900150983CD24FB0D6963F7D28E17F72'],
      [`md5('abc')`, '900150983cd24fb0d6963f7d28e17f72'],
      [`sha256('abc')`, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
      [`to_hex(sha256(to_utf8('abc')))`, 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD'],
      [`left(sha512('abc'), 16)`, 'ddaf35a193617aba'],
      ['to_hex(NULL::bytea)', null],
    ])
  })
})

describe('regular expression functions', () => {
  test('regexp_like, regexp_extract and regexp_extract_all (Trino examples)', async () => {
    await expect([
      [`regexp_like('1a 2b 14m', '\\d+b')`, 't'],
      [`regexp_like('1a 2b 14m', '^\\d+b')`, 'f'],
      [`regexp_extract('1a 2b 14m', '\\d+')`, '1'],
      [`regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)`, 'a'],
      [`regexp_extract('abc', '\\d')`, null],
      [`regexp_extract_all('1a 2b 14m', '\\d+')`, '{1,2,14}'],
      [`regexp_extract_all('1a 2b 14m', '(\\d+)([a-z]+)', 2)`, '{a,b,m}'],
      [`regexp_extract_all('abc', '\\d')`, '{}'],
      [`regexp_extract_all(NULL, '\\d')`, null],
      [`regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*')`, '3'],
    ])
  })

  test("Java's word boundary \\b works (PostgreSQL's \\b is a backspace)", async () => {
    await expect([
      [`regexp_like('foo bar', '\\bbar\\b')`, 't'],
      [`regexp_like('foobar', '\\bbar')`, 'f'],
      [`regexp_like('foobar', '\\Bbar')`, 't'],
      [`regexp_like('a\\b', 'a\\\\b')`, 't'],
    ])
  })

  test('regexp_position (Trino examples)', async () => {
    const text = `'I have 23 apples, 5 pears and 13 oranges'`
    await expect([
      [`regexp_position(${text}, '\\b\\d+\\b')`, '8'],
      [`regexp_position(${text}, '\\b\\d+\\b', 5)`, '8'],
      [`regexp_position(${text}, '\\b\\d+\\b', 12)`, '19'],
      [`regexp_position(${text}, '\\b\\d+\\b', 12, 1)`, '19'],
      [`regexp_position(${text}, '\\b\\d+\\b', 12, 2)`, '31'],
      [`regexp_position(${text}, '\\b\\d+\\b', 12, 3)`, '-1'],
    ])
  })

  test('regexp_replace replaces every match, with Java group references (Trino examples)', async () => {
    await expect([
      [`regexp_replace('1a 2b 14m', '\\d+[ab] ')`, '14m'],
      [`regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')`, '3ca 3cb 14m'],
      [`regexp_replace('aaa', 'a', 'b')`, 'bbb'],
      [`regexp_replace('abc', 'b', '\\$')`, 'a$c'],
      [`regexp_replace('a.b', '\\.', '\\\\')`, 'a\\b'],
      [`regexp_replace('x-y', '(\\w)-(\\w)', '$2&$1')`, 'y&x'],
      [`regexp_replace(NULL, 'a', 'b')`, null],
      [`regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')`, '{1,2,14,""}'],
    ])
  })
})

describe('JSON functions', () => {
  const store = `'{"store":{"book":[{"author":"Nigel","price":8.95}],"book name":1,"open":true}}'`

  test('json_extract_scalar and json_extract with Trino JSONPath', async () => {
    await expect([
      [`json_extract_scalar('[1, 2, 3]', '$[2]')`, '3'],
      [`json_extract_scalar(${store}, '$.store.book[0].author')`, 'Nigel'],
      [`json_extract_scalar(${store}, '$.store.book[0].price')`, '8.95'],
      [`json_extract_scalar(${store}, '$.store.open')`, 'true'],
      [`json_extract_scalar(${store}, '$.store["book name"]')`, '1'],
      [`json_extract_scalar(${store}, '$.store.book')`, null],
      [`json_extract_scalar(${store}, '$.store.missing')`, null],
      [`json_extract_scalar('{"a":null}', '$.a')`, null],
      [`json_extract_scalar('not json', '$.a')`, null],
      [`json_extract_scalar(NULL, '$.a')`, null],
      [`json_extract(${store}, '$.store.book')`, '[{"price": 8.95, "author": "Nigel"}]'],
      [`json_extract(${store}, '$.store[book][0].author')`, '"Nigel"'],
      [`json_extract('{"a":null}', '$.a')`, 'null'],
      [`json_extract(${store}, '$')`, '{"store": {"book": [{"price": 8.95, "author": "Nigel"}], "open": true, "book name": 1}}'],
      [`json_extract_scalar(json_parse('{"a":{"b":"c"}}'), '$.a.b')`, 'c'],
    ])
    await expectError(`json_extract('{}', 'a')`, /Invalid JSON path: 'a'/)
  })

  test('json_parse, json_format, json_array_length, json_array_contains, json_size, is_json_scalar', async () => {
    await expect([
      [`json_parse('[1, 2, 3]')`, '[1, 2, 3]'],
      [`json_format(json_parse('"abc"'))`, '"abc"'],
      [`json_format(json_parse('{"a": 1}'))`, '{"a": 1}'],
      [`json_array_length('[1, 2, 3]')`, '3'],
      [`json_array_length('{"a":1}')`, null],
      [`json_array_contains('[1, 2, 3]', 2)`, 't'],
      [`json_array_contains('[1, 2, 3]', 5)`, 'f'],
      [`json_array_contains('["a", "b"]', 'b')`, 't'],
      [`json_array_contains('[true]', true)`, 't'],
      [`json_array_contains('[1.5]', 1.5)`, 't'],
      [`json_array_contains('{"a":1}', 1)`, null],
      [`json_size('{"x": {"a": 1, "b": 2}}', '$.x')`, '2'],
      [`json_size('{"x": [1, 2, 3]}', '$.x')`, '3'],
      [`json_size('{"x": {"a": 1, "b": 2}}', '$.x.a')`, '0'],
      [`json_size('{"x": 1}', '$.y')`, null],
      [`is_json_scalar('1')`, 't'],
      [`is_json_scalar('[1, 2, 3]')`, 'f'],
    ])
    await expectError(`json_parse('not_json')`, /invalid input syntax for type json/)
  })
})

describe('array functions', () => {
  test('contains, element_at, cardinality, array_join, array_position', async () => {
    await expect([
      ['contains(ARRAY[1, 2, 3], 2)', 't'],
      [`contains(ARRAY['a', 'b'], 'c')`, 'f'],
      ['contains(ARRAY[1, NULL], 2)', null],
      ['contains(ARRAY[1, 2]::bigint[], 2)', 't'],
      [`contains(split('a,b', ','), 'b')`, 't'],
      [`element_at(ARRAY['a', 'b', 'c'], 1)`, 'a'],
      [`element_at(ARRAY['a', 'b', 'c'], -1)`, 'c'],
      [`element_at(ARRAY['a', 'b', 'c'], 4)`, null],
      [`element_at(ARRAY['a', 'b', 'c'], -4)`, null],
      ['cardinality(ARRAY[1, 2, 3])', '3'],
      [`array_join(ARRAY['a', NULL, 'c'], ',')`, 'a,c'],
      [`array_join(ARRAY['a', NULL, 'c'], ',', 'x')`, 'a,x,c'],
      [`array_join(ARRAY[1, 2], '-')`, '1-2'],
      ['array_position(ARRAY[10, 20], 20)', '2'],
      ['array_position(ARRAY[10, 20], 30)', '0'],
    ])
    await expectError(`element_at(ARRAY['a'], 0)`, /SQL array indices start at 1/)
  })

  test('array_distinct, array_max, array_min, array_sort, reverse, slice and set operations', async () => {
    await expect([
      ['array_distinct(ARRAY[3, 1, 3, NULL, 1, NULL])', '{3,1,NULL}'],
      ['array_max(ARRAY[1, 5, 3])', '5'],
      ['array_max(ARRAY[1, NULL])', null],
      [`array_min(ARRAY['b', 'a'])`, 'a'],
      ['array_sort(ARRAY[3, NULL, 1, 2])', '{1,2,3,NULL}'],
      ['reverse(ARRAY[1, 2, 3])', '{3,2,1}'],
      ['slice(ARRAY[1, 2, 3, 4], 2, 2)', '{2,3}'],
      ['slice(ARRAY[1, 2, 3, 4], -2, 5)', '{3,4}'],
      ['slice(ARRAY[1, 2, 3, 4], 5, 1)', '{}'],
      ['arrays_overlap(ARRAY[1, 2], ARRAY[2, 3])', 't'],
      ['array_union(ARRAY[1, 2], ARRAY[2, 3])', '{1,2,3}'],
      ['array_intersect(ARRAY[1, 2, 2], ARRAY[2, 3])', '{2}'],
      ['array_except(ARRAY[1, 2, 3], ARRAY[2])', '{1,3}'],
    ])
  })

  test('sequence, capped at 10000 elements as in Trino', async () => {
    await expect([
      ['sequence(1, 5)', '{1,2,3,4,5}'],
      ['sequence(5, 1)', '{5,4,3,2,1}'],
      ['sequence(-4, 4, 4)', '{-4,0,4}'],
      [`sequence(DATE '2020-02-27', DATE '2020-03-01')`, '{2020-02-27,2020-02-28,2020-02-29,2020-03-01}'],
      ['cardinality(sequence(1, 10000))', '10000'],
    ])
    await expectError('sequence(1, 10001)', /must not have more than 10000 entries/)
    await expectError('sequence(1, 5, -1)', /sequence stop value should be reached/)
  })
})

describe('number functions', () => {
  test('truncate, round half away from zero, mod, log2 and the special values', async () => {
    await expect([
      ['truncate(19.987)', '19'],
      ['truncate(-19.987::double precision)', '-19'],
      ['truncate(19.987, 2)', '19.98'],
      ['truncate(1.999::double precision, 1)', '1.9'],
      ['round(2.5::double precision)', '3'],
      ['round(-2.5::double precision)', '-3'],
      ['round(2.5)', '3'],
      ['round(1.2345::double precision, 2)', '1.23'],
      ['round(1.235, 2)', '1.24'],
      ['mod(7.5::double precision, 2::double precision)', '1.5'],
      ['mod(-7, 3)', '-1'],
      ['log2(8)', '3'],
      ['e()', '2.718281828459045'],
      ['infinity()', 'Infinity'],
      ['nan()', 'NaN'],
      ['is_nan(nan())', 't'],
      ['is_nan(1)', 'f'],
      ['is_finite(infinity())', 'f'],
      ['is_infinite(-infinity())', 't'],
      ['bitwise_and(12, 10)', '8'],
      ['bitwise_or(12, 10)', '14'],
      ['bitwise_xor(12, 10)', '6'],
      ['bitwise_not(0)', '-1'],
      ['dataquery.greatest(1, 3, 2)', '3'],
      ['dataquery.greatest(1, NULL)', null],
      [`dataquery.least('b', 'a')`, 'a'],
    ])
  })

  test('random values in range, typeof names Trino types', async () => {
    await expect([
      ['rand() >= 0 AND rand() < 1', 't'],
      ['random(10) BETWEEN 0 AND 9', 't'],
      ['length(uuid()::text)', '36'],
      ['typeof(1)', 'integer'],
      ['typeof(1::bigint)', 'bigint'],
      [`typeof('abc')`, 'varchar'],
      ['typeof(1.5)', 'decimal'],
      ['typeof(1.5::double precision)', 'double'],
      ['typeof(now())', 'timestamp(3) with time zone'],
      ['typeof(current_date)', 'date'],
      [`typeof(ARRAY['a'])`, 'array(varchar)'],
      [`typeof(json_parse('1'))`, 'json'],
      [`typeof(to_utf8('a'))`, 'varbinary'],
    ])
  })

  test('valid_input (the target of try_cast) passes valid input only', async () => {
    await expect([
      [`valid_input('12', 'integer')`, '12'],
      [`valid_input('1.5', 'integer')`, null],
      [`valid_input('x', 'double precision')`, null],
      [`valid_input('2020-01-01', 'date')`, '2020-01-01'],
      [`valid_input('2020-02-30', 'date')`, null],
      [`valid_input('123456789012345', 'numeric(18,6)')`, null],
      [`valid_input('abc', 'varchar(2)')`, 'abc'],
      [`valid_input(NULL, 'integer')`, null],
    ])
  })
})

describe('aggregates', () => {
  test('arbitrary, any_value and count_if, with FILTER and as a window function', async () => {
    const result = await rows(`SELECT arbitrary(x), any_value(x), count_if(x > 1), count_if(x > 1) FILTER (WHERE x < 3), count_if(NULL)
      FROM (VALUES (NULL::int), (1), (2), (3)) AS v(x)`)
    assert.deepEqual(result, [['1', '1', '2', '1', '0']])
    const windowed = await rows('SELECT x, count_if(x > 1) OVER (ORDER BY x) FROM (VALUES (1), (2), (3)) AS v(x)')
    assert.deepEqual(windowed, [['1', '0'], ['2', '1'], ['3', '2']])
  })
})

describe('rewritten Trino calls, run', () => {
  const data = `FROM (VALUES (1, 'a', 10.0, ' x\t'), (2, 'b', NULL, NULL), (3, 'c', 30.0, 'y'), (4, 'c', 20.0, 'z')) AS v(n, s, amount, padded)`

  test('if, try, approx_distinct, approx_percentile, max_by, min_by', async () => {
    assert.deepEqual(await trino(`if(n > 2, 'big', 'small'), if(n > 2, 'big'), try(n * 2) ${data} WHERE n = 1`), [['small', null, '2']])
    assert.deepEqual(
      await trino(`approx_distinct(s), approx_percentile(n, 0.5), approx_percentile(n, ARRAY[0.25, 1.0]),
        max_by(s, amount), min_by(s, amount), max_by(n, amount, 2), count_if(amount > 15) ${data}`),
      [['3', '2', '{1,4}', 'c', 'a', '{3,4}', '2']],
    )
  })

  test('subscripted calls', async () => {
    assert.deepEqual(await trino(`split('a,b,c', ',')[2], regexp_extract_all('1a 2b', '\\d')[1]`), [['b', '1']])
  })

  test('extract with Trino fields, trim, greatest and least, CAST to json, try_cast', async () => {
    assert.deepEqual(await trino(`extract(day FROM TIMESTAMP '2020-03-02 00:00' - TIMESTAMP '2020-02-01 12:00')`), [['29']])
    assert.deepEqual(
      await trino(`extract(dow FROM DATE '2001-08-26'), extract(day_of_week FROM DATE '2001-08-27'), extract(second FROM TIMESTAMP '2001-08-22 03:04:05.9'),
        trim(padded), '[' || trim(LEADING FROM padded) || ']' ${data} WHERE n = 1`),
      [['7', '1', '5', 'x', '[x\t]']],
    )
    assert.deepEqual(await trino('greatest(1, 3, 2), greatest(1, NULL), least(n, 2) FROM (VALUES (1), (3)) AS v(n)'), [
      ['3', null, '1'],
      ['3', null, '2'],
    ])
    assert.deepEqual(
      await trino(`json_format(CAST('[1,2]' AS json)), json_format(CAST(3 AS json)), CAST(true AS json), json_extract_scalar(JSON '{"a":[7]}', '$.a[0]')`),
      [['"[1,2]"', '3', 'true', '7']],
    )
    assert.deepEqual(
      await trino(`try_cast('12' AS integer), try_cast('x' AS integer), try_cast(s AS integer), try_cast('2020-02-30' AS date),
        try_cast('1.5' AS decimal(18, 6)), try_cast(NULL AS integer) ${data} WHERE n = 1`),
      [['12', null, null, null, '1.500000', null]],
    )
  })
})

describe('the function catalogue', () => {
  let functions: { name: string; schema: string; kind: string }[]
  before(async () => {
    const result = await server.server.db.query<{ name: string; schema: string; kind: string }>(
      `SELECT DISTINCT p.proname AS name, n.nspname AS schema, p.prokind AS kind
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('dataquery', 'pg_catalog')`,
    )
    functions = result.rows
  })
  const has = (schema: string, name: string, kinds: string[]) =>
    functions.some((f) => f.schema === schema && f.name === name && kinds.includes(f.kind))
  const KINDS: Record<string, string[]> = { scalar: ['f'], aggregate: ['a'], window: ['w', 'a'] }

  test('every dataquery entry is a function of schema dataquery, of its kind', () => {
    const missing = DATA_QUERY_FUNCTIONS.filter((f) => f.source === 'dataquery' && !has('dataquery', f.name, KINDS[f.functionType]))
    assert.deepEqual(missing.map((f) => f.name), [])
  })

  test('every built-in entry, and every name a dataquery function shadows, is in pg_catalog', () => {
    const missing = DATA_QUERY_FUNCTIONS.filter((f) => f.source === 'builtin' && !has('pg_catalog', f.name, KINDS[f.functionType]))
    assert.deepEqual(missing.map((f) => f.name), [])
    const unshadowed = DATA_QUERY_FUNCTIONS.filter((f) => f.shadows && !has('pg_catalog', f.name, ['f']))
    assert.deepEqual(unshadowed.map((f) => f.name), [])
  })

  test('rewritten names are no functions in either schema (the rewrite must happen)', () => {
    const present = DATA_QUERY_FUNCTIONS.filter((f) => f.source === 'rewrite' && (has('dataquery', f.name, ['f', 'a']) || has('pg_catalog', f.name, ['f', 'a'])))
    assert.deepEqual(present.map((f) => f.name), [])
  })

  test('every public function of schema dataquery is in the catalogue; helpers start with an underscore', () => {
    const listed = new Set(DATA_QUERY_FUNCTIONS.filter((f) => f.source === 'dataquery').map((f) => f.name))
    const unlisted = functions.filter((f) => f.schema === 'dataquery' && !f.name.startsWith('_') && !listed.has(f.name))
    assert.deepEqual(unlisted.map((f) => f.name), [])
  })

  test('every row has Trino-style fields, and no allowed name matches the deny list', () => {
    for (const f of DATA_QUERY_FUNCTIONS) {
      assert.match(f.name, /^[a-z][a-z0-9_]*$/)
      assert.ok(['scalar', 'aggregate', 'window'].includes(f.functionType), f.name)
      assert.ok(f.returnType && f.description, f.name)
      assert.equal(typeof f.argumentTypes, 'string')
      assert.ok(!DENIED_FUNCTIONS.some((pattern) => pattern.test(f.name)), `${f.name} is denied`)
    }
  })

  test('docs/data-query.md (Functions) names every function of the catalogue', () => {
    const docs = readFileSync(new URL('../../docs/data-query.md', import.meta.url), 'utf8')
    const section = docs.slice(docs.indexOf('## Functions'))
    const undocumented = [...new Set(DATA_QUERY_FUNCTIONS.map((f) => f.name))].filter(
      (name) => !new RegExp(`(^|[^a-z0-9_])${name}([^a-z0-9_]|$)`).test(section),
    )
    assert.deepEqual(undocumented, [])
  })

  test('functions run for the sandbox reader role, where it exists', async (t) => {
    const [[exists]] = await rows(`SELECT count(*) FROM pg_roles WHERE rolname = 'zjobs_dq_reader'`)
    if (exists === '0') return t.skip('no zjobs_dq_reader role (migration 0005) on this database')
    const result = await rows(
      `SELECT to_uuid32('2c92c0f9-67bb-659c-0167-be58d878735f'), json_extract_scalar('x', '$.a'), valid_input('x', 'integer'), date_format(DATE '2020-01-02', '%d')`,
      'UTC',
      'zjobs_dq_reader',
    )
    assert.deepEqual(result, [['2c92c0f967bb659c0167be58d878735f', null, null, '02']])
  })
})

describe('isAllowedFunction', () => {
  test('allows the catalogue: Trino functions, vetted built-ins, aggregates and windows', () => {
    for (const name of ['to_uuid32', 'date_format', 'json_extract_scalar', 'lower', 'count', 'row_number', 'count_if', 'extract', 'timezone']) {
      assert.ok(isAllowedFunction(name), name)
    }
  })

  test('a schema-qualified call: dataquery for zjobs functions, pg_catalog for built-ins and shadowed names', () => {
    assert.ok(isAllowedFunction('to_uuid32', 'dataquery'))
    assert.ok(isAllowedFunction('trim', 'dataquery'))
    assert.ok(!isAllowedFunction('lower', 'dataquery'))
    assert.ok(isAllowedFunction('lower', 'pg_catalog'))
    assert.ok(isAllowedFunction('substr', 'pg_catalog'))
    assert.ok(isAllowedFunction('btrim', 'pg_catalog'))
    assert.ok(!isAllowedFunction('to_uuid32', 'pg_catalog'))
    assert.ok(!isAllowedFunction('lower', 'public'))
    assert.ok(!isAllowedFunction('lower', 'information_schema'))
  })

  test('refuses rewrite-only names, helpers, and everything dangerous or unknown', () => {
    for (const name of [
      'if', 'try', 'approx_distinct', 'max_by', '_fail', '_try_jsonb', 'pg_sleep', 'pg_read_file', 'pg_ls_dir', 'pg_stat_file',
      'pg_terminate_backend', 'pg_cancel_backend', 'set_config', 'current_setting', 'lo_import', 'lo_export', 'query_to_xml',
      'txid_current', 'dblink', 'nextval', 'version', 'current_user', 'repeat', 'generate_series', 'pg_typeof', 'no_such_function',
    ]) {
      assert.ok(!isAllowedFunction(name), name)
      assert.ok(!isAllowedFunction(name, 'pg_catalog'), `pg_catalog.${name}`)
      assert.ok(!isAllowedFunction(name, 'dataquery'), `dataquery.${name}`)
    }
  })
})
