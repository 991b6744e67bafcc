// Trino spellings rewritten on parse trees (src/query/rewrites.ts): SQL in, rewritten SQL
// out, through libpg-query and the deparser as the engine uses them. That the rewritten
// SQL runs and answers as Trino does is checked in functions.test.ts.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parse } from 'libpg-query'
import { deparse } from 'pgsql-deparser'
import { preprocessTrinoSql, rewriteTrinoCall, rewriteTrinoCalls } from '../../src/query/rewrites.ts'

/** The SELECT list of `expressions`, Trino in, PostgreSQL out, as one line. */
async function rewrite(expressions: string): Promise<string> {
  const tree = rewriteTrinoCalls(await parse(preprocessTrinoSql(`SELECT ${expressions}`)))
  return (await deparse(tree)).replace(/\s+/g, ' ').replace(/^SELECT /, '')
}

describe('Trino rewrites', () => {
  test('if(c, a, b) becomes a CASE, without ELSE for two arguments', async () => {
    assert.equal(await rewrite(`if(a > 1, 'x', 'y')`), `CASE WHEN a > 1 THEN 'x' ELSE 'y' END`)
    assert.equal(await rewrite(`if(a > 1, 'x')`), `CASE WHEN a > 1 THEN 'x' END`)
  })

  test('try(x) becomes x', async () => {
    assert.equal(await rewrite('try(a / b)'), 'a / b')
  })

  test('approx_distinct becomes count(DISTINCT), keeping FILTER and OVER', async () => {
    assert.equal(await rewrite('approx_distinct(x)'), 'count(DISTINCT x)')
    assert.equal(await rewrite('approx_distinct(x, 0.01)'), 'count(DISTINCT x)')
    assert.equal(
      await rewrite('approx_distinct(x) FILTER (WHERE y) OVER (PARTITION BY z)'),
      'count(DISTINCT x) FILTER (WHERE y) OVER (PARTITION BY z)',
    )
  })

  test('approx_percentile becomes percentile_disc WITHIN GROUP, for one percentage or an array', async () => {
    assert.equal(await rewrite('approx_percentile(x, 0.5)'), 'percentile_disc(0.5) WITHIN GROUP (ORDER BY x)')
    assert.equal(
      await rewrite('approx_percentile(x, ARRAY[0.5, 0.9])'),
      'percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x)',
    )
  })

  test('max_by and min_by become an ordered array_agg without NULL keys, indexed or sliced', async () => {
    assert.equal(await rewrite('max_by(x, y)'), '(array_agg(x ORDER BY y DESC) FILTER (WHERE y IS NOT NULL))[1]')
    assert.equal(await rewrite('min_by(x, y, 3)'), '(array_agg(x ORDER BY y ASC) FILTER (WHERE y IS NOT NULL))[1:3]')
    assert.equal(
      await rewrite('max_by(x, y) FILTER (WHERE z)'),
      '(array_agg(x ORDER BY y DESC) FILTER (WHERE z AND y IS NOT NULL))[1]',
    )
  })

  test("extract's Trino fields become the dataquery functions; PostgreSQL's other fields stay", async () => {
    assert.equal(await rewrite('extract(dow FROM d)'), 'dataquery.day_of_week(d)')
    assert.equal(await rewrite('EXTRACT(DAY_OF_WEEK FROM d)'), 'dataquery.day_of_week(d)')
    assert.equal(await rewrite('extract(year FROM d)'), 'dataquery.year(d)')
    assert.equal(await rewrite('extract(doy FROM d)'), 'dataquery.day_of_year(d)')
    assert.equal(await rewrite('extract(yow FROM d)'), 'dataquery.year_of_week(d)')
    assert.equal(await rewrite('extract(second FROM d)'), 'dataquery.second(d)')
    assert.equal(await rewrite('extract(epoch FROM d)'), 'EXTRACT(EPOCH FROM d)')
  })

  test('TRIM without characters trims whitespace; with characters it stays', async () => {
    assert.equal(await rewrite('trim(x)'), 'dataquery.trim(x)')
    assert.equal(await rewrite('trim(LEADING FROM x)'), 'dataquery.ltrim(x)')
    assert.equal(await rewrite('trim(TRAILING FROM x)'), 'dataquery.rtrim(x)')
    assert.equal(await rewrite(`trim(BOTH 'x' FROM y)`), `TRIM(BOTH 'x' FROM y)`)
    // A plain call of PostgreSQL's btrim is not Trino's trim.
    assert.equal(await rewrite('btrim(x)'), 'btrim(x)')
  })

  test('GREATEST and LEAST become the NULL-propagating dataquery functions', async () => {
    assert.equal(await rewrite('greatest(a, b, c)'), 'dataquery.greatest(a, b, c)')
    assert.equal(await rewrite('least(a, b)'), 'dataquery.least(a, b)')
  })

  test('CAST(x AS json) makes a JSON value of x; a JSON literal is parsed, as jsonb', async () => {
    assert.equal(await rewrite('CAST(x AS json)'), 'to_jsonb(x)')
    assert.equal(await rewrite(`CAST('[1]' AS json)`), `to_jsonb('[1]'::text)`)
    assert.equal(await rewrite(`JSON '[1, 2]'`), `'[1, 2]'::jsonb`)
  })

  test('try_cast(x AS t) casts what valid_input lets through', async () => {
    assert.equal(await rewrite('try_cast(x AS integer)'), `(dataquery.valid_input(x::text, 'integer'))::int`)
    assert.equal(
      await rewrite('TRY_CAST( y  AS decimal(18,6))'),
      `CAST(dataquery.valid_input(y::text, 'numeric(18,6)') AS numeric(18, 6))`,
    )
    assert.equal(
      await rewrite('try_cast(x AS double)'),
      `CAST(dataquery.valid_input(x::text, 'double precision') AS double)`,
    )
    assert.equal(
      await rewrite('try_cast(x AS timestamp(3) with time zone)'),
      `CAST(dataquery.valid_input(x::text, 'timestamp with time zone') AS timestamp(3) with time zone)`,
    )
    assert.equal(await rewrite('try_cast(x AS varchar(3))'), `CAST(dataquery.valid_input(x::text, 'varchar(3)') AS varchar(3))`)
  })

  test('calls that are not Trino forms are left alone', async () => {
    assert.equal(await rewrite('count_if(x > 1)'), 'count_if(x > 1)')
    assert.equal(await rewrite('if(a)'), 'if(a)')
    assert.equal(await rewrite('approx_percentile(x, w, 0.5)'), 'approx_percentile(x, w, 0.5)')
    assert.equal(await rewrite('dataquery.if(a, b, c)'), 'dataquery.if(a, b, c)')
    assert.equal(rewriteTrinoCall({ ColumnRef: { fields: [{ String: { sval: 'x' } }] } }), undefined)
  })

  test('rewriting is pure: the input tree is unchanged', async () => {
    const tree = await parse('SELECT if(a, b, c), greatest(a, b)')
    const before = JSON.stringify(tree)
    rewriteTrinoCalls(tree)
    assert.equal(JSON.stringify(tree), before)
  })
})

