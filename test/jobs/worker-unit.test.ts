// A claimed job's run on its own (src/jobs/worker.ts, no database): its batches, stop, cancel
// and forced failure between them, a lost lease, retries with their delay, permanent failures,
// a job out of attempts, and a shutdown that hands the job back. The jobs table is an
// in-memory stand-in that answers the engine's statements (claim, lease, batch lock, progress,
// end, retry, release) as src/jobs/store.ts writes them; the statements themselves run on a
// database in test/jobs/engine.test.ts. This file and that one are the test list of
// `npm run mutate -- --scope engine`.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { FastifyBaseLogger } from 'fastify'
import { JobFailure, JobInterrupted, type Job, type JobContext, type JobKind, type JobOutcome, type StopFlag } from '../../src/jobs/types.ts'
import { defaultRetryDelay, JobWorker } from '../../src/jobs/worker.ts'
import type { Db } from '../../src/storage/db.ts'
import { aJob } from '../helpers/jobs.ts'

interface Row extends Job {
  leaseToken: string | null
  runAfter: number
  workerId: string | null
}

/** The jobs table, answering the statements a worker makes. */
class Jobs {
  readonly rows: Row[] = []
  readonly connection = { host: '/nonexistent-zjobs-socket-dir', port: 1, connectionTimeoutMillis: 1 }
  /** Statements run, by their first words. */
  readonly statements: string[] = []
  /** Called when a statement ends a job or hands it back. */
  onSettled: () => void = () => {}
  /** Statements (by their name in `statements`) that fail the next time they run. */
  readonly failNext = new Set<string>()
  /** The worker ids claims were made for. */
  readonly claimedBy: string[] = []

  get db(): Db {
    return this as unknown as Db
  }

  add(extra: Partial<Row> & { id: string }): Row {
    const row: Row = { ...aJob({ kind: 'test.unit', ...extra }), leaseToken: null, runAfter: 0, workerId: null, ...extra }
    this.rows.push(row)
    return row
  }

  async transaction<T>(work: (tx: Jobs) => Promise<T>): Promise<T> {
    return work(this)
  }

  async query(sql: string, params: unknown[] = []): Promise<{ rows: unknown[]; rowCount: number }> {
    const text = sql.replace(/\s+/g, ' ').trim()
    const held = () => this.rows.find((r) => r.tenantId === params[0] && r.id === params[1] && r.leaseToken === params[2])
    const answer = (rows: unknown[]) => ({ rows, rowCount: rows.length })
    const request = (r: Row) => ({ stop_requested: r.stopRequested, error: r.error, error_code: r.errorCode })
    const failing = (name: string) => {
      if (!this.failNext.delete(name)) return
      this.statements.push(`${name} failed`)
      throw new Error(`${name}: connection terminated`)
    }
    if (text.startsWith('SELECT pg_advisory_xact_lock')) return answer([])
    if (text.startsWith('WITH limits AS')) {
      failing('claim')
      this.statements.push('claim')
      const [kinds, , , workerId, token] = params as [string[], number[], number, string, string]
      this.claimedBy.push(workerId)
      const row = this.rows.find((r) => kinds.includes(r.kind) && r.state === 'queued' && r.runAfter <= Date.now())
      if (!row) return answer([])
      Object.assign(row, { state: 'running', leaseToken: token, workerId, attempts: row.attempts + 1, startedAt: row.startedAt ?? new Date() })
      return answer([
        {
          tenant_id: row.tenantId, id: row.id, kind: row.kind, state: row.state, stop_requested: row.stopRequested, created_by: null, entity_id: null,
          org_ids: null, params: row.params, progress: row.progress, result: null, error: row.error, error_code: row.errorCode, attempts: row.attempts,
          max_attempts: row.maxAttempts, created_at: row.createdAt, started_at: row.startedAt, updated_at: row.updatedAt, finished_at: null, lease_token: row.leaseToken,
        },
      ])
    }
    if (text.startsWith('UPDATE jobs SET lease_expires_at')) {
      failing('renew')
      this.statements.push('renew')
      const row = held()
      return answer(row ? [request(row)] : [])
    }
    if (text.startsWith('SELECT stop_requested, error, error_code FROM jobs')) {
      this.statements.push('lock')
      const row = held()
      return answer(row ? [request(row)] : [])
    }
    if (text.startsWith('UPDATE jobs SET progress')) {
      this.statements.push('progress')
      const row = held()
      if (row) row.progress = JSON.parse(params[3] as string)
      return answer(row ? [{}] : [])
    }
    if (text.startsWith('UPDATE jobs SET state = CASE')) {
      this.statements.push('finish')
      const row = held()
      if (!row) {
        this.onSettled()
        return answer([])
      }
      const forced = row.stopRequested === 'fail'
      Object.assign(row, {
        state: forced ? 'failed' : params[3],
        result: forced || params[4] === null ? null : JSON.parse(params[4] as string),
        error: forced ? row.error : params[5],
        errorCode: forced ? row.errorCode : params[6],
        stopRequested: null,
        leaseToken: null,
        finishedAt: new Date(),
      })
      this.onSettled()
      return answer([{}])
    }
    if (text.startsWith("UPDATE jobs SET state = 'queued', error")) {
      failing('retry')
      this.statements.push(`retry ${params[3]}: ${params[4]}`)
      const row = held()
      if (!row) return answer([])
      Object.assign(row, { state: 'queued', error: row.stopRequested === 'fail' ? row.error : params[4], leaseToken: null, runAfter: Date.now() + Number(params[3]) })
      this.onSettled()
      return answer([{}])
    }
    if (text.startsWith("UPDATE jobs SET state = 'queued', attempts = greatest")) {
      this.statements.push('release')
      const row = held()
      if (!row) return answer([])
      Object.assign(row, { state: 'queued', attempts: Math.max(row.attempts - 1, 0), leaseToken: null })
      this.onSettled()
      return answer([{}])
    }
    throw new Error(`the stand-in does not answer: ${text}`)
  }
}

