// What the sandbox plane accepts, beyond what its route schemas check: the rules that tie one
// field to another, times in ISO-8601, and the states a job can be advanced to. Each refusal is
// a 400 naming the field, raised before anything is changed.
import type { AdvanceTarget } from '../jobs/pacing.ts'
import type { JobLifecycle, Policy } from '../jobs/lifecycle.ts'
import type { Job } from '../jobs/types.ts'
import type { ClockChange } from '../platform/clock.ts'
import { invalid, missing } from '../platform/errors.ts'

/** The latest time a clock is set to: epoch milliseconds stay positive and readable. */
const YEARS = { min: 1970, max: 9999 }

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):?(\d{2}))$/

/** An ISO-8601 date-time with its time zone (Z or an offset), as epoch ms; a 400 naming `field` otherwise. */
export function parseInstant(value: string, field: string): number {
  const refuse = () =>
    invalid(`${field}: '${value.length > 40 ? `${value.slice(0, 37)}...` : value}' is not an ISO-8601 date-time with a time zone, such as 2026-01-31T09:30:00Z or 2026-01-31T17:30:00+08:00`)
  const match = ISO.exec(value)
  if (!match) throw refuse()
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0))
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const offsetOk = match[8] === 'Z' || (Number(match[9]) <= 14 && Number(match[10]) <= 59)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || !offsetOk) throw refuse()
  if (year < YEARS.min || year > YEARS.max) throw invalid(`${field}: the year must be between ${YEARS.min} and ${YEARS.max}`)
  const time = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
  if (Number.isNaN(time)) throw refuse()
  return time
}

/** PUT .../clock: {"mode": "real"} | {"mode": "frozen" | "offset", "now": "<ISO-8601>"}. */
export function parseClockSetting(body: { mode: 'real' | 'frozen' | 'offset'; now?: string }): ClockChange {
  if (body.mode === 'real') {
    if (body.now !== undefined) throw invalid('now: mode real takes no time (it is the server\'s)')
    return { mode: 'real' }
  }
  if (body.now === undefined) throw missing(`now is required with mode ${body.mode}: the time the clock ${body.mode === 'frozen' ? 'stays at' : 'runs on from'}`)
  return { mode: body.mode, at: parseInstant(body.now, 'now') }
}

/** A policy as the route schema let it through, with the fields its progression needs and no others. */
export function checkPolicy(policy: Policy, field: string): Policy {
  const { progression, reads, seconds } = policy
  const at = (name: string) => (field ? `${field}.${name}` : name)
  if (progression === 'reads' && reads === undefined) throw missing(`${at('reads')} is required with progression reads: how many reads each state is shown to`)
  if (progression === 'time' && seconds === undefined) throw missing(`${at('seconds')} is required with progression time: how many seconds each state lasts`)
  if (reads !== undefined && progression !== 'reads') throw invalid(`${at('reads')}: only progression reads takes a count of reads`)
  if (seconds !== undefined && progression !== 'time') throw invalid(`${at('seconds')}: only progression time takes seconds`)
  return progression === 'reads' ? { progression, reads } : progression === 'time' ? { progression, seconds } : { progression }
}

const DEFAULT_FAILURE = 'The job failed (a failure forced through the sandbox control plane)'

/**
 * Where {"to": ..., "errorMessage": ...} takes a job: no `to`, one visible state on; otherwise a
 * state of the job's own family (its spelling, any case): one of the stages it passes through,
 * its completed state (its end) or its failed state.
 */
export function parseAdvance(body: { to?: string; errorMessage?: string }, job: Job, lifecycle: JobLifecycle): AdvanceTarget {
  const states = statesOf(job, lifecycle)
  const failedName = [...states.values()].find((state) => state.target.to === 'failed')!.name
  if (body.to === undefined) {
    if (body.errorMessage !== undefined) throw invalid(`errorMessage goes with to: ${failedName}`)
    return { to: 'next' }
  }
  const state = states.get(body.to.toLowerCase())
  if (!state) {
    const names = [...states.values()].map((known) => known.name).join(', ')
    throw invalid(`to: '${body.to}' is not a state a ${lifecycle.type} job like ${job.id} can be advanced to; it can be: ${names}`)
  }
  if (state.target.to === 'failed') return { to: 'failed', message: body.errorMessage ?? DEFAULT_FAILURE }
  if (body.errorMessage !== undefined) throw invalid(`errorMessage goes with to: ${failedName} only`)
  return state.target
}

/** The family's names (by their lower case) of the states the job can be advanced to. */
function statesOf(job: Job, lifecycle: JobLifecycle): Map<string, { name: string; target: AdvanceTarget }> {
  const states = new Map<string, { name: string; target: AdvanceTarget }>()
  const add = (state: Job['state'], target: AdvanceTarget) => {
    const name = lifecycle.statusOf({ ...job, state, stopRequested: null, attempts: 0, startedAt: state === 'queued' ? null : job.createdAt })
    if (!states.has(name.toLowerCase())) states.set(name.toLowerCase(), { name, target })
  }
  lifecycle.stages(job).forEach((stage, index) => add(stage, { to: 'stage', stage: index }))
  add('completed', { to: 'end' })
  add('failed', { to: 'failed', message: DEFAULT_FAILURE })
  return states
}
