// Applying a batch of uploaded rows: each row checked against the template, then one UPDATE
// for the whole batch (store.ts updateRows), which tells which ids exist in the tenant and
// scope. Failed rows are saved in the same transaction (store.ts saveRowErrors).
import type { Queryable } from '../../storage/db.ts'
import { saveRowErrors, updateRows, type BatchScope } from './store.ts'
import type { ColumnPlan, TypeSpec } from './templates.ts'
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
    for (const id of await updateRows(tx, spec, fields, scope, valid.map((row) => row.id!), columns)) updated.add(id)
  }
  const errors = new Map<number, string>()
  for (const row of rows) {
    if (row.error) errors.set(row.row, row.error)
    else if (!updated.has(row.id!)) errors.set(row.row, `No ${spec.noun} with id ${row.id} exists`)
  }
  if (errors.size > 0) await saveRowErrors(tx, scope, errors)
  return errors
}
