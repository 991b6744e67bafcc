// /objects/jobs: bulk create, update and delete of a custom object's records. Create and
// update jobs wait (`pending`) for their CSV file; a delete job runs at once on 0 to 2
// conditions. At most 5 jobs per tenant are accepted, pending or in progress.
import type { Readable } from 'node:stream'
import type { JobLifecycle } from '../../jobs/lifecycle.ts'
import type { JobViews } from '../../jobs/pacing.ts'
import { countJobs, enqueuePending, getJob, insertJob, lockTenantSubmissions, requestStop } from '../../jobs/store.ts'
import type { Job, JobState } from '../../jobs/types.ts'
import { ApiError } from '../../platform/errors.ts'
import { newUuid, UUID } from '../../platform/ids.ts'
import type { Db } from '../../storage/db.ts'
import type { FileStore } from '../../storage/files/store.ts'
import { byteLimit, csvShape, fileError, MAX_FILE_BYTES, NotCsv, NotUtf8, readHeader, TooLarge, utf8Check, type Operation } from './csv.ts'
import { findDefinition, findDefinitionById } from '../definitions/store.ts'
import { asUuid } from '../../platform/ids.ts'
import { listJobErrors, type JobErrorRow } from './store.ts'
import { NAMESPACE } from '../definitions/model.ts'
import { code, coError, CoCategory, Resource } from '../errors.ts'
import { requireAccess, scopeOf, type Access } from '../permissions.ts'
import { FilterBuilder, FilterError, OPERATORS } from '../records/filter.ts'
import { schemaOf, type RecordSchema } from '../records/values.ts'
import type { Caller } from '../../platform/caller.ts'

export const BULK_KIND = 'custom_objects.bulk'
/** Zuora: 5 bulk jobs per tenant accepted, pending or in progress. */
export const MAX_ACTIVE_JOBS = 5
const ACTIVE: JobState[] = ['pending', 'queued', 'running']
const SUBMIT_LOCK = 7_310_007 // arbitrary, constant: "zjobs custom object bulk jobs"

export interface Condition {
  field: string
  operator: 'EQ' | 'GT' | 'LT' | 'GE' | 'LE'
  /** The condition's value as text (typed by its field when the job runs). */
  value: string
}

export interface BulkParams {
  namespace: 'default'
  object: string
  operation: Operation
  definitionId: string
  conditions?: Condition[]
  /** The uploaded file (create and update), once it has arrived. */
  fileId?: string
}

export interface BulkProgress {
  /** Rows of the file done (the last committed batch's last row number). */
  rowsDone?: number
  recordsProcessed?: number
}

export interface BulkResult {
  recordsProcessed: number
}

export type BulkJob = Job<BulkParams, BulkProgress, BulkResult>
export type BulkStatus = 'pending' | 'accepted' | 'in_progress' | 'completed' | 'failed' | 'cancelled'

/**
 * Bulk jobs' visible lifecycle: pending until the file arrives (the client's move, never
 * paced), then a delete job is accepted and in progress, a create or update job (queued with
 * its file, shown under way) in progress, then the end.
 */
export const BULK_LIFECYCLE: JobLifecycle = {
  type: 'customObjectBulk',
  kinds: [BULK_KIND],
  stages: (job) => ((job as BulkJob).params.operation === 'delete' ? ['queued', 'running'] : ['running']),
  statusOf: (job) => statusOf(job as BulkJob),
}

export function statusOf(job: BulkJob): BulkStatus {
  switch (job.state) {
    case 'pending':
      return 'pending'
    case 'queued':
      // A delete job waits to start; a create or update job has its file and is under way.
      return job.params.operation === 'delete' && job.attempts === 0 ? 'accepted' : 'in_progress'
    case 'running':
      return 'in_progress'
    case 'completed':
    case 'failed':
      return job.state
    case 'cancelled':
    case 'stopped':
      return 'cancelled'
  }
}

const ACCESS: Record<Operation, Access> = { create: 'create', update: 'update', delete: 'delete' }

