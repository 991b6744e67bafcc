// A worker: a few slots, each claiming a job, running its handler batch by batch under a
// renewed lease, and ending it. Delivery is at least once (a crashed worker's job is taken
// over when its lease expires); the effect is exactly once because every batch commits with
// the job's progress under the lease, and a worker that lost its lease can commit nothing.
import type { FastifyBaseLogger } from 'fastify'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { Db } from '../storage/db.ts'
import type { JobFaultSource } from './faults.ts'
import {
  claimJob,
  finishJob,
  lockForBatch,
  NOTIFY_CHANNEL,
  releaseJob,
  renewLease,
  retryLater,
  saveProgress,
  type KindLimit,
} from './store.ts'
import {
  isPermanentFailure,
  JobFailure,
  JobInterrupted,
  JobLeaseLost,
  type ClaimedJob,
  type JobContext,
  type JobKind,
  type JobSignals,
  type Next,
} from './types.ts'

export interface WorkerOptions {
  db: Db
  kinds: JobKind[]
  /** Jobs this worker runs at once. */
  concurrency: number
  /** How long a claimed job stays this worker's without a renewal. */
  leaseSeconds: number
  /** How often an idle worker looks for work (it is also woken when work is submitted). */
  pollMs: number
  log: FastifyBaseLogger
  /** Delay before the next attempt after `attempt` failed transiently. */
  retryDelayMs?: (attempt: number) => number
  /** The sandbox's job and row faults, consulted before each attempt. */
  faults?: JobFaultSource
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s ... capped at 5 minutes. */
export const defaultRetryDelay = (attempt: number) =>
  Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1)) * (0.75 + Math.random() * 0.5)

interface Running {
  controller: AbortController
}

export class JobWorker implements JobSignals {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  readonly #options: WorkerOptions
  readonly #kinds: Map<string, JobKind>
  readonly #limits: KindLimit[]
  readonly #running = new Set<Running>()
  #slots: Promise<void>[] = []
  #stopping = false
  #wakeup = Promise.withResolvers<void>()
  #listener: pg.Client | undefined

  constructor(options: WorkerOptions) {
    this.#options = options
    this.#kinds = new Map(options.kinds.map((kind) => [kind.kind, kind]))
    this.#limits = options.kinds.map((k) => ({ kind: k.kind, maxRunningPerTenant: k.maxRunningPerTenant }))
  }

