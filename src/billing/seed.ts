// Deterministic billing data for a tenant: a plan of batches (batch 0 the product catalogue,
// then accounts in fixed-size slices), each generated purely from the seed and its position
// and bulk-inserted in one statement per table chunk. The same seed gives the same rows
// (ids included) in any tenant; memory stays flat whatever the number of accounts.
import type { PoolClient } from 'pg'
import { conflict, invalid } from '../platform/errors.ts'
import { requireTenant, type Tenant } from '../platform/tenants.ts'
import { bulkInsert, type BulkColumn } from '../storage/bulk.ts'
import type { Db, Queryable } from '../storage/db.ts'
import { BILLING_OBJECTS, BILLING_SCHEMA, insertColumns, type BillingObject } from './model.ts'
import { generateAccount, type SeedContext, type Tables } from './seed/accounts.ts'
import { catalogue, catalogueRows, type Row } from './seed/catalogue.ts'
import { seededId } from './seed/random.ts'

export const DEFAULT_SEED = 1
export const DEFAULT_BATCH_ACCOUNTS = 1000
export const MAX_ACCOUNTS = 10_000_000

export type SeedBatch =
  | { index: number; kind: 'catalogue' }
  | { index: number; kind: 'accounts'; firstAccount: number; accounts: number }

/** Everything needed to generate any batch, as plain JSON (a durable job can store it). */
export interface SeedPlan {
  tenantId: string
  seed: number
  accounts: number
  batchAccounts: number
  /** The tenant's entity ids in a stable order (by name); accounts spread across them. */
  entityIds: string[]
  /** The tenant's org ids in a stable order (by name). */
  orgIds: string[]
  batches: SeedBatch[]
}

export interface SeedOptions {
  accounts: number
  seed?: number
  /** Accounts per batch (one transaction each); default 1000. */
  batchAccounts?: number
}

export interface SeedProgress {
  batch: number
  batches: number
  accountsDone: number
  accounts: number
  /** Rows inserted so far, all tables together. */
  rows: number
}

export interface SeedResult {
  tenantId: string
  seed: number
  accounts: number
  /** Rows inserted per table. */
  rows: Record<string, number>
}

