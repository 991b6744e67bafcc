// Auto backfill (propagation) and booking-date jobs as Zuora shows them: submit, read, list,
// stop, and GETAutoBackfillJobResponse, the shape both families answer with.
import type { JobLifecycle } from '../../jobs/lifecycle.ts'
import type { JobViews } from '../../jobs/pacing.ts'
import { insertJob } from '../../jobs/store.ts'
import type { Job } from '../../jobs/types.ts'
import { newHexId } from '../../platform/ids.ts'
import type { Db } from '../../storage/db.ts'
import { BATCH_JOB_ATTEMPTS, type BatchJobParams, type BatchJobProgress } from './job.ts'
import { boundSql, type BatchJobType } from './store.ts'
import { BACKFILL_KINDS, displayName, findJob, LIST_LIMIT, stopJob } from '../common.ts'
import { progressText, readableTime } from '../format.ts'
import type { Caller } from '../../platform/caller.ts'

export type BatchJob = Job<BatchJobParams, BatchJobProgress>
export type BatchFamily = 'propagation' | 'bookingDate'

const WHAT: Record<BatchFamily, string> = { propagation: 'auto backfill job', bookingDate: 'booking date backfill job' }
const kindOf = (family: BatchFamily) => BACKFILL_KINDS[family]

/** The visible lifecycle of auto backfill and booking-date jobs: ACCEPTED, PROCESSING, then the end. */
export const BATCH_JOB_LIFECYCLES: Record<BatchFamily, JobLifecycle> = {
  propagation: { type: 'autoBackfill', kinds: [BACKFILL_KINDS.propagation], stages: () => ['queued', 'running'], statusOf: (job) => statusOf(job as BatchJob) },
  bookingDate: {
    type: 'bookingDateBackfill',
    kinds: [BACKFILL_KINDS.bookingDate],
    stages: () => ['queued', 'running'],
    statusOf: (job) => statusOf(job as BatchJob),
  },
}

export const DEFAULT_BATCH_SIZE = 1000

export interface SubmitOptions {
  type: BatchJobType
  batchSize?: number
  dryRun?: boolean
}

/**
 * Queues a job. The rows it will touch are those existing now: the newest createddate among
 * them is recorded, read in the transaction that writes the job.
 */
export async function submitBatchJob(db: Db, caller: Caller, family: BatchFamily, options: SubmitOptions): Promise<BatchJob> {
  const { principal, scope } = caller
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ bound: string | null }>(boundSql(options.type), [principal.tenant.id, scope.entityId, scope.orgIds])
    const params: BatchJobParams = {
      type: options.type,
      batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
      dryRun: options.dryRun ?? false,
      bound: rows[0]?.bound ?? null,
      username: displayName(principal),
      timeZone: principal.tenant.timeZone,
    }
    return (await insertJob<BatchJobParams, BatchJobProgress>(tx, {
      tenantId: principal.tenant.id,
      id: newHexId(),
      kind: kindOf(family),
      createdBy: principal.user.id,
      entityId: scope.entityId,
      orgIds: scope.orgIds,
      params,
      maxAttempts: BATCH_JOB_ATTEMPTS,
      lifecycle: { of: BATCH_JOB_LIFECYCLES[family], clock: caller.clock },
      idempotencyKey: caller.idempotencyKey,
    })) as BatchJob
  })
}

export const findBatchJob = (db: Db, caller: Caller, family: BatchFamily, jobId: string) =>
  findJob<BatchJobParams, BatchJobProgress, unknown>(db, caller, kindOf(family), jobId, WHAT[family]) as Promise<BatchJob>

/** The job as the caller sees it now, this read counted. */
export const readBatchJob = async (db: Db, views: JobViews, caller: Caller, family: BatchFamily, jobId: string) =>
  views.showOne(await findBatchJob(db, caller, family, jobId), BATCH_JOB_LIFECYCLES[family], { read: true })

/** The tenant's newest jobs as the caller sees them, each read counted. */
export async function listBatchJobs(views: JobViews, caller: Caller, family: BatchFamily): Promise<BatchJob[]> {
  return views.list<BatchJob>(
    caller.principal.tenant.id,
    { kinds: [kindOf(family)], entityId: caller.scope.entityId, limit: LIST_LIMIT },
    BATCH_JOB_LIFECYCLES[family],
  )
}

export async function stopBatchJob(db: Db, caller: Caller, family: BatchFamily, jobId: string): Promise<void> {
  await stopJob(db, await findBatchJob(db, caller, family, jobId), WHAT[family])
}

export type BatchJobStatus = 'ACCEPTED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'STOPPED'

function statusOf(job: BatchJob): BatchJobStatus {
  switch (job.state) {
    case 'pending':
    case 'queued':
      // Waiting to retry after a transient failure: it has been processing.
      return job.startedAt ? 'PROCESSING' : 'ACCEPTED'
    case 'running':
      // Zuora's statuses have no STOPPING: a job asked to stop runs until its batch ends.
      return 'PROCESSING'
    case 'completed':
      return 'COMPLETED'
    case 'failed':
      return 'FAILED'
    case 'stopped':
    case 'cancelled':
      return 'STOPPED'
  }
}

/** The job (as shown: see JobViews) as GETAutoBackfillJobResponse; times readable in `timeZone` (the tenant's). */
export function toAutoBackfillJob(job: BatchJob, timeZone: string) {
  const progress = job.progress ?? {}
  const finished = progress.finished ?? 0
  const planned = Math.max(progress.planned ?? 0, finished)
  return {
    id: job.id,
    createdOn: job.createdAt.getTime(),
    createdOnReadable: readableTime(job.createdAt, timeZone),
    updatedOn: job.updatedAt.getTime(),
    updatedOnReadable: readableTime(job.updatedAt, timeZone),
    updatedByUsername: job.params.username,
    status: statusOf(job),
    type: job.params.type,
    batchSentCount: planned,
    batchFinishedCount: finished,
    errorCount: progress.errors ?? 0,
    progress: progressText(finished, planned, job.state === 'completed'),
  }
}
