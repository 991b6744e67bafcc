// Every SQL statement of Data Backfill's file jobs: the batch UPDATE of the billing rows an upload
// names, and the rows a job refused (data_backfill_row_errors), saved in the batch's transaction
// and read back when a restarted job rewrites its result file.
import type { Queryable } from '../../storage/db.ts'
import type { Field, TypeSpec } from './templates.ts'

/** Who and what a batch writes for: the job, its user, and the scope it may change. */
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
function updateSql(spec: TypeSpec, fields: readonly Field[]): string {
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

/**
 * Updates the rows of `ids` (in the tenant and scope; not deleted) with `columns`, one array per
 * field in `fields` order, in one statement (per table for memo items, as CTEs of it); the ids
 * it updated. Run it in the batch's transaction.
 */
export async function updateRows(
  tx: Queryable,
  spec: TypeSpec,
  fields: readonly Field[],
  scope: BatchScope,
  ids: readonly string[],
  columns: readonly unknown[][],
): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(updateSql(spec, fields), [scope.tenantId, scope.userId, scope.entityId, scope.orgIds, ids, ...columns])
  return rows.map((row) => row.id)
}

/** Saves the refused rows of a batch (row number to message), in the batch's transaction. */
export async function saveRowErrors(tx: Queryable, scope: BatchScope, errors: ReadonlyMap<number, string>): Promise<void> {
  await tx.query(
    `INSERT INTO data_backfill_row_errors (tenant_id, job_id, row_number, message)
     SELECT $1, $2, * FROM unnest($3::int[], $4::text[])`,
    [scope.tenantId, scope.jobId, [...errors.keys()], [...errors.values()]],
  )
}

const ERROR_PAGE = 5000

/** The failed rows an earlier attempt committed, in row order, a page at a time. */
export async function* committedFailures(db: Queryable, tenantId: string, jobId: string): AsyncGenerator<{ row: number; message: string }> {
  let after = 0
  for (;;) {
    const { rows } = await db.query<{ row_number: number; message: string }>(
      `SELECT row_number, message FROM data_backfill_row_errors
       WHERE tenant_id = $1 AND job_id = $2 AND row_number > $3 ORDER BY row_number LIMIT $4`,
      [tenantId, jobId, after, ERROR_PAGE],
    )
    for (const row of rows) yield { row: row.row_number, message: row.message }
    if (rows.length < ERROR_PAGE) return
    after = rows[rows.length - 1].row_number
  }
}
