// Reading an upload back from the file store as CSV records: a CSV file as is, or the one CSV
// file of a zip archive. Uploads are at most 4 MB, so a zip is read into memory (yauzl needs
// random access to find its central directory); its CSV streams out, with a size cap against
// zip bombs.
import { parse } from 'csv-parse'
import { Readable, Transform } from 'node:stream'
import yauzl from 'yauzl'
import { CsvScanner } from './csv-scan.ts'
import type { FileStore } from '../../storage/files/store.ts'

export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024
/** The CSV inside a zip may be larger than the zip; not beyond this. */
export const MAX_UNZIPPED_BYTES = 64 * 1024 * 1024

export type UploadFormat = 'csv' | 'zip'

/** Something wrong with the file itself: a v1 error at upload, a failed job later. */
export class UploadError extends Error {}

const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')]

/** The format of an upload from its first bytes: a zip archive, a text (CSV) file, or neither. */
export function sniffFormat(head: Buffer): UploadFormat | undefined {
  if (ZIP_MAGIC.some((magic) => head.subarray(0, 4).equals(magic))) return 'zip'
  if (head.includes(0)) return undefined
  try {
    // stream: true tolerates a multi-byte character cut at the end of the head.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
    return 'csv'
  } catch {
    return undefined
  }
}

export interface CsvSource {
  /** Bytes of the CSV. */
  stream: Readable
  /** The CSV's own name: the upload's, or its entry's in a zip. */
  name: string
}

/** Opens a stored upload's CSV. Throws UploadError for an archive that holds no single CSV. */
export async function openCsv(files: FileStore, tenantId: string, fileId: string, format: UploadFormat): Promise<CsvSource> {
  const file = await files.read(tenantId, fileId)
  if (!file) throw new UploadError(`The uploaded file ${fileId} no longer exists`)
  if (format === 'csv') return { stream: file.stream, name: file.meta.name }
  const buffer = await collect(file.stream, MAX_UPLOAD_BYTES)
  return openZippedCsv(buffer)
}

async function collect(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    if (size > limit) {
      stream.destroy()
      throw new UploadError(`The file is larger than ${limit} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** Entries that are not content: folders and the metadata macOS and others add. */
const isNoise = (name: string) => name.endsWith('/') || name.startsWith('__MACOSX/') || /(^|\/)\.[^/]*$/.test(name)

async function openZippedCsv(buffer: Buffer): Promise<CsvSource> {
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, validateEntrySizes: true })
  } catch (error) {
    throw new UploadError(`The file is not a valid zip archive: ${(error as Error).message}`)
  }
  const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
    const found: yauzl.Entry[] = []
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!isNoise(entry.fileName)) found.push(entry)
      zip.readEntry()
    })
    zip.on('end', () => resolve(found))
    zip.on('error', (error: Error) => reject(new UploadError(`The file is not a valid zip archive: ${error.message}`)))
    zip.readEntry()
  })
  if (entries.length !== 1) {
    throw new UploadError(`A zip upload must hold exactly one CSV file; this one holds ${entries.length} files`)
  }
  const [entry] = entries
  if (!/\.(csv|txt)$/i.test(entry.fileName)) throw new UploadError(`The zip archive holds ${entry.fileName}, not a .csv file`)
  if (entry.isEncrypted()) throw new UploadError('Encrypted zip archives are not supported')
  if (entry.uncompressedSize > MAX_UNZIPPED_BYTES) {
    throw new UploadError(`The CSV file in the zip archive is larger than ${MAX_UNZIPPED_BYTES / 1024 / 1024} MB`)
  }
  let stream: Readable
  try {
    stream = await zip.openReadStreamPromise(entry)
  } catch (error) {
    throw new UploadError(`The zip archive cannot be read: ${(error as Error).message}`)
  }
  // yauzl validates the entry's size as it inflates; its errors say what is wrong with the file.
  const checked = stream.pipe(
    new Transform({
      transform(chunk, _encoding, done) {
        done(null, chunk)
      },
    }),
  )
  stream.on('error', (error) => checked.destroy(new UploadError(`The zip archive cannot be read: ${error.message}`)))
  return { stream: checked, name: entry.fileName.split('/').pop()! }
}

/**
 * How uploads are parsed: a BOM is dropped, records end at LF or CRLF (a lone CR is data, as
 * the upload scanner also reads it), empty lines are skipped, rows may be shorter or longer
 * than the header.
 */
export const CSV_OPTIONS = { bom: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }

/**
 * The CSV's records as arrays of strings, the header first. Rows may have more or fewer
 * cells than the header (reported per row); a malformed file (an unclosed quote) fails the
 * iteration with an UploadError naming the line.
 */
export async function* csvRecords(source: Readable): AsyncGenerator<string[]> {
  const parser = parse(CSV_OPTIONS)
  source.on('error', (error) => parser.destroy(error))
  source.pipe(parser)
  try {
    for await (const record of parser) yield record as string[]
  } catch (error) {
    if (error instanceof UploadError) throw error
    throw new UploadError(`The file is not a valid CSV file: ${(error as Error).message}`)
  } finally {
    source.destroy()
    parser.destroy()
  }
}

/** Counts and checks a CSV's records without parsing it (see csv-scan.ts); an UploadError if malformed. */
export async function scanCsv(source: Readable): Promise<number> {
  const scanner = new CsvScanner()
  for await (const chunk of source) scanner.write(chunk as Buffer)
  const error = scanner.end()
  if (error) throw new UploadError(error)
  return scanner.records
}

/** The header row of a CSV, or an UploadError when the file has none. */
export async function readHeader(source: Readable): Promise<string[]> {
  for await (const record of csvRecords(source)) return record
  throw new UploadError('The file is empty: its first row must be the header of the template')
}
