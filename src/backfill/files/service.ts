// Data backfill file jobs as Zuora shows them: submit (the upload checked and stored, then the
// job queued), read, list, stop; and the DataBackfillJob every answer carries.
import type { JobLifecycle } from '../../jobs/lifecycle.ts'
import type { JobViews } from '../../jobs/pacing.ts'
import { insertJob } from '../../jobs/store.ts'
import type { Job } from '../../jobs/types.ts'
import { BackfillErrors } from '../errors.ts'
import { newHexId } from '../../platform/ids.ts'
import type { Db } from '../../storage/db.ts'
import { attachFileToJob, type FileStore } from '../../storage/files/store.ts'
import { BACKFILL_KINDS, displayName, findJob, LIST_LIMIT, stopJob } from '../common.ts'
import { openCsv, readHeader, scanCsv, UploadError } from './csv-source.ts'
import type { FileJobParams, FileJobProgress, FileJobResult } from './job.ts'
import { epochString, humanSize } from '../format.ts'
import { BACKFILL_TYPES, isBackfillType, planColumns, TYPE_SPECS, type BackfillType } from './templates.ts'
import { unquote, type StoredUpload, type UploadParts } from './upload.ts'
import type { Caller } from '../../platform/caller.ts'

export type FileJob = Job<FileJobParams, FileJobProgress, FileJobResult>

const WHAT = 'data backfill job'
export const FILE_JOB_ATTEMPTS = 3
const CHECKSUM = /^[0-9a-fA-F]{32}$/

const missingPart = BackfillErrors.missingPart

/** The `type` part: a type name, possibly quoted (curl), or the job object the vendor schema names. */
export function parseType(raw: string): BackfillType {
  let value = unquote(raw)
  if (value.startsWith('{')) {
    try {
      const object = JSON.parse(value) as { importType?: unknown; type?: unknown }
      value = String(object.importType ?? object.type ?? '')
    } catch {
      // not JSON: reported as an unknown type below
    }
  }
  if (!isBackfillType(value)) {
    throw BackfillErrors.invalid(`Invalid type '${value}': use one of ${BACKFILL_TYPES.join(', ')}`)
  }
  return value
}

/** Checks the stored upload and queues its job; on any refusal the upload is deleted. */
export async function submitFileJob(db: Db, files: FileStore, caller: Caller, parts: UploadParts): Promise<FileJob> {
  const { principal, scope } = caller
  const upload = parts.file
  try {
    if (parts.fields.type === undefined) throw missingPart('type')
    const type = parseType(parts.fields.type)
    if (!upload) throw missingPart('file')
    const checksum = parts.fields.checksum === undefined ? undefined : unquote(parts.fields.checksum)
    if (checksum !== undefined && checksum !== '') {
      if (!CHECKSUM.test(checksum)) {
        throw BackfillErrors.invalid('Invalid checksum: it is the MD5 of the file, 32 hexadecimal characters')
      }
      if (checksum.toLowerCase() !== upload.md5) {
        throw BackfillErrors.invalid(`Checksum mismatch: the uploaded file's MD5 is ${upload.md5}, the checksum given is ${checksum}`)
      }
    }
    if (!upload.format) throw BackfillErrors.invalid('The file is neither a CSV file nor a zip archive of one')
    const { csvName, records } = await checkCsv(files, principal.tenant.id, upload, type)
    const params: FileJobParams = {
      type,
      fileId: upload.meta.id,
      fileName: upload.meta.name,
      csvName,
      totalCount: Math.max(0, records - 1),
      fileSize: upload.meta.size,
      format: upload.format,
      uploadedBy: displayName(principal),
    }
    const job = (await db.transaction(async (tx) => {
      const job = await insertJob<FileJobParams, FileJobProgress>(tx, {
        tenantId: principal.tenant.id,
        id: newHexId(),
        kind: BACKFILL_KINDS.file,
        createdBy: principal.user.id,
        entityId: scope.entityId,
        orgIds: scope.orgIds,
        params,
        maxAttempts: FILE_JOB_ATTEMPTS,
        lifecycle: { of: FILE_JOB_LIFECYCLE, clock: caller.clock },
        idempotencyKey: caller.idempotencyKey,
      })
      if (job.params.fileId === upload.meta.id) await attachFileToJob(tx, principal.tenant.id, upload.meta.id, job.id)
      return job
    })) as FileJob
    // A job submitted earlier under the same Idempotency-Key keeps its own upload: this one goes.
    if (job.params.fileId !== upload.meta.id) await files.delete(principal.tenant.id, upload.meta.id).catch(() => {})
    return job
  } catch (error) {
    if (upload) await files.delete(principal.tenant.id, upload.meta.id).catch(() => {})
    throw error
  }
}

/**
 * The file must be well-formed CSV whose header maps onto the type's template, so a wrong file
 * is refused before it queues. Returns the CSV's name (a zip's entry) and its records.
 */
