// The file job: count the upload's rows (a malformed file fails here, before any change),
// then apply them in batches, each batch and its outcomes committed with the job's progress,
// then write the result file. A redelivered job resumes at the first row of the first batch
// that did not commit; a stop ends it between batches, the rest reported as not processed.
import { JobFailure, type JobContext, type JobKind, type JobOutcome } from '../jobs/types.ts'
import type { FileStore } from '../storage/files/store.ts'
import { applyBatch, prepareRow, type PreparedRow } from './apply.ts'
import { BACKFILL_KINDS } from './common.ts'
import { csvRecords, openCsv, UploadError, type UploadFormat } from './csv-source.ts'
import { writeResultFile } from './result-file.ts'
import { planColumns, TYPE_SPECS, type BackfillType, type ColumnPlan } from './templates.ts'

export interface FileJobParams {
  type: BackfillType
  fileId: string
  fileName: string
  /** The CSV's own name: the upload's, or its entry's in a zip. */
  csvName: string
  fileSize: number
  format: UploadFormat
  /** The uploader as the job shows them (uploadedBy). */
  uploadedBy: string
}

export interface FileJobProgress {
  /** Data rows of the file; known once the file has been read through. */
  totalCount?: number
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

async function runFileJob(context: Context, files: FileStore, hooks: BackfillHooks): Promise<JobOutcome<FileJobResult>> {
  const { job } = context
  const { params } = job
  if (job.progress.totalCount === undefined) {
    const totalCount = await countRows(files, job.tenantId, params)
    const next = await context.commit(async () => ({ totalCount, nextRow: 1, succeeded: 0, failed: 0 }))
    if (next !== 'continue') return end(context, files, next)
  }

  const spec = TYPE_SPECS[params.type]
  const source = await openCsv(files, job.tenantId, params.fileId, params.format)
  let plan: ColumnPlan | undefined
  let width = 0
  let row = 0
  let batch: PreparedRow[] = []
  let batchIds = new Set<string>()
  let batchIndex = 0
  const scope = { tenantId: job.tenantId, jobId: job.id, userId: job.createdBy, entityId: job.entityId, orgIds: job.orgIds }

  const flush = async () => {
    const rows = batch
    batch = []
    batchIds = new Set()
    if (rows.length === 0) return 'continue' as const
    await hooks.beforeBatch?.(job.id, batchIndex++)
    return context.commit(async (tx) => {
      if (context.db.kind === 'postgres') await tx.query(ASYNC_COMMIT)
      const done = await applyBatch(tx, spec, plan!, scope, rows)
      const progress = job.progress
      return {
        ...progress,
        nextRow: rows[rows.length - 1].row + 1,
        succeeded: (progress.succeeded ?? 0) + done.succeeded,
        failed: (progress.failed ?? 0) + done.failed,
      }
    })
  }

  for await (const record of csvRecords(source.stream)) {
    if (!plan) {
      const planned = planColumns(spec, record)
      if ('error' in planned) throw new JobFailure(planned.error)
      plan = planned
      width = record.length
      continue
    }
    row++
    if (row < (job.progress.nextRow ?? 1)) continue
    const prepared = prepareRow(record, row, plan, width)
    // An id twice in one statement would be updated once: a repeat starts the next batch, so
    // rows apply in file order and the last one wins.
    if (prepared.id && !prepared.error && batchIds.has(prepared.id)) {
      const next = await flush()
      if (next !== 'continue') return end(context, files, next)
    }
    batch.push(prepared)
    if (prepared.id && !prepared.error) batchIds.add(prepared.id)
    if (batch.length >= (hooks.fileBatchRows ?? FILE_BATCH_ROWS)) {
      const next = await flush()
      if (next !== 'continue') return end(context, files, next)
    }
  }
  const next = await flush()
  if (next !== 'continue') return end(context, files, next)
  return end(context, files, 'completed')
}

/**
 * Batches commit with synchronous_commit off on PostgreSQL: a crash may lose the last few
 * batches, but each with its own progress (one transaction), so the job redoes exactly those.
 */
export const ASYNC_COMMIT = "SELECT set_config('synchronous_commit', 'off', true)"

/** Reads the file through: its data rows, or an UploadError for a malformed file. */
async function countRows(files: FileStore, tenantId: string, params: FileJobParams): Promise<number> {
  const source = await openCsv(files, tenantId, params.fileId, params.format)
  let records = 0
  for await (const _ of csvRecords(source.stream)) records++
  return Math.max(0, records - 1)
}

/** Ends the job with its result file: every row, processed or not, says what happened. */
async function end(context: Context, files: FileStore, how: 'completed' | 'stop' | 'cancel'): Promise<JobOutcome<FileJobResult>> {
  const { job } = context
  const state = how === 'completed' ? 'completed' : how === 'stop' ? 'stopped' : 'cancelled'
  const meta = await writeResultFile(context.db, files, {
    tenantId: job.tenantId,
    jobId: job.id,
    fileId: job.params.fileId,
    fileName: job.params.fileName,
    csvName: job.params.csvName,
    format: job.params.format,
    createdBy: job.createdBy,
    nextRow: how === 'completed' ? Number.MAX_SAFE_INTEGER : (job.progress.nextRow ?? 1),
  })
  return { state, result: { resultFileId: meta.id, resultFileName: meta.name, resultFileSize: meta.size } }
}
