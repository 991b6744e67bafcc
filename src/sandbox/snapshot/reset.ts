// A tenant's reset: back to a fresh tenant (no jobs, files, definitions, records, billing data,
// idempotency keys, fault rules, journal, clock or lifecycle policies), keeping the tenant, its
// users, OAuth clients and tokens. One transaction whose work does not grow with the records
// (they wait for the purge, unreachable) and grows by a few microseconds per job and file;
// billing rows are deleted in it too, unless kept (docs/decisions.md, "Reset in bounded time").
import { notFound } from '../../platform/errors.ts'
import { parseTenantId } from '../../platform/tenants.ts'
import type { Db, Queryable } from '../../storage/db.ts'
import type { Purger } from './purge.ts'
import { emptyTenantRows, tablesWithTenantId, type EmptyCounts } from './store.ts'
import { TENANT_TABLES } from './tables.ts'

export const KEEPABLE = ['billing'] as const
export type Keepable = (typeof KEEPABLE)[number]

export interface ResetDeps {
  db: Db
  purger: Purger
  /** This process's caches of tenants' settings (the clock and policies a reset removes). */
  forget(tenantId: string): void
  /** How long a worker may go on with a job before it notices the job is gone (its lease). */
  leaseSeconds: number
}

export interface ResetReport {
  tenantId: string
  kept: Keepable[]
  jobs: number
  files: number
  definitions: number
  billingRows: number
}

let present: Promise<Set<string>> | undefined

/** The tenant tables this database has (a table of a migration not applied yet is skipped). */
export function presentTables(db: Queryable): Promise<Set<string>> {
  present ??= tablesWithTenantId(db).then((names) => new Set(names))
  present.catch(() => (present = undefined))
  return present
}

/** The reset's statements, inside the caller's transaction: one script, one round trip. */
export async function emptyTenant(tx: Queryable, tenantId: string, tables: Set<string>, keep: ReadonlySet<Keepable>): Promise<EmptyCounts> {
  const deleted = TENANT_TABLES.filter((table) => tables.has(table.name) && table.reset === 'delete' && !DELETED_FIRST.includes(table.name))
  const billing = keep.has('billing') ? [] : TENANT_TABLES.filter((table) => tables.has(table.name) && table.reset === 'billing')
  return emptyTenantRows(tx, tenantId, deleted.map((table) => table.name), billing.map((table) => table.name))
}

/** Deleted by the script's first statements, in that order (emptyTenantRows). */
const DELETED_FIRST = ['jobs', 'custom_object_definitions', 'files']

export async function resetTenant(deps: ResetDeps, tenantId: string, keep: readonly Keepable[] = []): Promise<ResetReport> {
  const id = parseTenantId(tenantId)
  const tables = await presentTables(deps.db)
  const kept = new Set(keep)
  const { found, ...counts } = await deps.db.transaction((tx) => emptyTenant(tx, id, tables, kept))
  if (!found) throw notFound(`Tenant ${tenantId} does not exist`)
  deps.forget(id)
  deps.purger.kick()
  deps.purger.sweepStrays(id, deps.leaseSeconds * 1000)
  return { tenantId: id, kept: [...kept], ...counts }
}
