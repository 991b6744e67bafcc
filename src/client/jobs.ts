// Jobs of every family in one shape: a job's family, id, its status as the family names it and
// a common state, when it was made, what it does and how far it got. Lists merge the
// families' own lists (newest first); a job found by id is looked up in each family whose ids
// look like it. Public API only.
import {
  getBatchJob,
  getFileJob,
  listBatchJobs,
  listFileJobs,
  stopBatchJob,
  stopFileJob,
  type BatchJob,
  type FileJob,
} from './backfill.ts'
import type { ZuoraClient } from './client.ts'
import { ZuoraError } from './errors.ts'
import { cancelBulkJob, getBulkJob, listBulkJobs, type BulkJob } from './objects.ts'
import { cancelQuery, getQuery, listQueries, type QueryJob } from './query.ts'

export const FAMILIES = ['query', 'objects', 'backfill', 'auto', 'bookingdate'] as const
export type JobFamily = (typeof FAMILIES)[number]

/** Every family's statuses on one scale. */
export const STATES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'stopped'] as const
export type JobState = (typeof STATES)[number]
export const ENDED_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled', 'stopped']

export interface JobSummary {
  family: JobFamily
  id: string
  /** The status as the family's API says it. */
  status: string
  state: JobState
  /** ISO 8601. */
  createdAt: string
  updatedAt?: string
  /** What the job does: the query, `create Vehicle`, `RatePlanCharge rpc.csv`. */
  title: string
  /** How far it got, in the family's own terms: `1,200 rows`, `40% (400/1000)`, `3/8 batches`. */
  progress: string
  /** Why it failed. */
  error?: string
  /** The job as its family's API answered it. */
  job: QueryJob | BulkJob | FileJob | BatchJob
}

const iso = (value: string | number | undefined): string | undefined => {
  if (value === undefined || value === '') return undefined
  const date = new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString()
}
// One formatter for every number: toLocaleString builds a new one per call (tens of microseconds
// each in a browser, a tenth of a second over a list of a thousand backfills).
const NUMBER = new Intl.NumberFormat('en-US')
const count = (n: number) => NUMBER.format(n)
const rows = (n: number) => `${count(n)} row${n === 1 ? '' : 's'}`

export function summarizeQuery(job: QueryJob): JobSummary {
  const state: Record<string, JobState> = { accepted: 'queued', in_progress: 'running', completed: 'completed', failed: 'failed', cancelled: 'cancelled' }
  return {
    family: 'query',
    id: job.id,
    status: job.queryStatus,
    state: state[job.queryStatus] ?? 'running',
    createdAt: iso(job.createdOn)!,
    updatedAt: iso(job.updatedOn),
    title: job.query.replace(/\s+/g, ' ').trim(),
    progress: job.outputRows !== undefined ? rows(job.outputRows) : '',
    error: job.errorMessage || undefined,
    job,
  }
}

export function summarizeBulkJob(job: BulkJob): JobSummary {
  const state: Record<string, JobState> = {
    pending: 'queued',
    accepted: 'queued',
    in_progress: 'running',
    completed: 'completed',
    failed: 'failed',
    cancelled: 'cancelled',
  }
  return {
    family: 'objects',
    id: job.Id,
    status: job.status,
    state: state[job.status] ?? 'running',
    createdAt: iso(job.CreatedDate)!,
    updatedAt: iso(job.UpdatedDate),
    title: `${job.operation} ${job.object}`,
    progress: rows(job.recordsProcessed),
    error: job.error ? `${job.error.code}: ${job.error.message}` : undefined,
    job,
  }
}

export function summarizeFileJob(job: FileJob): JobSummary {
  const state: Record<string, JobState> = {
    Pending: 'queued',
    Processing: 'running',
    Stopping: 'running',
    Completed: 'completed',
    Failed: 'failed',
    Stopped: 'stopped',
    Canceled: 'cancelled',
  }
  const failed = job.failedCount ? `, ${count(job.failedCount)} failed` : ''
  return {
    family: 'backfill',
    id: job.id,
    status: job.status,
    state: state[job.status] ?? 'running',
    createdAt: iso(job.uploadedOn)!,
    updatedAt: iso(job.completedOn ?? job.startedProcessingOn),
    title: `${job.importType} ${job.uploadedFileName}`,
    progress: `${job.completedPercentage}% (${count(job.processedCount)}/${count(job.totalCount)}${failed})`,
    error: job.failureMessage || undefined,
    job,
  }
}

export function summarizeBatchJob(job: BatchJob): JobSummary {
  const state: Record<string, JobState> = { ACCEPTED: 'queued', PROCESSING: 'running', COMPLETED: 'completed', FAILED: 'failed', STOPPED: 'stopped' }
  const errors = job.errorCount ? `, ${count(job.errorCount)} errors` : ''
  return {
    family: job.type === 'BookingDate' ? 'bookingdate' : 'auto',
    id: job.id,
    status: job.status,
    state: state[job.status] ?? 'running',
    createdAt: iso(job.createdOn)!,
    updatedAt: iso(job.updatedOn),
    title: job.type,
    progress: `${job.progress} (${count(job.batchFinishedCount)}/${count(job.batchSentCount)} batches${errors})`,
    job,
  }
}

export const ended = (summary: JobSummary) => ENDED_STATES.includes(summary.state)