/** The job (as shown: see JobViews) as Zuora's CustomObjectBulkJobResponse. */
export function renderJob(job: BulkJob) {
  const status = statusOf(job)
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled'
  const creator = job.createdBy ? asUuid(job.createdBy) : undefined
  const error = status === 'failed' ? jobError(job) : undefined
  return {
    Id: job.id,
    CreatedById: creator ?? '',
    CreatedDate: job.createdAt.toISOString(),
    UpdatedById: creator ?? '',
    UpdatedDate: job.updatedAt.toISOString(),
    namespace: job.params.namespace,
    object: job.params.object,
    operation: job.params.operation,
    status,
    processingTime: finished && job.finishedAt ? job.finishedAt.getTime() - job.createdAt.getTime() : 0,
    recordsProcessed: job.result?.recordsProcessed ?? job.progress.recordsProcessed ?? 0,
    ...(error ? { error } : {}),
  }
}

/** A failed job's error: its code (JobFailure.code), else the job resource's internal-error code. */
function jobError(job: BulkJob): { code: number; message: string } {
  return { code: Number(job.errorCode ?? code(Resource.job, CoCategory.internal)), message: job.error ?? 'The job failed.' }
}

const jobNotFound = (id: string) => coError(404, Resource.job, CoCategory.notFound, `Job not found for id '${id}'.`)
const badRequest = (resource: number, message: string, category: CoCategory = CoCategory.invalid) => coError(400, resource, category, message)

export interface SubmitRequest {
  namespace: 'default' | 'com_zuora'
  object: string
  operation: Operation
  filter?: { conditions: { field: string; operator: string; value: unknown }[] } | null
}

export async function submitJob(db: Db, caller: Caller, request: SubmitRequest): Promise<BulkJob> {
  requireAccess(caller, ACCESS[request.operation])
  if (request.namespace !== NAMESPACE) {
    throw badRequest(Resource.job, `Bulk jobs in namespace com_zuora take only the SavedQuery object, which zjobs does not have.`)
  }
  const definition = await findDefinition(db, scopeOf(caller), request.object)
  if (!definition) throw badRequest(Resource.job, `Custom object [${request.object}] does not exist.`)
  let conditions: Condition[] | undefined
  if (request.filter != null) {
    if (request.operation !== 'delete') throw badRequest(Resource.jobFilter, 'A filter applies to delete jobs only.')
    conditions = request.filter.conditions.map((condition) => ({
      field: condition.field,
      operator: condition.operator as Condition['operator'],
      value: conditionText(condition.value),
    }))
    if (conditions.length < 1 || conditions.length > 2) throw badRequest(Resource.jobConditions, 'A filter has one or two conditions.')
    try {
      conditionsFilter(schemaOf(definition), conditions)
    } catch (error) {
      if (error instanceof FilterError) throw badRequest(Resource.jobConditions, error.message, error.unknownField ? CoCategory.unknownField : CoCategory.invalid)
      throw error
    }
  }
  const { principal, scope } = caller
  const params: BulkParams = {
    namespace: NAMESPACE,
    object: definition.object,
    operation: request.operation,
    definitionId: definition.id,
    ...(conditions ? { conditions } : {}),
  }
  return db.transaction(async (tx) => {
    // Counting and inserting under one lock keeps the limit exact.
    await lockTenantSubmissions(tx, SUBMIT_LOCK, principal.tenant.id)
    const active = await countJobs(tx, principal.tenant.id, [BULK_KIND], ACTIVE)
    if (active >= MAX_ACTIVE_JOBS) {
      throw badRequest(
        Resource.job,
        `Service limit reached: a tenant can have ${MAX_ACTIVE_JOBS} bulk jobs accepted, pending or in progress. Retry when one has ended, or cancel one.`,
        CoCategory.rule,
      )
    }
    return (await insertJob<BulkParams, BulkProgress>(tx, {
      tenantId: principal.tenant.id,
      id: newUuid(),
      kind: BULK_KIND,
      state: request.operation === 'delete' ? 'queued' : 'pending',
      createdBy: principal.user.id,
      entityId: scope.entityId,
      orgIds: scope.orgIds,
      params,
      progress: {},
      maxAttempts: 3,
      lifecycle: { of: BULK_LIFECYCLE, clock: caller.clock },
      idempotencyKey: caller.idempotencyKey,
    })) as BulkJob
  })
}

