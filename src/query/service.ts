// Data Query jobs as Zuora's /query/jobs shows them: submit (with the per-tenant queue
// limit), read (admins any job of the tenant, others their own), list, cancel. Reads show a
// job as the engine's views say (src/jobs/pacing.ts: lifecycle pacing, the tenant's clock).
import type { Config } from '../config.ts'
import type { JobLifecycle } from '../jobs/lifecycle.ts'
import type { JobViews } from '../jobs/pacing.ts'
import { countJobs, getJob, insertJob, lockTenantSubmissions, requestStop } from '../jobs/store.ts'
import type { Job, JobState } from '../jobs/types.ts'
import type { TenantClock } from '../platform/clock.ts'
import { ApiError } from '../platform/errors.ts'
import { DataQueryErrors } from './errors.ts'
import { asUuid, newUuid, UUID } from '../platform/ids.ts'
import type { Principal } from '../platform/oauth.ts'
import type { Db } from '../storage/db.ts'
import type { FileStore } from '../storage/files/store.ts'
import type { Caller } from '../platform/caller.ts'
import { DATA_QUERY_KINDS, type DataQueryParams, type DataQueryResult, type SourceData } from './job.ts'

export type QueryStatus = 'accepted' | 'in_progress' | 'completed' | 'failed' | 'cancelled'
export type DataQueryJob = Job<DataQueryParams, object, DataQueryResult>

const STATUS_OF: Record<JobState, QueryStatus> = {
  pending: 'accepted',
  queued: 'accepted',
  running: 'in_progress',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  stopped: 'cancelled',
}
const STATES_OF: Record<QueryStatus, JobState[]> = {
  accepted: ['pending', 'queued'],
  in_progress: ['running', 'queued'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled', 'stopped'],
}
const ALL_KINDS = Object.values(DATA_QUERY_KINDS)
const QUEUE_LOCK = 7_310_004 // arbitrary, constant: "zjobs data query queue"


// A query waiting for its retry has started: it stays in_progress (a status never goes back to
// accepted), with the failed attempt counted in remainingRetries.
const statusOf = (job: Job): QueryStatus => {
  if (job.stopRequested === 'cancel') return 'cancelled'
  if (job.state === 'queued' && job.attempts > 0) return 'in_progress'
  return STATUS_OF[job.state]
}

/** Data Query's visible lifecycle: accepted, in_progress, then the end. */
export const DATA_QUERY_LIFECYCLE: JobLifecycle = {
  type: 'dataQuery',
  kinds: ALL_KINDS,
  stages: () => ['queued', 'running'],
  statusOf,
}

export type SubmitRequest = Omit<DataQueryParams, 'createdByEmail' | 'admin' | 'viewCustomObjects' | 'timeZone'>

/** Zuora's user ids in Data Query payloads are 36-character UUIDs; ours are 32 hex characters. */

export function requireDataQueryPermission(caller: Caller): void {
  const { user } = caller.principal
  if (!user.admin && !user.permissions.includes('dataQuery')) {
    throw DataQueryErrors.noPermission()
  }
}

export async function submitQuery(db: Db, config: Config, caller: Caller, request: SubmitRequest): Promise<DataQueryJob> {
  const { principal, scope } = caller
  const kind = DATA_QUERY_KINDS[request.sourceData]
  const queueLimit = request.sourceData === 'LIVE' ? config.dataQueryLiveQueued : config.dataQueryWarehouseQueued
  const params: DataQueryParams = {
    ...request,
    createdByEmail: principal.user.email,
    admin: principal.user.admin,
    viewCustomObjects: principal.user.admin || principal.user.permissions.includes('viewCustomObjects'),
    timeZone: principal.tenant.timeZone,
  }
  return db.transaction(async (tx) => {
    // Counting and inserting under one lock keeps the queue limit exact.
    await lockTenantSubmissions(tx, QUEUE_LOCK, principal.tenant.id)
    const waiting = await countJobs(tx, principal.tenant.id, [kind], ['queued'])
    if (waiting >= queueLimit) {
      throw DataQueryErrors.queueFull(request.sourceData, waiting)
    }
    return insertJob<DataQueryParams, object>(tx, {
      tenantId: principal.tenant.id,
      id: newUuid(),
      kind,
      createdBy: principal.user.id,
      entityId: scope.entityId,
      orgIds: scope.orgIds,
      params,
      maxAttempts: config.dataQueryRetries + 1,
      lifecycle: { of: DATA_QUERY_LIFECYCLE, clock: caller.clock },
      idempotencyKey: caller.idempotencyKey,
    }) as Promise<DataQueryJob>
  })
}

/** A job the caller may see: unknown ids and other entities' jobs are 1001, other users' 1009. */
export async function findQuery(db: Db, caller: Caller, id: string): Promise<DataQueryJob> {
  const notFound = () => DataQueryErrors.noSuchQuery(id)
  if (!UUID.test(id)) throw notFound()
  const job = (await getJob(db, caller.principal.tenant.id, id.toLowerCase())) as DataQueryJob | undefined
  if (!job || !ALL_KINDS.includes(job.kind as (typeof ALL_KINDS)[number])) throw notFound()
  if (caller.scope.entityId && job.entityId !== caller.scope.entityId) throw notFound()
  if (!caller.principal.user.admin && job.createdBy !== caller.principal.user.id) {
    throw DataQueryErrors.restrictedJob(id)
  }
  return job
}

/** The job as the caller sees it now, this read counted. */
export async function readQuery(db: Db, views: JobViews, caller: Caller, id: string): Promise<DataQueryJob> {
  return views.showOne(await findQuery(db, caller, id), DATA_QUERY_LIFECYCLE, { read: true })
}

/** The newest jobs (of a status) as the caller sees them, each read counted. */
export async function listQueries(
  views: JobViews,
  caller: Caller,
  options: { queryStatus?: QueryStatus; pageSize: number },
): Promise<DataQueryJob[]> {
  const status = options.queryStatus
  return views.list<DataQueryJob>(
    caller.principal.tenant.id,
    {
      kinds: ALL_KINDS,
      states: status ? STATES_OF[status] : undefined,
      createdBy: caller.principal.user.admin ? undefined : caller.principal.user.id,
      entityId: caller.scope.entityId,
      limit: options.pageSize,
    },
    DATA_QUERY_LIFECYCLE,
    status && ((job) => statusOf(job) === status),
  )
}

/** A job as it is shown to the caller without counting a read (the answer to a submit or a cancel). */
export const shownQuery = (views: JobViews, job: DataQueryJob) => views.showOne(job, DATA_QUERY_LIFECYCLE, { read: false })

export async function cancelQuery(db: Db, caller: Caller, id: string): Promise<DataQueryJob> {
  const job = await findQuery(db, caller, id)
  const notCancellable = () => DataQueryErrors.notCancellable(id)
  if (job.stopRequested) throw notCancellable()
  try {
    const stopped = await db.transaction((tx) => requestStop(tx, job.tenantId, job.id, 'cancel', ['pending', 'queued', 'running']))
    return stopped.job as DataQueryJob
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) throw notCancellable()
    throw error
  }
}

