// The file job: one pass over the upload (already counted and checked at submission). Rows are
// checked and grouped into batches; each batch is one statement, committed with its failed
// rows and the job's progress; the next batch is parsed while the database applies the
// current one. The result file is written along the way. A redelivered job resumes at the
// first row of the first batch that did not commit (the rows before take their committed
// outcome); a stop ends it between batches, the rest reported as not processed.
import { JobFailure, type JobContext, type JobKind, type JobOutcome } from '../../jobs/types.ts'
import type { FileStore } from '../../storage/files/store.ts'
import { applyBatch, prepareRow, type PreparedRow } from './apply.ts'
import { BACKFILL_KINDS } from '../common.ts'
import { csvRecords, openCsv, UploadError, type UploadFormat } from './csv-source.ts'
import { NOT_PROCESSED, ResultWriter } from './result-file.ts'
import { committedFailures } from './store.ts'
import { planColumns, TYPE_SPECS, type BackfillType, type ColumnPlan } from './templates.ts'

export interface FileJobParams {
  type: BackfillType
  fileId: string
  fileName: string
  /** The CSV's own name: the upload's, or its entry's in a zip. */
  csvName: string
  fileSize: number
  format: UploadFormat
  /** Data rows of the file, counted at submission. */
  totalCount: number
  /** The uploader as the job shows them (uploadedBy). */
  uploadedBy: string
}

export interface FileJobProgress {
  /** The first row not yet handled (1-based). */
  nextRow?: number
  succeeded?: number
  failed?: number
}

export interface FileJobResult {
  resultFileId: string
  resultFileName: string
  resultFileSize: number
}

/** Rows per batch (one statement and one transaction each). */
export const FILE_BATCH_ROWS = 1000

/** Test controls of the family's jobs. */
export interface BackfillHooks {
  /** Called before each batch with the job id and the batch's index (from 0). */
  beforeBatch?(jobId: string, batch: number): Promise<void>
  /** Rows per batch of file jobs instead of FILE_BATCH_ROWS. */
  fileBatchRows?: number
}

/**
 * Batches commit with synchronous_commit off on PostgreSQL: a crash may lose the last few
 * batches, but each with its own progress (one transaction), so the job redoes exactly those.
 */
export const ASYNC_COMMIT = "SELECT set_config('synchronous_commit', 'off', true)"

/** `deps.files` is read when a job runs (tests build the kinds before the server's file store). */
export function fileJobKind(deps: { files: FileStore }, hooks: BackfillHooks = {}): JobKind<FileJobParams, FileJobProgress, FileJobResult> {
  return {
    kind: BACKFILL_KINDS.file,
    // Files of one tenant run one after the other, in submission order.
    maxRunningPerTenant: 1,
    async run(context) {
      try {
        return await runFileJob(context, deps.files, hooks)
      } catch (error) {
        if (error instanceof UploadError) throw new JobFailure(error.message)
        throw error
      }
    },
  }
}

type Context = JobContext<FileJobParams, FileJobProgress>

/** Rows an earlier attempt handled, with their committed outcome; or a batch to apply. */
type Work = { kind: 'done'; rows: { record: string[]; failure?: string }[] } | { kind: 'batch'; rows: PreparedRow[] }

