// Bulk job files: UTF-8 CSV, a header of field API names (Id first thing in an update
// file), one record per row. Checked byte by byte as the upload arrives, to refuse a
// malformed file at once, and parsed (Papa Parse) by the job, batch by batch.
import Papa from 'papaparse'
import { isUtf8 } from 'node:buffer'
import { Transform, type Readable } from 'node:stream'
import { isSystemField } from '../definitions/model.ts'
import { coError, CoCategory, RecordCode, Resource, type Problem } from '../errors.ts'
import { missingRequired, type RecordSchema, type Values } from '../records/values.ts'
import type { Field } from '../definitions/field-types.ts'
import { convertCsv, type StoredValue } from '../definitions/field-values.ts'

/** Zuora's limit on a bulk job file. */
export const MAX_FILE_BYTES = 15 * 1024 * 1024

export type Operation = 'create' | 'update' | 'delete'

// Comma-separated (never guessed); a UTF-8 byte order mark is dropped (spreadsheets write
// one); records end at the line end the file uses (CRLF, LF or CR: the first one seen);
// blank lines are no records; rows may differ in length (a row of the wrong length is that
// row's error, not the file's). Records are counted from the header (row 1).
const CSV_OPTIONS = { delimiter: ',', skipEmptyLines: true } as const

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

/**
 * Passes bytes through, failing at the first byte sequence that is not UTF-8. Checked in
 * place (no text is decoded: an upload's worth of strings would be garbage); a character cut
 * between two chunks is checked with the next one.
 */
export function utf8Check(): Transform {
  let first = true
  let cut = Buffer.alloc(0)
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (first && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        return done(new NotUtf8('The file is UTF-16 (it starts with a UTF-16 byte order mark): upload it as UTF-8.'))
      }
      first = false
      const bytes = cut.length > 0 ? Buffer.concat([cut, chunk]) : chunk
      const whole = wholeCharacters(bytes)
      if (!isUtf8(bytes.subarray(0, whole))) return done(new NotUtf8('The file is not valid UTF-8.'))
      // Valid UTF-8, but no text value can hold it (PostgreSQL's text and jsonb cannot).
      if (bytes.subarray(0, whole).includes(0)) return done(new NotUtf8('The file contains a NUL character (byte 0), which no value may hold.'))
      cut = Buffer.from(bytes.subarray(whole))
      done(null, chunk)
    },
    flush(done) {
      done(cut.length > 0 ? new NotUtf8('The file is not valid UTF-8: it ends inside a character.') : null)
    },
  })
}

/** How many bytes of `bytes` hold whole characters: a multi-byte character cut at the end is left out. */
function wholeCharacters(bytes: Buffer): number {
  // A character is at most 4 bytes: its lead byte is among the last 3 if it is cut.
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]
    if ((byte & 0xc0) === 0x80) continue
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return length > back ? bytes.length - back : bytes.length
  }
  return bytes.length
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
 * Passes bytes through while checking their CSV shape byte by byte (the quoting rules: a
 * quote opens a field or doubles inside a quoted one, and a closing quote ends the field),
 * and hands the header row, parsed by Papa Parse, to `onHeader` (which may throw). An upload
 * is refused as it arrives, without reading it twice; the job parses the rest (csvRows).
 * UTF-8 never puts these bytes inside a character.
 */
