// Scenario 1: reads under load. autocannon (a few dozen connections) against zjobs'
// GET /query/jobs/{id} and GET /objects/jobs?pageSize=25 on a tenant with thousands of jobs,
// and against a bare Fastify server running the best plain read of the same rows
// (bench/baseline-server.ts): a primary-key SELECT; an indexed keyset SELECT of the page.
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { call, createTenant, expect, type BenchTenant } from '../api.ts'
import { keysetCopy, startBaselineServer } from '../baseline-server.ts'
import { API_POOL_SIZE, withClient, type Context } from '../context.ts'
import { cloneJob, runDataQuery } from '../data.ts'
import { failed, measured, notLanded, type Row } from '../results.ts'
import { BENCH_OBJECT, defineBenchObject } from './objects.ts'

export interface Load {
  perSecond: number
  p99: number
}

/** autocannon against `url` for `seconds`: 2xx answers a second and p99; throws on any other answer. */
export async function load(context: Context, url: string, token: string | undefined, seconds: number): Promise<Load> {
  const { sizes } = context
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  const result = await autocannon({ url, connections: sizes.apiConnections, duration: seconds, headers })
  // autocannon stops by closing its connections; the server still works off what they sent,
  // which would count against zjobs' concurrency limit in the next run: let it drain.
  await sleep(1000)
  if (result.non2xx > 0 || result.errors > 0) {
    const statuses = JSON.stringify(result.statusCodeStats ?? {})
    throw new Error(`${url}: ${result.non2xx} non-2xx answers (${statuses}), ${result.errors} errors of ${result.requests.sent}`)
  }
  return { perSecond: result['2xx'] / result.duration, p99: result.latency.p99 }
}

/** Alternating rounds (each after a warm-up); each side's best throughput and best p99 count. */
async function compare(context: Context, zjobsUrl: string, token: string, baselineUrl: string, label: string): Promise<Row[]> {
  const { sizes, zjobs } = context
  const warmUp = Math.max(1, Math.round(sizes.apiSeconds / 4))
  const best = { zjobs: { perSecond: 0, p99: Infinity }, baseline: { perSecond: 0, p99: Infinity } }
  let peak = 0
  for (let round = 0; round < sizes.apiRounds; round++) {
    await load(context, zjobsUrl, token, warmUp)
    zjobs.resetPeak()
    const ours = await load(context, zjobsUrl, token, sizes.apiSeconds)
    peak = Math.max(peak, zjobs.peakRssMb())
    await load(context, baselineUrl, undefined, warmUp)
    const theirs = await load(context, baselineUrl, undefined, sizes.apiSeconds)
    context.log(`  ${label} round ${round + 1}: zjobs ${ours.perSecond.toFixed(0)}/s p99 ${ours.p99} ms, baseline ${theirs.perSecond.toFixed(0)}/s p99 ${theirs.p99} ms`)
    best.zjobs = { perSecond: Math.max(best.zjobs.perSecond, ours.perSecond), p99: Math.min(best.zjobs.p99, ours.p99) }
    best.baseline = { perSecond: Math.max(best.baseline.perSecond, theirs.perSecond), p99: Math.min(best.baseline.p99, theirs.p99) }
  }
  const note = `${sizes.apiConnections} connections, ${sizes.apiSeconds} s`
  return [
    measured(`1. ${label}: throughput`, best.zjobs.perSecond, best.baseline.perSecond, 'req/s', { target: { kind: 'min', ratio: 0.7 }, peakRssMb: peak, note }),
    measured(`1. ${label}: p99 latency`, best.zjobs.p99, best.baseline.p99, 'ms', { target: { kind: 'max', ratio: 2 }, note }),
  ]
}

async function queryJobReads(context: Context, tenant: BenchTenant): Promise<Row[]> {
  const { zjobs, sizes } = context
  const job = await runDataQuery(zjobs, tenant.token, { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE' }, 20)
  const target = await withClient(context, async (client) => {
    await cloneJob(client, tenant.id, job.id, sizes.apiJobs - 1)
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM jobs WHERE tenant_id = $1 ORDER BY created_at LIMIT 1 OFFSET $2',
      [tenant.id, Math.floor(sizes.apiJobs / 2)],
    )
    return rows[0].id
  })
  const baseline = await startBaselineServer({ connection: context.backend.connection(), poolMax: API_POOL_SIZE, tenantId: tenant.id })
  try {
    return await compare(context, `${zjobs.url}/query/jobs/${target}`, tenant.token, `${baseline.url}/query/jobs/${target}`, 'GET /query/jobs/{id}')
  } finally {
    await baseline.stop()
  }
}

const KEYSET_TABLE = 'public.zjobs_bench_jobs_keyset'

async function objectJobReads(context: Context, tenant: BenchTenant): Promise<Row[]> {
  const { zjobs, sizes } = context
  const scenario = '1. GET /objects/jobs?pageSize=25'
  const probe = await call(zjobs, 'GET', '/objects/jobs?pageSize=25', { token: tenant.token })
  if (probe.status === 404) return [notLanded(scenario, 'Custom Objects answer 404')]
  // A job as zjobs writes it (submitted, then cancelled: at most 5 may wait), multiplied in SQL.
  await defineBenchObject(context, tenant)
  const job = expect(
    await call(zjobs, 'POST', '/objects/jobs', { token: tenant.token, json: { namespace: 'default', object: BENCH_OBJECT, operation: 'create' } }),
    'bulk job',
    200,
    201,
  ).body
  expect(await call(zjobs, 'PATCH', `/objects/jobs/${job.Id}/cancel`, { token: tenant.token }), 'cancel bulk job', 200)
  const kind = await withClient(context, async (client) => {
    const { rows } = await client.query<{ id: string; kind: string }>('SELECT id, kind FROM jobs WHERE tenant_id = $1 AND lower(id) = lower($2)', [tenant.id, job.Id])
    if (!rows[0]) return undefined
    await cloneJob(client, tenant.id, rows[0].id, sizes.apiJobs - 1)
    return rows[0].kind
  })
  if (!kind) return [failed(scenario, 'bulk jobs are not rows of the jobs table: the baseline SELECT is unknown')]
  await withClient(context, (client) => keysetCopy(client, KEYSET_TABLE))
  try {
    const baseline = await startBaselineServer({
      connection: context.backend.connection(),
      poolMax: API_POOL_SIZE,
      tenantId: tenant.id,
      objectJobs: { table: KEYSET_TABLE, kind },
    })
    try {
      return await compare(context, `${zjobs.url}/objects/jobs?pageSize=25`, tenant.token, `${baseline.url}/objects/jobs?pageSize=25`, 'GET /objects/jobs?pageSize=25')
    } finally {
      await baseline.stop()
    }
  } finally {
    await withClient(context, (client) => client.query(`DROP TABLE IF EXISTS ${KEYSET_TABLE}`))
  }
}

export async function apiReads(context: Context): Promise<Row[]> {
  const rows: Row[] = []
  const queryTenant = await createTenant(context.zjobs, 'bench api reads')
  try {
    rows.push(...(await queryJobReads(context, queryTenant)))
  } catch (error) {
    rows.push(failed('1. GET /query/jobs/{id}', error))
  }
  try {
    rows.push(...(await objectJobReads(context, await createTenant(context.zjobs, 'bench object reads'))))
  } catch (error) {
    rows.push(failed('1. GET /objects/jobs?pageSize=25', error))
  }
  return rows
}
