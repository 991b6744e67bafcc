// Job pacing at work (the mapping itself is src/jobs/lifecycle.ts): jobs shown to clients with
// their reads counted (JobViews, what every family renders), and the sandbox plane's operations
// on one job's lifecycle (its own policy, advance, a forced failure) and on a tenant's clock
// change. A tenant that never paced a job nor set its clock costs one cache lookup per read.
import type { PoolClient } from 'pg'
import type { ClockSource, TenantClock } from '../platform/clock.ts'
import { conflict } from '../platform/errors.ts'
import type { Db } from '../storage/db.ts'
import { advanced, currentStage, released, repace, runAfter, see, viewOf, type JobLifecycle, type Pacing, type Policy, type Stage } from './lifecycle.ts'
import { deletePacing, heldTimedJobs, pacingOf, savePacing, setRunAfter } from './lifecycle-store.ts'
import { failWaitingJob, listJobs, lockJob, lockJobs, requestFailure, type ListOptions } from './store.ts'
import { FINAL_STATES, type Job, type JobState } from './types.ts'

/** Tenants' clocks, and whether any job of a tenant may be paced (both cached by whoever provides them). */
export interface PacingSource extends ClockSource {
  isPaced(tenantId: string): Promise<boolean>
}

const isFinal = (state: JobState) => FINAL_STATES.includes(state)

/** What families show of jobs: each job as its tenant's clients see it now. */
export class JobViews {
  readonly #db: Db
  readonly #source: PacingSource
  readonly #wake: () => void

  /** `wake`: tells the workers that a job's work may now run. */
  constructor(db: Db, source: PacingSource, wake: () => void) {
    this.#db = db
    this.#source = source
    this.#wake = wake
  }