export interface ListOptions {
  families?: readonly JobFamily[]
  states?: readonly JobState[]
  /** Most jobs to answer (default 20). */
  limit?: number
  signal?: AbortSignal
  /** Told of a family skipped because the caller may not use it (403) or the server lacks it (404). */
  onSkipped?(family: JobFamily, error: ZuoraError): void
}

/** The newest jobs of the families (all by default), newest first. */
export async function listJobs(client: ZuoraClient, options: ListOptions = {}): Promise<JobSummary[]> {
  const families = options.families ?? FAMILIES
  const limit = options.limit ?? 20
  const states = options.states
  const keep = (summary: JobSummary) => !states || states.includes(summary.state)
  const { signal } = options
  const lists = await Promise.all(
    families.map(async (family): Promise<JobSummary[]> => {
      try {
        switch (family) {
          case 'query': {
            // One status can be asked of the server; several are filtered here.
            const queryStatus = states?.length === 1 ? QUERY_STATUS_OF[states[0]] : undefined
            if (states?.length === 1 && !queryStatus) return []
            const jobs = await listQueries(client, { queryStatus, pageSize: Math.min(1000, states ? 1000 : limit), signal })
            return jobs.map(summarizeQuery).filter(keep)
          }
          case 'objects': {
            const found: JobSummary[] = []
            let cursor: string | undefined
            // Pages of 100 (the most the API gives) until enough jobs of the states are in.
            for (let pages = 0; pages < 20 && found.length < limit; pages++) {
              const page = await listBulkJobs(client, { pageSize: 100, cursor, signal })
              found.push(...page.jobs.map(summarizeBulkJob).filter(keep))
              if (!page.cursor || page.jobs.length < 100) break
              cursor = page.cursor
            }
            return found
          }
          case 'backfill':
            return (await listFileJobs(client, signal)).map(summarizeFileJob).filter(keep)
          case 'auto':
            return (await listBatchJobs(client, 'propagation', signal)).map(summarizeBatchJob).filter(keep)
          case 'bookingdate':
            return (await listBatchJobs(client, 'bookingDate', signal)).map(summarizeBatchJob).filter(keep)
        }
      } catch (error) {
        // Asked for every family, one the caller has no permission for is left out, not fatal.
        if (!options.families && error instanceof ZuoraError && (error.status === 403 || error.status === 404)) {
          options.onSkipped?.(family, error)
          return []
        }
        throw error
      }
    }),
  )
  return lists
    .flat()
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    .slice(0, limit)
}

const QUERY_STATUS_OF: Partial<Record<JobState, QueryJob['queryStatus']>> = {
  queued: 'accepted',
  running: 'in_progress',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX32 = /^[0-9a-f]{32}$/i

/** The families a job id can belong to, from its shape (UUIDs: Data Query and bulk jobs; 32 hex: backfills). */
export function familiesOfId(id: string): JobFamily[] {
  if (UUID.test(id)) return ['query', 'objects']
  if (HEX32.test(id)) return ['backfill', 'auto', 'bookingdate']
  return []
}

/** One job of a family. */
export async function getJobOf(client: ZuoraClient, family: JobFamily, id: string, signal?: AbortSignal): Promise<JobSummary> {
  switch (family) {
    case 'query':
      return summarizeQuery(await getQuery(client, id, signal))
    case 'objects':
      return summarizeBulkJob(await getBulkJob(client, id, signal))
    case 'backfill':
      return summarizeFileJob(await getFileJob(client, id, signal))
    case 'auto':
      return summarizeBatchJob(await getBatchJob(client, 'propagation', id, signal))
    case 'bookingdate':
      return summarizeBatchJob(await getBatchJob(client, 'bookingDate', id, signal))
  }
}

/** A job by its id, in `family` or in each family whose ids look like it; a ZuoraError (404) if none has it. */
export async function findJob(client: ZuoraClient, id: string, family?: JobFamily, signal?: AbortSignal): Promise<JobSummary> {
  if (family) return getJobOf(client, family, id, signal)
  const candidates = familiesOfId(id)
  if (candidates.length === 0) {
    throw new ZuoraError('refused', `${id} is not a job id: Data Query and bulk job ids are UUIDs, backfill job ids 32 hexadecimal characters`)
  }
  for (const candidate of candidates) {
    try {
      return await getJobOf(client, candidate, id, signal)
    } catch (error) {
      // Not this family's (an unknown id answers 404, or 400 in families that check the id's form).
      if (error instanceof ZuoraError && (error.status === 404 || error.status === 400 || error.status === 403)) continue
      throw error
    }
  }
  throw new ZuoraError('refused', `no job ${id} in ${candidates.join(', ')}`, { status: 404 })
}

/**
 * Ends a job as its family can: cancels a query or a bulk job, stops a backfill (the Data
 * Backfill API only stops). Answers the job as it is afterwards.
 */
export async function cancelJob(client: ZuoraClient, job: Pick<JobSummary, 'family' | 'id'>, signal?: AbortSignal): Promise<JobSummary> {
  switch (job.family) {
    case 'query':
      return summarizeQuery(await cancelQuery(client, job.id, signal))
    case 'objects':
      return summarizeBulkJob(await cancelBulkJob(client, job.id, signal))
    case 'backfill':
      await stopFileJob(client, job.id, signal)
      break
    case 'auto':
      await stopBatchJob(client, 'propagation', job.id, signal)
      break
    case 'bookingdate':
      await stopBatchJob(client, 'bookingDate', job.id, signal)
      break
  }
  return getJobOf(client, job.family, job.id, signal)
}
