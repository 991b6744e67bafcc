// Bulk job files: UTF-8 CSV, a header of field API names (Id first thing in an update
// file), one record per row. Read as a stream (csv-parse) at upload, to refuse a malformed
// file at once, and again by the job, batch by batch.
import { parse, type Options } from 'csv-parse'
import { parse as parseSync } from 'csv-parse/sync'
import { Transform, type Readable } from 'node:stream'
import { isSystemField } from './definitions.ts'
import { coError, CoCategory, RecordCode, Resource, type Problem } from './errors.ts'
import { applyDefaults, missingRequired, type RecordSchema, type Values } from './record-values.ts'
import { convertCsv } from './values.ts'

/** Zuora's limit on a bulk job file. */
export const MAX_FILE_BYTES = 15 * 1024 * 1024

export type Operation = 'create' | 'update' | 'delete'

// A UTF-8 byte order mark is dropped (spreadsheets write one); records are counted from the
// header (row 1); blank lines are no records.
const CSV_OPTIONS: Options = { bom: true, relax_column_count: true, skip_empty_lines: true }

export const csvParser = () => parse(CSV_OPTIONS)

/** A file problem: 400 with objectJob.file (71013620) or objectJob.file.headers (710137xx). */
export const fileError = (message: string, category: CoCategory = CoCategory.invalid) =>
  coError(400, Resource.jobFile, category, message)
export const headerError = (message: string, category: CoCategory = CoCategory.invalid) =>
  coError(400, Resource.jobHeaders, category, message)

export class TooLarge extends Error {}
export class NotUtf8 extends Error {}

/** Fails the stream past `maxBytes`. */
export function byteLimit(maxBytes: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      done(seen > maxBytes ? new TooLarge() : null, chunk)
    },
  })
}

/** Passes bytes through, failing at the first byte sequence that is not UTF-8. */
export function utf8Check(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  let first = true
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (first && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        return done(new NotUtf8('The file is UTF-16 (it starts with a UTF-16 byte order mark): upload it as UTF-8.'))
      }
      first = false
      try {
        decoder.decode(chunk, { stream: true })
        done(null, chunk)
      } catch {
        done(new NotUtf8('The file is not valid UTF-8.'))
      }
    },
    flush(done) {
      try {
        decoder.decode()
        done()
      } catch {
        done(new NotUtf8('The file is not valid UTF-8: it ends inside a character.'))
      }
    },
  })
}

/** A file that is not CSV (a quote out of place, a quoted field never closed). */
export class NotCsv extends Error {}

const QUOTE = 0x22
const COMMA = 0x2c
const CR = 0x0d
const LF = 0x0a
const FIELD_START = 0
const UNQUOTED = 1
const QUOTED = 2
const QUOTE_IN_QUOTED = 3

/**
 * Passes bytes through while checking their CSV shape byte by byte (the quoting rules
 * csv-parse holds a file to: a quote opens a field or doubles inside a quoted one, and a
 * closing quote ends the field), and hands the header row, parsed by csv-parse, to
 * `onHeader` (which may throw). An upload is refused as it arrives, without reading it
 * twice; the job parses it with csv-parse. UTF-8 never puts these bytes inside a character.
 */
export function csvShape(onHeader: (names: string[]) => void): Transform {
  let state = FIELD_START
  let line = 1
  let start = true
  let header: Buffer[] | undefined = []
  /** The first record, if `bytes` (up to a record's end) hold one (blank lines do not). */
  const takeHeader = (bytes: Buffer): Buffer[] | undefined => {
    const names = (parseSync(bytes, CSV_OPTIONS) as string[][])[0]
    if (!names) return []
    onHeader(names)
    return undefined
  }
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let i = 0
      if (start && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3
      start = false
      // Where the header's bytes (still to be read) start in this chunk.
      let from = 0
      try {
        for (; i < chunk.length; i++) {
          const byte = chunk[i]
          switch (state) {
            case FIELD_START:
              if (byte === QUOTE) state = QUOTED
              else if (byte !== COMMA && byte !== CR && byte !== LF) state = UNQUOTED
              break
            case UNQUOTED:
              if (byte === QUOTE) throw new NotCsv(`The file is not valid CSV: a quote inside an unquoted field, line ${line}.`)
              if (byte === COMMA || byte === CR || byte === LF) state = FIELD_START
              break
            case QUOTED:
              if (byte === QUOTE) state = QUOTE_IN_QUOTED
              break
            case QUOTE_IN_QUOTED:
              if (byte === QUOTE) state = QUOTED
              else if (byte === COMMA || byte === CR || byte === LF) state = FIELD_START
              else throw new NotCsv(`The file is not valid CSV: a closing quote is followed by another character, line ${line}.`)
              break
          }
          if (byte !== LF) continue
          line++
          // The end of a record: the first one is the header.
          if (state === FIELD_START && header) {
            header.push(chunk.subarray(from, i + 1))
            header = takeHeader(Buffer.concat(header))
            // Blank lines before the header: it starts after them.
            from = i + 1
          }
        }
        if (header) header.push(chunk.subarray(from))
        done(null, chunk)
      } catch (error) {
        done(error as Error)
      }
    },
    flush(done) {
      try {
        if (state === QUOTED) throw new NotCsv(`The file is not valid CSV: a quoted field is never closed (it opens before line ${line}).`)
        if (header && takeHeader(Buffer.concat(header))) throw new NotCsv('The file is empty: its first row names the columns.')
        done()
      } catch (error) {
        done(error as Error)
      }
    },
  })
}

