// The clock and the lifecycle mapping on their own (no server): a tenant's clock read through
// its history, and what each read of a job shows under each progression.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { advanced, IMMEDIATE, PROGRESSIONS, repace, runAfter, see, startPacing, viewOf, type Pacing, type Policy, type Seen, type Stage } from '../../src/jobs/lifecycle.ts'
import type { Job, JobState } from '../../src/jobs/types.ts'
import { REAL_CLOCK, TenantClock } from '../../src/platform/clock.ts'
import { aJob } from '../helpers/jobs.ts'

const T0 = Date.parse('2026-03-01T00:00:00Z')
const FROZEN = Date.parse('2020-01-01T00:00:00Z')

function job(state: JobState, extra: Partial<Job> = {}): Job {
  return aJob({ id: 'j1', kind: 'k', state, ...extra }, new Date(T0))
}

const BOTH: Stage[] = ['queued', 'running']

describe('a tenant clock', () => {
  test('is read through its history: real, frozen, running on from a time', () => {
    const clock = new TenantClock([
      { since: T0 + 1000, mode: 'frozen', at: FROZEN },
      { since: T0 + 5000, mode: 'offset', at: FROZEN + 60_000 },
      { since: T0 + 9000, mode: 'real', at: null },
    ])
    for (const [real, expected] of [
      [T0, T0], // before any setting: real time
      [T0 + 1000, FROZEN],
      [T0 + 4999, FROZEN],
      [T0 + 5000, FROZEN + 60_000],
      [T0 + 7000, FROZEN + 62_000],
      [T0 + 9000, T0 + 9000],
    ]) {
      assert.equal(clock.at(real), expected, `at ${real - T0}`)
    }
    assert.equal(clock.mode, 'real')
    assert.equal(REAL_CLOCK.date(new Date(T0)).getTime(), T0)
    assert.ok(REAL_CLOCK.isReal && !clock.isReal)
  })

  test('tells the real time at which it reaches a time, or never when frozen before it', () => {
    const frozen = new TenantClock([{ since: T0, mode: 'frozen', at: FROZEN }])
    assert.equal(frozen.realTimeAt(FROZEN + 1, T0 + 10), null)
    assert.equal(frozen.realTimeAt(FROZEN, T0 + 10), T0 + 10)
    const running = new TenantClock([{ since: T0, mode: 'offset', at: FROZEN }])
    assert.equal(running.realTimeAt(FROZEN + 5000, T0 + 1000), T0 + 5000)
    assert.equal(REAL_CLOCK.realTimeAt(T0 + 3000, T0), T0 + 3000)
  })
})

/** Reads of a job that stays real `state` until `endAfter` reads, then completes; the states they show. */
function reads(policy: Policy, stages: Stage[], count: number, endAfter = Infinity): string[] {
  let pacing: Pacing = startPacing(policy, false, stages, T0)
  const shown: string[] = []
  let releasedAt: number | undefined
  for (let read = 1; read <= count; read++) {
    const state: JobState = releasedAt !== undefined && read > releasedAt + endAfter ? 'completed' : 'queued'
    const seen = see(job(state), pacing, stages, T0 + read, true)
    if (seen.pacing) pacing = seen.pacing
    if (releasedAt === undefined && pacing.releaseAt !== null) releasedAt = read
    shown.push(seen.state)
  }
  return shown
}

