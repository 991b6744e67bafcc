// The result-file pipeline of a Data Query job: rows -> text (JSON Lines, CSV, TSV, DSV) ->
// gzip or zip -> encryption -> `stream`, which the caller hands to FileStore.put while it
// writes rows. Every stage streams with backpressure: memory stays flat whatever the size.
import { randomInt } from 'node:crypto'
import { PassThrough, pipeline, Transform, type Duplex, type Readable } from 'node:stream'
import { drainedOrClosed } from '../../platform/streams.ts'
import type { ResultColumn, ResultRow } from './columns.ts'
import { gzipStage, zipStage } from './compression.ts'
import { encryptionStage } from './encryption.ts'
import { parseOutputOptions, type Compression, type OutputFormat, type OutputOptions, type ParsedOutputOptions } from './options.ts'
import { delimitedFormatter, jsonLinesFormatter, type RowFormatter } from './rows.ts'
import type { ServerFormat } from './server-format.ts'

export interface ResultFileOptions extends OutputOptions {
  /** The Data Query job's id (a UUID): the file name starts with it. */
  jobId: string
  /** Time recorded for the ZIP entry; default now. */
  now?: Date
}

export interface ResultFileSummary {
  /** Rows written through writeRows (writeText's are counted by whoever wrote the text). */
  rows: number
  /** Size of the file as stored (compressed, encrypted). */
  bytes: number
}

export interface ResultFile {
  /** `<jobId>_<16 digits>.<jsonl|csv|tsv|dsv>[.gz|.zip][.enc]` */
  readonly fileName: string
  readonly contentType: string
  /** The file's bytes, to pass to FileStore.put while rows are written. Must be read, or writing stalls. */
  readonly stream: Readable
  /** Once, before the rows: the result's columns (writes the CSV/TSV/DSV header line). */
  writeHeader(columns: readonly ResultColumn[]): void
  /** A batch of rows; resolves when the pipeline can take more (await it: backpressure). Rejects once the pipeline failed. */
  writeRows(rows: readonly ResultRow[]): Promise<void>
  /** The file's text format as the server writes it (server-format.ts): rows in it may go to writeText. */
  readonly serverFormat: ServerFormat
  /** Rows already written in the file's format (after writeHeader), with writeRows' backpressure. */
  writeText(text: Buffer): Promise<void>
  /** No more rows: resolves when the last byte has been produced, with the counts. */
  end(): Promise<ResultFileSummary>
  /** Gives up: `stream` fails with `error` (so the file store keeps nothing); later calls reject. */
  abort(error: Error): void
}

// Text queued before writeRows waits: room to format the next batch while the previous one
// is being compressed (zlib works on another thread).
const INPUT_BUFFER_BYTES = 1024 * 1024

/** Starts a result file; throws OutputOptionsError when the options are invalid. */
export function openResultFile(options: ResultFileOptions): ResultFile {
  const parsed = parseOutputOptions(options)
  const { fileName, entryName, contentType } = describeResultFile(options.jobId, parsed)
  const input = new PassThrough({ writableHighWaterMark: INPUT_BUFFER_BYTES })
  const counter = byteCounter()
  const stages: Duplex[] = [input]
  if (parsed.compression === 'GZIP') stages.push(gzipStage())
  if (parsed.compression === 'ZIP') stages.push(zipStage(entryName, options.now ?? new Date()))
  if (parsed.encryptionKey) stages.push(encryptionStage(parsed.encryptionKey))
  stages.push(counter.stage)

  let failure: Error | undefined
  // Settles when the last stage has taken every byte, or when any stage (or the reader) failed.
  const done = new Promise<void>((resolve) => {
    pipeline(stages, (error) => {
      failure ??= error ?? undefined
      resolve()
    })
  })
  const failed = async (): Promise<never> => {
    await done
    throw failure ?? new Error('the result file was closed before it was complete')
  }

  let formatter: RowFormatter | undefined
  let rows = 0
  let ended = false
  const write = async (chunks: readonly (string | Buffer)[]): Promise<void> => {
    if (!formatter) throw new Error('writeHeader must be called before any rows')
    if (ended) throw new Error('rows were written after end')
    if (input.destroyed) return failed()
    let room = true
    for (const chunk of chunks) room = input.write(chunk)
    if (!room) await drainedOrClosed(input)
    if (input.destroyed) return failed()
  }
  return {
    fileName,
    contentType,
    stream: counter.stage,
    serverFormat: parsed.format === 'JSON' ? { kind: 'json' } : { kind: 'delimited', delimiter: parsed.separator! },
    writeHeader(columns) {
      if (formatter) throw new Error('writeHeader was called twice')
      formatter = parsed.format === 'JSON' ? jsonLinesFormatter(columns) : delimitedFormatter(columns, parsed.separator!)
      if (formatter.header !== '' && !input.destroyed) input.write(formatter.header)
    },
    async writeRows(batch) {
      if (!formatter) throw new Error('writeHeader must be called before writeRows')
      rows += batch.length
      if (batch.length > 0) await write(formatter.format(batch))
    },
    async writeText(text) {
      await write([text])
    },
    async end() {
      if (!ended) {
        ended = true
        if (!input.destroyed) input.end()
      }
      await done
      if (failure) throw failure
      return { rows, bytes: counter.bytes() }
    },
    abort(error) {
      input.destroy(error)
    },
  }
}

const EXTENSIONS: Record<OutputFormat, string> = { JSON: 'jsonl', CSV: 'csv', TSV: 'tsv', DSV: 'dsv' }
const COMPRESSED_EXTENSIONS: Record<Compression, string> = { NONE: '', GZIP: '.gz', ZIP: '.zip' }
const CONTENT_TYPES: Record<OutputFormat, string> = {
  JSON: 'application/x-ndjson',
  CSV: 'text/csv; charset=utf-8',
  TSV: 'text/tab-separated-values; charset=utf-8',
  DSV: 'text/plain; charset=utf-8',
}
const COMPRESSED_CONTENT_TYPES: Record<Compression, string | undefined> = {
  NONE: undefined,
  GZIP: 'application/gzip',
  ZIP: 'application/zip',
}

/**
 * The file's name and type: `<jobId>_<16 random digits>` as Zuora's result files, the format's
 * extension, `.gz` or `.zip`, `.enc` when encrypted; `entryName` is the name inside a ZIP
 * (the file name without `.zip`/`.enc`).
 */
export function describeResultFile(
  jobId: string,
  options: Pick<ParsedOutputOptions, 'format' | 'compression' | 'encryptionKey'>,
): { fileName: string; entryName: string; contentType: string } {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`)
  const entryName = `${jobId}_${randomDigits()}.${EXTENSIONS[options.format]}`
  const encrypted = options.encryptionKey !== undefined
  const fileName = `${entryName}${COMPRESSED_EXTENSIONS[options.compression]}${encrypted ? '.enc' : ''}`
  const contentType = encrypted
    ? 'application/octet-stream'
    : (COMPRESSED_CONTENT_TYPES[options.compression] ?? CONTENT_TYPES[options.format])
  return { fileName, entryName, contentType }
}

/** 16 decimal digits, the first not 0 (randomInt's range is limited to 2^48). */
function randomDigits(): string {
  return `${randomInt(1e7, 1e8)}${String(randomInt(0, 1e8)).padStart(8, '0')}`
}

function byteCounter(): { stage: Transform; bytes(): number } {
  let bytes = 0
  const stage = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      done(null, chunk)
    },
  })
  return { stage, bytes: () => bytes }
}