  /**
   * The jobs (of one tenant) as its clients see them. `read`: this is a client's read of each
   * (a GET of the job, a list holding it), which counts for progression reads; answers to a
   * submission, an upload or a cancel show the job without counting.
   */
  async show<J extends Job>(jobs: J[], lifecycle: JobLifecycle, options: { read: boolean }): Promise<J[]> {
    if (jobs.length === 0) return jobs
    const tenantId = jobs[0].tenantId
    const clock = await this.#source.clockOf(tenantId)
    if (!(await this.#source.isPaced(tenantId))) {
      if (clock.isReal && !jobs.some((job) => job.stopRequested === 'fail')) return jobs
      return jobs.map((job) => viewOf(job, see(job, undefined, [], 0, false), clock))
    }
    let pacings = await pacingOf(this.#db, tenantId, jobs.map((job) => job.id))
    if (options.read) {
      const now = clock.now()
      const counted = jobs.filter((job) => {
        const pacing = pacings.get(job.id)
        return pacing && see(job, pacing, lifecycle.stages(job), now, true).pacing
      })
      if (counted.length > 0) pacings = new Map([...pacings, ...(await this.#count(counted, lifecycle, clock))])
    }
    const now = clock.now()
    return jobs.map((job) => viewOf(job, see(job, pacings.get(job.id), lifecycle.stages(job), now, false), clock))
  }

  async showOne<J extends Job>(job: J, lifecycle: JobLifecycle, options: { read: boolean }): Promise<J> {
    return (await this.show([job], lifecycle, options))[0]
  }

  /**
   * A page of a tenant's jobs as its clients see them, newest first, each counted as read: those
   * whose shown state is among `options.states` and that `keep` keeps. A held job shown running
   * is queued in fact, so a paced tenant's jobs are fetched more widely and filtered on what is
   * shown.
   */
  async list<J extends Job>(tenantId: string, options: ListOptions, lifecycle: JobLifecycle, keep?: (view: J) => boolean): Promise<J[]> {
    const paced = await this.#source.isPaced(tenantId)
    const wanted = options.states
    const states = paced && wanted?.includes('running') && !wanted.includes('queued') ? [...wanted, 'queued' as const] : wanted
    if (!keep && states === wanted) return this.show((await listJobs(this.#db, tenantId, options)) as J[], lifecycle, { read: true })
    const picked: J[] = []
    let before = options.before
    for (;;) {
      const batch = (await listJobs(this.#db, tenantId, { ...options, states, before })) as J[]
      const views = await this.#peek(batch, lifecycle)
      picked.push(
        ...batch
          .filter((_, index) => (!wanted || wanted.includes(views[index].state)) && (!keep || keep(views[index])))
          .slice(0, options.limit - picked.length),
      )
      if (batch.length < options.limit || picked.length >= options.limit) break
      const last = batch[batch.length - 1]
      before = { createdAt: last.createdAt, id: last.id }
    }
    return this.show(picked, lifecycle, { read: true })
  }

  /** The jobs as this read would show them, without counting it. */
  async #peek<J extends Job>(jobs: J[], lifecycle: JobLifecycle): Promise<J[]> {
    if (jobs.length === 0) return jobs
    const tenantId = jobs[0].tenantId
    const clock = await this.#source.clockOf(tenantId)
    if (!(await this.#source.isPaced(tenantId))) return this.show(jobs, lifecycle, { read: false })
    const pacings = await pacingOf(this.#db, tenantId, jobs.map((job) => job.id))
    const now = clock.now()
    return jobs.map((job) => viewOf(job, see(job, pacings.get(job.id), lifecycle.stages(job), now, true), clock))
  }

  /** Counts a read of each job, under their rows' locks; releases the work of those whose policy now lets it run. */
  async #count(jobs: Job[], lifecycle: JobLifecycle, clock: TenantClock): Promise<Map<string, Pacing>> {
    const tenantId = jobs[0].tenantId
    const ids = jobs.map((job) => job.id)
    let releasedAny = false
    const fresh = await this.#db.transaction(async (tx) => {
      await lockJobs(tx, tenantId, ids)
      const locked = await pacingOf(tx, tenantId, ids, true)
      const now = clock.now()
      const changes: [string, Pacing][] = []
      for (const job of jobs) {
        const pacing = locked.get(job.id)
        const next = pacing && see(job, pacing, lifecycle.stages(job), now, true).pacing
        if (!next) continue
        changes.push([job.id, next])
        locked.set(job.id, next)
      }
      await savePacing(tx, tenantId, changes)
      const releases = changes.filter(([, pacing]) => released(pacing, now)).map(([id]): [string, number] => [id, Date.now()])
      await setRunAfter(tx, tenantId, releases)
      releasedAny = releases.length > 0
      return locked
    })
    if (releasedAny) this.#wake()
    return fresh
  }
}

/** A job's lifecycle as the sandbox plane reports it. */
export interface LifecycleReport {
  /** The job as its clients see it now (the admin's look is not a client's read). */
  view: Job
  /** The policy it runs under (immediate when not paced). */
  policy: Policy
  /** True when its work waits for its policy or an advance. */
  held: boolean
  /** Reads of the state shown, under progression reads. */
  reads: number | null
}

/** Where an advance takes a job: on one visible state, to one of its stages by index, to its end, or failed. */
export type AdvanceTarget = { to: 'next' } | { to: 'stage'; stage: number } | { to: 'end' } | { to: 'failed'; message: string }

export interface PacingDeps {
  db: Db
  source: PacingSource
  wake: () => void
}

export async function lifecycleReport(deps: PacingDeps, job: Job, lifecycle: JobLifecycle): Promise<LifecycleReport> {
  const clock = await deps.source.clockOf(job.tenantId)
  const pacing = (await pacingOf(deps.db, job.tenantId, [job.id])).get(job.id)
  return report(job, pacing, lifecycle, clock)
}

function report(job: Job, pacing: Pacing | undefined, lifecycle: JobLifecycle, clock: TenantClock): LifecycleReport {
  const seen = see(job, pacing, lifecycle.stages(job), clock.now(), false)
  return {
    view: viewOf(job, seen, clock),
    policy: pacing?.policy ?? { progression: 'immediate' },
    held: seen.held,
    reads: pacing?.policy.progression === 'reads' && !isFinal(job.state) ? pacing.reads : null,
  }
}

/** The stage a job that has not started is shown in (null: it waits for its input). */
function stageNow(job: Job, pacing: Pacing | undefined, stages: readonly Stage[], now: number): number | null {
  if (job.state === 'pending') return null
  if (pacing && pacing.stage !== null) return released(pacing, now) ? stages.length - 1 : currentStage(pacing, stages.length, now).stage
  return Math.max(0, stages.indexOf(job.state as Stage))
}

/** Locks the job and its lifecycle row, refusing a job that has ended; `work` runs in that transaction. */
async function withJob<T>(
  deps: PacingDeps,
  job: Job,
  work: (tx: PoolClient, current: Job, pacing: Pacing | undefined, clock: TenantClock) => Promise<T>,
): Promise<T> {
  const clock = await deps.source.clockOf(job.tenantId)
  return deps.db.transaction(async (tx) => {
    const current = await lockJob(tx, job.tenantId, job.id)
    if (!current) throw conflict(`Job ${job.id} no longer exists`)
    if (isFinal(current.state)) throw conflict(`Job ${job.id} has ended (${current.state}): it has no lifecycle left to change`)
    const pacing = (await pacingOf(tx, job.tenantId, [job.id], true)).get(job.id)
    return work(tx, current, pacing, clock)
  })
}

/**
 * Puts one job that has not started under `policy`: it stays in the state it is shown in, and
 * its policy counts from now. A job that runs or has ended is refused (409).
 */
export async function setJobPolicy(deps: PacingDeps, job: Job, lifecycle: JobLifecycle, policy: Policy): Promise<LifecycleReport> {
  let due = false
  const result = await withJob(deps, job, async (tx, current, pacing, clock) => {
    if (current.state === 'running') {
      throw conflict(`Job ${job.id} is running: a policy can be set only on a job that has not started`)
    }
    const stages = lifecycle.stages(current)
    const now = clock.now()
    let next: Pacing | undefined
    if (policy.progression === 'immediate') {
      if (pacing) await deletePacing(tx, current.tenantId, current.id)
      if (current.state === 'queued') await setRunAfter(tx, current.tenantId, [[current.id, Date.now()]])
      due = current.state === 'queued'
    } else {
      next = repace(policy, stageNow(current, pacing, stages, now), stages, now)
      await savePacing(tx, current.tenantId, [[current.id, next]])
      if (current.state === 'queued') {
        const at = runAfter(next, clock)
        await setRunAfter(tx, current.tenantId, [[current.id, at]])
        due = at !== null && at <= Date.now()
      }
    }
    return report(current, next, lifecycle, clock)
  })
  if (due) deps.wake()
  return result
}

/**
 * Moves a job on (the sandbox's advance). A held job moves one visible state on, to a named
 * one, or to its end (its work then runs and its real outcome shows); `failed` ends any job that
 * has not ended as failed (a running one at its next batch). A job that is not held moves on by
 * itself: only `end` (nothing to do) and `failed` apply (409 otherwise).
 */
export async function advanceJob(deps: PacingDeps, job: Job, lifecycle: JobLifecycle, target: AdvanceTarget): Promise<LifecycleReport> {
  let due = false
  const result = await withJob(deps, job, async (tx, current, pacing, clock) => {
    const { tenantId, id } = current
    if (target.to === 'failed') {
      if (current.state === 'running') {
        if (current.stopRequested) throw conflict(`Job ${id} is already ${current.stopRequested === 'stop' ? 'stopping' : current.stopRequested === 'cancel' ? 'cancelling' : 'failing'}`)
        await requestFailure(tx, tenantId, id, target.message)
      } else {
        await failWaitingJob(tx, tenantId, id, target.message)
      }
      return report((await lockJob(tx, tenantId, id))!, pacing, lifecycle, clock)
    }
    if (current.state === 'pending') throw conflict(`Job ${id} waits for its input (its file upload): it cannot be advanced before`)
    const stages = lifecycle.stages(current)
    const now = clock.now()
    const held = pacing !== undefined && current.state === 'queued' && !released(pacing, now)
    if (!held) {
      if (target.to === 'end') return report(current, pacing, lifecycle, clock)
      throw conflict(`Job ${id} is not held (${current.state === 'running' ? 'it is running' : 'its work may run'}): it moves on by itself`)
    }
    const { stage } = currentStage(pacing, stages.length, now)
    let index: number
    if (target.to === 'next') index = stage + 1
    else if (target.to === 'end') index = stages.length
    else {
      index = target.stage
      if (index <= stage) throw conflict(`Job ${id} is already ${lifecycle.statusOf(report(current, pacing, lifecycle, clock).view)}`)
    }
    const next = advanced(pacing, index, stages, now)
    await savePacing(tx, tenantId, [[id, next]])
    const at = runAfter(next, clock)
    await setRunAfter(tx, tenantId, [[id, at]])
    due = at !== null && at <= Date.now()
    return report(current, next, lifecycle, clock)
  })
  if (due) deps.wake()
  return result
}

/** After a tenant's clock changed: its held jobs paced by time are let run when the new clock reaches their time. */
export async function retimeHeldJobs(deps: PacingDeps, tenantId: string, clock: TenantClock): Promise<void> {
  const held = await heldTimedJobs(deps.db, tenantId)
  if (held.size === 0) return
  const times = [...held].map(([id, pacing]): [string, number | null] => [id, runAfter(pacing, clock)])
  await setRunAfter(deps.db, tenantId, times)
  if (times.some(([, at]) => at !== null && at <= Date.now())) deps.wake()
}
