// Applying a batch of uploaded rows: each row checked against the template, then one UPDATE
// ... FROM unnest(...) for the whole batch (per table for memo items, as CTEs of the same
// statement), whose RETURNING tells which ids exist in the tenant and scope. Failed rows go
// to data_backfill_row_errors in the same transaction.
import type { Queryable } from '../../storage/db.ts'
import type { ColumnPlan, Field, TypeSpec } from './templates.ts'
import { convertCell, convertId } from './values.ts'

export interface PreparedRow {
  /** 1-based number of the data row in the file. */
  row: number
  /** The row as uploaded (for the result file). */
  record: string[]
  id?: string
  /** Values of the plan's fields, in plan order. */
  values?: (string | boolean | null)[]
  error?: string
}

/** Checks one uploaded record; a row with any problem is reported whole, never half applied. */
export function prepareRow(record: string[], row: number, plan: ColumnPlan, width: number): PreparedRow {
  if (record.length !== width) {
    return { row, record, error: `The row has ${record.length} cell${record.length === 1 ? '' : 's'}; the header has ${width}` }
  }
  const errors: string[] = []
  const id = convertId(record[plan.idIndex])
  if ('error' in id) errors.push(id.error)
  const values: (string | boolean | null)[] = []
  for (const { index, field } of plan.fields) {
    const cell = convertCell(field, record[index])
    if ('error' in cell) errors.push(cell.error)
    else values.push(cell.value)
  }
  if (errors.length > 0) return { row, record, ...('id' in id ? { id: id.id } : {}), error: errors.join('; ') }
  return { row, record, id: (id as { id: string }).id, values }
}

export interface BatchScope {
  tenantId: string
  jobId: string
  userId: string | null
  entityId: string | null
  orgIds: string[] | null
}

const ARRAY_TYPE: Record<Field['type'], string> = { text: 'text', choice: 'text', boolean: 'boolean', date: 'date' }
const statements = new Map<string, string>()

/**
 * The batch statement: $1 tenant, $2 updating user, $3 entity (or NULL), $4 orgs (or NULL),
 * $5 ids, then one array per field. Returns the ids it updated.
 */
export function updateSql(spec: TypeSpec, fields: readonly Field[]): string {
  const key = `${spec.type}:${fields.map((f) => f.column).join(',')}`
  let sql = statements.get(key)
  if (sql) return sql
  const arrays = ['$5::text[]', ...fields.map((field, i) => `$${i + 6}::${ARRAY_TYPE[field.type]}[]`)].join(', ')
  const names = ['id', ...fields.map((field) => field.column)].join(', ')
  const set = [...fields.map((field) => `${field.column} = v.${field.column}`), 'updateddate = now()', 'updatedbyid = $2'].join(', ')
  const updates = spec.tables.map(
    (table, i) => `u${i} AS (
      UPDATE billing.${table} AS t SET ${set} FROM v
      WHERE t.tenant_id = $1 AND t.id = v.id AND NOT t.deleted
        AND ($3::uuid IS NULL OR t.entity_id = $3) AND ($4::text[] IS NULL OR t.org_id IS NULL OR t.org_id = ANY($4))
      RETURNING t.id)`,
  )
  sql = `WITH v AS (SELECT * FROM unnest(${arrays}) AS v (${names})), ${updates.join(', ')}
    ${spec.tables.map((_, i) => `SELECT id FROM u${i}`).join(' UNION ALL ')}`
  statements.set(key, sql)
  return sql
}

/** Applies the valid rows of a batch and records every failed one; the failures by row. */
export async function applyBatch(
  tx: Queryable,
  spec: TypeSpec,
  plan: ColumnPlan,
  scope: BatchScope,
  rows: readonly PreparedRow[],
): Promise<Map<number, string>> {
  const valid = rows.filter((row) => !row.error)
  const updated = new Set<string>()
  if (valid.length > 0) {
    const fields = plan.fields.map((f) => f.field)
    const columns = fields.map((_, i) => valid.map((row) => row.values![i]))
    const { rows: returned } = await tx.query<{ id: string }>(updateSql(spec, fields), [
      scope.tenantId,
      scope.userId,
      scope.entityId,
      scope.orgIds,
      valid.map((row) => row.id),
      ...columns,
    ])
    for (const { id } of returned) updated.add(id)
  }
  const errors = new Map<number, string>()
  for (const row of rows) {
    if (row.error) errors.set(row.row, row.error)
    else if (!updated.has(row.id!)) errors.set(row.row, `No ${spec.noun} with id ${row.id} exists`)
  }
  if (errors.size > 0) {
    await tx.query(
      `INSERT INTO data_backfill_row_errors (tenant_id, job_id, row_number, message)
       SELECT $1, $2, * FROM unnest($3::int[], $4::text[])`,
      [scope.tenantId, scope.jobId, [...errors.keys()], [...errors.values()]],
    )
  }
  return errors
}
