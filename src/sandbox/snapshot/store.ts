// Every SQL statement of tenant-wide reset, snapshot, restore, the purge after a reset and the
// init folder, one function per statement. Table names come from TENANT_TABLES (tables.ts),
// never from a client; a tenant id is checked numeric (parseTenantId) before it is written into
// a COPY statement, which takes no parameters.
import type { PoolClient } from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import type { Readable, Writable } from 'node:stream'
import { parseTenantId } from '../../platform/tenants.ts'
import type { Queryable } from '../../storage/db.ts'
import { quoteColumn, quoteTable } from './tables.ts'

/** Every base table in schemas public and billing with a tenant_id column (schema-qualified outside public). */
export async function tablesWithTenantId(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT CASE WHEN c.table_schema = 'public' THEN c.table_name ELSE c.table_schema || '.' || c.table_name END AS name
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.column_name = 'tenant_id' AND c.table_schema IN ('public', 'billing') AND t.table_type = 'BASE TABLE'
     ORDER BY 1`,
  )
  return rows.map((row) => row.name)
}

export interface TableColumn {
  name: string
  /** GENERATED ALWAYS AS IDENTITY: written with OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean
  /** A column of the primary key (the order rows are written in). */
  key: boolean
}

/** The columns of each table but tenant_id, in their order, by table name (schema-qualified outside public). */
export async function columnsOf(db: Queryable, tables: string[]): Promise<Map<string, TableColumn[]>> {
  const { rows } = await db.query<{ name: string; column_name: string; identity_always: boolean; key: boolean }>(
    `SELECT CASE WHEN c.table_schema = 'public' THEN c.table_name ELSE c.table_schema || '.' || c.table_name END AS name,
       c.column_name, (c.is_identity = 'YES' AND c.identity_generation = 'ALWAYS') AS identity_always,
       EXISTS (SELECT 1 FROM pg_index i
               WHERE i.indrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND i.indisprimary
                 AND c.ordinal_position = ANY(i.indkey::int2[])) AS key
     FROM information_schema.columns c
     WHERE c.table_schema IN ('public', 'billing') AND c.column_name <> 'tenant_id' AND c.is_generated = 'NEVER'
       AND (CASE WHEN c.table_schema = 'public' THEN c.table_name ELSE c.table_schema || '.' || c.table_name END) = ANY($1::text[])
     ORDER BY name, c.ordinal_position`,
    [tables],
  )
  const columns = new Map<string, TableColumn[]>(tables.map((table) => [table, []]))
  for (const row of rows) columns.get(row.name)!.push({ name: row.column_name, identityAlways: row.identity_always, key: row.key })
  return columns
}

// ---------------------------------------------------------------------------------------------
// Reset
// ---------------------------------------------------------------------------------------------

/** Deletes the tenant's rows of `table` (a name of TENANT_TABLES). */
export async function deleteTenantRows(tx: Queryable, table: string, tenantId: string): Promise<number> {
  const { rowCount } = await tx.query(`DELETE FROM ${quoteTable(table)} WHERE tenant_id = $1`, [tenantId])
  return rowCount ?? 0
}

/** Deletes every record of the tenant, at once (a restore, which is not bounded in time). */
export async function deleteAllRecords(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query('DELETE FROM custom_object_records WHERE tenant_id = $1', [tenantId])
  await tx.query('DELETE FROM sandbox_purges WHERE tenant_id = $1 AND definition_id IS NOT NULL', [tenantId])
}

export interface EmptyCounts {
  /** False when there is no such tenant (nothing was done). */
  found: boolean
  jobs: number
  definitions: number
  files: number
  billingRows: number
}

/**
 * A reset's statements as one script sent in one round trip (a reset's time is mostly round
 * trips on a busy machine), run inside the caller's transaction: it locks the tenant's row
 * (lockTenant), deletes its jobs first (deleteJobs says why), its definitions with their records
 * left for the purge (deleteDefinitionsRecordsLater), its files with their blobs left for the
 * purge (deleteFilesBlobsLater), then each of `tables`, and `billing` unless null. The tenant id
 * is checked numeric and written into the script (a script takes no parameters).
 */
export async function emptyTenantRows(tx: Queryable, tenantId: string, tables: string[], billing: string[]): Promise<EmptyCounts> {
  const tenant = parseTenantId(tenantId)
  const statements = [
    `SELECT 1 FROM tenants WHERE id = ${tenant} FOR NO KEY UPDATE`,
    `DELETE FROM jobs WHERE tenant_id = ${tenant}`,
    "SELECT set_config('zjobs.records_later', 'on', true)",
    `DELETE FROM custom_object_definitions WHERE tenant_id = ${tenant}`,
    "SELECT set_config('zjobs.records_later', 'off', true)",
    `WITH gone AS (DELETE FROM files WHERE tenant_id = ${tenant} RETURNING storage_key)
     INSERT INTO sandbox_purges (tenant_id, storage_key) SELECT ${tenant}, storage_key FROM gone`,
    ...tables.map((table) => `DELETE FROM ${quoteTable(table)} WHERE tenant_id = ${tenant}`),
    ...billing.map((table) => `DELETE FROM ${quoteTable(table)} WHERE tenant_id = ${tenant}`),
  ]
  const results = (await tx.query(statements.join(';\n'))) as unknown as { rowCount: number | null }[]
  const count = (index: number) => results[index].rowCount ?? 0
  if (count(0) === 0) return { found: false, jobs: 0, definitions: 0, files: 0, billingRows: 0 }
  const billingRows = billing.reduce((sum, _table, i) => sum + count(6 + tables.length + i), 0)
  return { found: true, jobs: count(1), definitions: count(3), files: count(5), billingRows }
}

// ---------------------------------------------------------------------------------------------
// Purge (after a reset)
// ---------------------------------------------------------------------------------------------

export interface Purge {
  id: string
  tenantId: string
  definitionId: string | null
  storageKey: string | null
}

/** The oldest queued purges. */
export async function queuedPurges(db: Queryable, limit: number): Promise<Purge[]> {
  const { rows } = await db.query<{ id: string; tenant_id: string; definition_id: string | null; storage_key: string | null }>(
    'SELECT id, tenant_id, definition_id, storage_key FROM sandbox_purges ORDER BY id LIMIT $1',
    [limit],
  )
  return rows.map((row) => ({ id: String(row.id), tenantId: String(row.tenant_id), definitionId: row.definition_id, storageKey: row.storage_key }))
}

/** Deletes up to `limit` records of a gone definition; returns how many. */
export async function purgeRecords(db: Queryable, tenantId: string, definitionId: string, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM custom_object_records WHERE tenant_id = $1 AND definition_id = $2 AND id = ANY(ARRAY(
       SELECT id FROM custom_object_records WHERE tenant_id = $1 AND definition_id = $2 LIMIT $3))`,
    [tenantId, definitionId, limit],
  )
  return rowCount ?? 0
}

