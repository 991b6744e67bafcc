// Row formatting: rows become a few strings (string concatenation builds a rope without
// copying; the stream encodes each once), so the hot loop allocates little per value.
import type { ColumnType, ResultColumn, ResultRow } from './columns.ts'

export interface RowFormatter {
  /** The text before the first row: the header line of the delimited formats, '' for JSON Lines. */
  readonly header: string
  /** The text of a batch of rows, each line ending with \n, in chunks of about CHUNK_CHARS. */
  format(rows: readonly ResultRow[]): string[]
}

/**
 * Characters per chunk. Encoding a chunk flattens it into one string; under 128 KB (even
 * two bytes a character) that string is young garbage, freed at once, where a larger one would
 * sit in V8's large-object space until a full collection and swell the heap.
 */
export const CHUNK_CHARS = 32 * 1024

/** PostgreSQL prints booleans as t/f; the files say true/false, as Zuora's (Trino's) do. */
function booleanText(value: string): string | undefined {
  return value === 't' || value === 'true' ? 'true' : value === 'f' || value === 'false' ? 'false' : undefined
}

// ---- Delimited (CSV, TSV, DSV) ----

// Types whose text never holds a quote or line break, nor these characters, so they need no
// quoting check when the separator is none of them (ISO dates, timestamps, numbers, NaN).
const TYPED_TEXT_CHARACTERS = /[\p{L}\p{N} +\-.:\/]/u
const UNQUOTED_TYPES: ReadonlySet<ColumnType> = new Set(['bigint', 'decimal', 'date', 'timestamp'])

/**
 * CSV as PostgreSQL's `COPY ... TO STDOUT WITH (FORMAT csv, HEADER, NULL '')` writes it, with
 * `separator` as the delimiter: a field is quoted when it holds the delimiter, a double quote,
 * CR or LF, when it is the empty string (so that NULL, an empty unquoted field, stays
 * distinct), and when it is `\.` alone on its line (the only column: COPY's end-of-data
 * marker); quotes inside are doubled. The header is quoted by the same rules.
 */
export function delimitedFormatter(columns: readonly ResultColumn[], separator: string): RowFormatter {
  const field = csvField(separator, columns.length === 1)
  const skipCheck = !TYPED_TEXT_CHARACTERS.test(separator)
  const kinds = columns.map((column) =>
    column.type === 'boolean' ? BOOLEAN : skipCheck && UNQUOTED_TYPES.has(column.type) ? VERBATIM : CHECKED,
  )
  const count = columns.length
  return {
    header: `${columns.map((column) => field(column.name)).join(separator)}\n`,
    format(rows) {
      const chunks: string[] = []
      let out = ''
      for (const row of rows) {
        if (out.length >= CHUNK_CHARS) {
          chunks.push(out)
          out = ''
        }
        for (let i = 0; i < count; i++) {
          if (i > 0) out += separator
          const value = row[i]
          if (value == null) continue
          const kind = kinds[i]
          out += kind === VERBATIM ? value : kind === BOOLEAN ? (booleanText(value) ?? field(value)) : field(value)
        }
        out += '\n'
      }
      if (out !== '') chunks.push(out)
      return chunks
    },
  }
}

const CHECKED = 0
const VERBATIM = 1
const BOOLEAN = 2

function csvField(separator: string, singleColumn: boolean): (value: string) => string {
  const special = new RegExp(`[${separator.replace(/[\\\]\[^-]/g, '\\$&')}"\\r\\n]`, 'u')
  return (value) => {
    if (special.test(value)) return `"${value.replaceAll('"', '""')}"`
    if (value === '') return '""'
    if (singleColumn && value === '\\.') return '"\\."'
    return value
  }
}

// ---- JSON Lines ----

const NUMBER = 0
const PLAIN_STRING = 1
const STRING = 2
const JSON_BOOLEAN = 3
const RAW_JSON = 4
const DECIMAL = 5

const JSON_KINDS: Record<ColumnType, number> = {
  bigint: NUMBER,
  decimal: DECIMAL,
  boolean: JSON_BOOLEAN,
  date: PLAIN_STRING,
  timestamp: PLAIN_STRING,
  json: RAW_JSON,
  varchar: STRING,
  other: STRING,
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/

/**
 * JSON Lines: one object per row keyed by the column labels, numbers written verbatim from
 * PostgreSQL's text (never through a float), booleans true/false, NULL null, dates,
 * timestamps and text as strings, json/jsonb columns as the JSON itself. A label repeated in
 * the result (`SELECT a.id, s.id`) is suffixed `_2`, `_3`... so no value is lost (see
 * jsonKeys).
 */
export function jsonLinesFormatter(columns: readonly ResultColumn[]): RowFormatter {
  const keys = jsonKeys(columns.map((column) => column.name))
  // '{"a":' then ',"b":' ...: each value's prefix is one precomputed string.
  const prefixes = keys.map((key, i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`)
  const kinds = columns.map((column) => JSON_KINDS[column.type])
  const count = columns.length
  const empty = count === 0 ? '{}' : ''
  return {
    header: '',
    format(rows) {
      const chunks: string[] = []
      let out = ''
      for (const row of rows) {
        if (out.length >= CHUNK_CHARS) {
          chunks.push(out)
          out = ''
        }
        out += empty
        for (let i = 0; i < count; i++) {
          out += prefixes[i]
          const value = row[i]
          out += value == null ? 'null' : jsonValue(kinds[i], value)
        }
        out += count === 0 ? '\n' : '}\n'
      }
      if (out !== '') chunks.push(out)
      return chunks
    },
  }
}

function jsonValue(kind: number, value: string): string {
  switch (kind) {
    case NUMBER:
      return value
    case DECIMAL:
      return jsonDecimal(value)
    case PLAIN_STRING:
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`
    case JSON_BOOLEAN:
      return jsonBoolean(value)
    case RAW_JSON:
      return rawJson(value)
    default:
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`
  }
}

/** numeric's NaN, Infinity and -Infinity are no JSON numbers: they are written as strings. */
function jsonDecimal(value: string): string {
  const last = value.charCodeAt(value.length - 1)
  return last === 78 /* N */ || last === 121 /* y */ ? `"${value}"` : value
}

function jsonBoolean(value: string): string {
  return booleanText(value) ?? JSON.stringify(value)
}

/**
 * A json column keeps its text, whitespace included, and json (unlike jsonb) may hold line
 * breaks between tokens; inside a JSON string they are always escaped, so any raw CR or LF is
 * whitespace and becomes a space: one row stays one line.
 */
function rawJson(value: string): string {
  return value.includes('\n') || value.includes('\r') ? value.replace(/[\r\n]/g, ' ') : value
}

/** Unique JSON keys: a repeated label gets the first free suffix _2, _3... (never a label in use). */
export function jsonKeys(labels: readonly string[]): string[] {
  const taken = new Set(labels)
  const seen = new Set<string>()
  return labels.map((label) => {
    if (!seen.has(label)) {
      seen.add(label)
      return label
    }
    let n = 2
    while (taken.has(`${label}_${n}`)) n++
    const key = `${label}_${n}`
    taken.add(key)
    return key
  })
}
