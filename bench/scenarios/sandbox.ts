// Scenario 15: the sandbox's tenant operations (issue 15).
// - One-call test tenant: POST /admin/tenants {withClient: true}, the median of 20; baseline: the
//   four calls it replaces (tenant, user, OAuth client, /oauth/token). Target: 50 ms.
// - Reset of a large tenant: 5,000 jobs and 100,000 custom object records (both sizes: the
//   target is stated at this size); baseline: the same rows of a twin tenant deleted by plain
//   DELETE statements in one transaction (what a reset without its design would do). Target: 50 ms.
// - Snapshot and restore of a seeded tenant: GET .../snapshot (the archive downloaded) and POST
//   .../snapshot into a new tenant; baseline: COPY of the same rows of every table it holds to a
//   gzip file, and COPY FROM of that file into another tenant's tables (the least a dump and
//   load of those rows costs: what pg_dump would do, filtered to one tenant).
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { columnsOf } from '../../src/sandbox/snapshot/store.ts'
import { quoteColumn, quoteTable, TENANT_TABLES } from '../../src/sandbox/snapshot/tables.ts'
import { call, createTenant, download, expect, token } from '../api.ts'
import { withClient, type Context } from '../context.ts'
import { cloneJob, runDataQuery } from '../data.ts'
import { measured, type Row } from '../results.ts'
import { ADMIN_TOKEN } from '../zjobs.ts'
import { median } from './cli.ts'
import { BENCH_OBJECT, defineBenchObject } from './objects.ts'

const RESET_JOBS = 5000
const RESET_RECORDS = 100_000
const CREATIONS = 20

async function oneCallTenants(context: Context): Promise<Row> {
  const { zjobs } = context
  const ours: number[] = []
  const theirs: number[] = []
  for (let i = 0; i < CREATIONS; i++) {
    let started = performance.now()
    expect(await call(zjobs, 'POST', '/admin/tenants', { json: { name: `bench one-call ${i}`, withClient: true } }), 'one-call tenant', 201)
    ours.push(performance.now() - started)
    started = performance.now()
    await createTenant(zjobs, `bench four calls ${i}`)
    theirs.push(performance.now() - started)
  }
  return measured('15. one-call test tenant', median(ours), median(theirs), 'ms', {
    target: { kind: 'below', value: 50 },
    note: `median of ${CREATIONS}; baseline: tenant, user, client and token in four calls`,
  })
}

/** A tenant with `jobs` Data Query jobs (copies of a real one) and `records` records of the bench object. */
async function largeTenant(context: Context, name: string): Promise<string> {
  const tenant = await createTenant(context.zjobs, name)
  await defineBenchObject(context, tenant)
  const job = await runDataQuery(context.zjobs, tenant.token, { query: 'SELECT 1 AS one', outputFormat: 'CSV', compression: 'NONE' }, 50)
  await withClient(context, async (client) => {
    await cloneJob(client, tenant.id, job.id, RESET_JOBS - 1)
    const { rows } = await client.query<{ id: string; created_by: string }>(
      'SELECT id, created_by FROM custom_object_definitions WHERE tenant_id = $1 AND object = $2',
      [tenant.id, BENCH_OBJECT],
    )
    await client.query(
      `INSERT INTO custom_object_records (tenant_id, id, definition_id, data, created_by, updated_by)
       SELECT $1, gen_random_uuid(), $2, jsonb_build_object('code__c', 'C' || g, 'name__c', 'Item ' || g, 'amount__c', g % 1000, 'quantity__c', g % 10),
         $3, $3
       FROM generate_series(1, $4::int) AS g`,
      [tenant.id, rows[0].id, rows[0].created_by, RESET_RECORDS],
    )
    await client.query('VACUUM ANALYZE custom_object_records')
    await client.query('VACUUM ANALYZE jobs')
    await client.query('CHECKPOINT').catch(() => {})
  })
  return tenant.id
}

async function resetLarge(context: Context): Promise<Row> {
  const ours = await largeTenant(context, 'bench reset')
  const twin = await largeTenant(context, 'bench reset baseline')
  // The process's first reset also compiles its statements and trigger on its connection: one
  // reset of an empty tenant first, as a suite's second reset would find it.
  const empty = await createTenant(context.zjobs, 'bench reset warm-up')
  const coldStarted = performance.now()
  expect(await call(context.zjobs, 'POST', `/admin/tenants/${empty.id}/reset`), 'reset', 200)
  context.log(`  first reset of the process (an empty tenant): ${(performance.now() - coldStarted).toFixed(0)} ms`)
  const started = performance.now()
  const reset = expect(await call(context.zjobs, 'POST', `/admin/tenants/${ours}/reset`), 'reset', 200).body
  const ms = performance.now() - started
  if (reset.jobs !== RESET_JOBS) throw new Error(`reset deleted ${reset.jobs} jobs, not ${RESET_JOBS}`)
  const baseline = await withClient(context, async (client) => {
    const begun = performance.now()
    await client.query('BEGIN')
    await client.query('DELETE FROM jobs WHERE tenant_id = $1', [twin])
    await client.query('DELETE FROM files WHERE tenant_id = $1', [twin])
    await client.query('DELETE FROM custom_object_records WHERE tenant_id = $1', [twin])
    await client.query('DELETE FROM custom_object_definitions WHERE tenant_id = $1', [twin])
    await client.query('COMMIT')
    return performance.now() - begun
  })
  return measured(`15. reset: ${RESET_JOBS.toLocaleString('en-US')} jobs, ${RESET_RECORDS.toLocaleString('en-US')} records`, ms, baseline, 'ms', {
    target: { kind: 'below', value: 50 },
    note: 'baseline: the same rows of a twin tenant, plain DELETEs in one transaction',
  })
}