export async function deletePurges(db: Queryable, ids: string[]): Promise<void> {
  await db.query('DELETE FROM sandbox_purges WHERE id = ANY($1::bigint[])', [ids])
}

/**
 * Deletes the tenant's files whose job no longer exists (a result a worker stored just after a
 * reset deleted its job) and returns their blob keys.
 */
export async function deleteStrayFiles(db: Queryable, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ storage_key: string }>(
    `DELETE FROM files f WHERE f.tenant_id = $1 AND f.job_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.tenant_id = f.tenant_id AND j.id = f.job_id)
     RETURNING storage_key`,
    [tenantId],
  )
  return rows.map((row) => row.storage_key)
}

/** Tenants with purges queued (to finish before a restore reuses their ids). */
export async function hasQueuedRecords(db: Queryable, tenantId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM sandbox_purges WHERE tenant_id = $1 AND definition_id IS NOT NULL LIMIT 1', [tenantId])
  return (rowCount ?? 0) > 0
}

// ---------------------------------------------------------------------------------------------
// Snapshot
// ---------------------------------------------------------------------------------------------

/** Starts the snapshot's transaction: one consistent view of every table, read only. */
export async function beginSnapshot(client: PoolClient): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  await client.query("SET LOCAL TimeZone = 'UTC'")
}