describe('preprocessTrinoSql', () => {
  test('wraps the operand of try_cast in a CAST, however nested', () => {
    assert.equal(preprocessTrinoSql('SELECT try_cast(x AS int)'), 'SELECT try_cast(CAST(x AS int))')
    assert.equal(
      preprocessTrinoSql('SELECT TRY_CAST (f(a, (b)) AS decimal(18, 6)) + 1'),
      'SELECT TRY_CAST (CAST(f(a, (b)) AS decimal(18, 6))) + 1',
    )
    assert.equal(
      preprocessTrinoSql('SELECT try_cast(try_cast(x AS varchar) AS double)'),
      'SELECT try_cast(CAST(try_cast(CAST(x AS varchar)) AS double))',
    )
  })

  test('puts a subscripted call in parentheses', () => {
    assert.equal(preprocessTrinoSql(`SELECT split(s, ',')[1]`), `SELECT (split(s, ','))[1]`)
    assert.equal(
      preprocessTrinoSql(`SELECT dataquery.split(split(s, ';') [2], ',')[1] FROM t`),
      `SELECT (dataquery.split((split(s, ';')) [2], ','))[1] FROM t`,
    )
    assert.equal(preprocessTrinoSql('SELECT try_cast(x AS int[])[1]'), 'SELECT (try_cast(CAST(x AS int[])))[1]')
    assert.equal(preprocessTrinoSql('SELECT a[1], (b)[2], f(x) FROM t'), 'SELECT a[1], (b)[2], f(x) FROM t')
  })

  test('leaves strings, quoted identifiers, comments and qualified names alone', () => {
    const sql = `SELECT 'try_cast(a AS b)', "try_cast"(x), E'it\\'s try_cast(', $$try_cast(x AS y)$$, s.try_cast(x) -- try_cast(x AS int)
      /* try_cast(y AS int) */ FROM t`
    assert.equal(preprocessTrinoSql(sql), sql)
  })

  test('leaves SQL without try_cast as it is', () => {
    const sql = `SELECT a, "b""c", 'd''e' FROM t WHERE f(g) > 1`
    assert.equal(preprocessTrinoSql(sql), sql)
  })
})
