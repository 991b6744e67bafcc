// The job engine's vocabulary, shared by the engine and the API families' handlers.
import type { FastifyBaseLogger } from 'fastify'
import type { PoolClient } from 'pg'
import type { Config } from '../config.ts'
import type { Db } from '../storage/db.ts'
import type { FileStore } from '../storage/files/store.ts'

export type JobState = 'pending' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'stopped'
export const FINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled', 'stopped']
export type StopRequest = 'stop' | 'cancel'
/** What a job is asked to do between batches: stop, cancel, or fail (a failure the sandbox forces). */
export type StopFlag = StopRequest | 'fail'

export interface Job<P = unknown, G = unknown, R = unknown> {
  tenantId: string
  id: string
  kind: string
  state: JobState
  stopRequested: StopFlag | null
  createdBy: string | null
  entityId: string | null
  orgIds: string[] | null
  params: P
  progress: G
  result: R | null
  error: string | null
  /** The failure's code, when it has one (JobFailure.code). */
  errorCode: string | null
  attempts: number
  maxAttempts: number
  createdAt: Date
  startedAt: Date | null
  updatedAt: Date
  finishedAt: Date | null
}

/** A job a worker holds: its lease token fences every write the worker makes. */
export interface ClaimedJob<P = unknown, G = unknown> extends Job<P, G> {
  leaseToken: string
}

/** A row of a job's file a sandbox fault refuses (src/jobs/faults.ts): the code (Custom Objects) and message. */
export interface RowFault {
  ruleId: string
  code: number | null
  message: string
}

/** What a handler's next step should be, decided between batches. */
export type Next = 'continue' | StopRequest

export interface JobContext<P = unknown, G = unknown> {
  /** The job as claimed; `progress` is the last committed progress (where to resume). */
  readonly job: ClaimedJob<P, G>
  readonly db: Db
  readonly log: FastifyBaseLogger
  /** Aborted when the worker loses the job's lease or shuts down. */
  readonly signal: AbortSignal
  /**
   * Runs one batch: `work` and the new progress it returns commit in one transaction, fenced
   * by the lease, so a batch is applied once even if the job is delivered again. Before the
   * batch runs, a stop or cancel request is honoured (the batch is skipped and the request
   * returned); on shutdown the job is handed back to the queue (JobInterrupted).
   */
  commit(work: (tx: PoolClient) => Promise<G>): Promise<Next>
  /** The stop/cancel check alone, between steps that write nothing. Renews the lease. */
  check(): Promise<Next>
  /**
   * A row of the job's file a sandbox fault refuses (src/jobs/faults.ts), by its number as the
   * family reports it: the handler refuses it as it refuses a bad row. Unset: no row fault.
   */
  rowFault?: (row: number) => RowFault | undefined
}

export interface JobOutcome<R = unknown> {
  state: 'completed' | 'stopped' | 'cancelled'
  result?: R
}

/** What job kinds are built with (src/jobs/registry.ts opens it for each worker). */
export interface JobDeps {
  config: Config
  db: Db
  log: FastifyBaseLogger
  files: FileStore
  /** The database WAREHOUSE queries read (the main one unless configured). */
  warehouseDb: Db
}

/** One kind of job: what runs it and how many of a tenant's may run at once. */
export interface JobKind<P = unknown, G = unknown, R = unknown> {
  kind: string
  /** Running jobs of this kind per tenant; a tenant's `job_limits[kind]` overrides it. */
  maxRunningPerTenant: number
  run(context: JobContext<P, G>): Promise<JobOutcome<R>>
  /** Called (best effort) after the job ends failed, to let the family record more. */
  onFailed?(job: Job<P, G, R>, message: string, db: Db): Promise<void>
}

/**
 * A failure retrying cannot fix (bad input, a SQL error): the job fails with this message, and
 * with `code` (a family's error code, kept in its own column) when the family shows one.
 */
export class JobFailure extends Error {
  readonly code: string | null

  constructor(message: string, code?: number | string) {
    super(message)
    this.code = code === undefined ? null : String(code)
  }
}

// SQLSTATE classes and codes a retry can get past: a lost connection (08), a serialization
// failure or deadlock (40), a server too busy, restarting or shutting down (53300, 55P03,
// 57P0x), a cancelled statement (57014), an I/O error (58).
const TRANSIENT_SQLSTATE = /^(08|40|58|53300|53100|55P03|57014|57P0)/

/**
 * Whether another attempt cannot succeed either: a JobFailure; a database error that is the
 * statement's own (out of memory 53200, a program limit such as value too large or stack
 * depth 54, bad data 22, syntax or permission 42...); a JavaScript range error (a string or
 * array too long, the call stack exceeded). A lost connection or anything unknown may pass.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (error instanceof JobFailure || error instanceof RangeError) return true
  if ((error as { code?: unknown }).code === 'ERR_STRING_TOO_LONG') return true
  const { code, severity } = error as { code?: unknown; severity?: unknown }
  if (typeof code !== 'string' || typeof severity !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false
  return !TRANSIENT_SQLSTATE.test(code)
}

/** The worker is shutting down: the job goes back to the queue and resumes on the next start. */
export class JobInterrupted extends Error {}

/** Another worker took the job over (this one's lease expired): stop touching it. */
export class JobLeaseLost extends Error {}

/** The handle the API side holds on the workers: nudge them when work arrives. */
export interface JobSignals {
  wake(): void
}