/** A logger that keeps what was logged. */
interface Line {
  level: string
  msg: string
  fields?: Record<string, unknown>
  /** The child logger's bindings (a job's id, kind, tenant, attempt). */
  job?: Record<string, unknown>
}
function logger(lines: Line[], job?: Record<string, unknown>): FastifyBaseLogger {
  const at = (level: string) => (fields: unknown, msg?: string) => {
    lines.push(typeof fields === 'string' ? { level, msg: fields, job } : { level, msg: msg ?? '', fields: fields as Record<string, unknown>, job })
  }
  const log = { level: 'info', info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal'), silent: () => {} } as unknown as FastifyBaseLogger
  ;(log as unknown as { child: (bindings: Record<string, unknown>) => FastifyBaseLogger }).child = (bindings) => logger(lines, bindings)
  return log
}
const said = (lines: Line[], level: string, msg: string) => lines.filter((line) => line.level === level && line.msg === msg)

type Run = (context: JobContext) => Promise<JobOutcome>

/**
 * Runs `jobs` with one worker whose kind runs `run`, until `settled` (statements that end a
 * job or hand it back) have happened, then stops the worker.
 */
async function work(jobs: Jobs, run: Run, options: { settled?: number; retryDelayMs?: (attempt: number) => number; onFailed?: JobKind['onFailed']; faults?: boolean; leaseSeconds?: number } = {}) {
  const lines: Line[] = []
  const done = Promise.withResolvers<void>()
  let settled = 0
  jobs.onSettled = () => {
    if (++settled === (options.settled ?? 1)) done.resolve()
  }
  const kind: JobKind = { kind: 'test.unit', maxRunningPerTenant: 2, run, ...(options.onFailed ? { onFailed: options.onFailed } : {}) }
  const worker = new JobWorker({
    db: jobs.db,
    kinds: [kind],
    concurrency: 1,
    leaseSeconds: options.leaseSeconds ?? 30,
    pollMs: 5,
    log: logger(lines),
    retryDelayMs: options.retryDelayMs,
    faults: options.faults
      ? { forAttempt: async (job) => ({ rowFault: (row: number) => (row === job.attempts ? { ruleId: 'r1', code: 71012520, message: `row ${row} refused` } : undefined) }) }
      : undefined,
  })
  worker.start()
  await done.promise
  await worker.stop(2_000)
  assert.deepEqual(said(lines, 'warn', 'jobs did not stop in time; leaving them to their leases'), [], 'nothing runs: it stops at once')
  assert.ok(jobs.claimedBy.every((id) => id === worker.id), 'claims are made for this worker')
  return lines
}

const batches = (count: number): Run => async (context) => {
  for (let i = 0; i < count; i++) {
    const next = await context.commit(async () => ({ done: i + 1 }))
    if (next !== 'continue') return { state: next === 'stop' ? 'stopped' : 'cancelled', result: { at: i } }
  }
  return { state: 'completed', result: { done: count } }
}

describe('a claimed job', () => {
  test('runs batch by batch, each with its progress under the lease, and ends completed with its result', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    const lines = await work(jobs, batches(3))
    assert.deepEqual([row.state, row.progress, row.result, row.attempts, row.leaseToken], ['completed', { done: 3 }, { done: 3 }, 1, null])
    assert.deepEqual(said(lines, 'info', 'job ended'), [{ level: 'info', msg: 'job ended', fields: { state: 'completed' }, job: { jobId: 'j1', kind: 'test.unit', tenantId: '10000', attempt: 1 } }])
    assert.deepEqual(jobs.statements.filter((s) => s !== 'claim'), ['lock', 'progress', 'lock', 'progress', 'lock', 'progress', 'finish'])
  })

  test('a stop or cancel asked is honoured before the next batch, which does not run', async () => {
    for (const flag of ['stop', 'cancel'] as StopFlag[]) {
      const jobs = new Jobs()
      const row = jobs.add({ id: 'j1' })
      let ran = 0
      await work(jobs, async (context) => {
        await context.commit(async () => ({ done: ++ran }))
        row.stopRequested = flag
        const next = await context.commit(async () => ({ done: ++ran }))
        return { state: next === 'stop' ? 'stopped' : next === 'cancel' ? 'cancelled' : 'completed' }
      })
      assert.equal(ran, 1, flag)
      assert.deepEqual([row.state, row.progress], [flag === 'stop' ? 'stopped' : 'cancelled', { done: 1 }])
    }
  })

  test('check() renews the lease and tells a stop, a cancel, or nothing', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    const told: string[] = []
    await work(jobs, async (context) => {
      told.push(await context.check())
      row.stopRequested = 'cancel'
      told.push(await context.check())
      return { state: 'cancelled' }
    })
    assert.deepEqual(told, ['continue', 'cancel'])
    assert.deepEqual(jobs.statements.filter((s) => s === 'renew').length, 2)
  })

  test('a forced failure asked is raised at the next batch or check, and the job fails with its message and code', async () => {
    for (const how of ['commit', 'check'] as const) {
      const jobs = new Jobs()
      const row = jobs.add({ id: 'j1', maxAttempts: 5 })
      let after = false
      const failed: string[] = []
      await work(
        jobs,
        async (context) => {
          Object.assign(row, { stopRequested: 'fail', error: 'forced by the sandbox', errorCode: '71013000' })
          if (how === 'commit') await context.commit(async () => ({}))
          else await context.check()
          after = true
          return { state: 'completed' }
        },
        { onFailed: async (job, message) => void failed.push(`${job.state}: ${message}`) },
      )
      assert.equal(after, false, how)
      assert.deepEqual([row.state, row.error, row.errorCode, row.attempts], ['failed', 'forced by the sandbox', '71013000', 1], how)
      assert.deepEqual(failed, ['failed: forced by the sandbox'], 'a permanent failure, not retried')
    }
  })

  test('a forced failure without a message or code fails with the default message', async () => {
    for (const how of ['commit', 'check'] as const) {
      const jobs = new Jobs()
      const row = jobs.add({ id: 'j1' })
      const failed: string[] = []
      await work(
        jobs,
        async (context) => {
          row.stopRequested = 'fail'
          if (how === 'commit') await context.commit(async () => ({}))
          else await context.check()
          return { state: 'completed' }
        },
        { onFailed: async (_job, message) => void failed.push(message) },
      )
      assert.deepEqual(failed, ['The job failed'], how)
      assert.equal(row.state, 'failed')
    }
  })

  test('a lost lease: the batch commits nothing and the job is left to the worker that holds it', async () => {
    for (const how of ['commit', 'check'] as const) {
      const jobs = new Jobs()
      const row = jobs.add({ id: 'j1' })
      let ran = false
      let thrown: unknown
      const settled = Promise.withResolvers<void>()
      const lines = work(jobs, async (context) => {
        row.leaseToken = 'another-worker'
        try {
          if (how === 'commit') await context.commit(async () => ((ran = true), {}))
          else await context.check()
        } catch (error) {
          thrown = error
          throw error
        } finally {
          setImmediate(() => settled.resolve())
        }
        return { state: 'completed' }
      })
      await settled.promise
      // Nothing ends or hands back the job: settle the helper by hand.
      jobs.onSettled()
      const logged = await lines
      assert.equal(ran, false, how)
      assert.equal((thrown as Error).message, 'lease lost', how)
      assert.deepEqual([row.state, row.leaseToken, row.progress], ['running', 'another-worker', {}], how)
      assert.ok(!jobs.statements.some((s) => s === 'finish' || s.startsWith('retry') || s === 'release'), how)
      assert.ok(logged.some((line) => line.level === 'warn' && /lease lost/.test(line.msg)), how)
    }
  })

  test('a transient failure is retried after the delay for its attempt, then the job completes', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1', maxAttempts: 3 })
    const delays: number[] = []
    let attempt = 0
    const lines = await work(
      jobs,
      async (context) => {
        if (++attempt === 1) throw new Error('connection reset')
        return batches(1)(context)
      },
      { settled: 2, retryDelayMs: (n) => (delays.push(n), 0.4) },
    )
    assert.deepEqual(delays, [1], 'the delay of the first attempt')
    const retried = said(lines, 'warn', 'attempt failed; will retry')
    assert.deepEqual([retried.length, retried[0].fields?.retryInMs, (retried[0].fields?.err as Error).message], [1, 0, 'connection reset'])
    assert.deepEqual(jobs.statements.filter((s) => s.startsWith('retry')), ['retry 0: connection reset'], 'rounded to whole milliseconds')
    assert.deepEqual([row.state, row.attempts, row.error], ['completed', 2, null])
  })

  test('a job that keeps failing fails after its last attempt, saying how many', async () => {
    for (const [maxAttempts, said] of [
      [1, 'boom (gave up after 1 attempt)'],
      [2, 'boom (gave up after 2 attempts)'],
    ] as const) {
      const jobs = new Jobs()
      const row = jobs.add({ id: 'j1', maxAttempts })
      const failed: unknown[] = []
      await work(
        jobs,
        async () => {
          throw new Error('boom')
        },
        { settled: maxAttempts, retryDelayMs: () => 0, onFailed: async (job, message) => void failed.push([job.id, job.state, job.error, message]) },
      )
      assert.deepEqual([row.state, row.error, row.errorCode, row.attempts], ['failed', said, null, maxAttempts])
      assert.deepEqual(failed, [['j1', 'failed', said, said]])
    }
  })

  test('a thrown value that is no Error is retried with its text', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1', maxAttempts: 1 })
    await work(jobs, async () => {
      throw 'plain text'
    })
    assert.deepEqual([row.state, row.error], ['failed', 'plain text (gave up after 1 attempt)'])
  })

  test('a permanent failure fails at once with its code; a failing onFailed hook is only logged', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1', maxAttempts: 5 })
    const lines = await work(
      jobs,
      async () => {
        throw new JobFailure('bad row 3', 71012520)
      },
      {
        onFailed: async () => {
          throw new Error('hook broke')
        },
      },
    )
    assert.deepEqual([row.state, row.error, row.errorCode, row.attempts], ['failed', 'bad row 3', '71012520', 1])
    const hook = said(lines, 'error', 'onFailed hook failed')
    assert.deepEqual([hook.length, (hook[0].fields?.err as Error).message], [1, 'hook broke'])
    assert.deepEqual(said(lines, 'warn', 'job failed').map((line) => line.fields), [{ error: 'bad row 3' }])
    const plain = new Jobs()
    const other = plain.add({ id: 'j2', maxAttempts: 5 })
    const quiet = await work(plain, async () => {
      throw new RangeError('Invalid array length')
    })
    assert.deepEqual(quiet.filter((line) => line.level === 'error'), [], 'a kind without an onFailed hook fails quietly')
    assert.deepEqual([other.state, other.error, other.errorCode], ['failed', 'Invalid array length', null])
  })

  test('a job claimed past its attempts (its earlier ones died with the process) fails without running', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1', maxAttempts: 2, attempts: 2 })
    const quiet = jobs.add({ id: 'j2', maxAttempts: 2, attempts: 2, kind: 'test.unit', error: 'out of memory', errorCode: 'E1' })
    let ran = false
    const failed: string[] = []
    await work(
      jobs,
      async () => {
        ran = true
        return { state: 'completed' }
      },
      { settled: 2, onFailed: async (_job, message) => void failed.push(message) },
    )
    assert.equal(ran, false)
    assert.deepEqual([row.state, row.error, row.errorCode], ['failed', 'gave up after 2 attempts', null])
    assert.deepEqual([quiet.state, quiet.error, quiet.errorCode], ['failed', 'out of memory', 'E1'])
    assert.deepEqual(failed, ['gave up after 2 attempts', 'out of memory'])
  })

  test('a job claimed at its last attempt runs', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1', maxAttempts: 2, attempts: 1 })
    await work(jobs, batches(1))
    assert.deepEqual([row.state, row.attempts], ['completed', 2])
  })

  test('on shutdown the running batch ends and the job goes back to the queue, the attempt not counted', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    const started = Promise.withResolvers<void>()
    const go = Promise.withResolvers<void>()
    let ran = 0
    const lines: { level: string; msg: string }[] = []
    const interrupted: unknown[] = []
    const kind: JobKind = {
      kind: 'test.unit',
      maxRunningPerTenant: 1,
      run: async (context) => {
        await context.commit(async () => ({ done: ++ran }))
        started.resolve()
        await go.promise
        await context.check().catch((error) => interrupted.push(error))
        await context.commit(async () => ({ done: ++ran })).catch((error) => {
          interrupted.push(error)
          throw error
        })
        return { state: 'completed' }
      },
    }
    const worker = new JobWorker({ db: jobs.db, kinds: [kind], concurrency: 1, leaseSeconds: 30, pollMs: 5, log: logger(lines) })
    worker.start()
    await started.promise
    const stopping = worker.stop(1_000)
    go.resolve()
    await stopping
    assert.equal(ran, 1, 'no batch after the shutdown began')
    assert.deepEqual(interrupted.map((error) => [error instanceof JobInterrupted, (error as Error).message]), [[true, 'shutting down'], [true, 'shutting down']])
    assert.deepEqual([row.state, row.attempts, row.progress, row.leaseToken], ['queued', 0, { done: 1 }, null])
    assert.ok(lines.some((line) => line.msg === 'job handed back to the queue'))
  })

  test('a shutdown that takes too long aborts the running job and leaves it to its lease', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    const started = Promise.withResolvers<void>()
    let reason: unknown
    const kind: JobKind = {
      kind: 'test.unit',
      maxRunningPerTenant: 1,
      run: async (context) => {
        started.resolve()
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve))
        reason = context.signal.reason
        throw reason
      },
    }
    const lines: Line[] = []
    const worker = new JobWorker({ db: jobs.db, kinds: [kind], concurrency: 1, leaseSeconds: 30, pollMs: 5, log: logger(lines) })
    worker.start()
    await started.promise
    await worker.stop(1)
    await new Promise((resolve) => setImmediate(resolve))
    assert.ok(reason instanceof JobInterrupted)
    assert.equal((reason as Error).message, 'shutdown timeout')
    assert.deepEqual(said(lines, 'warn', 'jobs did not stop in time; leaving them to their leases').map((line) => line.fields), [{ running: 1 }])
  })

  test('the sandbox\'s row faults of the attempt reach the job', async () => {
    const jobs = new Jobs()
    jobs.add({ id: 'j1' })
    let fault: unknown
    await work(
      jobs,
      async (context) => {
        fault = [context.rowFault?.(1), context.rowFault?.(2)]
        return { state: 'completed' }
      },
      { faults: true },
    )
    assert.deepEqual(fault, [{ ruleId: 'r1', code: 71012520, message: 'row 1 refused' }, undefined])
    const none = new Jobs()
    none.add({ id: 'j1' })
    await work(none, async (context) => {
      fault = context.rowFault
      return { state: 'completed' }
    })
    assert.equal(fault, undefined)
  })

  test('a lease renewal that finds the lease gone aborts the job', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    let reason: unknown
    const settled = Promise.withResolvers<void>()
    const lines = work(
      jobs,
      async (context) => {
        row.leaseToken = 'another-worker'
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve))
        reason = context.signal.reason
        const before = jobs.statements.length
        await assert.rejects(context.commit(async () => ({})), (error) => error === reason)
        await assert.rejects(context.check(), (error) => error === reason)
        assert.equal(jobs.statements.length, before, 'an aborted job touches nothing')
        setImmediate(() => settled.resolve())
        throw reason
      },
      { leaseSeconds: 0.03 },
    )
    await settled.promise
    jobs.onSettled()
    await lines
    assert.match(String(reason), /lease lost/)
    assert.equal(row.state, 'running', 'left to the worker that holds it')
  })

  test('the worker has its own id: host, process and a random part', () => {
    const worker = new JobWorker({ db: new Jobs().db, kinds: [], concurrency: 1, leaseSeconds: 30, pollMs: 5, log: logger([]) })
    assert.match(worker.id, new RegExp(`^.+:${process.pid}:[0-9a-f]{8}$`))
  })

  test('a worker without kinds or slots claims nothing', async () => {
    for (const [kinds, concurrency] of [
      [[], 2],
      [[{ kind: 'test.unit', maxRunningPerTenant: 1, run: batches(1) }], 0],
    ] as [JobKind[], number][]) {
      const jobs = new Jobs()
      jobs.add({ id: 'j1' })
      const worker = new JobWorker({ db: jobs.db, kinds, concurrency, leaseSeconds: 30, pollMs: 5, log: logger([]) })
      worker.start()
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
      await worker.stop(2_000)
      assert.deepEqual(jobs.statements, [], `${kinds.length} kinds, ${concurrency} slots`)
    }
  })

  test('a claim that fails is logged and tried again', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    jobs.failNext.add('claim')
    const lines = await work(jobs, batches(1))
    assert.equal(row.state, 'completed')
    const warned = said(lines, 'warn', 'claiming a job failed; will retry')
    assert.equal(warned.length, 1)
    assert.match(String((warned[0].fields?.err as Error).message), /connection terminated/)
  })

  test('the lease is renewed while a job runs, a renewal that fails is logged, and the job goes on', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    jobs.failNext.add('renew')
    const lines = await work(
      jobs,
      async (context) => {
        while (jobs.statements.filter((s) => s === 'renew').length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
        return batches(1)(context)
      },
      { leaseSeconds: 0.03 },
    )
    assert.equal(row.state, 'completed', 'a renewal that found the lease is no reason to stop')
    const warned = said(lines, 'warn', 'lease renewal failed')
    assert.equal(warned.length, 1)
    assert.ok(warned[0].fields?.err instanceof Error)
  })

  test('a failure that cannot be recorded is logged, and the job is left to its lease', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    jobs.failNext.add('retry')
    const lines: Line[] = []
    const kind: JobKind = {
      kind: 'test.unit',
      maxRunningPerTenant: 1,
      run: async () => {
        throw new Error('flaky')
      },
    }
    const worker = new JobWorker({ db: jobs.db, kinds: [kind], concurrency: 1, leaseSeconds: 30, pollMs: 5, log: logger(lines), retryDelayMs: () => 0 })
    worker.start()
    while (!jobs.statements.includes('retry failed')) await new Promise((resolve) => setImmediate(resolve))
    await worker.stop(2_000)
    const logged = said(lines, 'error', 'could not record the job failure; its lease will expire')
    assert.equal(logged.length, 1)
    assert.match((logged[0].fields?.err as Error).message, /retry: connection terminated/)
    assert.equal(row.state, 'running')
  })

  test('the end of a job whose lease was lost meanwhile is logged, not recorded', async () => {
    const jobs = new Jobs()
    const row = jobs.add({ id: 'j1' })
    const lines = await work(jobs, async () => {
      row.leaseToken = 'another-worker'
      return { state: 'completed' }
    })
    assert.equal(said(lines, 'warn', 'lease lost before the job could end').length, 1)
    assert.equal(said(lines, 'info', 'job ended').length, 0)
    assert.equal(row.state, 'running')
  })

  test('the default retry delay doubles from about a second, capped at five minutes', () => {
    for (const [attempt, base] of [
      [0, 1000],
      [1, 1000],
      [2, 2000],
      [4, 8000],
      [20, 300_000],
    ] as const) {
      for (let i = 0; i < 20; i++) {
        const delay = defaultRetryDelay(attempt)
        assert.ok(delay >= base * 0.75 && delay <= base * 1.25, `attempt ${attempt}: ${delay}`)
      }
    }
  })
})