async function runFileJob(context: Context, files: FileStore, hooks: BackfillHooks): Promise<JobOutcome<FileJobResult>> {
  const { job } = context
  const { params } = job
  const spec = TYPE_SPECS[params.type]
  const records = csvRecords((await openCsv(files, job.tenantId, params.fileId, params.format)).stream)
  const first = await records.next()
  if (first.done) throw new JobFailure('The file is empty')
  const header = first.value
  const plan = planColumns(spec, header)
  if ('error' in plan) throw new JobFailure(plan.error)

  const writer = new ResultWriter(files, job.tenantId, { ...params, createdBy: job.createdBy, jobId: job.id }, header)
  const work = workOf(context, records, plan, header.length, hooks.fileBatchRows ?? FILE_BATCH_ROWS)
  const scope = { tenantId: job.tenantId, jobId: job.id, userId: job.createdBy, entityId: job.entityId, orgIds: job.orgIds }
  let stopped: 'stop' | 'cancel' | undefined
  let batchIndex = 0
  try {
    let next = work.next()
    for (;;) {
      const { value: item, done } = await next
      if (done) break
      // Parse and check the next batch while this one is applied.
      next = work.next()
      next.catch(() => {})
      if (item.kind === 'done') {
        for (const row of item.rows) await writer.row(row.record, row.failure)
        continue
      }
      if (!stopped) {
        await hooks.beforeBatch?.(job.id, batchIndex++)
        let failures = new Map<number, string>()
        const outcome = await context.commit(async (tx) => {
          if (context.db.kind === 'postgres') await tx.query(ASYNC_COMMIT)
          failures = await applyBatch(tx, spec, plan, scope, item.rows)
          const progress = job.progress
          return {
            nextRow: item.rows[item.rows.length - 1].row + 1,
            succeeded: (progress.succeeded ?? 0) + item.rows.length - failures.size,
            failed: (progress.failed ?? 0) + failures.size,
          }
        })
        if (outcome === 'continue') {
          for (const row of item.rows) await writer.row(row.record, failures.get(row.row))
          continue
        }
        stopped = outcome
      }
      for (const row of item.rows) await writer.row(row.record, NOT_PROCESSED)
    }
    const meta = await writer.finish()
    const state = stopped === 'stop' ? 'stopped' : stopped === 'cancel' ? 'cancelled' : 'completed'
    return { state, result: { resultFileId: meta.id, resultFileName: meta.name, resultFileSize: meta.size } }
  } catch (error) {
    await work.return(undefined)
    await writer.abort(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
}

/** The work of the file in row order: earlier attempts' rows, then batches of checked rows. */
async function* workOf(
  context: Context,
  records: AsyncGenerator<string[]>,
  plan: ColumnPlan,
  width: number,
  batchRows: number,
): AsyncGenerator<Work> {
  const { job } = context
  const resumeAt = job.progress.nextRow ?? 1
  const earlier = resumeAt > 1 ? committedFailures(context.db, job.tenantId, job.id) : undefined
  let failure = earlier ? await earlier.next() : undefined
  let done: { record: string[]; failure?: string }[] = []
  let batch: PreparedRow[] = []
  let ids = new Set<string>()
  let row = 0
  try {
    for await (const record of records) {
      row++
      if (row < resumeAt) {
        while (failure && !failure.done && failure.value.row < row) failure = await earlier!.next()
        done.push({ record, failure: failure && !failure.done && failure.value.row === row ? failure.value.message : undefined })
        if (done.length >= batchRows) {
          yield { kind: 'done', rows: done }
          done = []
        }
        continue
      }
      if (done.length > 0) {
        yield { kind: 'done', rows: done }
        done = []
      }
      // A row a sandbox fault refuses fails as a bad row does, with the fault's message.
      const fault = context.rowFault?.(row)
      const prepared = fault ? { row, record, error: fault.message } : prepareRow(record, row, plan, width)
      const id = prepared.error ? undefined : prepared.id
      // An id twice in one statement would be updated once: a repeat starts the next batch,
      // so rows apply in file order and the last one wins.
      if (id && ids.has(id)) {
        yield { kind: 'batch', rows: batch }
        batch = []
        ids = new Set()
      }
      batch.push(prepared)
      if (id) ids.add(id)
      if (batch.length >= batchRows) {
        yield { kind: 'batch', rows: batch }
        batch = []
        ids = new Set()
      }
    }
    if (done.length > 0) yield { kind: 'done', rows: done }
    if (batch.length > 0) yield { kind: 'batch', rows: batch }
  } finally {
    await records.return(undefined)
    await earlier?.return(undefined)
  }
}
