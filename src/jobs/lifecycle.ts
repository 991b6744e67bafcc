// What a client sees of a job: the one place that maps a job's real state, the lifecycle
// policy it runs under, its reads and its tenant's clock to the state (and times) a read
// returns. Families render what this gives in their own words and never look at policies.
//
// A job under a policy other than immediate is paced: it is shown in each of its family's
// visible stages (queued, then running; or running alone) for as long as its policy says, and
// its work waits in the queue (held) until the policy lets it end. So a held job has not run:
// cancel and stop end it at once with nothing done, as for any job that has not started. Once
// released, its work runs at real speed, it is shown running meanwhile, and its end (real
// counts, files, outcome) is shown as soon as it happens.
import type { TenantClock } from '../platform/clock.ts'
import { FINAL_STATES, type Job, type JobState } from './types.ts'

export type Progression = 'immediate' | 'reads' | 'time' | 'manual'
export const PROGRESSIONS: readonly Progression[] = ['immediate', 'reads', 'time', 'manual']

/** How each visible state of a job gives way to the next. */
export interface Policy {
  progression: Progression
  /** reads: each state is shown to at least this many reads. */
  reads?: number
  /** time: each state lasts at least this many seconds of the tenant's clock. */
  seconds?: number
}

export const IMMEDIATE: Policy = { progression: 'immediate' }

/** A visible state a job passes through on its own before it ends; `running` is always the last. */
export type Stage = 'queued' | 'running'

/** What a family tells the engine about its jobs' lifecycles. */
export interface JobLifecycle {
  /** The policy's key: dataQuery, customObjectBulk, dataBackfill, autoBackfill, bookingDateBackfill. */
  type: string
  kinds: readonly string[]
  /** The states a job is seen to pass through once it has its input, in order. */
  stages(job: Job): readonly Stage[]
  /** The family's word for the state a job is shown in (accepted, Processing, ...). */
  statusOf(job: Job): string
}

/** A paced job's lifecycle. Times are the tenant's, epoch ms. */
export interface Pacing {
  policy: Policy
  /** The stage shown (an index into the job's stages); null while the job waits for its input. */
  stage: number | null
  /** Reads of the job in that stage. */
  reads: number
  /** When that stage began to show. */
  since: number | null
  /** When the job's work was, or (progression time) will be, let run; null: held. */
  releaseAt: number | null
}

/** What a read shows of a job's lifecycle. */
export interface Seen {
  /** The state shown: the real one, or the stage a held or released job is shown in. */
  state: JobState
  /** True when the job is held: its work waits for its policy. */
  held: boolean
  /** When the job was first shown running (tenant's time), if it was paced through it. */
  runningSince: number | null
  /** When the state shown began to show (tenant's time), for a paced job not ended. */
  since: number | null
  /** The pacing after this read, when the read changed it (a read counted, a stage moved on, the work released). */
  pacing?: Pacing
}

const isFinal = (state: JobState) => FINAL_STATES.includes(state)

export const released = (pacing: Pacing, now: number) => pacing.releaseAt !== null && pacing.releaseAt <= now

/** The stage a held job is in now, and since when: progression time moves on by the clock alone. */
export function currentStage(pacing: Pacing, stages: number, now: number): { stage: number; since: number } {
  const stage = pacing.stage ?? 0
  const since = pacing.since ?? now
  const seconds = pacing.policy.seconds
  if (pacing.policy.progression !== 'time' || !seconds) return { stage, since }
  const steps = Math.max(0, Math.floor((now - since) / (seconds * 1000)))
  const reached = Math.min(stage + steps, stages - 1)
  return { stage: reached, since: since + (reached - stage) * seconds * 1000 }
}

/** When the tenant's clock lets the work of a job paced by time run: when its last stage has lasted its seconds. */
function timedRelease(policy: Policy, stage: number, since: number, stages: number): number | null {
  if (policy.progression !== 'time') return null
  return since + (stages - stage) * (policy.seconds ?? 0) * 1000
}

/**
 * One read of a job paced by reads: the stage moves on once it has been shown to its reads,
 * this read is counted, and the last stage's last read lets the work run (so the next read can
 * show the end).
 */
function counted(pacing: Pacing, stages: number, now: number): Pacing {
  const needed = pacing.policy.reads ?? 1
  let { stage, reads, since } = pacing
  if (stage === null) return pacing
  if (reads >= needed && stage < stages - 1) {
    stage++
    reads = 0
    since = now
  }
  reads++
  return { ...pacing, stage, reads, since, releaseAt: stage === stages - 1 && reads >= needed ? now : null }
}

