// Bulk loading in chunks: one `INSERT ... SELECT * FROM unnest($1::type[], ...)` per chunk of
// rows, so a chunk costs one round trip and one parameter per column, whatever its length.
// Measured against COPY FROM STDIN for the bulk-create batches: as fast (docs/decisions.md),
// and a chunk is one statement whose rows a job commits with its progress.
import type { Queryable } from './db.ts'

export interface BulkColumn {
  name: string
  /** PostgreSQL type of the column's array parameter: text, numeric, bigint, boolean, date, timestamptz, uuid... */
  type: string
}

/** Rows per statement: large enough to amortise the round trip, small enough to bound memory. */
export const DEFAULT_CHUNK_ROWS = 2000

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/
const TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(,\s*\d+)?\))?$/

const quote = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`bulkInsert: "${name}" is not a plain lower-case identifier`)
  return `"${name}"`
}

/** `schema.table` or `table`, each part quoted. */
const quoteTable = (table: string): string => table.split('.').map(quote).join('.')

/** The INSERT statement of `table` (exported for tests and callers that prepare their own values). */
export function bulkInsertSql(table: string, columns: BulkColumn[]): string {
  if (columns.length === 0) throw new Error('bulkInsert: no columns')
  const names = columns.map((column) => quote(column.name)).join(', ')
  const arrays = columns
    .map((column, index) => {
      if (!TYPE.test(column.type)) throw new Error(`bulkInsert: "${column.type}" is not a type name`)
      return `$${index + 1}::${column.type}[]`
    })
    .join(', ')
  return `INSERT INTO ${quoteTable(table)} (${names}) SELECT * FROM unnest(${arrays})`
}

/**
 * Inserts `rows` (each an array of values in `columns` order) into `table`, `chunkRows` at a
 * time. Run it inside a transaction for all-or-nothing. Returns the number of rows inserted.
 */
export async function bulkInsert(
  db: Queryable,
  table: string,
  columns: BulkColumn[],
  rows: unknown[][],
  chunkRows = DEFAULT_CHUNK_ROWS,
): Promise<number> {
  const sql = bulkInsertSql(table, columns)
  let inserted = 0
  for (let start = 0; start < rows.length; start += chunkRows) {
    const chunk = rows.slice(start, start + chunkRows)
    const result = await db.query(sql, columnArrays(chunk, columns.length))
    inserted += result.rowCount ?? 0
  }
  return inserted
}

/** Transposes rows into one array per column, the shape unnest takes. */
function columnArrays(rows: unknown[][], width: number): unknown[][] {
  const arrays: unknown[][] = Array.from({ length: width }, () => new Array(rows.length))
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]
    if (row.length !== width) throw new Error(`bulkInsert: row ${r} has ${row.length} values for ${width} columns`)
    for (let c = 0; c < width; c++) arrays[c][r] = row[c] ?? null
  }
  return arrays
}
