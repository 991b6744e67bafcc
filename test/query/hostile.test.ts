// Hostile Data Queries: each ends as a failed job (or a 400), nothing changes, nothing
// leaks. The second half bypasses statement validation and runs SQL straight in the
// sandbox, to show that the walls behind it (read-only transaction, reader role, views,
// row-level security) hold by themselves.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { seedTenant } from '../../src/billing/seed.ts'
import { runQuery, type QueryScope, type RowSink } from '../../src/query/execute.ts'
import type { ResultRow } from '../../src/query/output/columns.ts'
import { request } from '../helpers/http.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'

interface QueryJob {
  id: string
  queryStatus: string
  errorMessage?: string
  outputRows?: number
  dataFile?: string
}

const MAX_ROWS = 1000

describe('hostile Data Queries', () => {
  let server: TestServer
  let tenantId: string
  let otherTenantId: string
  let otherAccountId: string
  let snapshot: string
  let analyst: Awaited<ReturnType<typeof createTenantWithClient>>

  /** A digest of every table a query could damage, to compare before and after. */
  const fingerprint = async () => {
    const { rows } = await server.server.db.query<{ digest: string }>(
      `SELECT md5(string_agg(part, '|' ORDER BY part)) AS digest FROM (
         SELECT 'account:' || md5(string_agg(a::text, ',' ORDER BY a.tenant_id, a.id)) AS part FROM billing.account a
         UNION ALL SELECT 'users:' || md5(string_agg(u::text, ',' ORDER BY u.tenant_id, u.id)) FROM users u
         UNION ALL SELECT 'tenants:' || md5(string_agg(t::text, ',' ORDER BY t.id)) FROM tenants t
         UNION ALL SELECT 'clients:' || md5(string_agg(c::text, ',' ORDER BY c.client_id)) FROM oauth_clients c
         UNION ALL SELECT 'context:' || count(*)::text FROM dq_context
       ) parts`,
    )
    return rows[0].digest
  }

  const run = async (query: string): Promise<QueryJob> => {
    const submitted = await server.api('POST', '/query/jobs', {
      body: { query, outputFormat: 'JSON', compression: 'NONE', output: { target: 'S3' } },
    })
    assert.equal(submitted.status, 200, submitted.text)
    const id = submitted.json().data.id
    const deadline = Date.now() + 120_000
    for (;;) {
      const job = (await server.api('GET', `/query/jobs/${id}`)).json().data as QueryJob
      if (['completed', 'failed', 'cancelled'].includes(job.queryStatus)) return job
      if (Date.now() > deadline) assert.fail(`query never finished: ${query}`)
      await sleep(30)
    }
  }

  before(async () => {
    server = await startTestServer({ dataQueryLiveMaxRows: MAX_ROWS, dataQueryLiveQueued: 1000 }, { workers: 'inline' })
    tenantId = server.server.bootstrap.tenant.id
    await seedTenant(server.server.db, tenantId, { accounts: 30, seed: 5 })
    const other = await createTenantWithClient(server, { name: 'victim' })
    otherTenantId = other.tenant.id
    await seedTenant(server.server.db, otherTenantId, { accounts: 30, seed: 6 })
    const { rows } = await server.server.db.query('SELECT id FROM billing.account WHERE tenant_id = $1 LIMIT 1', [otherTenantId])
    otherAccountId = rows[0].id
    analyst = await createTenantWithClient(server, { name: 'analysts' }, { username: 'analyst', permissions: ['dataQuery'] })
    snapshot = await fingerprint()
  })
  after(async () => {
    try {
      assert.equal(await fingerprint(), snapshot, 'no hostile query changed anything')
    } finally {
      await server.close()
    }
  })

  test("another tenant's rows are invisible, by id, by join, by subquery", async () => {
    for (const query of [
      `SELECT * FROM account WHERE id = '${otherAccountId}'`,
      `SELECT a.id FROM account a JOIN subscription s ON s.accountid = a.id WHERE a.id = '${otherAccountId}'`,
      `SELECT (SELECT count(*) FROM account WHERE id = '${otherAccountId}') AS n FROM account LIMIT 1`,
      `SELECT id FROM account WHERE id IN (SELECT accountid FROM invoice WHERE accountid = '${otherAccountId}')`,
    ]) {
      const job = await run(query)
      assert.equal(job.queryStatus, 'completed', `${query}: ${job.errorMessage}`)
      const file = (await request(job.dataFile!.replace('//localhost:', '//127.0.0.1:'))).text
      assert.ok(!file.includes(otherAccountId), `${query} leaked the other tenant's account`)
      if (!query.includes('count(*)')) assert.equal(job.outputRows, 0)
    }
    // Every row a query sees is the tenant's own.
    const mine = await run('SELECT count(*) AS n FROM account')
    const file = JSON.parse((await request(mine.dataFile!.replace('//localhost:', '//127.0.0.1:'))).text)
    const { rows } = await server.server.db.query(
      'SELECT count(*)::int AS n FROM billing.account WHERE tenant_id = $1 AND NOT deleted',
      [tenantId],
    )
    assert.equal(file.n, rows[0].n)
  })

  const refused: [string, RegExp][] = [
    // Internal tables and catalogues.
    ['SELECT * FROM users', /Table owl\.data\.users does not exist/],
    ['SELECT * FROM oauth_clients', /does not exist/],
    ['SELECT * FROM public.users', /Table public\.users does not exist/],
    ['SELECT * FROM billing.account', /Table billing\.account does not exist/],
    ['SELECT * FROM dataquery.account', /does not exist/],
    ['SELECT * FROM dq_context', /does not exist/],
    ['SELECT * FROM jobs', /does not exist/],
    ['SELECT * FROM server_settings', /does not exist/],
    ['SELECT * FROM pg_authid', /does not exist/],
    ['SELECT * FROM pg_catalog.pg_authid', /does not exist/],
    ['SELECT * FROM "pg_catalog"."pg_shadow"', /does not exist/],
    ['SELECT * FROM U&"\\0070g_authid"', /does not exist/],
    ['SELECT * FROM information_schema.tables', /does not exist/],
    ['SELECT * FROM pg_class', /does not exist/],
    ['SELECT * FROM pg_settings', /does not exist/],
    // Files, large objects, settings, roles, sessions, sleeps.
    ["SELECT pg_read_file('/etc/passwd')", /Function 'pg_read_file' not registered/],
    ["SELECT pg_catalog.pg_read_file('/etc/passwd')", /not registered/],
    ["SELECT * FROM pg_ls_dir('.')", /not registered/],
    ["SELECT lo_import('/etc/passwd')", /not registered/],
    ["SELECT set_config('search_path', 'public', false)", /not registered/],
    ["SELECT current_setting('is_superuser')", /not registered/],
    ['SELECT pg_sleep(30)', /not registered/],
    ['SELECT version()', /not registered/],
    ['SELECT current_user', /not registered/],
    ['SELECT session_user', /not registered/],
    ["SELECT 'pg_authid'::regclass", /Unknown type/],
    ["SELECT CAST('1' AS oid)", /Unknown type/],
    ["SELECT query_to_xml('select 1', true, true, '')", /not registered/],
    // Statements that are not one SELECT.
    ['COPY account TO STDOUT', /Only SELECT statements are supported/],
    ["COPY (SELECT 1) TO '/tmp/zjobs-copy'", /Only SELECT/],
    ['SET ROLE postgres', /Only SELECT/],
    ['RESET ROLE', /Only SELECT/],
    ['SELECT 1; SELECT 2', /exactly one statement/],
    ['SELECT 1; DELETE FROM account', /exactly one statement/],
    ['DELETE FROM account', /Only SELECT/],
    ["UPDATE account SET name = 'x'", /Only SELECT/],
    ["INSERT INTO account (id) VALUES ('x')", /Only SELECT/],
    ['DROP TABLE account', /Only SELECT/],
    ['TRUNCATE account', /Only SELECT/],
    ['CREATE TABLE stolen AS SELECT * FROM account', /Only SELECT/],
    ['ALTER TABLE account ADD COLUMN x int', /Only SELECT/],
    ['GRANT ALL ON account TO PUBLIC', /Only SELECT/],
    ['WITH x AS (DELETE FROM account RETURNING *) SELECT * FROM x', /Data-modifying statements are not allowed/],
    ["WITH x AS (UPDATE account SET name = 'x' RETURNING *) SELECT * FROM x", /Data-modifying/],
    ["WITH x AS (INSERT INTO account (id) VALUES ('x') RETURNING *) SELECT * FROM x", /Data-modifying/],
    ['SELECT * INTO stolen FROM account', /SELECT INTO is not supported/],
    ['SELECT * FROM account FOR UPDATE', /Row locks/],
    ['EXPLAIN ANALYZE DELETE FROM account', /Only SELECT/],
    ['DO $$ BEGIN DELETE FROM billing.account; END $$', /Only SELECT/],
    ['PREPARE p AS SELECT 1', /Only SELECT/],
    ['LISTEN zjobs_jobs', /Only SELECT/],
    ['VACUUM', /Only SELECT/],
    ['SELECT $1', /parameters/],
    // A cartesian explosion stops at the output limit.
    ['SELECT a.id FROM account a, account b, account c', new RegExp(`more than ${MAX_ROWS} rows`)],
  ]

  for (const [query, message] of refused) {
    test(`refused: ${query.slice(0, 70)}`, async () => {
      const job = await run(query)
      assert.equal(job.queryStatus, 'failed', `${query} was not refused`)
      assert.match(job.errorMessage!, message)
      assert.equal(job.dataFile, undefined)
      assert.ok(!/password|secret|scrypt|authid/i.test(job.errorMessage!.replace(/pg_authid|pg_shadow/g, '')), job.errorMessage)
    })
  }

  test('the user table is for admins only, and shows the tenant\'s own users', async () => {
    const submitted = await server.api('POST', '/query/jobs', {
      token: analyst.token,
      body: { query: 'SELECT * FROM user', outputFormat: 'JSON', compression: 'NONE', output: { target: 'S3' } },
    })
    let job: QueryJob
    for (;;) {
      job = (await server.api('GET', `/query/jobs/${submitted.json().data.id}`, { token: analyst.token })).json().data
      if (['completed', 'failed'].includes(job.queryStatus)) break
      await sleep(30)
    }
    assert.equal(job.queryStatus, 'failed')
    assert.match(job.errorMessage!, /only administrators/)

    const admin = await run('SELECT username FROM user ORDER BY username')
    assert.equal(admin.queryStatus, 'completed')
    const names = (await request(admin.dataFile!.replace('//localhost:', '//127.0.0.1:'))).text.trim().split('\n').map((l) => JSON.parse(l).username)
    assert.deepEqual(names, ['admin'], 'only the users of the querying tenant')
  })

  test('common table expressions and quoted identifiers work as Trino reads them', async () => {
    const job = await run('WITH Big AS (SELECT "ID", Balance FROM "Account" A WHERE A.balance >= 0) SELECT count(*) AS "N" FROM big')
    assert.equal(job.queryStatus, 'completed', job.errorMessage)
    const row = JSON.parse((await request(job.dataFile!.replace('//localhost:', '//127.0.0.1:'))).text)
    assert.ok(typeof row.n === 'number' && row.n > 0, JSON.stringify(row))
  })

  describe('the walls behind validation', () => {
    const scope = (tenant: string): QueryScope => ({ tenantId: tenant, entityId: null, orgIds: null, deleted: false, timeZone: 'UTC' })
    const collect = () => {
      const rows: ResultRow[] = []
      const sink: RowSink = { columns: () => {}, rows: async (batch) => void rows.push(...batch) }
      return { rows, sink }
    }
    const runRaw = async (sql: string, tenant = tenantId) => {
      const { rows, sink } = collect()
      await runQuery(server.server.db, sql, scope(tenant), sink, { maxRows: 100_000, deadline: Date.now() + 60_000, timeLimitSeconds: 60 })
      return rows
    }

    test('the reader role cannot read the billing schema, platform tables, or the context', async () => {
      for (const sql of [
        'SELECT * FROM billing.account',
        'SELECT * FROM public.users',
        'SELECT * FROM public.oauth_clients',
        'SELECT * FROM public.dq_context',
        'SELECT * FROM public.jobs',
      ]) {
        await assert.rejects(runRaw(sql), /Access denied|permission denied/i, sql)
      }
    })

    test('the transaction is read-only, whatever the statement', async () => {
      for (const sql of [
        "SELECT * FROM dataquery.account WHERE dataquery.to_uuid32(id) IS NULL FOR UPDATE",
      ]) {
        await assert.rejects(runRaw(sql), sql)
      }
      await assert.rejects(runRaw("SELECT set_config('transaction_read_only', 'off', true)"))
    })

    test('changing a setting cannot widen what the views show', async () => {
      // Even if validation let set_config through, the tenant comes from the context row.
      const rows = await runRaw(
        `SELECT count(*) FROM (SELECT set_config('zjobs.tenant', '${otherTenantId}', true)) s, dataquery.account a WHERE a.id = '${otherAccountId}'`,
      )
      assert.deepEqual(rows, [['0']])
    })

    test('the views show one tenant only, and row-level security holds under them', async () => {
      const mine = await runRaw('SELECT count(*) FROM dataquery.account')
      const theirs = await runRaw('SELECT count(*) FROM dataquery.account', otherTenantId)
      const { rows } = await server.server.db.query(
        `SELECT count(*) FILTER (WHERE tenant_id = $1)::text AS mine, count(*) FILTER (WHERE tenant_id = $2)::text AS theirs
         FROM billing.account WHERE NOT deleted`,
        [tenantId, otherTenantId],
      )
      assert.deepEqual([mine[0][0], theirs[0][0]], [rows[0].mine, rows[0].theirs])
      // The view's owner reads billing.account through RLS: without a context row, nothing.
      const client = await server.server.db.pool.connect()
      try {
        await client.query('BEGIN')
        await client.query('SET LOCAL ROLE zjobs_dq_owner')
        const { rows: unscoped } = await client.query('SELECT count(*)::int AS n FROM billing.account')
        assert.equal(unscoped[0].n, 0, 'row-level security hides every row without a context')
      } finally {
        await client.query('ROLLBACK')
        client.release()
      }
    })

    test('no context row outlives its query', async () => {
      await runRaw('SELECT 1')
      const { rows } = await server.server.db.query('SELECT count(*)::int AS n FROM dq_context')
      assert.equal(rows[0].n, 0)
    })
  })
})