async function checkCsv(files: FileStore, tenantId: string, upload: StoredUpload, type: BackfillType): Promise<{ csvName: string; records: number }> {
  const { meta, format } = upload
  let header: string[]
  let csvName: string
  let records: number
  try {
    // The scan first: a parser reading the header reads ahead, and would word a scan error its own way.
    if (format === 'csv' && 'error' in upload.scan) throw new UploadError(upload.scan.error)
    records = format === 'zip' ? await scanCsv((await openCsv(files, tenantId, meta.id, 'zip')).stream) : (upload.scan as { records: number }).records
    const source = await openCsv(files, tenantId, meta.id, format!)
    csvName = source.name
    header = await readHeader(source.stream)
  } catch (error) {
    if (error instanceof UploadError) throw BackfillErrors.invalid(error.message)
    throw error
  }
  const plan = planColumns(TYPE_SPECS[type], header)
  if ('error' in plan) {
    const refusal = { unknown: BackfillErrors.unknownColumn, missing: BackfillErrors.missing, invalid: BackfillErrors.invalid }[plan.reason]
    throw refusal(plan.error)
  }
  return { csvName, records }
}

export const findFileJob = (db: Db, caller: Caller, jobId: string) =>
  findJob<FileJobParams, FileJobProgress, FileJobResult>(db, caller, BACKFILL_KINDS.file, jobId, WHAT)

/** The job as the caller sees it now, this read counted. */
export const readFileJob = async (db: Db, views: JobViews, caller: Caller, jobId: string) =>
  views.showOne(await findFileJob(db, caller, jobId), FILE_JOB_LIFECYCLE, { read: true })

/** The tenant's newest jobs as the caller sees them, each read counted. */
export async function listFileJobs(views: JobViews, caller: Caller): Promise<FileJob[]> {
  return views.list<FileJob>(
    caller.principal.tenant.id,
    { kinds: [BACKFILL_KINDS.file], entityId: caller.scope.entityId, limit: LIST_LIMIT },
    FILE_JOB_LIFECYCLE,
  )
}

export async function stopFileJob(db: Db, caller: Caller, jobId: string): Promise<void> {
  await stopJob(db, await findFileJob(db, caller, jobId), WHAT)
}

export type FileJobStatus = 'Pending' | 'Processing' | 'Completed' | 'Canceled' | 'Failed' | 'Stopping' | 'Stopped'

/** A file job's visible lifecycle: Pending, Processing, then the end. */
export const FILE_JOB_LIFECYCLE: JobLifecycle = {
  type: 'dataBackfill',
  kinds: [BACKFILL_KINDS.file],
  stages: () => ['queued', 'running'],
  statusOf: (job) => statusOf(job as FileJob),
}

function statusOf(job: FileJob): FileJobStatus {
  switch (job.state) {
    case 'running':
      return job.stopRequested ? 'Stopping' : 'Processing'
    case 'pending':
    case 'queued':
      // A job waiting to retry after a transient failure has been processing.
      return job.startedAt ? 'Processing' : 'Pending'
    case 'completed':
      return 'Completed'
    case 'failed':
      return 'Failed'
    case 'stopped':
      return 'Stopped'
    case 'cancelled':
      return 'Canceled'
  }
}

/** "2 minutes 5 seconds" */
function durationText(seconds: number): string {
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  return minutes > 0 ? `${unit(minutes, 'minute')}${rest > 0 ? ` ${unit(rest, 'second')}` : ''}` : unit(rest, 'second')
}

/**
 * The job (as shown: see JobViews) as Zuora's DataBackfillJob; every figure from the job's
 * committed progress; `now` is the tenant's time.
 */
export function toDataBackfillJob(job: FileJob, files: FileStore, now: number) {
  const { params } = job
  const progress = job.progress ?? {}
  const status = statusOf(job)
  const total = params.totalCount
  const succeeded = progress.succeeded ?? 0
  const failed = progress.failed ?? 0
  const processed = succeeded + failed
  const ended = job.finishedAt !== null
  const percentage = total > 0 ? Math.floor((processed * 100) / total) : status === 'Completed' ? 100 : 0
  // Remaining seconds at the pace so far; 0 once ended or before any row is done.
  const elapsed = job.startedAt ? now - job.startedAt.getTime() : 0
  const remaining = !ended && processed > 0 && total > processed ? Math.ceil(((elapsed / processed) * (total - processed)) / 1000) : 0
  const result = job.result
  return {
    id: job.id,
    importType: params.type,
    uploadedFileId: params.fileId,
    uploadedFileName: params.fileName,
    uploadedFileUrl: files.url({ id: params.fileId }),
    uploadedFileSize: humanSize(params.fileSize),
    inputFileSize: params.fileSize,
    uploadedBy: params.uploadedBy,
    uploadedOn: epochString(job.createdAt)!,
    ...(job.startedAt ? { startedProcessingOn: epochString(job.startedAt) } : {}),
    ...(ended ? { completedOn: epochString(job.finishedAt) } : {}),
    status,
    failureMessage: job.state === 'failed' ? (job.error ?? 'The job failed') : '',
    totalCount: total,
    processedCount: processed,
    successCount: succeeded,
    failedCount: failed,
    completedPercentage: percentage,
    remainingTime: remaining,
    remainingTimeText: remaining > 0 ? durationText(remaining) : '',
    outputType: '(url:.csv.zip)',
    ...(result
      ? {
          resultFileId: result.resultFileId,
          resultFileName: result.resultFileName,
          resultFileUrl: files.url({ id: result.resultFileId }),
          outputSize: humanSize(result.resultFileSize),
          outputFileSize: result.resultFileSize,
        }
      : {}),
  }
}
