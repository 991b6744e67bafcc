// The jobs list's logic: each job's type within its family, the filters, how often to read
// the list again, and the labels of families and states.
import type { BatchJob, FileJob } from '../../../src/client/backfill.ts'
import { ENDED_STATES, type JobFamily, type JobState, type JobSummary } from '../../../src/client/jobs.ts'
import type { BulkJob } from '../../../src/client/objects.ts'
import type { QueryJob } from '../../../src/client/query.ts'
import type { JobFilters, Since } from './routes.ts'

export const FAMILY_LABELS: Record<JobFamily, string> = {
  query: 'Data Query',
  objects: 'Custom object bulk',
  backfill: 'Data Backfill file',
  auto: 'Auto backfill',
  bookingdate: 'Booking date',
}

/** The job types each family has, for the type filter. */
export const FAMILY_TYPES: Record<JobFamily, readonly string[]> = {
  query: ['LIVE', 'WAREHOUSE'],
  objects: ['create', 'update', 'delete'],
  backfill: ['ProductRatePlanCharge', 'RatePlanCharge', 'InvoiceDetail', 'MemoDetail', 'InvoiceItemAdjustment'],
  auto: ['RatePlanCharge', 'OrderLineItem'],
  bookingdate: ['BookingDate'],
}

/** A job's type within its family: a query's source, a bulk job's operation, a backfill's import type. */
export function typeOf(summary: JobSummary): string {
  switch (summary.family) {
    case 'query':
      return (summary.job as QueryJob).sourceData
    case 'objects':
      return (summary.job as BulkJob).operation
    case 'backfill':
      return (summary.job as FileJob).importType
    case 'auto':
    case 'bookingdate':
      return (summary.job as BatchJob).type
  }
}

const SINCE_MS: Record<Since, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 }

/** The jobs that pass the type and time filters (family and state are asked of the API). */
export function filterJobs(jobs: readonly JobSummary[], filters: JobFilters, now: number): JobSummary[] {
  const from = filters.since ? now - SINCE_MS[filters.since] : undefined
  return jobs.filter((job) => {
    if (filters.family && job.family !== filters.family) return false
    if (filters.state && job.state !== filters.state) return false
    if (filters.type && typeOf(job) !== filters.type) return false
    if (from !== undefined && !(Date.parse(job.createdAt) >= from)) return false
    return true
  })
}

export const isEnded = (state: JobState) => ENDED_STATES.includes(state)

/** Milliseconds until the list is read again: soon while a job it shows moves, slowly otherwise (to see new jobs). */
export function listPollDelay(jobs: readonly JobSummary[]): number {
  return jobs.some((job) => !isEnded(job.state)) ? 1500 : 10_000
}

/** What ends a job of the family, as its API names it: Data Query and bulk jobs cancel; backfills stop. */
export const endVerb = (family: JobFamily): 'Cancel' | 'Stop' => (family === 'query' || family === 'objects' ? 'Cancel' : 'Stop')

/** A family's job's own fields, flattened for display: `a.b` for nested objects. */
export function fieldsOf(job: object): [string, unknown][] {
  const out: [string, unknown][] = []
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value)
      if (entries.length === 0) out.push([prefix, '{}'])
      for (const [key, inner] of entries) walk(prefix ? `${prefix}.${key}` : key, inner)
    } else out.push([prefix, value])
  }
  walk('', job)
  return out
}

/** Percent done of a job, when its family says (backfills), for a progress bar. */
export function percentOf(summary: JobSummary): number | undefined {
  if (summary.family === 'backfill') return (summary.job as FileJob).completedPercentage
  if (summary.family === 'auto' || summary.family === 'bookingdate') {
    const percent = Number.parseFloat((summary.job as BatchJob).progress)
    return Number.isFinite(percent) ? percent : undefined
  }
  return undefined
}