/** How the file's columns map to the object: each a custom field, or the record Id. */
export interface Header {
  names: string[]
  /** Field names by column; `Id` for the id column of an update file. */
  columns: string[]
  idColumn: number
}

/** Checks the header row against the object; 400 (710137xx) for an unknown, duplicate or system column. */
export function readHeader(schema: RecordSchema, operation: Operation, names: string[]): Header {
  const byLowerName = new Map([...schema.fields.keys()].map((name) => [name.toLowerCase(), name]))
  const columns: string[] = []
  let idColumn = -1
  names.forEach((raw, index) => {
    const name = raw.trim()
    if (name === '') throw headerError(`Column ${index + 1} of the header has no name.`)
    if (name.toLowerCase() === 'id' && operation === 'update') {
      if (idColumn >= 0) throw headerError('The header names the Id column twice.')
      idColumn = index
      columns.push('Id')
      return
    }
    if (isSystemField(name) || name.toLowerCase() === 'id') {
      throw headerError(`System field [${name}] cannot be a column of ${operation === 'create' ? 'a create' : 'an update'} file.`)
    }
    const field = schema.fields.has(name) ? name : byLowerName.get(name.toLowerCase())
    if (!field) throw headerError(`Column [${name}] is not a field of [${schema.definition.object}].`, CoCategory.unknownField)
    if (columns.includes(field)) throw headerError(`The header names field [${field}] twice.`)
    columns.push(field)
  })
  if (operation === 'update' && idColumn < 0) throw headerError('An update file needs an Id column.', CoCategory.missingField)
  return { names, columns, idColumn }
}

export interface CsvRow {
  /** Row number: the header is row 1. */
  row: number
  cells: string[]
}

export type RowResult = { id?: string; values: Values } | { problem: Problem }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A row's record: every column converted, missing columns at their defaults (also on
 * update: an update file replaces the custom fields), required fields present. An empty
 * cell is no value.
 */
export function readRow(schema: RecordSchema, header: Header, cells: string[]): RowResult {
  if (cells.length !== header.columns.length) {
    return { problem: { code: RecordCode.invalid, message: `The row has ${cells.length} values; the header has ${header.columns.length} columns.` } }
  }
  const values: Values = {}
  let id: string | undefined
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]
    if (i === header.idColumn) {
      if (!UUID.test(cell.trim())) return { problem: { code: RecordCode.invalid, message: `Id [${cell}] is not a record id (a 36-character UUID).` } }
      id = cell.trim().toLowerCase()
      continue
    }
    if (cell === '') continue
    const field = schema.fields.get(header.columns[i])
    if (!field) return { problem: { code: RecordCode.unknownField, message: `Field [${header.columns[i]}] is no longer a field of [${schema.definition.object}].` } }
    const converted = convertCsv(field, cell)
    if ('problem' in converted) return converted
    values[field.name] = converted.value
  }
  applyDefaults(schema, values, new Set(header.columns))
  const missing = missingRequired(schema, values)
  return missing ? { problem: missing } : { id, values }
}

/** The row as reported in /errors: header names to cells (an Id that is no UUID left out). */
export function rowRecord(header: Header, cells: string[]): Record<string, string> {
  const record: Record<string, string> = {}
  header.names.forEach((name, i) => {
    if (i >= cells.length) return
    if (i === header.idColumn) {
      if (UUID.test(cells[i].trim())) record.Id = cells[i].trim()
      return
    }
    record[name.trim()] = cells[i]
  })
  return record
}

/**
 * Records of a CSV stream with their row numbers, in groups as parsed (one await per group,
 * not per record); parse errors reject.
 */
export async function* csvRows(input: Readable): AsyncGenerator<CsvRow[]> {
  const parser = csvParser()
  let row = 0
  let group: CsvRow[] = []
  const grouper = new Transform({
    readableObjectMode: true,
    writableObjectMode: true,
    transform(cells: string[], _encoding, done) {
      group.push({ row: ++row, cells })
      if (group.length < GROUP_ROWS) return done()
      const full = group
      group = []
      done(null, full)
    },
    flush(done) {
      done(null, group.length > 0 ? group : null)
    },
  })
  input.on('error', (error) => parser.destroy(error))
  parser.on('error', (error) => grouper.destroy(error))
  input.pipe(parser).pipe(grouper)
  for await (const rows of grouper as AsyncIterable<CsvRow[]>) yield rows
}

const GROUP_ROWS = 500

/** A csv-parse error as the client reads it. */
export function csvProblem(error: unknown): string | undefined {
  const csv = error as { code?: string; message?: string }
  if (typeof csv.code !== 'string' || !csv.code.startsWith('CSV_')) return undefined
  return `The file is not valid CSV: ${csv.message ?? csv.code}`
}
