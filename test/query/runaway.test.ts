// One tenant's runaway Data Query leaves every other tenant served, and a cancel ends it on
// the database server, not only in the job's status: on the embedded server as on any other.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'

// Counting an endless recursion: no output, ever, until something stops it.
const RUNAWAY = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r'
/** A hang, not a speed limit: the cancel's speed is measured by `npm run bench` (isolation). */
const CANCEL_PATIENCE_MS = 5000

describe('a runaway Data Query', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dataQueryTimeLimitSeconds: 600 }, { workers: 'thread' })
  })
  after(() => server.close())

  const body = (query: string) => ({ query, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } })

  /** The server processes running the runaway statement, and their state. */
  const runawayBackends = async () => {
    const { rows } = await server.server.db.query<{ pid: number; state: string }>(
      `SELECT pid, state FROM pg_stat_activity WHERE query ILIKE '%recursive%' AND query NOT ILIKE '%pg_stat_activity%' AND pid <> pg_backend_pid()`,
    )
    return rows
  }

  test("leaves another tenant's reads and queries answered, and a cancel ends it on the server", async () => {
    const submitted = await server.api('POST', '/query/jobs', { body: body(RUNAWAY) })
    assert.equal(submitted.status, 200, submitted.text)
    const runawayId = submitted.json().data.id as string
    // Wait until the statement runs on the server.
    const deadline = Date.now() + 60_000
    let pid: number | undefined
    while (!pid) {
      pid = (await runawayBackends()).find((backend) => backend.state === 'active')?.pid
      if (Date.now() > deadline) assert.fail('the runaway query never started')
      if (!pid) await sleep(50)
    }
    assert.equal((await server.api('GET', `/query/jobs/${runawayId}`)).json().data.queryStatus, 'in_progress')

    // Another tenant works as usual meanwhile: submits, reads, lists, gets its result.
    const other = await createTenantWithClient(server, { name: 'bystander' })
    const own = await server.api('POST', '/query/jobs', { token: other.token, body: body('SELECT 1 AS one') })
    assert.equal(own.status, 200, own.text)
    const ownId = own.json().data.id as string
    let status = ''
    for (let read = 0; read < 200 && status !== 'completed'; read++) {
      const response = await server.api('GET', `/query/jobs/${ownId}`, { token: other.token })
      assert.equal(response.status, 200, response.text)
      status = response.json().data.queryStatus
      if (status !== 'completed') await sleep(50)
    }
    assert.equal(status, 'completed', "the other tenant's query completed while the runaway ran")
    const list = await server.api('GET', '/query/jobs?pageSize=5', { token: other.token })
    assert.equal(list.status, 200)
    assert.deepEqual(list.json().data.map((job: { id: string }) => job.id), [ownId], 'it sees its own jobs only')
    assert.equal((await server.api('GET', '/readyz', { token: other.token })).status, 200)
    assert.ok((await runawayBackends()).some((backend) => backend.pid === pid && backend.state === 'active'), 'still running')

    // The cancel: the job reads cancelled at once, and the statement ends on the server.
    const cancelled = await server.api('DELETE', `/query/jobs/${runawayId}`)
    assert.equal(cancelled.status, 200, cancelled.text)
    assert.equal(cancelled.json().data.queryStatus, 'cancelled')
    const cancelledAt = Date.now()
    for (;;) {
      const backend: { state: string } | undefined = (await runawayBackends()).find((b) => b.pid === pid)
      // Its connection is back in the pool (idle) or closed, not holding a transaction.
      if (!backend || backend.state === 'idle') break
      if (Date.now() - cancelledAt > CANCEL_PATIENCE_MS) assert.fail(`the cancelled statement still runs (${backend.state})`)
      await sleep(20)
    }
    const job = (await server.api('GET', `/query/jobs/${runawayId}`)).json().data
    assert.equal(job.queryStatus, 'cancelled')
    assert.equal(job.dataFile, undefined, 'a cancelled query leaves no result file')
  })

  test('a query that times out spends its retries: in_progress through its attempts and the waits between them, remainingRetries 2, 1, 0, then failed', async () => {
    const limited = await startTestServer({ dataQueryTimeLimitSeconds: 1, dataQueryRetries: 2 }, { workers: 'thread' })
    try {
      const submitted = await limited.api('POST', '/query/jobs', { body: body(RUNAWAY) })
      assert.equal(submitted.status, 200, submitted.text)
      assert.deepEqual([submitted.json().data.queryStatus, submitted.json().data.remainingRetries, submitted.json().data.retries], ['accepted', 2, 2])
      const id = submitted.json().data.id as string
      // Every answer seen while the job runs, with the engine's state when it is the same just
      // before and just after the answer (else 'changing').
      const seen: { state: string; attempts?: number; queryStatus: string; remainingRetries: number }[] = []
      const engineState = async () =>
        JSON.stringify((await limited.server.db.query('SELECT state, attempts FROM jobs WHERE id = $1', [id])).rows[0])
      const deadline = Date.now() + 60_000
      for (;;) {
        const before = await engineState()
        const response = await limited.api('GET', `/query/jobs/${id}`)
        const after = await engineState()
        assertVendorResponse('GET', '/query/jobs/{job-id}', 200, response.json())
        const job = response.json().data
        const engine = before === after ? JSON.parse(before) : { state: 'changing' }
        seen.push({ state: engine.state, attempts: engine.attempts, queryStatus: job.queryStatus, remainingRetries: job.remainingRetries })
        if (['failed', 'completed', 'cancelled'].includes(job.queryStatus)) break
        if (Date.now() > deadline) assert.fail(`the query never ended: ${JSON.stringify(seen.slice(-3))}`)
        await sleep(50)
      }
      const last = seen[seen.length - 1]
      assert.deepEqual([last.queryStatus, last.remainingRetries], ['failed', 0])
      const final = (await limited.api('GET', `/query/jobs/${id}`)).json().data
      assert.equal(final.errorMessage, 'Query exceeded the maximum time limit of 1.00s (gave up after 3 attempts)')
      assert.equal(final.retries, 2)
      // A running attempt is in_progress (never accepted), and each attempt spent one retry.
      const running = seen.filter((answer) => answer.state === 'running')
      assert.ok(running.length > 0)
      assert.ok(running.every((answer) => answer.queryStatus === 'in_progress'), JSON.stringify(running))
      assert.deepEqual([...new Set(running.map((answer) => answer.remainingRetries))], [2, 1, 0])
      // Between attempts the failed ones are counted already: after n failed attempts, 2 - n left.
      const waiting = seen.filter((answer) => answer.state === 'queued' && answer.attempts! > 0)
      assert.ok(waiting.length > 0, 'the job was seen waiting for its retry')
      for (const answer of waiting) assert.equal(answer.remainingRetries, 2 - answer.attempts!, JSON.stringify(answer))
      // A started query never goes back to accepted, not even while it waits for its retry.
      assert.ok(waiting.every((answer) => answer.queryStatus === 'in_progress'), JSON.stringify(waiting))
      assert.deepEqual(seen.map((answer) => answer.queryStatus).filter((status, i, all) => status !== all[i - 1]).slice(-2), ['in_progress', 'failed'])
    } finally {
      await limited.close()
    }
  })

  test('a query past its time limit is stopped by the server (statement_timeout) and the database serves on', async () => {
    const limited = await startTestServer({ dataQueryTimeLimitSeconds: 1, dataQueryRetries: 0 }, { workers: 'thread' })
    try {
      const submitted = await limited.api('POST', '/query/jobs', { body: body(RUNAWAY) })
      const id = submitted.json().data.id as string
      let job: { queryStatus: string; errorMessage?: string } = { queryStatus: 'accepted' }
      const deadline = Date.now() + 60_000
      while (!['failed', 'completed'].includes(job.queryStatus)) {
        if (Date.now() > deadline) assert.fail('the query never ended')
        await sleep(100)
        job = (await limited.api('GET', `/query/jobs/${id}`)).json().data
      }
      assert.equal(job.queryStatus, 'failed')
      assert.equal(job.errorMessage, 'Query exceeded the maximum time limit of 1.00s (gave up after 1 attempt)')
      const { rows } = await limited.server.db.query(
        `SELECT pid FROM pg_stat_activity WHERE query ILIKE '%recursive%' AND query NOT ILIKE '%pg_stat_activity%' AND state = 'active' AND pid <> pg_backend_pid()`,
      )
      assert.deepEqual(rows, [], 'nothing of it runs on')
    } finally {
      await limited.close()
    }
  })
})