describe('what a read shows', () => {
  test('reads: each state is shown to N reads; the work runs after the last one and its end shows next', () => {
    assert.deepEqual(reads({ progression: 'reads', reads: 2 }, BOTH, 6, 0), ['queued', 'queued', 'running', 'running', 'completed', 'completed'])
    // The work takes two more reads: running is shown until it has ended, never the end before.
    assert.deepEqual(reads({ progression: 'reads', reads: 1 }, BOTH, 5, 2), ['queued', 'running', 'running', 'running', 'completed'])
    assert.deepEqual(reads({ progression: 'reads', reads: 3 }, ['running'], 4, 0), ['running', 'running', 'running', 'completed'])
  })

  test('manual: reads change nothing; an advance moves one state on, then to the end', () => {
    const policy: Policy = { progression: 'manual' }
    assert.deepEqual(reads(policy, BOTH, 50), Array(50).fill('queued'))
    let pacing = startPacing(policy, false, BOTH, T0)
    pacing = advanced(pacing, 1, BOTH, T0 + 10)
    assert.deepEqual(see(job('queued'), pacing, BOTH, T0 + 11, true), { state: 'running', held: true, runningSince: T0 + 10, since: T0 + 10, pacing: undefined })
    assert.equal(runAfter(pacing, REAL_CLOCK), null, 'still held')
    pacing = advanced(pacing, 2, BOTH, T0 + 20)
    assert.equal(pacing.releaseAt, T0 + 20)
    const seen = see(job('queued'), pacing, BOTH, T0 + 21, true)
    assert.equal(seen.state, 'running')
    assert.equal(seen.held, false, 'released: waits for a worker, shown running')
    assert.equal(seen.runningSince, T0 + 10, 'running since the first advance')
  })

  test('time: each state lasts its seconds of the tenant clock, and the work is let run at the last one\'s end', () => {
    const policy: Policy = { progression: 'time', seconds: 10 }
    const pacing = startPacing(policy, false, BOTH, T0)
    assert.equal(pacing.releaseAt, T0 + 20_000)
    assert.equal(see(job('queued'), pacing, BOTH, T0 + 9_999, true).state, 'queued')
    assert.deepEqual(see(job('queued'), pacing, BOTH, T0 + 15_000, true), { state: 'running', held: true, runningSince: T0 + 10_000, since: T0 + 10_000, pacing: undefined })
    assert.equal(see(job('queued'), pacing, BOTH, T0 + 20_000, true).held, false)
    assert.equal(see(job('completed'), pacing, BOTH, T0 + 20_001, true).state, 'completed')
    // The real time the work is let run follows the clock: frozen, never; running, its time.
    assert.equal(runAfter(pacing, new TenantClock([{ since: 0, mode: 'frozen', at: T0 }])), null)
    const since = Date.now()
    assert.equal(runAfter(pacing, new TenantClock([{ since, mode: 'offset', at: T0 }])), since + 20_000)
  })

  test('a job waiting for its input is shown as it is; a new policy keeps the stage a job is in', () => {
    const waiting = startPacing({ progression: 'reads', reads: 2 }, true, ['running'], T0)
    assert.equal(waiting.stage, null)
    assert.equal(see(job('pending'), waiting, ['running'], T0, true).state, 'pending')
    const again = repace({ progression: 'manual' }, 1, BOTH, T0 + 5)
    assert.equal(see(job('queued'), again, BOTH, T0 + 6, true).state, 'running')
    assert.equal(see(job('queued'), undefined, BOTH, T0, true).state, 'queued', 'not paced: the real state')
  })
})

describe('the job a client sees', () => {
  test('times on a frozen clock, and a held job shown running has started but not ended', () => {
    const clock = new TenantClock([{ since: T0 - 1000, mode: 'frozen', at: FROZEN }])
    const real = job('queued')
    const plain = viewOf(real, see(real, undefined, BOTH, clock.now(), false), clock)
    assert.equal(plain.createdAt.toISOString(), '2020-01-01T00:00:00.000Z')
    assert.equal(plain.state, 'queued')
    const pacing = advanced(startPacing({ progression: 'manual' }, false, BOTH, FROZEN), 1, BOTH, FROZEN)
    const held = viewOf(real, see(real, pacing, BOTH, clock.now(), true), clock)
    assert.equal(held.state, 'running')
    assert.equal(held.startedAt?.getTime(), FROZEN)
    assert.equal(held.finishedAt, null)
    const unchanged = job('running', { startedAt: new Date(T0) })
    assert.equal(viewOf(unchanged, see(unchanged, undefined, BOTH, Date.now(), true), REAL_CLOCK), unchanged, 'nothing to change: the same object')
    const failing = viewOf(job('running', { stopRequested: 'fail' }), see(unchanged, undefined, BOTH, 0, false), REAL_CLOCK)
    assert.equal(failing.stopRequested, null, 'a forced failure pending shows as the running job it is')
  })
})

