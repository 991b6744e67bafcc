// A tenant's reset: back to a fresh tenant (no jobs, files, definitions, records, billing data,
// idempotency keys, fault rules, journal, clock or lifecycle policies), keeping the tenant, its
// users, OAuth clients and tokens. One transaction whose work does not grow with the records
// (they wait for the purge, unreachable) and grows by a few microseconds per job and file;
// billing rows are deleted in it too, unless kept (docs/decisions.md, "Reset in bounded time").
import { notFound } from '../../platform/errors.ts'
import { parseTenantId } from '../../platform/tenants.ts'
import type { Db, Queryable } from '../../storage/db.ts'
import type { Purger } from './purge.ts'
import { deleteDefinitionsRecordsLater, deleteFilesBlobsLater, deleteJobs, deleteTenantRows, lockTenant, tablesWithTenantId } from './store.ts'
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

/** The reset's statements, inside the caller's transaction; the tenant must be locked (lockTenant). */
export async function emptyTenant(tx: Queryable, tenantId: string, tables: Set<string>, keep: ReadonlySet<Keepable>): Promise<Omit<ResetReport, 'tenantId' | 'kept'>> {
  // Jobs first: it waits for their running batches, so everything after sees what they wrote.
  const jobs = await deleteJobs(tx, tenantId)
  const definitions = await deleteDefinitionsRecordsLater(tx, tenantId)
  const files = await deleteFilesBlobsLater(tx, tenantId)
  let billingRows = 0
  for (const table of TENANT_TABLES) {
    if (!tables.has(table.name) || ['jobs', 'custom_object_definitions', 'files'].includes(table.name)) continue
    if (table.reset === 'delete') await deleteTenantRows(tx, table.name, tenantId)
    if (table.reset === 'billing' && !keep.has('billing')) billingRows += await deleteTenantRows(tx, table.name, tenantId)
  }
  return { jobs, files, definitions, billingRows }
}

export async function resetTenant(deps: ResetDeps, tenantId: string, keep: readonly Keepable[] = []): Promise<ResetReport> {
  const id = parseTenantId(tenantId)
  const tables = await presentTables(deps.db)
  const kept = new Set(keep)
  const counts = await deps.db.transaction(async (tx) => {
    if (!(await lockTenant(tx, id))) throw notFound(`Tenant ${tenantId} does not exist`)
    return emptyTenant(tx, id, tables, kept)
  })
  deps.forget(id)
  deps.purger.kick()
  deps.purger.sweepStrays(id, deps.leaseSeconds * 1000)
  return { tenantId: id, kept: [...kept], ...counts }
}