  start(): void {
    if (this.#limits.length === 0 || this.#options.concurrency === 0) return
    this.#slots = Array.from({ length: this.#options.concurrency }, () => this.#slot())
    void this.#listen()
  }

  /** Look for work now rather than at the next poll. */
  wake(): void {
    const wakeup = this.#wakeup
    this.#wakeup = Promise.withResolvers()
    wakeup.resolve()
  }

  /**
   * Stops taking work; running jobs finish their current batch and go back to the queue to
   * resume on the next start. After `timeoutMs` their handlers are aborted and left to their
   * leases.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true
    this.wake()
    const finished = Promise.all(this.#slots).then(() => true)
    if (!(await Promise.race([finished, sleep(timeoutMs, false)]))) {
      this.#options.log.warn({ running: this.#running.size }, 'jobs did not stop in time; leaving them to their leases')
      for (const running of this.#running) running.controller.abort(new JobInterrupted('shutdown timeout'))
    }
    await this.#listener?.end().catch(() => {})
  }

  async #slot(): Promise<void> {
    const { db, leaseSeconds, pollMs, log } = this.#options
    while (!this.#stopping) {
      const idle = Promise.race([this.#wakeup.promise, sleep(pollMs)])
      let job: ClaimedJob | undefined
      try {
        job = await claimJob(db, this.#limits, leaseSeconds, this.id)
      } catch (error) {
        log.warn({ err: error }, 'claiming a job failed; will retry')
      }
      if (job) await this.#run(job)
      else await idle
    }
  }

  async #run(job: ClaimedJob): Promise<void> {
    const { db, leaseSeconds } = this.#options
    const kind = this.#kinds.get(job.kind)!
    const log = this.#options.log.child({ jobId: job.id, kind: job.kind, tenantId: job.tenantId, attempt: job.attempts })
    if (job.attempts > job.maxAttempts) {
      // Its earlier attempts ended without a verdict (the process died): give up.
      await this.#fail(job, kind, { message: job.error ?? `gave up after ${job.maxAttempts} attempts`, code: job.errorCode }, log)
      return
    }
    const running: Running = { controller: new AbortController() }
    this.#running.add(running)
    const { signal } = running.controller
    const heartbeat = setInterval(() => {
      renewLease(db, job, leaseSeconds).then(
        (lease) => {
          if (!lease) running.controller.abort(new JobLeaseLost('lease lost'))
        },
        (error) => log.warn({ err: error }, 'lease renewal failed'),
      )
    }, (leaseSeconds * 1000) / 3)
    heartbeat.unref()

    const proceed = () => {
      if (signal.aborted) throw signal.reason
      if (this.#stopping) throw new JobInterrupted('shutting down')
    }
    const context: JobContext = {
      job,
      db,
      log,
      signal,
      commit: async (work) => {
        proceed()
        return db.transaction(async (tx): Promise<Next> => {
          const lock = await lockForBatch(tx, job)
          if (!lock) throw new JobLeaseLost('lease lost')
          if (lock.stopRequested === 'fail') throw new JobFailure(lock.error ?? 'The job failed', lock.errorCode ?? undefined)
          if (lock.stopRequested) return lock.stopRequested
          const progress = await work(tx)
          await saveProgress(tx, job, progress, leaseSeconds)
          job.progress = progress
          return 'continue'
        })
      },
      check: async () => {
        proceed()
        const lease = await renewLease(db, job, leaseSeconds)
        if (!lease) throw new JobLeaseLost('lease lost')
        if (lease.stopRequested === 'fail') throw new JobFailure(lease.error ?? 'The job failed', lease.errorCode ?? undefined)
        return lease.stopRequested ?? 'continue'
      },
    }

    try {
      const faults = await this.#options.faults?.forAttempt(job)
      if (faults) context.rowFault = (row) => faults.rowFault(row)
      const outcome = await kind.run(context)
      if (!(await finishJob(db, job, outcome.state, outcome.result, null))) log.warn('lease lost before the job could end')
      else log.info({ state: outcome.state }, 'job ended')
    } catch (error) {
      await this.#settleFailure(job, kind, error, log).catch((settleError) =>
        log.error({ err: settleError }, 'could not record the job failure; its lease will expire'),
      )
    } finally {
      clearInterval(heartbeat)
      this.#running.delete(running)
      this.wake()
    }
  }

  async #settleFailure(job: ClaimedJob, kind: JobKind, error: unknown, log: FastifyBaseLogger): Promise<void> {
    const { db } = this.#options
    if (error instanceof JobInterrupted) {
      await releaseJob(db, job)
      log.info('job handed back to the queue')
      return
    }
    if (error instanceof JobLeaseLost) {
      log.warn('lease lost: another worker took the job over')
      return
    }
    const message = error instanceof Error ? error.message : String(error)
    if (isPermanentFailure(error)) return this.#fail(job, kind, { message, code: error instanceof JobFailure ? error.code : null }, log)
    if (job.attempts >= job.maxAttempts) {
      return this.#fail(job, kind, { message: `${message} (gave up after ${job.attempts} attempt${job.attempts === 1 ? "" : "s"})`, code: null }, log)
    }
    const delay = Math.round((this.#options.retryDelayMs ?? defaultRetryDelay)(job.attempts))
    if (await retryLater(db, job, delay, message)) log.warn({ err: error, retryInMs: delay }, 'attempt failed; will retry')
  }

  async #fail(job: ClaimedJob, kind: JobKind, failure: { message: string; code: string | null }, log: FastifyBaseLogger): Promise<void> {
    const { db } = this.#options
    const { message } = failure
    if (!(await finishJob(db, job, 'failed', null, failure))) return
    log.warn({ error: message }, 'job failed')
    await kind.onFailed?.({ ...job, state: 'failed', error: message }, message, db).catch((error) =>
      log.error({ err: error }, 'onFailed hook failed'),
    )
  }

  // Submissions from other processes wake this worker through NOTIFY.
  async #listen(): Promise<void> {
    try {
      const client = new pg.Client(this.#options.db.connection)
      client.on('error', (error) => this.#options.log.warn({ err: error }, 'job notification listener failed'))
      client.on('notification', () => this.wake())
      await client.connect()
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`)
      this.#listener = client
    } catch (error) {
      this.#options.log.warn({ err: error }, 'no job notifications; polling only')
    }
  }
}
