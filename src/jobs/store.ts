// Every SQL statement of the job engine, one function per statement.
import { randomUUID } from 'node:crypto'
import type { TenantClock } from '../platform/clock.ts'
import type { Queryable } from '../storage/db.ts'
import { conflict, notFound } from '../platform/errors.ts'
import { runAfter, startPacing, type JobLifecycle, type Policy } from './lifecycle.ts'
import { savePacing, setRunAfter } from './lifecycle-store.ts'
import type { ClaimedJob, Job, JobState, StopFlag, StopRequest } from './types.ts'

const CLAIM_LOCK = 7_310_003 // arbitrary, constant: "zjobs job claims"

interface JobRow {
  tenant_id: string
  id: string
  kind: string
  state: JobState
  stop_requested: StopFlag | null
  created_by: string | null
  entity_id: string | null
  org_ids: string[] | null
  params: unknown
  progress: unknown
  result: unknown
  error: string | null
  error_code: string | null
  attempts: number
  max_attempts: number
  created_at: Date
  started_at: Date | null
  updated_at: Date
  finished_at: Date | null
  lease_token: string | null
}

const COLUMNS = `tenant_id, id, kind, state, stop_requested, created_by, entity_id, org_ids, params, progress, result,
  error, error_code, attempts, max_attempts, created_at, started_at, updated_at, finished_at, lease_token`

function toJob<P, G, R>(row: JobRow): Job<P, G, R> {
  return {
    tenantId: String(row.tenant_id),
    id: row.id,
    kind: row.kind,
    state: row.state,
    stopRequested: row.stop_requested,
    createdBy: row.created_by,
    entityId: row.entity_id,
    orgIds: row.org_ids,
    params: row.params as P,
    progress: row.progress as G,
    result: row.result as R | null,
    error: row.error,
    errorCode: row.error_code,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  }
}

export interface NewJob<P = unknown, G = unknown> {
  tenantId: string
  id: string
  kind: string
  /** 'pending' waits for input before it can run; default 'queued'. */
  state?: 'pending' | 'queued'
  createdBy?: string | null
  entityId?: string | null
  orgIds?: string[] | null
  params: P
  progress?: G
  maxAttempts: number
  /**
   * The family's lifecycle and the tenant's clock: when the tenant has a lifecycle policy for
   * the job's type, the job is paced (src/jobs/lifecycle.ts) under it.
   */
  lifecycle?: Paced
  /** The submission's Idempotency-Key: a job already submitted under it is answered instead (insertJob). */
  idempotencyKey?: string | null
}

export interface Paced {
  of: JobLifecycle
  clock: TenantClock
}

/** Writes a job; run it in the transaction that stores the job's input. */
/**
 * Inserts a job. A job of the tenant already submitted under the same Idempotency-Key (its
 * first answer lost with its process) is returned instead, and nothing is inserted.
 */
