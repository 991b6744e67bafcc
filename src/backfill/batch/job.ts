// The auto backfill (propagation) and booking-date jobs: count the rows the job will work on
// (batchSentCount = the batches that makes), then one statement per batch by id, each
// committed with the job's progress (batches finished, rows in error, the last id), so a
// redelivered job resumes after its last committed batch and a stop keeps exactly the
// finished batches. A dry run does the same work without writing.
import type { JobContext, JobKind, JobOutcome } from '../../jobs/types.ts'
import { batchSql, countSql, usesTimeZone, type BatchJobType } from './store.ts'
import { BACKFILL_KINDS } from '../common.ts'
import { ASYNC_COMMIT, type BackfillHooks } from '../files/job.ts'

export interface BatchJobParams {
  type: BatchJobType
  batchSize: number
  dryRun: boolean
  /** The newest createddate among the targets at submission (PostgreSQL text), or null: newer rows are not touched. */
  bound: string | null
  /** The submitter as updatedByUsername shows them. */
  username: string
  /** The tenant's time zone at submission (booking dates are calendar dates there). */
  timeZone: string
}

export interface BatchJobProgress {
  /** Batches the job planned (rows at start / batch size); undefined until counted. */
  planned?: number
  finished?: number
  /** Rows that could not be changed (no source to copy from). */
  errors?: number
  /** Rows changed (a dry run: would be changed). */
  changed?: number
  lastId?: string
  done?: boolean
}

export const BATCH_JOB_ATTEMPTS = 3

type Context = JobContext<BatchJobParams, BatchJobProgress>

async function runBatches(context: Context, hooks: BackfillHooks): Promise<JobOutcome> {
  const { job } = context
  const { params } = job
  const scope = [job.entityId, job.orgIds]
  const stopped = (next: 'stop' | 'cancel'): JobOutcome => ({ state: next === 'stop' ? 'stopped' : 'cancelled' })
  if (job.progress.planned === undefined) {
    const next = await context.commit(async (tx) => {
      const { rows } = await tx.query<{ n: number }>(countSql(params.type), [job.tenantId, params.bound, ...scope])
      return { planned: Math.ceil(rows[0].n / params.batchSize), finished: 0, errors: 0, changed: 0, lastId: '' }
    })
    if (next !== 'continue') return stopped(next)
  }
  const sql = batchSql(params.type, params.dryRun)
  while (!job.progress.done) {
    await hooks.beforeBatch?.(job.id, job.progress.finished ?? 0)
    const next = await context.commit(async (tx) => {
      if (context.db.kind === 'postgres') await tx.query(ASYNC_COMMIT)
      const progress = job.progress
      const values: unknown[] = [job.tenantId, progress.lastId ?? '', params.batchSize, params.bound, job.createdBy, ...scope]
      if (usesTimeZone(params.type)) values.push(params.timeZone)
      const { rows } = await tx.query<{ rows: number; last_id: string | null; changed: number }>(sql, values)
      const batch = rows[0]
      const finished = (progress.finished ?? 0) + (batch.rows > 0 ? 1 : 0)
      // A short batch is the last one; the plan is then what was actually done.
      const done = batch.rows < params.batchSize
      return {
        planned: done ? finished : Math.max(progress.planned ?? 0, finished),
        finished,
        errors: (progress.errors ?? 0) + (batch.rows - batch.changed),
        changed: (progress.changed ?? 0) + batch.changed,
        lastId: batch.last_id ?? progress.lastId ?? '',
        done,
      }
    })
    if (next !== 'continue') return stopped(next)
  }
  return { state: 'completed' }
}

export function batchJobKinds(hooks: BackfillHooks = {}): JobKind<BatchJobParams, BatchJobProgress>[] {
  // One job of each kind per tenant at a time: later ones wait (ACCEPTED) in submission order.
  return [BACKFILL_KINDS.propagation, BACKFILL_KINDS.bookingDate].map((kind) => ({
    kind,
    maxRunningPerTenant: 1,
    run: (context) => runBatches(context, hooks),
  }))
}