// Each case below is a rule of the mapping that only the API tests exercised before (the
// survivors of `npm run mutate -- --scope lifecycle`, docs/reliability.md).
describe('the mapping, rule by rule', () => {
  const paced = (extra: Partial<Pacing>): Pacing => ({ policy: { progression: 'manual' }, stage: 0, reads: 0, since: T0, releaseAt: null, ...extra })

  test('the progressions the admin plane accepts, and the default policy', () => {
    assert.deepEqual(PROGRESSIONS, ['immediate', 'reads', 'time', 'manual'])
    assert.deepEqual(IMMEDIATE, { progression: 'immediate' })
  })

  test('only progression time moves by the clock; seconds under another progression change nothing', () => {
    for (const policy of [{ progression: 'manual', seconds: 10 }, { progression: 'reads', reads: 5, seconds: 10 }] as Policy[]) {
      const pacing = startPacing(policy, false, BOTH, T0)
      assert.equal(pacing.releaseAt, null, policy.progression)
      assert.deepEqual(see(job('queued'), pacing, BOTH, T0 + 100_000, false), { state: 'queued', held: true, runningSince: null, since: T0, pacing: undefined })
    }
  })

  test('time: long after the last stage ends, the job still shows running since that stage began; a later stage counts from where it is', () => {
    const policy: Policy = { progression: 'time', seconds: 10 }
    const pacing = startPacing(policy, false, BOTH, T0)
    assert.deepEqual(see(job('queued'), pacing, BOTH, T0 + 95_000, true), { state: 'running', held: false, runningSince: T0 + 10_000, since: T0 + 10_000, pacing: undefined })
    const fromRunning = repace(policy, 1, BOTH, T0)
    assert.equal(fromRunning.releaseAt, T0 + 10_000, 'one stage left: its seconds')
    assert.deepEqual(see(job('queued'), fromRunning, BOTH, T0 + 5_000, true), { state: 'running', held: true, runningSince: T0, since: T0, pacing: undefined })
  })

  test('reads: a read that is not a client\'s counts nothing; a job set back before its release is let run again at its last stage', () => {
    const policy: Policy = { progression: 'reads', reads: 2 }
    const pacing = startPacing(policy, false, BOTH, T0)
    assert.equal(see(job('queued'), pacing, BOTH, T0 + 1, false).pacing, undefined)
    assert.equal(see(job('completed'), pacing, BOTH, T0 + 1, true).pacing, undefined, 'an ended job counts no reads')
    // Its last stage shown to its reads and released at T0 + 100; the tenant's clock then set back.
    const done = paced({ policy, stage: 1, reads: 2, since: T0, releaseAt: T0 + 100 })
    assert.deepEqual(see(job('queued'), done, BOTH, T0 + 50, true), {
      state: 'running',
      held: false,
      runningSince: T0,
      since: T0,
      pacing: { ...done, reads: 3, releaseAt: T0 + 50 },
    })
  })

  test('a job not waiting for its input any more, or never waiting, shows its own state; a job waiting shows pending', () => {
    const waiting = startPacing({ progression: 'manual' }, true, ['running'], T0)
    assert.deepEqual(see(job('failed'), waiting, ['running'], T0 + 5, true), { state: 'failed', held: false, runningSince: null, since: null })
    assert.deepEqual(see(job('pending'), paced({}), BOTH, T0 + 5, true), { state: 'pending', held: false, runningSince: null, since: null })
    assert.deepEqual(repace({ progression: 'manual' }, null, BOTH, T0), { policy: { progression: 'manual' }, stage: null, reads: 0, since: null, releaseAt: null })
  })

  test('a held job shown queued has not been running; one its family has fewer stages for shows the last', () => {
    assert.deepEqual(see(job('queued'), paced({}), BOTH, T0 + 5, true), { state: 'queued', held: true, runningSince: null, since: T0, pacing: undefined })
    assert.equal(see(job('queued'), paced({ stage: 1 }), ['running'], T0 + 5, true).state, 'running')
  })

  test('a job a worker runs is shown running whatever its pacing says', () => {
    assert.deepEqual(see(job('running'), paced({ since: T0 + 7 }), BOTH, T0 + 9, true), { state: 'running', held: false, runningSince: T0 + 7, since: T0 + 7, pacing: undefined })
  })

  test('advanced to its end, a job shows running from the advance unless it was already running', () => {
    const fromQueued = advanced(paced({}), 2, BOTH, T0 + 10)
    assert.deepEqual(fromQueued, { ...paced({}), stage: 1, since: T0 + 10, releaseAt: T0 + 10 })
    const fromRunning = advanced(paced({ stage: 1, since: T0 + 3 }), 5, BOTH, T0 + 10)
    assert.equal(fromRunning.since, T0 + 3)
  })

  describe('the job a read returns', () => {
    const startedAt = new Date(T0 + 40_000)
    const updatedAt = new Date(T0 + 60_000)
    const finishedAt = new Date(T0 + 70_000)

    test('a held job shown queued has no start, and was last updated when its stage began', () => {
      // A retry waiting in the queue has a start of its last attempt, and later updates.
      const real = job('queued', { attempts: 1, startedAt, updatedAt })
      const view = viewOf(real, { state: 'queued', held: true, runningSince: null, since: T0 + 5_000 }, REAL_CLOCK)
      assert.deepEqual([view.state, view.startedAt, view.updatedAt.getTime(), view.finishedAt], ['queued', null, T0 + 5_000, null])
      const early = viewOf(real, { state: 'queued', held: true, runningSince: null, since: T0 - 5_000 }, REAL_CLOCK)
      assert.equal(early.updatedAt.getTime(), T0, 'never before it was created')
    })

    test('a released job shown running was last updated at the later of its stage and its work', () => {
      const real = job('queued', { updatedAt })
      const view = viewOf(real, { state: 'running', held: false, runningSince: T0 + 5_000, since: T0 + 5_000 }, REAL_CLOCK)
      assert.deepEqual([view.state, view.startedAt?.getTime(), view.updatedAt.getTime()], ['running', T0 + 5_000, T0 + 60_000])
      const stale = viewOf(job('queued'), { state: 'running', held: false, runningSince: T0 + 5_000, since: T0 + 5_000 }, REAL_CLOCK)
      assert.equal(stale.updatedAt.getTime(), T0 + 5_000)
    })

    test('an ended job paced through running shows when it was shown running, and its real end', () => {
      const real = job('completed', { startedAt, updatedAt, finishedAt })
      const view = viewOf(real, { state: 'completed', held: false, runningSince: T0 + 10_000, since: null }, REAL_CLOCK)
      assert.deepEqual([view.startedAt?.getTime(), view.updatedAt.getTime(), view.finishedAt?.getTime()], [T0 + 10_000, T0 + 60_000, T0 + 70_000])
      const unpaced = viewOf(real, { state: 'completed', held: false, runningSince: null, since: null }, REAL_CLOCK)
      assert.equal(unpaced, real)
    })

    test('a state shown other than the real one is shown; a start it never had is not made up', () => {
      const real = job('running', { startedAt, updatedAt })
      const shown: Seen = { state: 'running', held: true, runningSince: null, since: T0 + 1_000 }
      const view = viewOf(real, shown, REAL_CLOCK)
      assert.deepEqual([view.startedAt?.getTime(), view.updatedAt.getTime()], [T0 + 40_000, T0 + 1_000])
      const other = viewOf(job('queued'), { state: 'running', held: false, runningSince: null, since: null }, REAL_CLOCK)
      assert.deepEqual([other.state, other.updatedAt.getTime()], ['running', T0])
    })

    test('on a set clock, a job not paced keeps its start and its cancel', () => {
      const clock = new TenantClock([{ since: T0 - 1000, mode: 'offset', at: T0 - 1000 }])
      const real = job('queued', { attempts: 1, startedAt, stopRequested: 'cancel' })
      const view = viewOf(real, see(real, undefined, BOTH, T0, true), clock)
      assert.notEqual(view, real)
      assert.deepEqual([view.state, view.startedAt?.getTime(), view.stopRequested], ['queued', T0 + 40_000, 'cancel'])
    })
  })
})