export async function insertJob<P, G>(db: Queryable, job: NewJob<P, G>): Promise<Job<P, G>> {
  const paced = job.lifecycle
  const { rows } = await db.query<JobRow & { policy?: Policy | null }>(
    `INSERT INTO jobs (tenant_id, id, kind, state, created_by, entity_id, org_ids, params, progress, max_attempts, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING ${COLUMNS}${paced ? ', (SELECT policy FROM lifecycle_policies WHERE tenant_id = $1 AND job_type = $12) AS policy' : ''}`,
    [
      job.tenantId,
      job.id,
      job.kind,
      job.state ?? 'queued',
      job.createdBy ?? null,
      job.entityId ?? null,
      job.orgIds ?? null,
      JSON.stringify(job.params),
      JSON.stringify(job.progress ?? {}),
      job.maxAttempts,
      job.idempotencyKey ?? null,
      ...(paced ? [paced.of.type] : []),
    ],
  )
  if (rows.length === 0) {
    const earlier = await db.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2`, [job.tenantId, job.idempotencyKey])
    return toJob<P, G, unknown>(earlier.rows[0]!)
  }
  const inserted = toJob<P, G, unknown>(rows[0])
  if (paced && rows[0].policy) await pace(db, inserted, paced, rows[0].policy)
  return inserted
}

/** Paces a job under `policy` from now: its lifecycle row, and its work held until the policy lets it run. */
async function pace(db: Queryable, job: Job, paced: Paced, policy: Policy): Promise<void> {
  const pacing = startPacing(policy, job.state === 'pending', paced.of.stages(job), paced.clock.now())
  await savePacing(db, job.tenantId, [[job.id, pacing]])
  if (job.state === 'queued') await setRunAfter(db, job.tenantId, [[job.id, runAfter(pacing, paced.clock)]])
}

export async function getJob<P = unknown, G = unknown, R = unknown>(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<Job<P, G, R> | undefined> {
  const { rows } = await db.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
  return rows[0] && toJob(rows[0])
}

export interface ListOptions {
  kinds: string[]
  states?: JobState[]
  createdBy?: string
  /** Scope to an entity (multi-entity tenants). */
  entityId?: string | null
  limit: number
  /** Keyset cursor: jobs strictly older than this (created_at, id). */
  before?: { createdAt: Date; id: string }
}

/**
 * A tenant's jobs, newest first. Each kind's jobs are read in order from the index
 * (tenant_id, kind, created_at DESC, id DESC), at most a page of each, and the pages merged:
 * with `kind = ANY(...)` in one scan PostgreSQL cannot use the index's order and sorts every
 * job of the kinds (thousands for a page of 25).
 */
export async function listJobs<P = unknown, G = unknown, R = unknown>(
  db: Queryable,
  tenantId: string,
  options: ListOptions,
): Promise<Job<P, G, R>[]> {
  const conditions = ['tenant_id = $1', 'kind = k.kind']
  const values: unknown[] = [tenantId, options.kinds]
  const add = (sql: string, value: unknown) => {
    values.push(value)
    conditions.push(sql.replace('?', `$${values.length}`))
  }
  if (options.states) add('state = ANY(?)', options.states)
  if (options.createdBy) add('created_by = ?', options.createdBy)
  if (options.entityId) add('entity_id = ?', options.entityId)
  if (options.before) {
    values.push(options.before.createdAt, options.before.id)
    conditions.push(`(created_at, id) < ($${values.length - 1}, $${values.length})`)
  }
  values.push(options.limit)
  const { rows } = await db.query<JobRow>(
    `SELECT j.* FROM (SELECT DISTINCT unnest($2::text[]) AS kind) k
     CROSS JOIN LATERAL (
       SELECT ${COLUMNS} FROM jobs WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${values.length}
     ) j
     ORDER BY j.created_at DESC, j.id DESC LIMIT $${values.length}`,
    values,
  )
  return rows.map((row) => toJob<P, G, R>(row))
}

/**
 * Serialises a tenant's submissions of one family until the transaction ends, so that counting
 * its jobs and inserting one keeps a per-tenant limit exact. `family` is the family's own lock
 * number. Run it inside the transaction that counts and inserts.
 */
export async function lockTenantSubmissions(tx: Queryable, family: number, tenantId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, $2::int)', [family, Number(tenantId) % 2_147_483_647])
}

export async function countJobs(db: Queryable, tenantId: string, kinds: string[], states: JobState[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND kind = ANY($2) AND state = ANY($3)',
    [tenantId, kinds, states],
  )
  return rows[0].n
}

/**
 * Moves a pending job (its input has arrived) to the queue. A job paced while it waited (`lifecycle`
 * given) begins its visible stages now.
 */
export async function enqueuePending(db: Queryable, tenantId: string, id: string, params?: unknown, lifecycle?: Paced): Promise<boolean> {
  const { rows } = await db.query<JobRow & { policy: Policy | null }>(
    `UPDATE jobs SET state = 'queued', params = coalesce($3::jsonb, params), run_after = now(), updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND state = 'pending'
     RETURNING ${COLUMNS}, (SELECT policy FROM job_lifecycles WHERE tenant_id = $1 AND job_id = $2) AS policy`,
    [tenantId, id, params === undefined ? null : JSON.stringify(params)],
  )
  const row = rows[0]
  if (row && lifecycle && row.policy) await pace(db, toJob(row), lifecycle, row.policy)
  return rows.length === 1
}

/** The job, its row locked for the transaction (nothing claims or changes it meanwhile). */
export async function lockJob(db: Queryable, tenantId: string, id: string): Promise<Job | undefined> {
  const { rows } = await db.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id])
  return rows[0] && toJob(rows[0])
}

/** Locks jobs' rows for the transaction, in id order (the order every writer of a job and its lifecycle row takes). */
export async function lockJobs(db: Queryable, tenantId: string, ids: string[]): Promise<void> {
  await db.query('SELECT id FROM jobs WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE', [tenantId, ids])
}

/** Ends a job that waits (pending or queued) as failed with `message` (no code: its family's default); false if it no longer waits. */
export async function failWaitingJob(db: Queryable, tenantId: string, id: string, message: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET state = 'failed', error = $3, error_code = NULL, finished_at = now(), updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND state IN ('pending', 'queued')`,
    [tenantId, id, message],
  )
  return rowCount === 1
}