export interface TenantSettingsRow {
  id: string
  name: string
  timeZone: string
  defaultZuoraVersion: string
  jobLimits: Record<string, number>
}

export async function tenantSettings(db: Queryable, tenantId: string): Promise<TenantSettingsRow | undefined> {
  const { rows } = await db.query<{ id: string; name: string; time_zone: string; default_zuora_version: string; job_limits: Record<string, number> }>(
    'SELECT id, name, time_zone, default_zuora_version, job_limits FROM tenants WHERE id = $1',
    [tenantId],
  )
  const row = rows[0]
  return row && { id: String(row.id), name: row.name, timeZone: row.time_zone, defaultZuoraVersion: row.default_zuora_version, jobLimits: row.job_limits }
}

/** The tenant's rows of `table` as CSV (COPY), in key order, without tenant_id. */
export function copyRowsOut(client: PoolClient, table: string, columns: TableColumn[], tenantId: string): Readable {
  const names = columns.map((column) => quoteColumn(column.name)).join(', ')
  const keys = columns.filter((column) => column.key).map((column) => quoteColumn(column.name))
  const order = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : ''
  const tenant = parseTenantId(tenantId)
  return client.query(copyTo(`COPY (SELECT ${names} FROM ${quoteTable(table)} WHERE tenant_id = ${tenant}${order}) TO STDOUT WITH (FORMAT csv)`))
}

/** The tenant's files: where each one's bytes are and how many. */
export async function fileBlobs(db: Queryable, tenantId: string): Promise<{ id: string; storageKey: string; size: number }[]> {
  const { rows } = await db.query<{ id: string; storage_key: string; size: string }>(
    'SELECT id, storage_key, size FROM files WHERE tenant_id = $1 ORDER BY id',
    [tenantId],
  )
  return rows.map((row) => ({ id: row.id, storageKey: row.storage_key, size: Number(row.size) }))
}

// ---------------------------------------------------------------------------------------------
// Restore
// ---------------------------------------------------------------------------------------------

/** A temporary table (dropped at commit) with `columns` of `table`, typed as there, no constraints. */
export async function createStagingTable(tx: Queryable, staging: string, table: string, columns: string[]): Promise<void> {
  const names = columns.map(quoteColumn).join(', ')
  await tx.query(`CREATE TEMP TABLE ${quoteColumn(staging)} ON COMMIT DROP AS SELECT ${names} FROM ${quoteTable(table)} WITH NO DATA`)
}

/** COPY FROM STDIN into a staging table; write the CSV to it and end it. */
export function copyRowsIn(tx: PoolClient, staging: string, columns: string[]): Writable {
  return tx.query(copyFrom(`COPY ${quoteColumn(staging)} (${columns.map(quoteColumn).join(', ')}) FROM STDIN WITH (FORMAT csv)`))
}

/** Inserts the staged rows into `table` under the tenant. */
export async function insertStaged(tx: Queryable, table: string, staging: string, columns: TableColumn[], tenantId: string): Promise<number> {
  const names = columns.map((column) => quoteColumn(column.name)).join(', ')
  const overriding = columns.some((column) => column.identityAlways) ? 'OVERRIDING SYSTEM VALUE' : ''
  const { rowCount } = await tx.query(
    `INSERT INTO ${quoteTable(table)} (tenant_id, ${names}) ${overriding} SELECT $1, ${names} FROM ${quoteColumn(staging)}`,
    [tenantId],
  )
  return rowCount ?? 0
}

/** Settings of the tenant from the archive (its name, time zone, Zuora version, job limits). */
export async function updateTenantSettings(tx: Queryable, tenantId: string, settings: Omit<TenantSettingsRow, 'id'>): Promise<void> {
  await tx.query('UPDATE tenants SET name = $2, time_zone = $3, default_zuora_version = $4, job_limits = $5 WHERE id = $1', [
    tenantId,
    settings.name,
    settings.timeZone,
    settings.defaultZuoraVersion,
    JSON.stringify(settings.jobLimits),
  ])
}

/** Deletes the tenant's users the staged users do not name (their clients and tokens go with them). */
export async function deleteUsersNotStaged(tx: Queryable, tenantId: string, staging: string): Promise<void> {
  await tx.query(`DELETE FROM users u WHERE u.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM ${quoteColumn(staging)} s WHERE s.id = u.id)`, [tenantId])
}