async function snapshotRestore(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const accounts = Math.max(100, Math.round(sizes.seedAccounts / 10))
  const made = expect(await call(zjobs, 'POST', '/admin/tenants', { json: { name: 'bench snapshot', withClient: true, seed: { accounts } } }), 'seeded tenant', 201).body
  const tenantId = String(made.id)
  const archive = join(context.workDir, 'snapshot.tar.gz')
  let started = performance.now()
  await download(`${zjobs.url}/admin/tenants/${tenantId}/snapshot`, archive, { authorization: `Bearer ${ADMIN_TOKEN}` })
  const snapshotMs = performance.now() - started
  const target = expect(await call(zjobs, 'POST', '/admin/tenants', { json: { name: 'bench restore' } }), 'tenant', 201).body
  started = performance.now()
  const restored = expect(
    await call(zjobs, 'POST', `/admin/tenants/${target.id}/snapshot`, { body: readFileSync(archive), contentType: 'application/gzip' }),
    'restore',
    200,
  ).body
  const restoreMs = performance.now() - started
  const rows = Object.values(restored.rows as Record<string, number>).reduce((a, b) => a + b, 0)

  // Baseline: the same tables' rows of the tenant, COPY to one gzip file per table, and back into another tenant.
  const copies = join(context.workDir, 'copy')
  const other = expect(await call(zjobs, 'POST', '/admin/tenants', { json: { name: 'bench copy baseline' } }), 'tenant', 201).body
  const tables = TENANT_TABLES.filter((table) => table.snapshot === 'rows' && !['users', 'oauth_clients', 'entities', 'orgs'].includes(table.name)).map((table) => table.name)
  const { dumpMs, loadMs, bytes } = await withClient(context, async (client) => {
    const columns = await columnsOf(client, tables)
    let bytes = 0
    const begun = performance.now()
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    for (const [i, table] of tables.entries()) {
      const names = columns.get(table)!.map((column) => quoteColumn(column.name)).join(', ')
      if (!names) continue
      const file = `${copies}-${i}.csv.gz`
      await pipeline(client.query(copyTo(`COPY (SELECT ${other.id}, ${names} FROM ${quoteTable(table)} WHERE tenant_id = ${tenantId}) TO STDOUT WITH (FORMAT csv)`)), createGzip(), createWriteStream(file))
      bytes += statSync(file).size
    }
    await client.query('COMMIT')
    const dumpMs = performance.now() - begun
    const loading = performance.now()
    await client.query('BEGIN')
    for (const [i, table] of tables.entries()) {
      const names = columns.get(table)!.map((column) => quoteColumn(column.name)).join(', ')
      if (!names) continue
      await pipeline(createReadStream(`${copies}-${i}.csv.gz`), createGunzip(), client.query(copyFrom(`COPY ${quoteTable(table)} (tenant_id, ${names}) FROM STDIN WITH (FORMAT csv)`)))
    }
    await client.query('COMMIT')
    return { dumpMs, loadMs: performance.now() - loading, bytes }
  })
  const kb = statSync(archive).size / 1024
  context.log(`  snapshot ${accounts} accounts (${rows} rows): ${kb.toFixed(0)} KB archive vs ${(bytes / 1024).toFixed(0)} KB of COPY gzip`)
  return [
    measured(`15. snapshot of ${accounts.toLocaleString('en-US')} seeded accounts (${rows.toLocaleString('en-US')} rows)`, snapshotMs, dumpMs, 'ms', {
      note: `archive ${kb.toFixed(0)} KB; baseline: COPY TO of the same rows, gzip`,
    }),
    measured('15. restore of that snapshot into a new tenant', restoreMs, loadMs, 'ms', { note: 'baseline: COPY FROM of the same rows' }),
  ]
}

export async function sandboxScenario(context: Context): Promise<Row[]> {
  // A token of the default client first: the bench's zjobs is warm for every figure.
  await token(context.zjobs)
  return [await oneCallTenants(context), await resetLarge(context), ...(await snapshotRestore(context))]
}
