// Tenants holding a given number of rate plan charges, shared by the export and backfill
// scenarios of one run: a few accounts seeded through the API (catalogue, subscriptions,
// charges), the charges then multiplied in SQL.
import { createTenant, seedThroughApi, type BenchTenant } from '../api.ts'
import { withClient, type Context } from '../context.ts'
import { multiplyCharges } from '../data.ts'

const made = new WeakMap<Context, Map<string, BenchTenant>>()

/** The run's tenant named `key`, grown to at least `charges` rate plan charges. */
export async function chargesTenant(context: Context, key: string, charges: number): Promise<BenchTenant> {
  const tenants = made.get(context) ?? new Map<string, BenchTenant>()
  made.set(context, tenants)
  let tenant = tenants.get(key)
  if (!tenant) {
    tenant = await createTenant(context.zjobs, `bench ${key}`)
    await seedThroughApi(context.zjobs, tenant.id, context.sizes.exportSeedAccounts)
    tenants.set(key, tenant)
  }
  const started = performance.now()
  await withClient(context, (client) => multiplyCharges(client, tenant.id, charges))
  context.log(`  tenant ${tenant.id} (${key}): ${charges} rate plan charges (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  return tenant
}