/** Asks a running job's worker to fail it with `message` (no code) at its next batch; false if it no longer runs or has a request already. */
export async function requestFailure(db: Queryable, tenantId: string, id: string, message: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET stop_requested = 'fail', error = $3, error_code = NULL, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND state = 'running' AND stop_requested IS NULL`,
    [tenantId, id, message],
  )
  return rowCount === 1
}

const ASKED: Record<StopFlag, string> = { stop: 'stopping', cancel: 'cancelling', fail: 'failing' }

export type StopResult =
  /** The job had not started: it is now final (stopped or cancelled). */
  | { kind: 'ended'; job: Job }
  /** The job runs: its worker stops it between batches. */
  | { kind: 'requested'; job: Job }

/**
 * Asks a job to stop or cancel. A job that is not running yet ends at once; a running one
 * is flagged for its worker; a job in any other state is refused with 409 (families map it
 * to their own error). `allowed` lists the states the family accepts the request in. Run it
 * inside a transaction: it locks the job row.
 */
export async function requestStop(
  db: Queryable,
  tenantId: string,
  id: string,
  how: StopRequest,
  allowed: JobState[],
): Promise<StopResult> {
  const { rows } = await db.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
    tenantId,
    id,
  ])
  const row = rows[0]
  if (!row) throw notFound(`Job ${id} does not exist`)
  if (!allowed.includes(row.state) || row.stop_requested) {
    throw conflict(`Job ${id} is ${row.stop_requested ? `already ${ASKED[row.stop_requested]}` : row.state}`)
  }
  if (row.state === 'pending' || row.state === 'queued') {
    const final = how === 'stop' ? 'stopped' : 'cancelled'
    const updated = await db.query<JobRow>(
      `UPDATE jobs SET state = $3, finished_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id, final],
    )
    return { kind: 'ended', job: toJob(updated.rows[0]) }
  }
  const updated = await db.query<JobRow>(
    `UPDATE jobs SET stop_requested = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, how],
  )
  return { kind: 'requested', job: toJob(updated.rows[0]) }
}

export interface KindLimit {
  kind: string
  maxRunningPerTenant: number
}

/**
 * Claims the next job for a worker, or nothing. Claims are serialised by an advisory lock so
 * per-tenant limits are exact; among tenants under their limit, the one with the fewest
 * running jobs goes first, so one tenant's backlog cannot starve another tenant. A running
 * job whose lease expired (its worker died) is claimable by any other worker.
 */
export async function claimJob(
  db: { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> },
  limits: KindLimit[],
  leaseSeconds: number,
  workerId: string,
): Promise<ClaimedJob | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK])
    const { rows } = await tx.query<JobRow>(
      `WITH limits AS (
         SELECT * FROM unnest($1::text[], $2::int[]) AS l (kind, max_running)
       ), running AS (
         SELECT tenant_id, kind, count(*) AS n FROM jobs
         WHERE state = 'running' AND kind = ANY($1) AND lease_expires_at >= now()
         GROUP BY tenant_id, kind
       ), candidate AS (
         SELECT j.tenant_id, j.id FROM jobs j
         JOIN limits l ON l.kind = j.kind
         JOIN tenants t ON t.id = j.tenant_id
         LEFT JOIN running r ON r.tenant_id = j.tenant_id AND r.kind = j.kind
         WHERE j.kind = ANY($1)
           AND ((j.state = 'queued' AND j.run_after <= now())
             OR (j.state = 'running' AND j.lease_expires_at < now() AND j.worker_id IS DISTINCT FROM $4))
           AND coalesce(r.n, 0) < coalesce((t.job_limits ->> j.kind)::int, l.max_running)
         ORDER BY coalesce(r.n, 0), j.created_at, j.id
         LIMIT 1
         FOR UPDATE OF j SKIP LOCKED
       )
       UPDATE jobs SET state = 'running', lease_token = $5, lease_expires_at = now() + make_interval(secs => $3),
         worker_id = $4, attempts = jobs.attempts + 1, started_at = coalesce(jobs.started_at, now()), updated_at = now()
       FROM candidate WHERE jobs.tenant_id = candidate.tenant_id AND jobs.id = candidate.id
       RETURNING ${COLUMNS.split(',').map((c) => `jobs.${c.trim()}`).join(', ')}`,
      [limits.map((l) => l.kind), limits.map((l) => l.maxRunningPerTenant), leaseSeconds, workerId, randomUUID()],
    )
    const row = rows[0]
    return row && { ...toJob(row), leaseToken: row.lease_token! }
  })
}

/** What a worker is asked between batches: a stop, a cancel, or a failure with its message. */
export interface BatchRequest {
  stopRequested: StopFlag | null
  /** With stopRequested 'fail': the failure's message and code. */
  error: string | null
  errorCode: string | null
}

type BatchRequestRow = { stop_requested: StopFlag | null; error: string | null; error_code: string | null }
const batchRequest = (row: BatchRequestRow | undefined): BatchRequest | undefined =>
  row && { stopRequested: row.stop_requested, error: row.error, errorCode: row.error_code }

/** Extends a lease; returns the job's request, or undefined when the lease is lost. */
export async function renewLease(db: Queryable, job: ClaimedJob, leaseSeconds: number): Promise<BatchRequest | undefined> {
  const { rows } = await db.query<BatchRequestRow>(
    `UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $4)
     WHERE tenant_id = $1 AND id = $2 AND lease_token = $3 RETURNING stop_requested, error, error_code`,
    [job.tenantId, job.id, job.leaseToken, leaseSeconds],
  )
  return batchRequest(rows[0])
}

/** Locks the job row for a batch if this worker still holds the lease. */
export async function lockForBatch(db: Queryable, job: ClaimedJob): Promise<BatchRequest | undefined> {
  const { rows } = await db.query<BatchRequestRow>(
    'SELECT stop_requested, error, error_code FROM jobs WHERE tenant_id = $1 AND id = $2 AND lease_token = $3 FOR UPDATE',
    [job.tenantId, job.id, job.leaseToken],
  )
  return batchRequest(rows[0])
}

export async function saveProgress(db: Queryable, job: ClaimedJob, progress: unknown, leaseSeconds: number): Promise<void> {
  await db.query(
    `UPDATE jobs SET progress = $4, updated_at = now(), lease_expires_at = now() + make_interval(secs => $5)
     WHERE tenant_id = $1 AND id = $2 AND lease_token = $3`,
    [job.tenantId, job.id, job.leaseToken, JSON.stringify(progress), leaseSeconds],
  )
}

/**
 * Ends a job (completed, stopped, cancelled or failed); false when the lease was lost. A job asked
 * to fail (a forced failure that came after its last batch) ends failed with that message.
 */
export async function finishJob(
  db: Queryable,
  job: ClaimedJob,
  state: 'completed' | 'stopped' | 'cancelled' | 'failed',
  result: unknown,
  error: { message: string; code: string | null } | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET state = CASE WHEN stop_requested = 'fail' THEN 'failed' ELSE $4 END,
       result = CASE WHEN stop_requested = 'fail' THEN NULL ELSE $5::jsonb END,
       error = CASE WHEN stop_requested = 'fail' THEN error ELSE $6 END,
       error_code = CASE WHEN stop_requested = 'fail' THEN error_code ELSE $7 END, finished_at = now(), updated_at = now(),
       stop_requested = NULL, lease_token = NULL, lease_expires_at = NULL
     WHERE tenant_id = $1 AND id = $2 AND lease_token = $3`,
    [job.tenantId, job.id, job.leaseToken, state, result === undefined ? null : JSON.stringify(result), error?.message ?? null, error?.code ?? null],
  )
  return rowCount === 1
}

