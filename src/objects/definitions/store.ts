// Every SQL statement on custom object definitions. A definition belongs to a tenant and,
// on multi-entity tenants, to one entity.
import type { Queryable } from '../../storage/db.ts'
import type { Definition, StoredDefinition } from './model.ts'

interface DefinitionRow {
  tenant_id: string
  id: string
  entity_id: string | null
  object: string
  definition: StoredDefinition
  created_by: string
  updated_by: string
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'tenant_id, id, entity_id, object, definition, created_by, updated_by, created_at, updated_at'

const toDefinition = (row: DefinitionRow): Definition => ({
  tenantId: String(row.tenant_id),
  id: row.id,
  entityId: row.entity_id,
  object: row.object,
  stored: row.definition,
  createdBy: row.created_by,
  updatedBy: row.updated_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

/** Where definitions live: a tenant, and its entity on multi-entity tenants. */
export interface DefinitionScope {
  tenantId: string
  entityId: string | null
}

export async function listDefinitions(db: Queryable, scope: DefinitionScope): Promise<Definition[]> {
  const { rows } = await db.query<DefinitionRow>(
    `SELECT ${COLUMNS} FROM custom_object_definitions WHERE tenant_id = $1 AND entity_id IS NOT DISTINCT FROM $2
     ORDER BY created_at, object`,
    [scope.tenantId, scope.entityId],
  )
  return rows.map(toDefinition)
}

/**
 * The definition of `object` (case-sensitive, as Zuora's paths). `lock`: 'share' while
 * writing records (its fields cannot change meanwhile), 'update' to change it.
 */
export async function findDefinition(
  db: Queryable,
  scope: DefinitionScope,
  object: string,
  lock?: 'share' | 'update',
): Promise<Definition | undefined> {
  const { rows } = await db.query<DefinitionRow>(
    `SELECT ${COLUMNS} FROM custom_object_definitions
     WHERE tenant_id = $1 AND entity_id IS NOT DISTINCT FROM $2 AND object = $3
     ${lock === 'share' ? 'FOR SHARE' : lock === 'update' ? 'FOR UPDATE' : ''}`,
    [scope.tenantId, scope.entityId, object],
  )
  return rows[0] && toDefinition(rows[0])
}

/** The definition with this id (a bulk job holds it), locked for sharing. */
export async function findDefinitionById(db: Queryable, tenantId: string, id: string, lock?: 'share'): Promise<Definition | undefined> {
  const { rows } = await db.query<DefinitionRow>(
    `SELECT ${COLUMNS} FROM custom_object_definitions WHERE tenant_id = $1 AND id = $2 ${lock === 'share' ? 'FOR SHARE' : ''}`,
    [tenantId, id],
  )
  return rows[0] && toDefinition(rows[0])
}

export async function insertDefinition(
  db: Queryable,
  scope: DefinitionScope,
  id: string,
  stored: StoredDefinition,
  userId: string,
): Promise<Definition> {
  const { rows } = await db.query<DefinitionRow>(
    `INSERT INTO custom_object_definitions (tenant_id, id, entity_id, object, definition, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${COLUMNS}`,
    [scope.tenantId, id, scope.entityId, stored.object, JSON.stringify(stored), userId],
  )
  return toDefinition(rows[0])
}

export async function updateDefinition(db: Queryable, definition: Definition, stored: StoredDefinition, userId: string): Promise<Definition> {
  const { rows } = await db.query<DefinitionRow>(
    `UPDATE custom_object_definitions SET definition = $3, updated_by = $4, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [definition.tenantId, definition.id, JSON.stringify(stored), userId],
  )
  return toDefinition(rows[0])
}

export async function deleteDefinition(db: Queryable, definition: Definition): Promise<void> {
  await db.query('DELETE FROM custom_object_definitions WHERE tenant_id = $1 AND id = $2', [definition.tenantId, definition.id])
}

export async function hasRecords(db: Queryable, definition: Definition): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM custom_object_records WHERE tenant_id = $1 AND definition_id = $2) AS found',
    [definition.tenantId, definition.id],
  )
  return rows[0].found
}
