// What the result writers are fed: the result's columns, then rows of PostgreSQL's text
// output. Values are never parsed into JavaScript numbers or dates: a decimal(18,6) is
// written exactly as PostgreSQL prints it (345.400000), which a float would not survive.
import type { CustomTypesConfig } from 'pg'

/** How a column's values are written (JSON Lines types them; the delimited formats do not). */
export type ColumnType = 'varchar' | 'bigint' | 'decimal' | 'boolean' | 'date' | 'timestamp' | 'json' | 'other'

export interface ResultColumn {
  /** The column label as the query named it: the CSV header field, the JSON key. */
  name: string
  type: ColumnType
  /** The PostgreSQL type (pg_type oid), when the column came from a query. */
  oid?: number
}

/**
 * One result row, positional (in `columns` order): each value as PostgreSQL's text output
 * (`t`/`f` for booleans, `345.400000`, `2025-01-31 09:47:49.675+00`), null for SQL NULL.
 * With node-postgres: `rowMode: 'array'` and `types: RAW_TEXT_TYPES`.
 */
export type ResultRow = readonly (string | null)[]

/** node-postgres type parsers that hand every value over as PostgreSQL sent it. */
export const RAW_TEXT_TYPES: CustomTypesConfig = {
  getTypeParser: () => (value: string) => value,
}

// PostgreSQL's built-in type OIDs (pg_type.oid; stable across versions).
const TYPES_BY_OID: ReadonlyMap<number, ColumnType> = new Map<number, ColumnType>([
  [16, 'boolean'],
  [20, 'bigint'], // int8
  [21, 'bigint'], // int2
  [23, 'bigint'], // int4
  [26, 'bigint'], // oid
  [700, 'decimal'], // float4: written verbatim too (NaN and Infinity become JSON strings)
  [701, 'decimal'], // float8
  [1700, 'decimal'], // numeric
  [1082, 'date'],
  [1114, 'timestamp'],
  [1184, 'timestamp'], // timestamptz
  [114, 'json'],
  [3802, 'json'], // jsonb
  [18, 'varchar'], // "char"
  [19, 'varchar'], // name
  [25, 'varchar'], // text
  [1042, 'varchar'], // bpchar
  [1043, 'varchar'],
])

/** The column type of a PostgreSQL type OID (a pg field's `dataTypeID`); anything else is 'other'. */
export function columnTypeOfOid(oid: number): ColumnType {
  return TYPES_BY_OID.get(oid) ?? 'other'
}

/** The result columns of node-postgres fields (`result.fields`, a cursor's `_result.fields`). */
export function resultColumnsOf(fields: readonly { name: string; dataTypeID: number }[]): ResultColumn[] {
  return fields.map((field) => ({ name: field.name, type: columnTypeOfOid(field.dataTypeID), oid: field.dataTypeID }))
}