/**
 * THE mapping: the state a read of `job` shows, given its pacing (undefined: not paced), its
 * family's stages, and the tenant's time now. `read` counts this as a client's read (GET by id,
 * a list containing it); an admin's look or a submit's answer does not count.
 */
export function see(job: Job, pacing: Pacing | undefined, stages: readonly Stage[], now: number, read: boolean): Seen {
  const plain: Seen = { state: job.state, held: false, runningSince: null, since: null }
  if (!pacing || pacing.stage === null || job.state === 'pending') return plain
  let next = pacing
  if (read && !isFinal(job.state) && next.policy.progression === 'reads' && !released(next, now)) next = counted(next, stages.length, now)
  const changed = next !== pacing ? next : undefined
  const last = stages.length - 1
  const current = currentStage(next, stages.length, now)
  // When the job was first shown running (running is the last stage), if it got there.
  const runningSince = stages[current.stage] === 'running' ? current.since : null
  if (isFinal(job.state)) return { ...plain, runningSince, pacing: changed }
  if (job.state === 'running' || released(next, now)) {
    return { state: 'running', held: false, runningSince: runningSince ?? current.since, since: current.since, pacing: changed }
  }
  return { state: stages[Math.min(current.stage, last)], held: true, runningSince, since: current.since, pacing: changed }
}

/**
 * The pacing a job starts with under `policy` (not immediate): from now, or (`waiting`: a job
 * waiting for its input) from when its input arrives.
 */
export function startPacing(policy: Policy, waiting: boolean, stages: readonly Stage[], now: number): Pacing {
  if (waiting) return { policy, stage: null, reads: 0, since: null, releaseAt: null }
  return { policy, stage: 0, reads: 0, since: now, releaseAt: timedRelease(policy, 0, now, stages.length) }
}

/**
 * A new policy (not immediate) for a job that has not started, shown in stage `stageNow` (null:
 * waiting for its input). Its stage stays; the new policy counts from now.
 */
export function repace(policy: Policy, stageNow: number | null, stages: readonly Stage[], now: number): Pacing {
  if (stageNow === null) return startPacing(policy, true, stages, now)
  return { policy, stage: stageNow, reads: 0, since: now, releaseAt: timedRelease(policy, stageNow, now, stages.length) }
}

/**
 * A held job moved on by an admin to stage `target` (an index; stages.length or more: to its
 * end, which lets its work run).
 */
export function advanced(pacing: Pacing, target: number, stages: readonly Stage[], now: number): Pacing {
  const last = stages.length - 1
  if (target > last) {
    const current = currentStage(pacing, stages.length, now)
    return { ...pacing, stage: last, reads: 0, since: current.stage === last ? current.since : now, releaseAt: now }
  }
  return { ...pacing, stage: target, reads: 0, since: now, releaseAt: timedRelease(pacing.policy, target, now, stages.length) }
}

/**
 * The real time (epoch ms) a held job's work may be claimed: now when released, the real time
 * the tenant's clock reaches its timed release, or null for never (until something moves it).
 */
export function runAfter(pacing: Pacing, clock: TenantClock): number | null {
  if (pacing.releaseAt === null) return null
  return clock.realTimeAt(pacing.releaseAt)
}

/**
 * The job as its tenant's clients see it: the state `seen` says, and every time on the tenant's
 * clock. A job neither paced nor on a clock that was ever set is returned as it is.
 */
export function viewOf<J extends Job>(job: J, seen: Seen, clock: TenantClock): J {
  const paced = seen.state !== job.state || seen.held || seen.runningSince !== null
  if (!paced && clock.isReal && job.stopRequested !== 'fail') return job
  const view: J = {
    ...job,
    // A forced failure pending shows as the running job it still is.
    stopRequested: job.stopRequested === 'fail' ? null : job.stopRequested,
    createdAt: clock.date(job.createdAt),
    startedAt: clock.date(job.startedAt),
    updatedAt: clock.date(job.updatedAt),
    finishedAt: clock.date(job.finishedAt),
  }
  if (!paced) return view
  view.state = seen.state
  if (seen.runningSince !== null && seen.state !== 'queued') view.startedAt = new Date(seen.runningSince)
  if (seen.state === 'queued') view.startedAt = null
  if (!isFinal(seen.state) && seen.since !== null) {
    const shown = Math.max(seen.since, view.createdAt.getTime())
    // Held: nothing has happened since the stage began; released: the later of that and its work.
    view.updatedAt = new Date(seen.held ? shown : Math.max(shown, view.updatedAt.getTime()))
    view.finishedAt = null
  }
  return view
}