export function csvShape(onHeader: (names: string[]) => void): Transform {
  let state = FIELD_START
  let line = 1
  let start = true
  let header: Buffer[] | undefined = []
  /** The first record, if `bytes` (up to a record's end) hold one (blank lines do not). */
  const takeHeader = (bytes: Buffer): Buffer[] | undefined => {
    const names = Papa.parse<string[]>(bytes.toString('utf8'), CSV_OPTIONS).data[0]
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
 * Reads the rows of a file against one definition: a row's record has every column
 * converted, missing columns at their defaults (also on update: an update file replaces the
 * custom fields), required fields present, its values in the definition's field order. An
 * empty cell is no value. What each column is, and which defaults apply, is worked out
 * once, not per row.
 */
export function rowReader(schema: RecordSchema, header: Header): (cells: string[]) => RowResult {
  const columns = header.columns.length
  const fields: (Field | undefined)[] = header.columns.map((name) => schema.fields.get(name))
  // Each field in the definition's order, with its column or else its default: records are
  // built in that order, as their JSON text keeps them.
  const given = new Set(header.columns)
  const order = [...schema.fields.keys()].map((name) => ({
    name,
    column: header.columns.indexOf(name),
    default: given.has(name) ? undefined : schema.defaults.get(name),
  }))
  const { object } = schema.definition
  return (cells) => {
    if (cells.length !== columns) {
      return { problem: { code: RecordCode.invalid, message: `The row has ${cells.length} values; the header has ${columns} columns.` } }
    }
    const converted: (StoredValue | undefined)[] = new Array(columns)
    let id: string | undefined
    for (let i = 0; i < columns; i++) {
      const cell = cells[i]
      if (i === header.idColumn) {
        if (!UUID.test(cell.trim())) return { problem: { code: RecordCode.invalid, message: `Id [${cell}] is not a record id (a 36-character UUID).` } }
        id = cell.trim().toLowerCase()
        continue
      }
      if (cell === '') continue
      const field = fields[i]
      if (!field) return { problem: { code: RecordCode.unknownField, message: `Field [${header.columns[i]}] is no longer a field of [${object}].` } }
      const result = convertCsv(field, cell)
      if ('problem' in result) return result
      converted[i] = result.value
    }
    const values: Values = {}
    for (const field of order) {
      const value = field.column >= 0 ? converted[field.column] : field.default
      if (value !== undefined) values[field.name] = value
    }
    const missing = missingRequired(schema, values)
    return missing ? { problem: missing } : { id, values }
  }
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
 * Records of a CSV stream with their row numbers, in groups: the whole records of each chunk
 * of the stream (one await per group, not per record), read as the consumer asks, so memory
 * holds a chunk or two of the file whatever its size. Records end at the line end the file
 * uses, the first one outside quotes; each group's text is parsed whole by Papa Parse (its
 * own streaming mode guesses the line end of every file from its first chunk, however
 * short). A file that is not CSV (the upload's check lets none through) rejects with NotCsv.
 */
export async function* csvRows(input: Readable): AsyncGenerator<CsvRow[]> {
  // Decoded as a stream: a character split between two chunks is joined before parsing.
  input.setEncoding('utf8')
  let row = 0
  let started = false
  const ends = new RecordEnds()
  // The text of the record in progress, piece by piece (joined once it is whole).
  let pending: string[] = []
  const records = (text: string): CsvRow[] => {
    const parsed = Papa.parse<string[]>(text, { ...CSV_OPTIONS, newline: ends.lineEnd })
    const quotes = parsed.errors.find((error) => error.type === 'Quotes')
    if (quotes) throw new NotCsv(`The file is not valid CSV: ${quotes.message} (record ${row + (quotes.row ?? 0) + 1}).`)
    return parsed.data.map((cells) => ({ row: ++row, cells }))
  }
  for await (const chunk of input as AsyncIterable<string>) {
    const piece = started || chunk.charCodeAt(0) !== 0xfeff ? chunk : chunk.slice(1)
    started ||= chunk.length > 0
    const end = ends.find(piece)
    if (end < 0) {
      pending.push(piece)
      continue
    }
    pending.push(piece.slice(0, end))
    const group = records(pending.join(''))
    pending = [piece.slice(end)]
    if (group.length > 0) yield group
  }
  const rest = records(pending.join(''))
  if (rest.length > 0) yield rest
}

type LineEnd = '\r\n' | '\n' | '\r'

/**
 * Finds where whole records end in text that arrives in pieces: after the last line end
 * outside quotes (a quote opens or closes a quoted field, a doubled one inside it does both).
 * The line end is the file's first one outside quotes. Each piece is looked at once, jumping
 * from quote to line end to quote with indexOf, however long a record is.
 */
class RecordEnds {
  #newline: LineEnd | undefined
  #quoted = false
  /** The last piece ended with a CR outside quotes: a line end, or half of one. */
  #cr = false

  /** The file's line end (LF while none has been seen). */
  get lineEnd(): LineEnd {
    return this.#newline ?? (this.#cr ? '\r' : '\n')
  }

  /** Where in `piece` the whole records so far end (-1: not in this piece). */
  find(piece: string): number {
    let end = -1
    let at = 0
    if (this.#cr) {
      this.#cr = false
      const lf = piece.charCodeAt(0) === LF
      this.#newline ??= lf ? '\r\n' : '\r'
      if (this.#newline === '\r') end = 0
      else if (lf) end = at = 1
    }
    // Until the first line end, character by character (a CR may be one or begin one).
    for (; this.#newline === undefined && at < piece.length; at++) {
      const char = piece.charCodeAt(at)
      if (char === QUOTE) this.#quoted = !this.#quoted
      else if (this.#quoted || (char !== LF && char !== CR)) continue
      else if (char === LF) this.#newline = '\n'
      else if (at + 1 === piece.length) {
        this.#cr = true
        return end
      } else this.#newline = piece.charCodeAt(at + 1) === LF ? '\r\n' : '\r'
      if (this.#newline) end = at + this.#newline.length
    }
    if (this.#newline === undefined) return end
    if (end > at) at = end
    const newline = this.#newline
    // The next quote at or after `at` (Infinity: none in the rest of the piece).
    let quote = -1
    for (;;) {
      if (this.#quoted) {
        const close = piece.indexOf('"', at)
        if (close < 0) return end
        at = close + 1
        this.#quoted = false
        continue
      }
      if (quote < at) {
        quote = piece.indexOf('"', at)
        if (quote < 0) quote = Infinity
      }
      const line = piece.indexOf(newline, at)
      if (line >= 0 && line < quote) {
        end = at = line + newline.length
      } else if (quote !== Infinity) {
        at = quote + 1
        this.#quoted = true
      } else {
        // No quote and no line end left: a CR at the very end may begin a CRLF.
        this.#cr = newline === '\r\n' && piece.length > at && piece.charCodeAt(piece.length - 1) === CR
        return end
      }
    }
  }
}