/** Validates the options and lays out the batches of seeding `tenant`. */
export function planSeed(tenant: Pick<Tenant, 'id' | 'entities' | 'orgs'>, options: SeedOptions): SeedPlan {
  const seed = options.seed ?? DEFAULT_SEED
  const batchAccounts = options.batchAccounts ?? DEFAULT_BATCH_ACCOUNTS
  if (!Number.isInteger(options.accounts) || options.accounts < 0 || options.accounts > MAX_ACCOUNTS) {
    throw invalid(`accounts must be an integer between 0 and ${MAX_ACCOUNTS}, got ${options.accounts}`)
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw invalid(`seed must be an integer between 0 and 4294967295, got ${seed}`)
  if (!Number.isInteger(batchAccounts) || batchAccounts < 1 || batchAccounts > 10_000) {
    throw invalid(`batchAccounts must be an integer between 1 and 10000, got ${batchAccounts}`)
  }
  const batches: SeedBatch[] = [{ index: 0, kind: 'catalogue' }]
  for (let first = 0; first < options.accounts; first += batchAccounts) {
    batches.push({ index: batches.length, kind: 'accounts', firstAccount: first, accounts: Math.min(batchAccounts, options.accounts - first) })
  }
  return {
    tenantId: tenant.id,
    seed,
    accounts: options.accounts,
    batchAccounts,
    entityIds: [...tenant.entities].sort(byName).map((entity) => entity.id),
    orgIds: [...tenant.orgs].sort(byName).map((org) => org.id),
    batches,
  }
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** Pure generation of one batch's rows, by table (exported for tests and tools). */
export function generateBatch(plan: SeedPlan, batchIndex: number): Tables {
  const batch = plan.batches[batchIndex]
  if (!batch) throw new Error(`seed plan has no batch ${batchIndex} (it has ${plan.batches.length})`)
  const context = seedContext(plan)
  const out: Tables = Object.fromEntries(BILLING_OBJECTS.map((object) => [object.name, [] as Row[]]))
  if (batch.kind === 'catalogue') {
    const entities = Math.max(1, plan.entityIds.length)
    for (let e = 0; e < entities; e++) {
      // The catalogue is shared by the tenant's orgs: org_id stays NULL.
      const scope = { entity_id: plan.entityIds[e] ?? null, org_id: null }
      for (const [table, rows] of Object.entries(catalogueRows(plan.seed, e, scope, context.users[0]))) out[table].push(...rows)
    }
    return out
  }
  for (let index = batch.firstAccount; index < batch.firstAccount + batch.accounts; index++) generateAccount(context, index, out)
  return out
}

function seedContext(plan: SeedPlan): SeedContext {
  const entities = Math.max(1, plan.entityIds.length)
  return {
    seed: plan.seed,
    entityIds: plan.entityIds,
    orgIds: plan.orgIds,
    catalogues: Array.from({ length: entities }, (_, e) => catalogue(plan.seed, e)),
    // Seeded rows are created by a few synthetic integration users (ids from the seed).
    users: Array.from({ length: 4 }, (_, k) => seededId(plan.seed, 'user', k)),
  }
}

/**
 * Generates batch `batchIndex` of `plan` and inserts exactly its rows with `tx` (the caller's
 * transaction). Rows that already exist make it fail with a conflict: never skipped.
 * Returns the rows inserted per table.
 */
export async function seedBatch(tx: Queryable, plan: SeedPlan, batchIndex: number): Promise<Record<string, number>> {
  const tables = generateBatch(plan, batchIndex)
  const counts: Record<string, number> = {}
  try {
    for (const object of BILLING_OBJECTS) {
      const rows = tables[object.name]
      if (rows.length === 0) continue
      counts[object.name] = await insertRows(tx, plan.tenantId, object, rows)
    }
  } catch (error) {
    throw seedError(error, plan, batchIndex)
  }
  return counts
}

function seedError(error: unknown, plan: SeedPlan, batchIndex: number): unknown {
  const pgError = error as { code?: string; table?: string }
  if (pgError.code === '23505') {
    return conflict(
      `tenant ${plan.tenantId} already holds billing rows with the ids seed ${plan.seed} generates ` +
        `(${BILLING_SCHEMA}.${pgError.table ?? '?'}, batch ${batchIndex}): it was seeded with this seed before; ` +
        'use another seed, or a new tenant',
    )
  }
  return error
}

/** Columns of a billing table in insert order: tenant_id, the Data Query columns, the scope columns. */
export const tableColumns = (object: BillingObject): BulkColumn[] => insertColumns(object.columns)

async function insertRows(tx: Queryable, tenantId: string, object: BillingObject, rows: Row[]): Promise<number> {
  const columns = tableColumns(object)
  assertKnownColumns(object, columns, rows[0])
  const names = columns.map((column) => column.name)
  const values = rows.map((row) => names.map((name) => (name === 'tenant_id' ? tenantId : (row[name] ?? null))))
  return bulkInsert(tx, `${BILLING_SCHEMA}.${object.name}`, columns, values)
}

/** A generator naming a column the model does not have is a bug: say so rather than drop the value. */
function assertKnownColumns(object: BillingObject, columns: BulkColumn[], sample: Row): void {
  const known = new Set(columns.map((column) => column.name))
  for (const key of Object.keys(sample)) {
    if (!known.has(key)) throw new Error(`seed generator: ${object.name} has no column ${key}`)
  }
}

/**
 * Seeds `tenantId` with `options.accounts` accounts, each batch in its own transaction.
 * A batch whose ids already exist fails with a conflict and leaves nothing of itself behind.
 */
export async function seedTenant(
  db: Db,
  tenantId: string,
  options: SeedOptions & { onProgress?: (progress: SeedProgress) => void },
): Promise<SeedResult> {
  const tenant = await requireTenant(db, tenantId)
  const plan = planSeed(tenant, options)
  const rows: Record<string, number> = Object.fromEntries(BILLING_OBJECTS.map((object) => [object.name, 0]))
  let total = 0
  let accountsDone = 0
  for (const batch of plan.batches) {
    const counts = await db.transaction((tx: PoolClient) => seedBatch(tx, plan, batch.index))
    for (const [table, count] of Object.entries(counts)) {
      rows[table] += count
      total += count
    }
    if (batch.kind === 'accounts') accountsDone += batch.accounts
    options.onProgress?.({ batch: batch.index + 1, batches: plan.batches.length, accountsDone, accounts: plan.accounts, rows: total })
  }
  return { tenantId: tenant.id, seed: plan.seed, accounts: plan.accounts, rows }
}
