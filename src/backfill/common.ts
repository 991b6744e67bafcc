// What every Data Backfill operation shares: the job kinds, the caller's permission, job id
// checks, the v1 success envelope and the errors (spec §7.11's suggested codes).
import { randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Caller } from '../platform/caller.ts'
import { getJob, requestStop } from '../jobs/store.ts'
import type { Job, JobState } from '../jobs/types.ts'
import { ApiError } from '../platform/errors.ts'
import { BackfillErrors } from './errors.ts'
import type { TenantClock } from '../platform/clock.ts'
import type { Principal } from '../platform/oauth.ts'
import type { Db } from '../storage/db.ts'

export const BACKFILL_KINDS = {
  file: 'data_backfill.file',
  propagation: 'data_backfill.propagation',
  bookingDate: 'data_backfill.booking_date',
} as const
export type BackfillKind = (typeof BACKFILL_KINDS)[keyof typeof BACKFILL_KINDS]

/** The caller of a Data Backfill operation, who must hold the dataBackfill permission (403 otherwise). */
export function backfillCaller(caller: Caller): Caller {
  const { user } = caller.principal
  if (!user.admin && !user.permissions.includes('dataBackfill')) {
    throw BackfillErrors.noPermission()
  }
  return caller
}

/** The name a job shows for its user (uploadedBy, updatedByUsername): the email, else the username. */
export const displayName = (principal: Principal) => principal.user.email ?? principal.user.username

/** Zuora's process ids: 16 upper-case hexadecimal characters. */
export const processId = () => randomBytes(8).toString('hex').toUpperCase()

/** The v1 success envelope (CommonResponse) around `payload`. */
export function ok<T extends object>(request: FastifyRequest, payload?: T): { success: true; processId: string; requestId: string } & T {
  return { success: true, processId: processId(), requestId: request.id, ...(payload ?? ({} as T)) }
}

/** `{"status":"Stopping"}` is the only stop request there is. */
export function checkStopBody(body: { status: string }): void {
  if (body.status !== 'Stopping') {
    throw BackfillErrors.invalid(`Invalid status '${body.status}': the only value accepted is Stopping`)
  }
}

const JOB_ID = /^[0-9a-f]{32}$/

/** A job id as the path gives it: exactly 32 hexadecimal characters, or a clear 400. */
export function checkJobId(jobId: string): string {
  if (jobId.length !== 32) {
    throw BackfillErrors.invalid(`Invalid jobId '${clip(jobId)}': a job id is exactly 32 characters, not ${jobId.length}`)
  }
  const id = jobId.toLowerCase()
  if (!JOB_ID.test(id)) throw BackfillErrors.invalid(`Invalid jobId '${jobId}': a job id is 32 hexadecimal characters`)
  return id
}

const clip = (value: string) => (value.length > 40 ? `${value.slice(0, 37)}...` : value)

/** A job of `kind` the caller may see (its tenant, its entity), or a v1 404 (50000040). */
export async function findJob<P, G, R>(db: Db, caller: Caller, kind: BackfillKind, jobId: string, what: string): Promise<Job<P, G, R>> {
  const id = checkJobId(jobId)
  const job = await getJob<P, G, R>(db, caller.principal.tenant.id, id)
  if (!job || job.kind !== kind || (caller.scope.entityId && job.entityId !== caller.scope.entityId)) {
    throw BackfillErrors.noSuchJob(what, id)
  }
  return job
}

/**
 * Asks a job to stop ({"status":"Stopping"}). A job that has not started stops at once; a
 * running one stops after its current batch. A finished job, or one already stopping, gets
 * 409 with 50000030 (a rule restriction).
 */
export async function stopJob(db: Db, job: Job, what: string): Promise<void> {
  const refuse = (state: string) => BackfillErrors.notStoppable(what, job.id, state)
  if (job.stopRequested) throw refuse('already stopping')
  const stoppable: JobState[] = ['pending', 'queued', 'running']
  if (!stoppable.includes(job.state)) throw refuse(job.state)
  try {
    await db.transaction((tx) => requestStop(tx, job.tenantId, job.id, 'stop', stoppable))
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error
    // It ended or was stopped between the read and the request: say what it is now.
    const now = await getJob(db, job.tenantId, job.id)
    throw refuse(now?.stopRequested ? 'already stopping' : (now?.state ?? 'gone'))
  }
}

/** The jobs a list shows: the 1,000 newest of the tenant (of the request's entity). */
export const LIST_LIMIT = 1000
