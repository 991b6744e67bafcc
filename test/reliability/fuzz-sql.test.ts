// Fuzzing Data Query SQL (fast-check). Two generators:
// - queries from a small grammar of the Trino SQL Zuora documents (columns, comparisons, IN,
//   BETWEEN, LIKE, IS NULL, AND/OR/NOT, dates, joins, aggregates, ORDER BY, LIMIT) over the
//   tenant's billing tables: each completes, and its count equals the same filter run here
//   straight on the tenant's rows of billing.*;
// - hostile statements (several statements, DDL and DML, pg_catalog and the other schemas,
//   pg_sleep, pg_read_file, dblink, set_config, COPY, large objects, roles), mutated the ways
//   that keep them hostile (keyword case, comments and line breaks between tokens, quoted and
//   unicode-escaped identifiers, a trailing semicolon, wrapped in a subquery or a CTE): each
//   fails its job with a clear message and no result file, and changes nothing;
// and the same statements with a character dropped, added or swapped: never a 5xx, a legal end,
// and whatever completes shows only the tenant's own rows (another tenant's are marked).
//
// Seeded: ZJOBS_FUZZ_SEED=<n> replays a run; ZJOBS_FUZZ_RUNS=<n> scales it (default 12: 25
// generated, 30 hostile and 20 mutated statements).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { seedTenant } from '../../src/billing/seed.ts'
import { request } from '../helpers/http.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { changed, envelopeProblem, fingerprint, type Json } from './routes.ts'
import { suiteSeed } from '../helpers/seed.ts'

// The commit's seed (test/helpers/seed.ts: the same at every run of a commit), or ZJOBS_FUZZ_SEED's.
const { seed: SEED, source: SEED_SOURCE } = suiteSeed('fuzz-sql', 'ZJOBS_FUZZ_SEED')
const SCALE = Number(process.env.ZJOBS_FUZZ_RUNS ?? 12) / 12
const runs = (n: number) => Math.max(1, Math.round(n * SCALE))
const MARK = 'VICTIM-ROW-MARK'

// ---- the grammar ----

interface Table {
  name: string
  numbers: string[]
  texts: string[]
  dates: string[]
}
const TABLES: Table[] = [
  { name: 'account', numbers: ['balance', 'creditbalance', 'billcycleday'], texts: ['accountnumber', 'name', 'currency', 'status'], dates: ['createddate', 'lastinvoicedate'] },
  { name: 'invoice', numbers: ['amount', 'balance', 'amountwithouttax'], texts: ['invoicenumber', 'status', 'currency', 'accountid'], dates: ['invoicedate', 'duedate', 'createddate'] },
]