function conditionText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw badRequest(Resource.jobConditions, 'A condition value is a string, a number or a boolean.')
}

/** The SQL of a delete job's conditions (ANDed); FilterError when one is wrong. */
export function conditionsFilter(schema: RecordSchema, conditions: readonly Condition[]) {
  const builder = new FilterBuilder(schema)
  const where = conditions.map((condition) => `coalesce(${builder.compare(condition.field, OPERATORS[condition.operator], condition.value)}, false)`)
  return { where: where.join(' AND ') || undefined, params: builder.params }
}

/** A bulk job of the caller's tenant (and entity); 404 otherwise. */
export async function findJob(db: Db, caller: Caller, id: string): Promise<BulkJob> {
  const job = UUID.test(id) ? ((await getJob(db, caller.principal.tenant.id, id.toLowerCase())) as BulkJob | undefined) : undefined
  if (!job || job.kind !== BULK_KIND) throw jobNotFound(id)
  if (caller.scope.entityId && job.entityId !== caller.scope.entityId) throw jobNotFound(id)
  return job
}

/** The job as the caller sees it now, this read counted. */
export async function getJobFor(db: Db, views: JobViews, caller: Caller, id: string): Promise<BulkJob> {
  requireAccess(caller, 'view')
  return views.showOne(await findJob(db, caller, id), BULK_LIFECYCLE, { read: true })
}

/** A job as it is shown to the caller without counting a read (the answer to a submit, an upload, a cancel). */
export const shownJob = (views: JobViews, job: BulkJob) => views.showOne(job, BULK_LIFECYCLE, { read: false })

/** A page of the tenant's jobs as the caller sees them, newest first, after the job `cursor`. */
export async function listJobsFor(
  db: Db,
  views: JobViews,
  caller: Caller,
  options: { pageSize: number; cursor?: string; status?: BulkStatus },
) {
  requireAccess(caller, 'view')
  const tenantId = caller.principal.tenant.id
  let before: { createdAt: Date; id: string } | undefined
  if (options.cursor !== undefined) {
    const cursor = UUID.test(options.cursor) ? await getJob(db, tenantId, options.cursor.toLowerCase()) : undefined
    if (!cursor || cursor.kind !== BULK_KIND) throw badRequest(Resource.jobId, `cursor: [${options.cursor}] is not the id of a bulk job of this tenant.`)
    before = { createdAt: cursor.createdAt, id: cursor.id }
  }
  const { status } = options
  // `queued` shows as accepted or in_progress: filtered on the status shown.
  const jobs = await views.list<BulkJob>(
    tenantId,
    { kinds: [BULK_KIND], states: status && STATES_OF[status], entityId: caller.scope.entityId, limit: options.pageSize, before },
    BULK_LIFECYCLE,
    status && ((job) => statusOf(job) === status),
  )
  const rendered = jobs.map(renderJob)
  return { count: rendered.length, ...(rendered.length > 0 ? { cursor: rendered[rendered.length - 1].Id } : {}), jobs: rendered }
}

