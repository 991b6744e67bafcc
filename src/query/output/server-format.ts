// The result file's text written by PostgreSQL itself: a COPY statement that selects the
// query's columns by position and writes each row exactly as the writers of rows.ts would
// (test/query/copy-path.test.ts compares the two byte for byte).
import type { ResultColumn } from './columns.ts'
import { jsonKeys } from './rows.ts'

/** A file format as the server can write it: CSV with a delimiter, or JSON Lines. */
export type ServerFormat = { kind: 'delimited'; delimiter: string } | { kind: 'json' }

/** One-byte delimiters COPY takes in CSV mode (the double quote is refused earlier). */
const COPY_DELIMITERS = /^[\t\x20-\x7e]$/

/**
 * `COPY (...) TO STDOUT` writing the rows of `sql` (whose result has `columns`) in `format`,
 * or undefined when COPY cannot write it (a delimiter of more than one byte).
 */
export function copyStatement(sql: string, columns: readonly ResultColumn[], format: ServerFormat): string | undefined {
  if (format.kind === 'delimited' && !COPY_DELIMITERS.test(format.delimiter)) return undefined
  // Positional names: the query's own labels may repeat.
  const names = columns.map((_, i) => `c${i + 1}`)
  const source = columns.length === 0 ? `(${sql}) AS q` : `(${sql}) AS q(${names.join(', ')})`
  if (format.kind === 'delimited') {
    const values = columns.map((column, i) => (column.type === 'boolean' ? booleanText(names[i]) : names[i]))
    return `COPY (SELECT ${values.join(', ')} FROM ${source}) TO STDOUT WITH (FORMAT csv, DELIMITER ${literal(format.delimiter)}, NULL '')`
  }
  // One text column per row; CSV mode with a quote and a delimiter that a JSON line never holds
  // (control characters are escaped in JSON) writes it untouched.
  const line = columns.length === 0 ? `'{}'` : concatAll(jsonParts(columns, names))
  return `COPY (SELECT ${line} FROM ${source}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`
}

// A function takes at most 100 arguments (FUNC_MAX_ARGS).
const MAX_ARGUMENTS = 100

/** concat() of any number of parts: nested when there are more than a call takes. */
function concatAll(parts: readonly string[]): string {
  if (parts.length <= MAX_ARGUMENTS) return `concat(${parts.join(', ')})`
  const groups: string[] = []
  for (let i = 0; i < parts.length; i += MAX_ARGUMENTS) groups.push(`concat(${parts.slice(i, i + MAX_ARGUMENTS).join(', ')})`)
  return concatAll(groups)
}

/** A SQL string literal (standard_conforming_strings: only the quote is escaped). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`

/** PostgreSQL prints t/f; the files say true/false. */
const booleanText = (name: string) => `CASE WHEN ${name} THEN 'true' WHEN NOT ${name} THEN 'false' END`

/** `'{"a":'`, value, `',"b":'`, value, ..., `'}'`: the pieces of a JSON line, as jsonLinesFormatter writes it. */
function jsonParts(columns: readonly ResultColumn[], names: readonly string[]): string[] {
  const keys = jsonKeys(columns.map((column) => column.name))
  const parts: string[] = []
  columns.forEach((column, i) => {
    parts.push(literal(`${i === 0 ? '{' : ','}${JSON.stringify(keys[i])}:`))
    parts.push(`coalesce(${jsonValue(column, names[i])}, 'null')`)
  })
  parts.push(`'}'`)
  return parts
}

function jsonValue(column: ResultColumn, name: string): string {
  switch (column.type) {
    case 'bigint':
      return `${name}::text`
    case 'decimal':
      // NaN and the infinities are no JSON numbers: strings.
      return `CASE WHEN right(${name}::text, 1) IN ('N', 'y') THEN to_json(${name}::text)::text ELSE ${name}::text END`
    case 'boolean':
      return booleanText(name)
    case 'json':
      // Line breaks in json text are whitespace between tokens: one row stays one line.
      return `translate(${name}::text, E'\\r\\n', '  ')`
    case 'date':
    case 'timestamp':
      // Digits, dashes, colons, dots, spaces and a zone: nothing to escape.
      return `'"' || ${name}::text || '"'`
    default:
      // Text and anything else: a JSON string (to_json escapes as JSON.stringify does).
      return `to_json(${textOf(name, column.oid)})::text`
  }
}

// Types whose cast to text is a function of its own, not their output: char(n) drops its
// padding, inet and cidr add the netmask, booleans say true/false, "char" differs on bytes.
const OWN_TEXT_CASTS = new Set([16, 18, 650, 869, 1042])

/** SQL for the value of column `name` (of type `oid`) as the text PostgreSQL prints for it, NULL kept. */
export function textOf(name: string, oid: number | undefined): string {
  if (oid === undefined || OWN_TEXT_CASTS.has(oid)) return `CASE WHEN ${name} IS NOT NULL THEN format('%s', ${name}) END`
  return `${name}::text`
}
