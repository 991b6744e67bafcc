// Scenario 6: seeding accounts through the admin plane's seed job (POST
// /admin/tenants/{id}/seed, polled). Baseline: the same rows, generated beforehand with
// generateBatch (not timed), loaded into another tenant one transaction per batch as zjobs
// commits them, with COPY FROM STDIN.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { BILLING_OBJECTS, BILLING_SCHEMA } from '../../src/billing/model.ts'
import { generateBatch, planSeed, tableColumns } from '../../src/billing/seed.ts'
import { createTenant, seedThroughApi } from '../api.ts'
import { withClient, type Context } from '../context.ts'
import { measured, type Row } from '../results.ts'

const csvValue = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? `"${value.replaceAll('"', '""')}"` : String(value)

interface TableLoad {
  table: string
  columns: ReturnType<typeof tableColumns>
  values: unknown[][]
}

/** One batch's rows per table, as seedBatch inserts them (tenant_id first). */
function batchLoads(tenantId: string, plan: ReturnType<typeof planSeed>, index: number): TableLoad[] {
  const tables = generateBatch(plan, index)
  const loads: TableLoad[] = []
  for (const object of BILLING_OBJECTS) {
    const rows = tables[object.name]
    if (rows.length === 0) continue
    const columns = tableColumns(object)
    const names = columns.map((column) => column.name)
    const values = rows.map((row) => names.map((name) => (name === 'tenant_id' ? tenantId : (row[name] ?? null))))
    loads.push({ table: `${BILLING_SCHEMA}.${object.name}`, columns, values })
  }
  return loads
}

async function loadBatch(client: pg.Client, loads: TableLoad[]): Promise<number> {
  // The COPY text is made before the clock starts: only the load is timed.
  const texts = loads.map((load) => Buffer.from(load.values.map((row) => row.map(csvValue).join(',')).join('\n') + '\n'))
  const started = performance.now()
  await client.query('BEGIN')
  for (const [i, load] of loads.entries()) {
    const names = load.columns.map((column) => column.name).join(', ')
    await pipeline(Readable.from([texts[i]]), client.query(copyFrom(`COPY ${load.table} (${names}) FROM STDIN WITH (FORMAT csv)`)))
  }
  await client.query('COMMIT')
  return performance.now() - started
}

export async function seedScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const accounts = sizes.seedAccounts
  const ours = await createTenant(zjobs, 'bench seed')
  zjobs.resetPeak()
  const started = performance.now()
  await seedThroughApi(zjobs, ours.id, accounts)
  const ms = performance.now() - started
  const peakRssMb = zjobs.peakRssMb()

  const theirs = await createTenant(zjobs, 'bench seed baseline')
  const plan = planSeed({ id: theirs.id, entities: [], orgs: [] }, { accounts })
  let loadMs = 0
  await withClient(context, async (client) => {
    for (const batch of plan.batches) loadMs += await loadBatch(client, batchLoads(theirs.id, plan, batch.index))
  })
  context.log(`  seed ${accounts} accounts: zjobs ${(ms / 1000).toFixed(1)} s, load only ${(loadMs / 1000).toFixed(1)} s`)
  return [
    measured(`6. seed ${accounts.toLocaleString('en-US')} accounts`, ms / 1000, loadMs / 1000, 's', {
      peakRssMb,
      note: 'baseline: COPY FROM of pre-generated rows',
    }),
  ]
}