const STATES_OF: Record<BulkStatus, JobState[]> = {
  pending: ['pending'],
  accepted: ['queued'],
  in_progress: ['queued', 'running'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled', 'stopped'],
}

/** Cancels a job that is (shown) accepted or pending. */
export async function cancelJobFor(db: Db, views: JobViews, caller: Caller, id: string): Promise<BulkJob> {
  const job = await findJob(db, caller, id)
  requireAccess(caller, ACCESS[job.params.operation])
  const status = statusOf(await shownJob(views, job))
  const refuse = () => badRequest(Resource.jobFile, `Job ${job.id} is ${status}: only an accepted or pending job can be cancelled.`)
  if (status !== 'accepted' && status !== 'pending') throw refuse()
  return db.transaction(async (tx) => {
    try {
      return (await requestStop(tx, job.tenantId, job.id, 'cancel', [job.state])).job as BulkJob
    } catch {
      throw refuse()
    }
  })
}

export async function jobErrorsFor(db: Db, caller: Caller, id: string): Promise<{ errors: JobErrorRow[] }> {
  requireAccess(caller, 'view')
  const job = await findJob(db, caller, id)
  return { errors: await listJobErrors(db, job.tenantId, job.id) }
}

export interface Upload {
  contentType: string | undefined
  contentLength: number | undefined
  body: Readable
}

/**
 * Stores a pending job's CSV file (UTF-8, at most 15 MB) through the file store, checks it
 * (header, CSV syntax) and queues the job. A refused file leaves the job pending.
 */
export async function uploadFor(db: Db, files: FileStore, caller: Caller, id: string, upload: Upload): Promise<BulkJob> {
  const drain = () => upload.body.resume()
  let job: BulkJob
  try {
    job = await findJob(db, caller, id)
    requireAccess(caller, job.params.operation === 'update' ? 'update' : 'create')
    if (job.params.operation === 'delete') throw fileError(`Job ${job.id} is a delete job: only create and update jobs take a file.`)
    if (job.state !== 'pending') throw fileError(`Job ${job.id} is ${statusOf(job)}: a file can be uploaded only while the job is pending.`)
    const type = upload.contentType ?? ''
    if (!/^text\/csv\s*(;|$)/i.test(type) || (/charset=/i.test(type) && !/charset="?utf-?8"?\s*(;|$)/i.test(type))) {
      throw fileError(`Content-Type must be text/csv (UTF-8), not ${type || 'missing'}.`)
    }
    if (upload.contentLength !== undefined && upload.contentLength > MAX_FILE_BYTES) throw tooLarge()
  } catch (error) {
    drain()
    throw error
  }
  const definition = await findDefinitionById(db, job.tenantId, job.params.definitionId)
  if (!definition) {
    drain()
    throw badRequest(Resource.job, `Custom object [${job.params.object}] no longer exists.`)
  }
  const schema = schemaOf(definition)
  const stored = await storeFile(files, job, upload.body, (names) => readHeader(schema, job.params.operation, names))
  try {
    const queued = await db.transaction(async (tx) => {
      const paced = { of: BULK_LIFECYCLE, clock: caller.clock }
      if (!(await enqueuePending(tx, job.tenantId, job.id, { ...job.params, fileId: stored }, paced))) return undefined
      return (await getJob(tx, job.tenantId, job.id)) as BulkJob
    })
    if (!queued) throw fileError(`Job ${job.id} is no longer pending: it was cancelled or took another file.`)
    return queued
  } catch (error) {
    await files.delete(job.tenantId, stored).catch(() => {})
    throw error
  }
}

const tooLarge = () => fileError(`The file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB, the bulk job limit.`)

/**
 * Streams the body into the file store, within the size limit, UTF-8, CSV in shape, with a
 * header `onHeader` accepts; returns the file id.
 */
async function storeFile(files: FileStore, job: BulkJob, body: Readable, onHeader: (names: string[]) => void): Promise<string> {
  const limit = byteLimit(MAX_FILE_BYTES)
  const utf8 = utf8Check()
  const check = csvShape(onHeader)
  // Piped, not pipelined: a refused upload must not destroy the request, which still has to
  // carry the answer; what is left of it is drained.
  const onError = (error: Error) => limit.destroy(error)
  const onClose = () => {
    if (!body.readableEnded) limit.destroy(new Error('aborted'))
  }
  body.once('error', onError)
  body.once('close', onClose)
  body.pipe(limit).pipe(utf8).pipe(check)
  limit.on('error', (error) => utf8.destroy(error))
  utf8.on('error', (error) => check.destroy(error))
  try {
    const meta = await files.put(job.tenantId, {
      name: `${job.id}.csv`,
      contentType: 'text/csv',
      stream: check,
      createdBy: job.createdBy ?? undefined,
      jobId: job.id,
    })
    return meta.id
  } catch (error) {
    body.unpipe(limit)
    body.resume()
    if (error instanceof ApiError) throw error
    if (error instanceof TooLarge) throw tooLarge()
    if (error instanceof NotUtf8 || error instanceof NotCsv) throw fileError(error.message)
    if (!body.readableEnded) throw fileError('The upload ended before the whole file arrived.')
    throw error
  } finally {
    body.off('error', onError)
    body.off('close', onClose)
  }
}
