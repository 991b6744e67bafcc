import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { newUuid } from '../../src/platform/ids.ts'
import { claimJob, getJob, insertJob, lockForBatch, requestStop } from '../../src/jobs/store.ts'
import type { Job, JobKind } from '../../src/jobs/types.ts'
import { JobWorker } from '../../src/jobs/worker.ts'
import type { Db } from '../../src/storage/db.ts'
import { appliedCounts, rowsKind, scratchTable, type RowsParams, type RowsProgress } from '../helpers/job-kinds.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'

/** Polls a job until `done` holds for it (deadline generous: this is not a speed test). */
async function waitFor(db: Db, tenantId: string, id: string, done: (job: Job<RowsParams, RowsProgress>) => boolean) {
  const deadline = Date.now() + 60_000
  for (;;) {
    const job = await getJob<RowsParams, RowsProgress>(db, tenantId, id)
    if (job && done(job)) return job
    if (Date.now() > deadline) assert.fail(`job ${id} never reached the expected state: ${JSON.stringify(job)}`)
    await sleep(25)
  }
}
const final = (job: Job) => ['completed', 'failed', 'cancelled', 'stopped'].includes(job.state)

describe('job engine', () => {
  let server: TestServer
  let db: Db
  let tenantId: string
  const workers: JobWorker[] = []

  const startWorker = (kinds: JobKind[], options: { concurrency?: number; leaseSeconds?: number } = {}) => {
    const worker = new JobWorker({
      db,
      kinds,
      concurrency: options.concurrency ?? 2,
      leaseSeconds: options.leaseSeconds ?? 10,
      pollMs: 20,
      log: server.server.app.log,
      retryDelayMs: () => 10,
    })
    worker.start()
    workers.push(worker)
    return worker
  }
  const submit = async (params: RowsParams, options: { kind?: string; tenant?: string; maxAttempts?: number } = {}) => {
    const id = newUuid()
    await insertJob(db, {
      tenantId: options.tenant ?? tenantId,
      id,
      kind: options.kind ?? 'test.rows',
      params,
      maxAttempts: options.maxAttempts ?? 3,
    })
    for (const worker of workers) worker.wake()
    return id
  }

  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    db = server.server.db
    tenantId = server.server.bootstrap.tenant.id
  })
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop(5000)))
  })
  after(() => server.close())

  test('runs a job batch by batch: every row applied exactly once, progress committed with each batch', async () => {
    const table = await scratchTable(db, 1050)
    startWorker([rowsKind()])
    const id = await submit({ table, batch: 100 })
    const job = await waitFor(db, tenantId, id, final)
    assert.equal(job.state, 'completed')
    assert.deepEqual(job.progress, { done: 1050, batches: 12 })
    assert.deepEqual(job.result, { done: 1050 })
    assert.equal(job.attempts, 1)
    assert.ok(job.startedAt && job.finishedAt && job.finishedAt >= job.startedAt)
    assert.deepEqual(await appliedCounts(db, table), { 1: 1050 })
  })

  test('a stop request takes effect between batches and keeps the finished batches', async () => {
    const table = await scratchTable(db, 5000)
    startWorker([rowsKind()])
    const id = await submit({ table, batch: 50, delayMs: 20 })
    await waitFor(db, tenantId, id, (job) => (job.progress.done ?? 0) >= 200)
    const requested = await db.transaction((tx) => requestStop(tx, tenantId, id, 'stop', ['queued', 'running']))
    assert.equal(requested.kind, 'requested')
    const doneAtRequest = (requested.job.progress as RowsProgress).done!
    const job = await waitFor(db, tenantId, id, final)
    assert.equal(job.state, 'stopped')
    const done = job.progress.done!
    // At most the batch in flight when the request arrived committed after it.
    assert.ok(done >= doneAtRequest && done <= doneAtRequest + 50, `${done} vs ${doneAtRequest}`)
    assert.deepEqual(await appliedCounts(db, table), { 0: 5000 - done, 1: done })
    await assert.rejects(
      db.transaction((tx) => requestStop(tx, tenantId, id, 'stop', ['queued', 'running'])),
      /is stopped/,
    )
  })

  test('cancelling a job that has not started ends it at once, and it never runs', async () => {
    const table = await scratchTable(db, 10)
    const id = await submit({ table, batch: 5 })
    const cancelled = await db.transaction((tx) => requestStop(tx, tenantId, id, 'cancel', ['queued', 'running']))
    assert.equal(cancelled.kind, 'ended')
    assert.equal(cancelled.job.state, 'cancelled')
    startWorker([rowsKind()])
    // A job submitted after it has run: the worker has looked at the queue past the cancelled one
    // (jobs are claimed oldest first).
    const later = await submit({ table: await scratchTable(db, 5), batch: 5 })
    assert.equal((await waitFor(db, tenantId, later, final)).state, 'completed')
    const job = (await getJob(db, tenantId, id))!
    assert.equal(job.state, 'cancelled')
    assert.equal(job.attempts, 0, 'never claimed')
    assert.deepEqual(await appliedCounts(db, table), { 0: 10 })
  })

  test('a transient failure is retried and the job completes', async () => {
    const table = await scratchTable(db, 30)
    startWorker([rowsKind()])
    const id = await submit({ table, batch: 10, failOnAttempts: [1] })
    const job = await waitFor(db, tenantId, id, final)
    assert.equal(job.state, 'completed')
    assert.equal(job.attempts, 2)
    assert.deepEqual(await appliedCounts(db, table), { 1: 30 })
  })

  test('a permanent failure fails the job with its message, without retrying', async () => {
    const table = await scratchTable(db, 10)
    startWorker([rowsKind()])
    const id = await submit({ table, batch: 10, failPermanently: 'Column foo cannot be resolved' })
    const job = await waitFor(db, tenantId, id, final)
    assert.equal(job.state, 'failed')
    assert.equal(job.error, 'Column foo cannot be resolved')
    assert.equal(job.attempts, 1)
  })

  // Each statement fails the same way on every attempt. The server's out of memory (53200)
  // cannot be forced reliably in a test; the parser's (54001) can.
  const neverSucceeding: [string, string, RegExp][] = [
    ['a request past a size limit', "SELECT repeat('x', 1073741824)", /requested length too large/],
    ['a value too large for its column', "CREATE TEMP TABLE t (v varchar(3)); INSERT INTO t VALUES ('abcdef')", /value too long/],
    ['the parser out of memory', `SELECT ${'('.repeat(200_000)}1${')'.repeat(200_000)}`, /memory exhausted/],
    [
      'the stack depth limit',
      'CREATE FUNCTION pg_temp.f(n int) RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN pg_temp.f(n + 1); END$$; SELECT pg_temp.f(1)',
      /stack depth limit exceeded/,
    ],
    ['a syntax error', 'SELEC 1', /syntax error/],
    ['a permission error', 'SET LOCAL ROLE zjobs_dq_reader; SELECT * FROM jobs', /permission denied/],
  ]
  for (const [what, statement, message] of neverSucceeding) {
    test(`an error that cannot succeed on a retry (${what}) fails the job at its first attempt`, async () => {
      const table = await scratchTable(db, 10)
      startWorker([rowsKind()])
      const id = await submit({ table, batch: 10, failingStatement: statement }, { maxAttempts: 3 })
      const job = await waitFor(db, tenantId, id, final)
      assert.equal(job.state, 'failed')
      assert.equal(job.attempts, 1, 'no attempt spent on a retry')
      assert.match(job.error!, message)
      assert.deepEqual(await appliedCounts(db, table), { 0: 10 })
    })
  }

  test('a job that keeps failing fails after its last attempt', async () => {
    const table = await scratchTable(db, 10)
    startWorker([rowsKind()])
    const id = await submit({ table, batch: 10, failOnAttempts: [1, 2, 3] }, { maxAttempts: 3 })
    const job = await waitFor(db, tenantId, id, final)
    assert.equal(job.state, 'failed')
    assert.equal(job.attempts, 3)
    assert.match(job.error!, /transient failure on attempt 3 \(gave up after 3 attempts\)/)
  })

  test("per-tenant limits are exact and one tenant's backlog does not starve another tenant", async () => {
    const other = (await createTenantWithClient(server)).tenant.id
    const starts: { tenant: string; at: number }[] = []
    const kind = rowsKind('test.limited', 1)
    const table = await scratchTable(db, 1)
    const intervals = new Map<string, { tenant: string; start: number; end?: number }>()
    // The busy tenant's jobs are held until the other tenant's job has started: if that one
    // waited behind them, it would never start.
    const quietStarted = Promise.withResolvers<void>()
    const timed: JobKind<RowsParams, RowsProgress> = {
      ...kind,
      async run(context) {
        const entry = { tenant: context.job.tenantId, start: performance.now() } as { tenant: string; start: number; end?: number }
        intervals.set(context.job.id, entry)
        starts.push({ tenant: context.job.tenantId, at: entry.start })
        if (context.job.tenantId === other) quietStarted.resolve()
        else await quietStarted.promise
        const outcome = await kind.run(context)
        entry.end = performance.now()
        return outcome
      },
    }
    const busy: string[] = []
    for (let i = 0; i < 5; i++) busy.push(await submit({ table, batch: 1 }, { kind: 'test.limited' }))
    const quiet = await submit({ table, batch: 1 }, { kind: 'test.limited', tenant: other })
    startWorker([timed], { concurrency: 3 })
    const starved = sleep(30_000, 'starved' as const, { ref: false })
    assert.notEqual(await Promise.race([quietStarted.promise, starved]), 'starved', "the other tenant's job never started beside the busy tenant's")
    for (const id of busy) await waitFor(db, tenantId, id, final)
    await waitFor(db, other, quiet, final)

    const busyIntervals = [...intervals.values()].filter((i) => i.tenant === tenantId).sort((a, b) => a.start - b.start)
    for (let i = 1; i < busyIntervals.length; i++) {
      assert.ok(busyIntervals[i].start >= busyIntervals[i - 1].end!, 'two jobs of one tenant overlapped despite the limit of 1')
    }
    const quietStart = intervals.get(quiet)!.start
    assert.ok(quietStart < busyIntervals[1].start, 'the other tenant waited behind the busy tenant')
  })

  test("a tenant's job_limits override the kind's default", async () => {
    await db.query(`UPDATE tenants SET job_limits = '{"test.limited2": 3}' WHERE id = $1`, [tenantId])
    let running = 0
    let peak = 0
    const held = Promise.withResolvers<void>()
    const kind = rowsKind('test.limited2', 1)
    const counted: JobKind<RowsParams, RowsProgress> = {
      ...kind,
      async run(context) {
        running++
        peak = Math.max(peak, running)
        await held.promise
        running--
        return kind.run(context)
      },
    }
    const table = await scratchTable(db, 1)
    const ids = []
    for (let i = 0; i < 6; i++) ids.push(await submit({ table, batch: 1 }, { kind: 'test.limited2' }))
    startWorker([counted], { concurrency: 5 })
    // Three jobs run, held; the worker has two slots free and three jobs queued, yet nothing
    // more may be claimed: a claim now (as any worker's) finds none.
    const deadline = Date.now() + 30_000
    while (running < 3) {
      if (Date.now() > deadline) assert.fail(`only ${running} jobs ran at once; the tenant's limit is 3`)
      await sleep(10)
    }
    assert.equal(await claimJob(db, [{ kind: 'test.limited2', maxRunningPerTenant: 1 }], 10, 'probe-worker'), undefined)
    const { rows } = await db.query("SELECT state, count(*)::int AS n FROM jobs WHERE kind = 'test.limited2' GROUP BY state ORDER BY state")
    assert.deepEqual(rows, [{ state: 'queued', n: 3 }, { state: 'running', n: 3 }])
    held.resolve()
    for (const id of ids) await waitFor(db, tenantId, id, final)
    assert.equal(peak, 3)
  })

  test("a dead worker's job is taken over when its lease expires, and resumes after the last committed batch", async () => {
    const table = await scratchTable(db, 300)
    const id = await submit({ table, batch: 100 })
    // A worker claims the job, commits one batch, then dies (never renews its lease).
    const dead = (await claimJob(db, [{ kind: 'test.rows', maxRunningPerTenant: 5 }], 1, 'dead-worker'))!
    assert.equal(dead.id, id)
    await db.transaction(async (tx) => {
      assert.ok(await lockForBatch(tx, dead))
      await tx.query(`UPDATE ${table} SET applied = applied + 1 WHERE id <= 100`)
      await tx.query('UPDATE jobs SET progress = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, { done: 100, batches: 1 }])
    })
    startWorker([rowsKind()], { leaseSeconds: 1 })
    const job = await waitFor(db, tenantId, id, final)
    assert.equal(job.state, 'completed')
    assert.equal(job.attempts, 2)
    assert.deepEqual(await appliedCounts(db, table), { 1: 300 })
    // The dead worker's lease is worthless now: it cannot commit anything.
    assert.equal(await db.transaction((tx) => lockForBatch(tx, dead)), undefined)
  })

  test('on shutdown a running job finishes its batch and goes back to the queue, then resumes', async () => {
    const table = await scratchTable(db, 2000)
    const worker = startWorker([rowsKind()], { concurrency: 1 })
    const id = await submit({ table, batch: 100, delayMs: 30 })
    await waitFor(db, tenantId, id, (job) => (job.progress.done ?? 0) >= 300)
    await worker.stop(5000)
    workers.splice(workers.indexOf(worker), 1)
    const parked = (await getJob<RowsParams, RowsProgress>(db, tenantId, id))!
    assert.equal(parked.state, 'queued')
    assert.equal(parked.attempts, 0, 'an interrupted attempt does not count')
    const done = parked.progress.done!
    assert.ok(done >= 300 && done < 2000)
    assert.deepEqual(await appliedCounts(db, table), { 0: 2000 - done, 1: done })

    startWorker([rowsKind()])
    const job = await waitFor(db, tenantId, id, final)
    assert.equal(job.state, 'completed')
    assert.deepEqual(await appliedCounts(db, table), { 1: 2000 })
  })
})