/** Back to the queue after a transient failure, to run again after `delayMs`. */
export async function retryLater(db: Queryable, job: ClaimedJob, delayMs: number, error: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET state = 'queued', error = CASE WHEN stop_requested = 'fail' THEN error ELSE $5 END,
       error_code = CASE WHEN stop_requested = 'fail' THEN error_code END,
       run_after = now() + make_interval(secs => $4 / 1000.0),
       updated_at = now(), lease_token = NULL, lease_expires_at = NULL
     WHERE tenant_id = $1 AND id = $2 AND lease_token = $3`,
    [job.tenantId, job.id, job.leaseToken, delayMs, error],
  )
  return rowCount === 1
}

/** Back to the queue at once because the worker shuts down; the attempt does not count. */
export async function releaseJob(db: Queryable, job: ClaimedJob): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), run_after = now(), updated_at = now(),
       lease_token = NULL, lease_expires_at = NULL
     WHERE tenant_id = $1 AND id = $2 AND lease_token = $3`,
    [job.tenantId, job.id, job.leaseToken],
  )
  return rowCount === 1
}

/**
 * Hands every running job back to the queue. Only for the process that owns the embedded
 * database: no other process can be running them, so they need not wait for their leases.
 * The interrupted attempt counts, so a job that crashes the process cannot loop forever.
 */
export async function releaseAllRunning(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET state = 'queued', run_after = now(), updated_at = now(),
       lease_token = NULL, lease_expires_at = NULL WHERE state = 'running'`,
  )
  return rowCount ?? 0
}

/** The kinds of job a tenant has (any state). */
export async function kindsOf(db: Queryable, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ kind: string }>('SELECT DISTINCT kind FROM jobs WHERE tenant_id = $1', [tenantId])
  return rows.map((row) => row.kind)
}

export const NOTIFY_CHANNEL = 'zjobs_jobs'

/** Wakes the workers of every process listening on NOTIFY_CHANNEL. */
export async function notifyWorkers(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`)
}