/**
 * The job (as shown: see JobViews) as Zuora's DataQueryJob, what every /query/jobs answer wraps in
 * `data`; `now` is the tenant's time, from which the result link runs.
 */
export function toDataQueryJob(job: DataQueryJob, files: FileStore, config: Config, now: number) {
  const status = statusOf(job)
  const retries = job.maxAttempts - 1
  // Attempts that ended in a retryable failure; a queued job's attempts have all ended.
  const failedAttempts = job.state === 'queued' ? job.attempts : Math.max(0, job.attempts - 1)
  const result = job.result
  return {
    id: job.id,
    query: job.params.query,
    useIndexJoin: job.params.useIndexJoin,
    sourceData: job.params.sourceData,
    queryStatus: status,
    remainingRetries: Math.max(0, retries - failedAttempts),
    retries,
    updatedOn: job.updatedAt.toISOString(),
    createdOn: job.createdAt.toISOString(),
    createdBy: job.createdBy ? asUuid(job.createdBy) : undefined,
    ...(job.params.createdByEmail ? { createdByUserEmail: job.params.createdByEmail } : {}),
    ...(status === 'completed' && result
      ? {
          dataFile: files.signedUrl({ id: result.fileId, tenantId: job.tenantId }, config.dataQueryResultUrlTtlSeconds, now),
          outputRows: result.outputRows,
          processingTime: result.processingTime,
        }
      : {}),
    ...(status === 'failed' ? { errorMessage: job.error ?? 'The query failed' } : {}),
  }
}

export const SOURCE_DATA: readonly SourceData[] = ['LIVE', 'WAREHOUSE']
