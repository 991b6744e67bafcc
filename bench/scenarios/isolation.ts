// Scenario 12: one tenant's reads while another tenant's work runs. Tenant B's
// GET /query/jobs/{id} under autocannon (as scenario 1), with nothing else running and then
// while tenant A runs a runaway Data Query (a recursive count that never ends) and custom-object
// bulk create jobs one after another: B's throughput and p99, loaded against alone. Then A's
// runaway query is cancelled (DELETE /query/jobs/{id}): the time from the DELETE until the job
// reads `cancelled` and its statement is gone from pg_stat_activity. The cancel's baseline: the
// same statement run on a connection of the bench and ended with pg_cancel_backend, timed the
// same way.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'
import { call, createTenant, expect, type BenchTenant } from '../api.ts'
import { connect } from '../backend.ts'
import { withClient, type Context } from '../context.ts'
import { runDataQuery } from '../data.ts'
import { measured, type Row } from '../results.ts'
import { load, type Load } from './api-reads.ts'
import { bulkCreate, defineBenchObject, recordsCsv } from './objects.ts'

const POLL_MS = 5
const PATIENCE_MS = 60_000

/** A statement that never ends on its own; `marker` (a column alias, kept by zjobs' rewrite) finds it in pg_stat_activity. */
const runaway = (marker: string) => `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS ${marker} FROM r`