describe('runaway Data Queries', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dataQueryTimeLimitSeconds: 2, dataQueryRetries: 0 }, { workers: 'thread' })
  })
  after(() => server.close())

  test('a query past the time limit fails with the time-limit message, and the server carries on', async () => {
    const submit = async (query: string) => {
      const response = await server.api('POST', '/query/jobs', {
        body: { query, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } },
      })
      assert.equal(response.status, 200, response.text)
      return response.json().data.id as string
    }
    const wait = async (id: string): Promise<QueryJob> => {
      const deadline = Date.now() + 120_000
      for (;;) {
        const response = await server.api('GET', `/query/jobs/${id}`)
        assert.equal(response.status, 200, response.text)
        const job = response.json().data as QueryJob
        if (['completed', 'failed'].includes(job.queryStatus)) return job
        if (Date.now() > deadline) assert.fail(`${id} never ended`)
        await sleep(100)
      }
    }
    // Counting an endless recursion never finishes on its own.
    const runaway = await wait(await submit('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r'))
    assert.equal(runaway.queryStatus, 'failed')
    assert.equal(runaway.errorMessage, 'Query exceeded the maximum time limit of 2.00s (gave up after 1 attempt)')
    // The database is there again for the next query and the API.
    const next = await wait(await submit('SELECT 1 AS one'))
    assert.equal(next.queryStatus, 'completed')
    assert.equal((await server.api('GET', '/query/jobs?pageSize=5')).status, 200)
  })
})