const literalNumber = fc.oneof(
  fc.constantFrom('0', '1', '15', '50', '100', '500', '1000', '5000', '10000', '100000'),
  fc.integer({ min: -10, max: 2000 }).map(String),
  fc.double({ min: -100, max: 5000, noNaN: true, noDefaultInfinity: true }).map((n) => n.toFixed(2)),
)
const literalText = fc.constantFrom("'USD'", "'EUR'", "'GBP'", "'JPY'", "'Active'", "'Cancelled'", "'Draft'", "'Posted'", "'A%'", "'%0%'", "'%1'", "'x''y'", "''", "'INV%'")
const literalDate = fc.tuple(fc.integer({ min: 2015, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `DATE '${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}'`)

function conditionArb(table: Table): fc.Arbitrary<string> {
  const numberTerm = fc.tuple(fc.constantFrom(...table.numbers), fc.constantFrom('=', '<>', '<', '<=', '>', '>='), literalNumber).map(([c, op, v]) => `${c} ${op} ${v}`)
  const textTerm = fc.oneof(
    fc.tuple(fc.constantFrom(...table.texts), fc.constantFrom('=', '<>'), literalText).map(([c, op, v]) => `${c} ${op} ${v}`),
    fc.tuple(fc.constantFrom(...table.texts), literalText, fc.boolean()).map(([c, v, not]) => `${c} ${not ? 'NOT ' : ''}LIKE ${v}`),
    fc.tuple(fc.constantFrom(...table.texts), fc.array(literalText, { minLength: 1, maxLength: 3 })).map(([c, vs]) => `${c} IN (${vs.join(', ')})`),
  )
  const dateTerm = fc.tuple(fc.constantFrom(...table.dates.filter((d) => d !== 'createddate')), fc.constantFrom('<', '>=', '='), literalDate).map(([c, op, v]) => `${c} ${op} ${v}`)
  const between = fc.tuple(fc.constantFrom(...table.numbers), literalNumber, literalNumber).map(([c, a, b]) => `${c} BETWEEN ${a} AND ${b}`)
  const isNull = fc.tuple(fc.constantFrom(...table.numbers, ...table.texts, ...table.dates), fc.boolean()).map(([c, not]) => `${c} IS ${not ? 'NOT ' : ''}NULL`)
  const { cond } = fc.letrec<{ cond: string }>((tie) => ({
    cond: fc.oneof(
      { depthSize: 'small' },
      { weight: 6, arbitrary: fc.oneof(numberTerm, textTerm, dateTerm, between, isNull) },
      { weight: 2, arbitrary: fc.tuple(tie('cond'), fc.constantFrom('AND', 'OR'), tie('cond')).map(([a, op, b]) => `(${a} ${op} ${b})`) },
      { weight: 1, arbitrary: tie('cond').map((c) => `NOT (${c})`) },
    ),
  }))
  return cond
}

/** A count over one table with a condition: its answer is checked against billing.* directly. */
const countQuery = fc.constantFrom(...TABLES).chain((table) => conditionArb(table).map((cond) => ({ table, cond })))

/** Other generated shapes: checked to complete and to show only the tenant's rows. */
const shapedQuery = fc.oneof(
  fc.tuple(fc.constantFrom(...TABLES), fc.integer({ min: 1, max: 50 })).chain(([table, limit]) =>
    conditionArb(table).map((cond) => `SELECT id, ${table.texts[0]}, ${table.numbers[0]} FROM ${table.name} WHERE ${cond} ORDER BY id LIMIT ${limit}`),
  ),
  conditionArb(TABLES[1]).map((cond) => `SELECT a.id, a.name, count(*) AS invoices, sum(i.amount) AS total FROM account a JOIN invoice i ON i.accountid = a.id WHERE ${cond.replace(/\b(amount|balance|amountwithouttax|invoicenumber|status|currency|accountid|invoicedate|duedate|createddate)\b/g, 'i.$1')} GROUP BY a.id, a.name ORDER BY a.id`),
  conditionArb(TABLES[0]).map((cond) => `SELECT currency, count(*) AS n, max(balance) AS most FROM account WHERE ${cond} GROUP BY currency HAVING count(*) > 0`),
  conditionArb(TABLES[0]).map((cond) => `WITH picked AS (SELECT id, name FROM account WHERE ${cond}) SELECT name FROM picked UNION ALL SELECT name FROM account WHERE id IN (SELECT id FROM picked)`),
)

// ---- hostile statements ----

const HOSTILE = [
  'SELECT 1; SELECT 2',
  'SELECT 1; DELETE FROM account',
  "SELECT * FROM account; UPDATE account SET name = 'x'",
  'DELETE FROM account',
  "UPDATE account SET name = 'owned'",
  "INSERT INTO account (id) VALUES ('x')",
  'DROP TABLE account',
  'TRUNCATE account',
  'CREATE TABLE stolen AS SELECT * FROM account',
  'ALTER TABLE account ADD COLUMN x int',
  'GRANT ALL ON account TO PUBLIC',
  'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql',
  'WITH x AS (DELETE FROM account RETURNING *) SELECT * FROM x',
  "WITH x AS (UPDATE account SET name = 'x' RETURNING *) SELECT * FROM x",
  'SELECT * INTO stolen FROM account',
  'SELECT * FROM account FOR UPDATE',
  'SELECT * FROM pg_catalog.pg_authid',
  'SELECT * FROM pg_shadow',
  'SELECT * FROM pg_catalog.pg_class',
  'SELECT * FROM information_schema.tables',
  'SELECT * FROM billing.account',
  'SELECT * FROM public.users',
  'SELECT * FROM public.oauth_clients',
  'SELECT * FROM dataquery.account',
  'SELECT * FROM dq_context',
  'SELECT * FROM jobs',
  'SELECT pg_sleep(5)',
  'SELECT * FROM account WHERE pg_sleep(5) IS NULL',
  "SELECT pg_read_file('/etc/passwd')",
  "SELECT pg_catalog.pg_read_binary_file('/etc/passwd')",
  "SELECT * FROM pg_ls_dir('.')",
  "SELECT * FROM dblink('host=localhost', 'SELECT 1') AS t(x int)",
  "SELECT dblink_exec('DELETE FROM account')",
  "SELECT set_config('zjobs.tenant', '1', false)",
  "SELECT current_setting('is_superuser')",
  "SELECT lo_import('/etc/passwd')",
  "SELECT query_to_xml('select * from billing.account', true, true, '')",
  'SELECT version()',
  'SELECT current_user',
  "SELECT 'pg_authid'::regclass",
  'COPY account TO STDOUT',
  "COPY (SELECT * FROM account) TO '/tmp/zjobs-stolen'",
  "COPY account FROM '/etc/passwd'",
  'SET ROLE postgres',
  "SET search_path TO billing",
  'RESET ALL',
  'EXPLAIN ANALYZE DELETE FROM account',
  "DO $$ BEGIN DELETE FROM billing.account; END $$",
  'PREPARE p AS SELECT 1',
  'LISTEN zjobs_jobs',
  'VACUUM',
  'SELECT $1',
  'SELECT * FROM U&"\\0070g_authid"',
  'SELECT * FROM "pg_catalog"."pg_shadow"',
  'SELECT * FROM account a, LATERAL (SELECT pg_sleep(1)) s',
  'SELECT (SELECT rolpassword FROM pg_authid LIMIT 1)',
  "SELECT * FROM account WHERE name = (SELECT usename FROM pg_user LIMIT 1)",
]

/** Splits a statement into what may be changed (outside quotes) and what may not (strings, quoted names, dollar bodies). */
const tokens = (sql: string) => sql.split(/('(?:[^']|'')*'|U&"[^"]*"|"[^"]*"|\$\$.*?\$\$)/s)

/** A hostile statement made to look otherwise, still hostile. */
const disguised = fc.tuple(fc.constantFrom(...HOSTILE), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), fc.constantFrom('case', 'comment', 'space', 'semicolon', 'subquery', 'cte', 'quote', 'all')).map(([sql, draws, how]) => {
  let draw = 0
  const next = () => draws[draw++ % draws.length]
  const outside = (transform: (text: string) => string) => tokens(sql).map((part, index) => (index % 2 === 0 ? transform(part) : part)).join('')
  const recase = (text: string) => text.replace(/[A-Za-z_]+/g, (word) => [...word].map((c, i) => ((next() + i) % 3 === 0 ? c.toUpperCase() : c.toLowerCase())).join(''))
  const comment = (text: string) => text.replace(/ /g, () => [' /* x */ ', '/**/', '\n-- c\n', ' ', '\t'][next() % 5])
  const space = (text: string) => text.replace(/ /g, () => ['\n', '\t', '  ', '\r\n', ' '][next() % 5])
  const quote = (text: string) => text.replace(/\b(pg_catalog|pg_authid|pg_shadow|pg_class|information_schema|billing|public|users|jobs|account)\b/g, (name) => `"${name}"`)
  switch (how) {
    case 'case':
      return outside(recase)
    case 'comment':
      return outside(comment)
    case 'space':
      return outside(space)
    case 'semicolon':
      return `${sql};`
    case 'subquery':
      return /^SELECT/i.test(sql) && !sql.includes(';') ? `SELECT * FROM (${sql}) t` : sql
    case 'cte':
      return /^SELECT/i.test(sql) && !sql.includes(';') ? `WITH t AS (${sql}) SELECT * FROM t` : sql
    case 'quote':
      return outside(quote)
    default:
      return outside((text) => comment(recase(text)))
  }
})

/** A statement with a character dropped, added or swapped: hostile or not, whatever it became. */
const mutated = fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE), shapedQuery), fc.nat(), fc.constantFrom(';', "'", '"', '(', ')', '-', '/', '*', '$', '\\', ' ', ',', '\u0000', 'é', 'U&', '::', '--'), fc.constantFrom('drop', 'insert', 'replace')).map(([sql, at, junk, how]) => {
  const i = at % Math.max(1, sql.length)
  return how === 'drop' ? sql.slice(0, i) + sql.slice(i + 1) : how === 'insert' ? sql.slice(0, i) + junk + sql.slice(i) : sql.slice(0, i) + junk + sql.slice(i + 1)
})

