// The result file of a file job, `<upload name>_result.zip`: the uploaded rows as they were,
// each followed by `Success` and `Error Message`. It is written while the job reads the
// upload: a row goes out once its outcome is committed (its batch's transaction), a row of
// an earlier attempt with the outcome that attempt committed (data_backfill_row_errors), a
// row after a stop as not processed. The CSV streams through a zip into the file store.
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { zipStage } from '../../query/output/compression.ts'
import type { FileMeta, FileStore } from '../../storage/files/store.ts'

export const NOT_PROCESSED = 'Not processed: the job was stopped before this row'

export const resultFileName = (uploadName: string) => `${uploadName}_result.zip`

/** `rpc.csv` -> `rpc_result.csv`: the CSV inside the result zip. */
const entryName = (csvName: string) => `${csvName.replace(/\.(csv|txt)$/i, '')}_result.csv`

/**
 * One CSV cell, quoted as RFC 4180 says (when it holds a comma, quote or line end). A line of
 * the result costs a tenth of what csv-stringify takes for it, which matters at 4 MB.
 */
const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)

const FLUSH_CHARS = 64 * 1024

export class ResultWriter {
  readonly #csv = new PassThrough()
  readonly #stored: Promise<FileMeta>
  readonly #width: number
  #pending = ''

  constructor(files: FileStore, tenantId: string, upload: { fileName: string; csvName: string; createdBy: string | null; jobId: string }, header: readonly string[]) {
    const zip = zipStage(entryName(upload.csvName), new Date())
    this.#csv.pipe(zip)
    this.#csv.on('error', (error) => zip.destroy(error))
    this.#stored = files.put(tenantId, {
      name: resultFileName(upload.fileName),
      contentType: 'application/zip',
      stream: zip,
      createdBy: upload.createdBy ?? undefined,
      jobId: upload.jobId,
    })
    // A failure is reported by finish() or abort(); until then it must not go unhandled.
    this.#stored.catch(() => {})
    this.#width = header.length
    this.#pending = `${[...header, 'Success', 'Error Message'].map(cell).join(',')}\n`
  }

  /** Adds an uploaded record with its outcome (no message: it succeeded). */
  async row(record: readonly string[], failure: string | undefined): Promise<void> {
    // Short rows are padded so Success stays under its header; long ones keep the header's width.
    const cells = record.length === this.#width ? record : [...record, ...Array<string>(this.#width).fill('')].slice(0, this.#width)
    let line = ''
    for (const value of cells) line += `${cell(value)},`
    this.#pending += `${line}${failure === undefined ? 'true,' : `false,${cell(failure)}`}\n`
    if (this.#pending.length >= FLUSH_CHARS) await this.#flush()
  }

  async #flush(): Promise<void> {
    const chunk = this.#pending
    this.#pending = ''
    if (!this.#csv.write(chunk)) await once(this.#csv, 'drain')
  }

  /** Ends the file; its metadata once stored. */
  async finish(): Promise<FileMeta> {
    await this.#flush()
    this.#csv.end()
    return this.#stored
  }

  /** Drops the file: nothing of it stays in the store. */
  async abort(error: Error): Promise<void> {
    this.#csv.destroy(error)
    await this.#stored.catch(() => {})
  }
}