/** Inserts or updates the staged users (a kept user keeps its tokens). */
export async function upsertStagedUsers(tx: Queryable, tenantId: string, staging: string, columns: TableColumn[]): Promise<void> {
  const names = columns.map((column) => quoteColumn(column.name))
  const updates = names.filter((name) => name !== '"id"').map((name) => `${name} = EXCLUDED.${name}`)
  await tx.query(
    `INSERT INTO users (tenant_id, ${names.join(', ')}) SELECT $1, ${names.join(', ')} FROM ${quoteColumn(staging)}
     ON CONFLICT (tenant_id, id) DO UPDATE SET ${updates.join(', ')}`,
    [tenantId],
  )
}

/**
 * Replaces the tenant's OAuth clients with the staged ones, but for client ids another tenant
 * holds (client ids are unique across tenants): those are left out; returns them.
 */
export async function replaceClients(tx: Queryable, tenantId: string, staging: string, columns: TableColumn[]): Promise<string[]> {
  const names = columns.map((column) => quoteColumn(column.name))
  const { rows } = await tx.query<{ client_id: string }>(
    `SELECT s.client_id FROM ${quoteColumn(staging)} s JOIN oauth_clients c ON c.client_id = s.client_id AND c.tenant_id <> $1`,
    [tenantId],
  )
  const taken = rows.map((row) => row.client_id)
  await tx.query(`DELETE FROM oauth_clients c WHERE c.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM ${quoteColumn(staging)} s WHERE s.client_id = c.client_id)`, [
    tenantId,
  ])
  const updates = names.filter((name) => name !== '"client_id"').map((name) => `${name} = EXCLUDED.${name}`)
  await tx.query(
    `INSERT INTO oauth_clients (tenant_id, ${names.join(', ')}) SELECT $1, ${names.join(', ')} FROM ${quoteColumn(staging)} s
     WHERE s.client_id <> ALL($2::text[])
     ON CONFLICT (tenant_id, client_id) DO UPDATE SET ${updates.join(', ')}`,
    [tenantId, taken],
  )
  return taken
}

/**
 * Restored jobs that were running go back to the queue (their lease was another server's) and
 * resume from their last committed batch; returns how many.
 */
export async function requeueRestoredJobs(tx: Queryable, tenantId: string): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE jobs SET state = 'queued', lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
     WHERE tenant_id = $1 AND state = 'running'`,
    [tenantId],
  )
  return rowCount ?? 0
}

/** Points restored files at the blobs the restore wrote (`{tenant}/{id}.{tag}`). */
export async function moveRestoredFiles(tx: Queryable, tenantId: string, tag: string): Promise<void> {
  await tx.query("UPDATE files SET storage_key = $1 || '/' || id || '.' || $2 WHERE tenant_id = $1", [tenantId, tag])
}

/** Creates a tenant with a given id (an init folder's archive or import naming a tenant that does not exist). */
export async function createTenantWithId(tx: Queryable, tenantId: string, name: string): Promise<void> {
  await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [tenantId, name])
  // New tenants must not be given this id (or a lower one) again.
  await tx.query("SELECT setval(pg_get_serial_sequence('tenants', 'id'), GREATEST((SELECT max(id) FROM tenants), 9999))")
}

// ---------------------------------------------------------------------------------------------
// Init folder
// ---------------------------------------------------------------------------------------------

/** Whether the init folder's file at `path` with this content was applied. */
export async function initApplied(db: Queryable, path: string, sha256: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM sandbox_init_applied WHERE path = $1 AND sha256 = $2', [path, sha256])
  return (rowCount ?? 0) > 0
}

/** Records that the init folder's file was applied (in the transaction that applied it, where there is one). */
export async function recordInitApplied(db: Queryable, path: string, sha256: string): Promise<void> {
  await db.query('INSERT INTO sandbox_init_applied (path, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING', [path, sha256])
}

/** Every tenant's id (the snapshots written on exit). */
export async function tenantIds(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM tenants ORDER BY id')
  return rows.map((row) => String(row.id))
}
