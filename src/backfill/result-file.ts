// The result file of a file job, `<upload name>_result.zip`: the uploaded rows as they were,
// each followed by `Success` and `Error Message`. Built when the job ends by reading the
// upload again beside the job's failed rows (data_backfill_row_errors, fetched in pages), and
// streamed through csv-stringify and a zip into the file store.
import { stringify } from 'csv-stringify'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { zipStage } from '../query/output/compression.ts'
import type { Queryable } from '../storage/db.ts'
import type { FileMeta, FileStore } from '../storage/files/store.ts'
import { csvRecords, openCsv, type UploadFormat } from './csv-source.ts'

const ERROR_PAGE = 5000

export interface ResultInput {
  tenantId: string
  jobId: string
  fileId: string
  fileName: string
  /** The CSV's own name (a zip upload's entry). */
  csvName: string
  format: UploadFormat
  createdBy: string | null
  /** Rows from here on were never processed (the job stopped first). */
  nextRow: number
}

export const NOT_PROCESSED = 'Not processed: the job was stopped before this row'

/** The failed rows of a job in row order, a page at a time. */
async function* failures(db: Queryable, tenantId: string, jobId: string): AsyncGenerator<{ row: number; message: string }> {
  let after = 0
  for (;;) {
    const { rows } = await db.query<{ row_number: number; message: string }>(
      `SELECT row_number, message FROM data_backfill_row_errors
       WHERE tenant_id = $1 AND job_id = $2 AND row_number > $3 ORDER BY row_number LIMIT $4`,
      [tenantId, jobId, after, ERROR_PAGE],
    )
    for (const row of rows) yield { row: row.row_number, message: row.message }
    if (rows.length < ERROR_PAGE) return
    after = rows[rows.length - 1].row_number
  }
}

/** The uploaded records with their outcome, the header first. */
async function* resultRows(db: Queryable, files: FileStore, input: ResultInput): AsyncGenerator<string[]> {
  const source = await openCsv(files, input.tenantId, input.fileId, input.format)
  const errors = failures(db, input.tenantId, input.jobId)
  let nextError = await errors.next()
  let width = 0
  let row = -1
  for await (const record of csvRecords(source.stream)) {
    row++
    if (row === 0) {
      width = record.length
      yield [...record, 'Success', 'Error Message']
      continue
    }
    while (!nextError.done && nextError.value.row < row) nextError = await errors.next()
    const failure = !nextError.done && nextError.value.row === row ? nextError.value.message : undefined
    // Short rows are padded so Success stays under its header; long ones keep only the header's width.
    const cells = record.length >= width ? record.slice(0, width) : [...record, ...Array<string>(width - record.length).fill('')]
    if (row >= input.nextRow) yield [...cells, 'false', NOT_PROCESSED]
    else yield [...cells, failure === undefined ? 'true' : 'false', failure ?? '']
  }
}

export const resultFileName = (uploadName: string) => `${uploadName}_result.zip`

/** `rpc.csv` -> `rpc_result.csv`: the CSV inside the result zip. */
const entryName = (csvName: string) => `${csvName.replace(/\.(csv|txt)$/i, '')}_result.csv`

export async function writeResultFile(db: Queryable, files: FileStore, input: ResultInput): Promise<FileMeta> {
  const zip = zipStage(entryName(input.csvName), new Date())
  const stored = files.put(input.tenantId, {
    name: resultFileName(input.fileName),
    contentType: 'application/zip',
    stream: zip,
    createdBy: input.createdBy ?? undefined,
  })
  try {
    await pipeline(Readable.from(resultRows(db, files, input)), stringify(), zip)
  } catch (error) {
    zip.destroy(error as Error)
    await stored.catch(() => {})
    throw error
  }
  return stored
}