/** Whether a statement holding `marker` runs, on a backend other than the asking one. */
async function running(client: pg.Client, marker: string): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%' AND query NOT LIKE '%pg_stat_activity%'`,
    [marker],
  )
  return rows.length > 0
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${PATIENCE_MS} ms`)
    await sleep(POLL_MS)
  }
}

/** Tenant A's bulk create jobs, one after another until stopped. */
function bulkJobs(context: Context, tenant: BenchTenant, csv: Buffer): { jobs: () => number; stop(): Promise<void> } {
  let stopping = false
  let jobs = 0
  let failure: unknown
  const loop = (async () => {
    while (!stopping) {
      await bulkCreate(context, tenant, csv)
      jobs++
    }
  })().catch((error: unknown) => {
    failure = error
  })
  return {
    jobs: () => jobs,
    async stop() {
      stopping = true
      await loop
      if (failure) throw failure
    },
  }
}

interface Round {
  alone: Load
  loaded: Load
  cancelMs: number
  baselineCancelMs: number
  bulkJobs: number
}

async function round(context: Context, reader: BenchTenant, url: string, heavy: BenchTenant, csv: Buffer): Promise<Round> {
  const { sizes, zjobs } = context
  const warmUp = Math.max(1, Math.round(sizes.apiSeconds / 4))
  await load(context, url, reader.token, warmUp)
  const alone = await load(context, url, reader.token, sizes.apiSeconds)

  const marker = `bench_runaway_${randomBytes(4).toString('hex')}`
  const observer = await connect(context.backend)
  try {
    const submitted = expect(
      await call(zjobs, 'POST', '/query/jobs', {
        token: heavy.token,
        json: { query: runaway(marker), outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } },
      }),
      'submit runaway query',
      200,
    ).body.data
    await until('the runaway query runs', () => running(observer, marker))
    const bulk = bulkJobs(context, heavy, csv)
    let loaded: Load
    try {
      await sleep(500) // the first bulk job uploaded and running
      loaded = await load(context, url, reader.token, sizes.apiSeconds)
    } finally {
      await bulk.stop()
    }

    const started = performance.now()
    expect(await call(zjobs, 'DELETE', `/query/jobs/${submitted.id}`, { token: heavy.token }), 'cancel runaway query', 200)
    await until('the runaway query cancelled', async () => {
      const [job, still] = await Promise.all([call(zjobs, 'GET', `/query/jobs/${submitted.id}`, { token: heavy.token }), running(observer, marker)])
      return job.body?.data?.queryStatus === 'cancelled' && !still
    })
    const cancelMs = performance.now() - started
    return { alone, loaded, cancelMs, baselineCancelMs: await baselineCancel(context, observer), bulkJobs: bulk.jobs() }
  } finally {
    await observer.end().catch(() => {})
  }
}

/** The same statement on the bench's own connection, ended with pg_cancel_backend: ms until it is gone. */
async function baselineCancel(context: Context, observer: pg.Client): Promise<number> {
  const marker = `bench_runaway_${randomBytes(4).toString('hex')}`
  const client = await connect(context.backend)
  try {
    const statement = client.query(runaway(marker)).catch(() => {})
    await until('the baseline runaway statement runs', () => running(observer, marker))
    const started = performance.now()
    await observer.query('SELECT pg_cancel_backend($1)', [(client as unknown as { processID: number }).processID])
    await until('the baseline runaway statement cancelled', async () => !(await running(observer, marker)))
    const ms = performance.now() - started
    await statement
    return ms
  } finally {
    await client.end().catch(() => {})
  }
}

export async function isolationScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const reader = await createTenant(zjobs, 'bench isolation reader')
  const heavy = await createTenant(zjobs, 'bench isolation heavy')
  await defineBenchObject(context, heavy)
  const job = await runDataQuery(zjobs, reader.token, { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE' }, 20)
  const url = `${zjobs.url}/query/jobs/${job.id}`
  const csv = recordsCsv(sizes.bulkBytes)
  await withClient(context, (client) => client.query('VACUUM'))

  const best = { alone: { perSecond: 0, p99: Infinity }, loaded: { perSecond: 0, p99: Infinity }, cancelMs: 0, baselineCancelMs: 0 }
  let bulkJobCount = 0
  for (let i = 1; i <= sizes.apiRounds; i++) {
    const result = await round(context, reader, url, heavy, csv)
    context.log(
      `  isolation round ${i}: alone ${result.alone.perSecond.toFixed(0)}/s p99 ${result.alone.p99} ms, ` +
        `loaded ${result.loaded.perSecond.toFixed(0)}/s p99 ${result.loaded.p99} ms (${result.bulkJobs} bulk jobs); ` +
        `cancel ${result.cancelMs.toFixed(0)} ms, baseline ${result.baselineCancelMs.toFixed(1)} ms`,
    )
    best.alone = { perSecond: Math.max(best.alone.perSecond, result.alone.perSecond), p99: Math.min(best.alone.p99, result.alone.p99) }
    best.loaded = { perSecond: Math.max(best.loaded.perSecond, result.loaded.perSecond), p99: Math.min(best.loaded.p99, result.loaded.p99) }
    // Every cancel must be quick: the slowest counts.
    best.cancelMs = Math.max(best.cancelMs, result.cancelMs)
    best.baselineCancelMs = Math.max(best.baselineCancelMs, result.baselineCancelMs)
    bulkJobCount += result.bulkJobs
  }
  const mb = `${(sizes.bulkBytes / 1e6).toFixed(sizes.bulkBytes < 1e6 ? 2 : 0)} MB`
  const note = `${sizes.apiConnections} connections, ${sizes.apiSeconds} s; baseline: the same reads with nothing else running; tenant A: a runaway recursive count and ${bulkJobCount} bulk create jobs of ${mb}, one after another`
  const label = "12. isolation: another tenant's GET /query/jobs/{id}"
  return [
    measured(`${label}: throughput`, best.loaded.perSecond, best.alone.perSecond, 'req/s', { target: { kind: 'min', ratio: 0.7 }, note }),
    measured(`${label}: p99 latency`, best.loaded.p99, best.alone.p99, 'ms', { target: { kind: 'max', ratio: 3 }, note }),
    measured('12. isolation: runaway query, DELETE to cancelled and its statement gone', best.cancelMs, best.baselineCancelMs, 'ms', {
      target: { kind: 'below', value: 1000 },
      note: `the slowest of ${sizes.apiRounds} cancels, polled every ${POLL_MS} ms; baseline: pg_cancel_backend of the same statement on the bench's own connection`,
    }),
  ]
}
