// Every table that holds a tenant's rows, and what a reset and a snapshot do with it. A test
// (test/sandbox/snapshot-tables.test.ts) checks this list against the schema: a new table with
// a tenant_id column fails it until it is named here, so no tenant's data is forgotten by a
// reset or a snapshot.

/**
 * What a reset does with the table's rows of the tenant:
 * - keep: the tenant itself (settings, users, clients, tokens);
 * - delete: deleted in the reset's transaction;
 * - billing: deleted unless the reset keeps billing data;
 * - with-jobs: deleted with their jobs (the jobs' statement trigger);
 * - with-definitions: no client reaches them once their definition is gone: deleted after the
 *   reset, in the background (purge.ts);
 * - none: not a tenant's data (a transaction's context, the purge queue itself).
 */
export type ResetRule = 'keep' | 'delete' | 'billing' | 'with-jobs' | 'with-definitions' | 'none'

/**
 * What a snapshot holds of it: rows (every column but tenant_id, restored under the target
 * tenant), or none, for the reason given.
 */
export type SnapshotRule = 'rows' | 'none'

export interface TenantTable {
  /** Schema-qualified when not in public. */
  name: string
  reset: ResetRule
  snapshot: SnapshotRule
  why?: string
}

const BILLING_TABLES = [
  'account',
  'contact',
  'product',
  'productrateplan',
  'productrateplancharge',
  'subscription',
  'rateplan',
  'rateplancharge',
  'orders',
  'orderlineitem',
  'invoice',
  'invoiceitem',
  'creditmemo',
  'creditmemoitem',
  'debitmemo',
  'debitmemoitem',
  'invoiceitemadjustment',
  'payment',
]

/** In the order a restore inserts them (a table after those its keys reference). */
export const TENANT_TABLES: readonly TenantTable[] = [
  { name: 'entities', reset: 'keep', snapshot: 'rows' },
  { name: 'orgs', reset: 'keep', snapshot: 'rows' },
  { name: 'users', reset: 'keep', snapshot: 'rows' },
  { name: 'oauth_clients', reset: 'keep', snapshot: 'rows', why: 'with their secrets hashed, as kept' },
  { name: 'oauth_tokens', reset: 'keep', snapshot: 'none', why: 'bearer tokens are secrets, and short-lived: a restored tenant gets new ones' },
  { name: 'idempotency_keys', reset: 'delete', snapshot: 'none', why: 'keys are unique across tenants and live 24 hours' },
  { name: 'tenant_clocks', reset: 'delete', snapshot: 'rows' },
  { name: 'lifecycle_policies', reset: 'delete', snapshot: 'rows' },
  { name: 'fault_rules', reset: 'delete', snapshot: 'rows' },
  { name: 'request_journal', reset: 'delete', snapshot: 'none', why: 'a log of requests, not state' },
  ...BILLING_TABLES.map((table): TenantTable => ({ name: `billing.${table}`, reset: 'billing', snapshot: 'rows' })),
  { name: 'custom_object_definitions', reset: 'delete', snapshot: 'rows' },
  { name: 'custom_object_records', reset: 'with-definitions', snapshot: 'rows' },
  { name: 'custom_object_record_counts', reset: 'delete', snapshot: 'none', why: 'kept by triggers from the records' },
  { name: 'jobs', reset: 'delete', snapshot: 'rows' },
  { name: 'job_lifecycles', reset: 'with-jobs', snapshot: 'rows' },
  { name: 'job_faults', reset: 'with-jobs', snapshot: 'rows' },
  { name: 'custom_object_job_errors', reset: 'with-jobs', snapshot: 'rows' },
  { name: 'data_backfill_row_errors', reset: 'with-jobs', snapshot: 'rows' },
  { name: 'files', reset: 'delete', snapshot: 'rows', why: 'their bytes are entries of the archive' },
  { name: 'dq_context', reset: 'none', snapshot: 'none', why: "a Data Query transaction's context, gone with it" },
  { name: 'sandbox_purges', reset: 'none', snapshot: 'none', why: 'what resets left to delete; outlives its tenant' },
]

export const tableRule = (name: string): TenantTable | undefined => TENANT_TABLES.find((table) => table.name === name)

/** `billing.account` -> "billing"."account"; `jobs` -> "jobs". */
export function quoteTable(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.')
}

export const quoteColumn = (name: string): string => `"${name.replaceAll('"', '""')}"`