// ---- the suite ----

describe('fuzzing Data Query SQL', () => {
  let server: TestServer
  let token: string
  let tenantId: string
  const victim = { tenantId: '', accounts: [] as string[] }
  let kept: Record<string, string>

  /** What no statement may change: every digested table but the jobs and their files. */
  const unchangedSince = async (before: Record<string, string>) => changed(before, await fingerprint(server)).filter((table) => table !== 'jobs' && table !== 'files')

  async function run(query: string): Promise<Json> {
    const submitted = await request(`${server.url}/query/jobs`, {
      method: 'POST',
      body: { query, outputFormat: 'JSON', compression: 'NONE', output: { target: 'S3' } },
      headers: { authorization: `Bearer ${token}` },
    })
    const problem = envelopeProblem('/query/jobs', submitted)
    if (problem) assert.fail(`${JSON.stringify(query)}: ${problem}`)
    if (submitted.status !== 200) return { queryStatus: 'refused', status: submitted.status, errorMessage: submitted.json().message }
    const id = submitted.json().data.id
    const deadline = Date.now() + 120_000
    for (;;) {
      const response = await request(`${server.url}/query/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(response.status, 200, response.text)
      const job = response.json().data
      if (['completed', 'failed', 'cancelled'].includes(job.queryStatus)) return job
      if (Date.now() > deadline) assert.fail(`${JSON.stringify(query)} never ended`)
      await sleep(20)
    }
  }

  const rowsOf = async (job: Json): Promise<{ text: string; rows: Json[] }> => {
    const path = new URL(job.dataFile).pathname + new URL(job.dataFile).search
    const file = await request(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(file.status, 200, file.text)
    return { text: file.text, rows: file.text.split('\n').filter(Boolean).map((line) => JSON.parse(line)) }
  }

  /** A result shows nothing of the other tenant: its ids and the mark its rows carry. */
  const assertOwn = (query: string, text: string) => {
    assert.ok(!text.includes(MARK), `${query} showed another tenant's rows`)
    for (const id of victim.accounts) assert.ok(!text.includes(id), `${query} showed another tenant's account ${id}`)
  }

  /** A failure message a client can act on: not empty, not an internal error, no stack, no secret. */
  const assertClear = (query: string, message: unknown) => {
    assert.ok(typeof message === 'string' && message.length > 5, `${JSON.stringify(query)}: message ${JSON.stringify(message)}`)
    assert.ok(!/internal server error|\n\s+at |TypeError|ReferenceError|undefined is not|Cannot read prop/i.test(message), `${JSON.stringify(query)}: ${message}`)
    assert.ok(!/password|scrypt|secret/i.test(message.replace(/rolpassword/g, '')), `${JSON.stringify(query)}: ${message}`)
  }

  before(async () => {
    console.log(`# fuzz-sql seed ${SEED} from ${SEED_SOURCE} (ZJOBS_FUZZ_SEED=${SEED} replays it), ${runs(25)} generated, ${runs(30)} hostile, ${runs(20)} mutated statements`)
    server = await startTestServer({ dataQueryLiveMaxRows: 5000, dataQueryLiveQueued: 1000, dataQueryRetries: 0, dataQueryTimeLimitSeconds: 20 }, { workers: 'inline' })
    token = await server.token()
    tenantId = String(server.server.bootstrap.tenant.id)
    await seedTenant(server.server.db, tenantId, { accounts: 40, seed: 21 })
    const other = await createTenantWithClient(server, { name: 'victim' })
    victim.tenantId = String(other.tenant.id)
    await seedTenant(server.server.db, victim.tenantId, { accounts: 10, seed: 22 })
    // The other tenant's rows carry a mark a leak would show.
    await server.server.db.query(`UPDATE billing.account SET name = $2, accountnumber = $2 || id WHERE tenant_id = $1`, [victim.tenantId, MARK])
    await server.server.db.query(`UPDATE billing.invoice SET invoicenumber = $2 || id, comments = $2 WHERE tenant_id = $1`, [victim.tenantId, MARK])
    victim.accounts = (await server.server.db.query<{ id: string }>('SELECT id FROM billing.account WHERE tenant_id = $1', [victim.tenantId])).rows.map((row) => row.id)
    kept = await fingerprint(server)
  })
  after(async () => {
    try {
      if (kept) assert.deepEqual(await unchangedSince(kept), [], 'no statement changed anything')
    } finally {
      await server?.close()
    }
  })

  test("a generated count completes and equals the same filter over the tenant's rows", async () => {
    let nonTrivial = 0
    await fc.assert(
      fc.asyncProperty(countQuery, async ({ table, cond }) => {
        const query = `SELECT count(*) AS n FROM ${table.name} WHERE ${cond}`
        const job = await run(query)
        assert.equal(job.queryStatus, 'completed', `${query}: ${job.errorMessage}`)
        const { rows } = await rowsOf(job)
        // The same condition, run by PostgreSQL on the tenant's live rows (dates as they are stored).
        const direct = await server.server.db.query<{ n: string }>(`SELECT count(*) AS n FROM billing.${table.name} WHERE tenant_id = $1 AND NOT deleted AND (${cond})`, [tenantId])
        assert.equal(Number(rows[0].n), Number(direct.rows[0].n), query)
        const all = await server.server.db.query<{ n: string }>(`SELECT count(*) AS n FROM billing.${table.name} WHERE tenant_id = $1 AND NOT deleted`, [tenantId])
        if (Number(direct.rows[0].n) > 0 && Number(direct.rows[0].n) < Number(all.rows[0].n)) nonTrivial += 1
      }),
      { seed: SEED, numRuns: runs(15), endOnFailure: true },
    )
    await fc.assert(
      fc.asyncProperty(shapedQuery, async (query) => {
        const job = await run(query)
        assert.equal(job.queryStatus, 'completed', `${query}: ${job.errorMessage}`)
        assertOwn(query, (await rowsOf(job)).text)
      }),
      { seed: SEED + 1, numRuns: runs(10), endOnFailure: true },
    )
    console.log(`# fuzz-sql: ${runs(15)} counts checked against billing.* (${nonTrivial} selecting some rows but not all), ${runs(10)} other shapes`)
  })

  test('a hostile statement, however written, fails its job with a clear message and changes nothing', async () => {
    const messages = new Set<string>()
    await fc.assert(
      fc.asyncProperty(disguised, async (query) => {
        const before = await fingerprint(server)
        const job = await run(query)
        assert.ok(['failed', 'refused'].includes(job.queryStatus), `${JSON.stringify(query)} was not refused: ${job.queryStatus}`)
        if (job.queryStatus === 'refused') assert.equal(job.status, 400)
        assertClear(query, job.errorMessage)
        assert.equal(job.dataFile, undefined)
        assert.deepEqual(await unchangedSince(before), [], `${JSON.stringify(query)} changed something`)
        messages.add(job.errorMessage.replace(/\d+/g, 'N').slice(0, 40))
      }),
      { seed: SEED + 2, numRuns: runs(30), endOnFailure: true },
    )
    console.log(`# fuzz-sql: ${runs(30)} hostile statements refused (${messages.size} distinct messages)`)
  })

  test('a statement with a character dropped, added or swapped: a legal end, a clear message, only the tenant\'s rows', async () => {
    const ends: Record<string, number> = {}
    await fc.assert(
      fc.asyncProperty(mutated, async (query) => {
        const before = await fingerprint(server)
        const job = await run(query)
        ends[job.queryStatus] = (ends[job.queryStatus] ?? 0) + 1
        assert.ok(['completed', 'failed', 'refused'].includes(job.queryStatus), `${JSON.stringify(query)}: ${job.queryStatus}`)
        if (job.queryStatus === 'completed') assertOwn(query, (await rowsOf(job)).text)
        else assertClear(query, job.errorMessage)
        assert.deepEqual(await unchangedSince(before), [], `${JSON.stringify(query)} changed something`)
      }),
      { seed: SEED + 3, numRuns: runs(20), endOnFailure: true },
    )
    console.log(`# fuzz-sql: ${runs(20)} mutated statements: ${JSON.stringify(ends)}`)
  })
})
