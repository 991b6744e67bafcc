// The soak run (npm run soak; a short one is test/reliability/soak.test.ts): on PostgreSQL, two
// API processes (`zjobs start` running no jobs) and two `zjobs worker` processes, under mixed
// load for a bounded time: reads at a few dozen connections, job submissions of every kind
// with uploads, cancels and stops, and one worker killed and restarted half-way. It reports
// requests, errors and 5xx (which must be 0), p99 per operation per window, each process's
// resident memory per window, and checks every job submitted ends.
//
// Memory: each process runs with test/reliability/memory-probe.ts, which forces a full garbage
// collection every few seconds and notes the heap that is still live. Resident memory follows
// V8's sizing of its heap to the load (a busier minute grows it, and it is not given back at
// once), so flatness is judged on the live heap; resident memory is reported beside it.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from '../helpers/http.ts'
import { databaseEnv, freePort, killAll, processEnv, ROOT, startZjobs, type ZjobsProcess } from '../helpers/process.ts'
import { ADMIN_TOKEN, testDatabase } from '../helpers/server.ts'
import { multipart } from '../backfill/helpers.ts'
import type { MemorySample } from './memory-probe.ts'

export interface SoakOptions {
  seconds: number
  /** Concurrent readers. */
  readers?: number
  /** How many windows the run's figures are cut into. */
  windows?: number
  /** Write a heap snapshot of each API process at the end of the second window and at the end (into this folder). */
  heapSnapshots?: string
  log?: (line: string) => void
}

export interface SoakFigures {
  seconds: number
  requests: number
  errors: number
  serverErrors: number
  jobs: number
  jobsEnded: number
  /** p99 in ms per operation, per window. */
  p99: Record<string, number[]>
  /** Resident memory in MB per process, per window (each window's peak). */
  rssMb: Record<string, number[]>
  /** V8's live heap in MB (heapUsed just after a forced full collection) per process, per window (each window's peak). */
  heapMb: Record<string, number[]>
  /** The heap V8 had reserved (heapTotal) in MB per process, per window (each window's peak): what resident memory follows. */
  heapTotalMb: Record<string, number[]>
  unexpected: string[]
}

const rssOf = (pid: number): number => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0
  } catch {
    return 0
  }
}

const PROBE = join(ROOT, 'test', 'reliability', 'memory-probe.ts')

/** The memory probe's samples of a process (memory-probe.ts). */
const samplesOf = (dir: string, pid: number): MemorySample[] => {
  try {
    return readFileSync(join(dir, `${pid}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as MemorySample)
  } catch {
    return []
  }
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const log = options.log ?? ((line: string) => console.log(line))
  const readers = options.readers ?? 24
  const windows = options.windows ?? Math.max(2, Math.round(options.seconds / 60))
  const database = await testDatabase()
  assert.ok(database.overrides.databaseUrl, 'the soak runs on PostgreSQL (ZJOBS_TEST_BACKEND=postgres)')
  const probeDir = mkdtempSync(join(tmpdir(), 'zjobs-soak-memory-'))
  // About six samples a window (each a full collection: a few tens of ms of a process's time).
  const probeMs = Math.round(Math.max(1000, Math.min(10_000, (options.seconds * 1000) / windows / 6)))
  const nodeOptions = [process.env.NODE_OPTIONS, '--expose-gc', `--import=${PROBE}`]
  if (options.heapSnapshots) nodeOptions.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshots}`)
  const base = processEnv({
    NODE_OPTIONS: nodeOptions.filter(Boolean).join(' '),
    ZJOBS_MEMORY_PROBE_DIR: probeDir,
    ZJOBS_MEMORY_PROBE_MS: String(probeMs),
    ...databaseEnv(database.overrides),
    HOST: '127.0.0.1',
    ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    ZJOBS_JOB_LEASE_SECONDS: '5',
    ZJOBS_CONCURRENCY_LIMIT: '1000',
    ZJOBS_RATE_LIMIT_PER_MINUTE: '10000000',
    ZJOBS_DQ_LIVE_QUEUED: '10000',
  })
  const processes = new Map<string, ZjobsProcess>()
  const urls: string[] = []
  const figures: SoakFigures = { seconds: options.seconds, requests: 0, errors: 0, serverErrors: 0, jobs: 0, jobsEnded: 0, p99: {}, rssMb: {}, heapMb: {}, heapTotalMb: {}, unexpected: [] }
  /** Every process's pid by its name, the killed one included (its samples stay in probeDir). */
  const pids = new Map<string, number>()
  try {
    for (const name of ['api-1', 'api-2']) {
      const port = await freePort()
      processes.set(name, await startZjobs('start', { ...base, PORT: String(port), ZJOBS_WORKER_CONCURRENCY: '0' }, /zjobs listening on/))
      pids.set(name, processes.get(name)!.child.pid!)
      urls.push(`http://127.0.0.1:${port}`)
    }
    const startWorker = async (name: string) => {
      processes.set(name, await startZjobs('worker', { ...base, ZJOBS_WORKER_CONCURRENCY: '3', LOG_LEVEL: 'info' }, /zjobs worker running/))
      pids.set(name, processes.get(name)!.child.pid!)
    }
    await startWorker('worker-1')
    await startWorker('worker-2')

    // A tenant with billing data, custom objects and a token.
    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await request(`${urls[0]}${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`)
      return response.json()
    }
    const tenant = await admin('POST', '/admin/tenants', { name: 'soak' })
    const user = await admin('POST', `/admin/tenants/${tenant.id}/users`, { username: 'soak', admin: true })
    const token = (await admin('POST', `/admin/tenants/${tenant.id}/users/${user.id}/token`, {})).access_token as string
    const seeded = await admin('POST', `/admin/tenants/${tenant.id}/seed`, { accounts: 100, seed: 5, batchAccounts: 50 })
    for (;;) {
      const job = await admin('GET', `/admin/tenants/${tenant.id}/jobs/${seeded.id}`)
      if (job.state === 'completed') break
      assert.ok(!['failed', 'cancelled'].includes(job.state), job.error)
      await sleep(200)
    }

    const started = Date.now()
    const deadline = started + options.seconds * 1000
    const windowOf = () => Math.min(windows - 1, Math.floor(((Date.now() - started) / (options.seconds * 1000)) * windows))
    const latencies = new Map<string, number[][]>()
    let turn = 0
    /** One call, timed and counted; returns the response, or undefined on a network error. */
    const call = async (operation: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, ok = (status: number) => status < 300) => {
      const url = urls[turn++ % urls.length]
      const window = windowOf()
      const began = performance.now()
      figures.requests += 1
      try {
        const response = await request(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } })
        const series = latencies.get(operation) ?? Array.from({ length: windows }, () => [])
        series[window].push(performance.now() - began)
        latencies.set(operation, series)
        if (response.status >= 500) figures.serverErrors += 1
        if (!ok(response.status)) {
          figures.errors += 1
          if (figures.unexpected.length < 20) figures.unexpected.push(`${operation} ${method} ${path}: ${response.status} ${response.text.slice(0, 200)}`)
        }
        return response
      } catch (error) {
        figures.errors += 1
        if (figures.unexpected.length < 20) figures.unexpected.push(`${operation} ${method} ${path}: ${(error as Error).message}`)
        return undefined
      }
    }
    await call('define', 'POST', '/objects/definitions/default', {
      definitions: { Part: { object: 'Part', label: 'Part', properties: { code__c: { type: 'string', label: 'Code', maxLength: 32 } }, required: ['code__c'], filterable: ['code__c'] } },
    })

    // Memory, sampled each second; each window keeps its peak.
    const rss = new Map<string, number[]>()
    const sampler = setInterval(() => {
      const window = windowOf()
      for (const [name, process] of processes) {
        const series = rss.get(name) ?? Array.from({ length: windows }, () => 0)
        series[window] = Math.max(series[window], rssOf(process.child.pid!))
        rss.set(name, series)
      }
    }, 1000)

    const jobs: { kind: string; path: string; done: (body: any) => boolean }[] = []
    const readPaths = ['/query/jobs?pageSize=20', '/objects/records/default/Part?pageSize=20', '/v1/uno/data-backfill/listjobs', '/objects/jobs?pageSize=20', '/v1/uno/data-backfill/propagation/jobs']
    const reader = async () => {
      let i = 0
      while (Date.now() < deadline) {
        const path = readPaths[i++ % readPaths.length]
        await call(`GET ${path.split('?')[0]}`, 'GET', path)
      }
    }
    let serial = 0
    const submitter = async () => {
      let i = 0
      while (Date.now() < deadline) {
        const kind = i++ % 6
        if (kind === 0) {
          const response = await call('submit query', 'POST', '/query/jobs', { query: 'SELECT accountnumber, balance FROM account ORDER BY id', outputFormat: 'CSV', compression: 'GZIP', output: { target: 'S3' } })
          const id = response?.json().data?.id
          if (id) {
            jobs.push({ kind: 'query', path: `/query/jobs/${id}`, done: (b) => ['completed', 'failed', 'cancelled'].includes(b.data.queryStatus) })
            if (i % 4 === 0) await call('cancel query', 'DELETE', `/query/jobs/${id}`, undefined, {}, (s) => s < 300 || s === 400 || s === 409)
          }
        } else if (kind === 1 || kind === 2) {
          const response = await call('submit bulk', 'POST', '/objects/jobs', { namespace: 'default', object: 'Part', operation: 'create' })
          const id = response?.json().Id
          if (id) {
            const rows = Array.from({ length: 200 }, (_, n) => `S${serial}-${n}`).join('\n')
            serial += 1
            const uploaded = await call('upload bulk', 'POST', `/objects/jobs/${id}/files`, `code__c\n${rows}\n`, { 'content-type': 'text/csv' })
            jobs.push({ kind: 'bulk', path: `/objects/jobs/${id}`, done: (b) => ['completed', 'failed', 'cancelled'].includes(b.status) || (!uploaded && b.status === 'pending') })
            if (kind === 2) await call('cancel bulk', 'PATCH', `/objects/jobs/${id}/cancel`, undefined, {}, (s) => s < 300 || s === 400 || s === 409)
          }
        } else if (kind === 3) {
          const { body, contentType } = multipart([
            { name: 'type', value: 'RatePlanCharge' },
            { name: 'file', value: 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Soak\n', filename: 'soak.csv', contentType: 'text/csv' },
          ])
          const response = await call('upload backfill', 'POST', '/v1/uno/data-backfill/jobs', body, { 'content-type': contentType })
          const id = response?.json().jobId
          if (id) {
            jobs.push({ kind: 'backfill', path: `/v1/uno/data-backfill/jobs/${id}`, done: (b) => ['Completed', 'Failed', 'Stopped', 'Canceled'].includes(b.job.status) })
            if (i % 3 === 0) await call('stop backfill', 'PUT', `/v1/uno/data-backfill/jobs/${id}`, { status: 'Stopping' }, {}, (s) => s < 300 || s === 409)
          }
        } else if (kind === 4) {
          const response = await call('submit auto backfill', 'POST', '/v1/uno/data-backfill/propagation/jobs', { type: 'RatePlanCharge', batchSize: 50 }, {}, (s) => s < 300 || s === 409)
          const id = response?.status === 200 ? response.json().jobId : undefined
          if (id) jobs.push({ kind: 'auto', path: `/v1/uno/data-backfill/propagation/jobs/${id}`, done: (b) => ['COMPLETED', 'FAILED', 'STOPPED'].includes(b.job.status) })
        } else {
          const response = await call('submit booking date', 'POST', '/v1/uno/data-backfill/bookingdate/jobs', undefined, {}, (s) => s < 300 || s === 409)
          const id = response?.status === 200 ? response.json().jobId : undefined
          if (id) jobs.push({ kind: 'booking', path: `/v1/uno/data-backfill/bookingdate/jobs/${id}`, done: (b) => ['COMPLETED', 'FAILED', 'STOPPED'].includes(b.job.status) })
        }
      }
    }
    // One worker killed half-way, and restarted.
    const chaos = (async () => {
      await sleep((options.seconds * 1000) / 2)
      await processes.get('worker-1')!.stop('SIGKILL')
      // Its successor is another process: its memory is another series.
      rss.set('worker-1 (killed)', rss.get('worker-1') ?? [])
      rss.delete('worker-1')
      pids.set('worker-1 (killed)', pids.get('worker-1')!)
      pids.delete('worker-1')
      processes.delete('worker-1')
      await startWorker('worker-1b')
      log(`# soak: worker-1 killed and restarted at ${Math.round((Date.now() - started) / 1000)} s`)
    })()
    // Heap snapshots of the API processes (--heapsnapshot-signal), to compare objects by kind.
    const snapshots = (async () => {
      if (!options.heapSnapshots) return
      for (const at of [(2 * options.seconds * 1000) / windows, options.seconds * 1000 - 3000]) {
        await sleep(Math.max(0, started + at - Date.now()))
        for (const name of ['api-1', 'api-2']) processes.get(name)?.child.kill('SIGUSR2')
        log(`# soak: heap snapshots asked at ${Math.round((Date.now() - started) / 1000)} s`)
      }
    })()
    await Promise.all([...Array.from({ length: readers }, reader), submitter(), submitter(), chaos, snapshots])
    clearInterval(sampler)
    for (const [name, pid] of pids) {
      const used = Array.from({ length: windows }, () => 0)
      const total = Array.from({ length: windows }, () => 0)
      for (const sample of samplesOf(probeDir, pid)) {
        if (sample.at < started || sample.at > deadline) continue
        const window = Math.min(windows - 1, Math.floor(((sample.at - started) / (options.seconds * 1000)) * windows))
        used[window] = Math.max(used[window], sample.heapUsed)
        total[window] = Math.max(total[window], sample.heapTotal)
      }
      figures.heapMb[name] = used
      figures.heapTotalMb[name] = total.map((mb) => Math.round(mb))
    }

    // Every job submitted ends.
    figures.jobs = jobs.length
    const endBy = Date.now() + 300_000
    for (const job of jobs) {
      for (;;) {
        const response = await request(`${urls[0]}${job.path}`, { headers: { authorization: `Bearer ${token}` } })
        if (response.status === 200 && job.done(response.json())) break
        if (Date.now() > endBy) {
          figures.unexpected.push(`${job.kind} ${job.path} did not end: ${response.text.slice(0, 200)}`)
          break
        }
        await sleep(100)
      }
    }
    figures.jobsEnded = jobs.length - figures.unexpected.filter((line) => line.includes('did not end')).length
    for (const [operation, series] of latencies) figures.p99[operation] = series.map((values) => Math.round(percentile(values, 99)))
    for (const [name, series] of rss) figures.rssMb[name] = series.map((mb) => Math.round(mb))
    for (const [name, process] of processes) if (/"level":50/.test(process.stdout())) figures.unexpected.push(`${name} logged errors: ${process.stdout().split('\n').find((line) => line.includes('"level":50'))?.slice(0, 300)}`)
  } finally {
    await Promise.all([...processes.values()].map((process) => process.stop('SIGTERM').catch(() => {})))
    killAll()
    await database.drop()
    rmSync(probeDir, { recursive: true, force: true })
  }
  log(`# soak: ${options.seconds} s, ${figures.requests} requests, ${figures.errors} errors, ${figures.serverErrors} 5xx, ${figures.jobsEnded}/${figures.jobs} jobs ended`)
  for (const [operation, series] of Object.entries(figures.p99).sort()) log(`#   p99 ms ${operation.padEnd(44)} ${series.join(' ')}`)
  for (const [name, series] of Object.entries(figures.rssMb).sort()) log(`#   RSS MB ${name.padEnd(44)} ${series.join(' ')}`)
  for (const [name, series] of Object.entries(figures.heapTotalMb).sort()) log(`#   V8 heap MB ${name.padEnd(41)} ${series.join(' ')}`)
  for (const [name, series] of Object.entries(figures.heapMb).sort()) log(`#   live heap MB ${name.padEnd(38)} ${series.join(' ')}`)
  for (const line of figures.unexpected) log(`#   unexpected: ${line}`)
  return figures
}

/**
 * Memory flat: each process's live heap (heapUsed after a forced full collection) in its last
 * window at most 1.1x its second window's (its first warms up); a process that did not live
 * through three windows (the killed worker, its successor) is only reported. Resident memory is
 * reported, not judged: it follows the heap V8 reserves for the load (heapTotal) and what the C
 * allocator keeps after a burst, neither of which is given back at once (docs/reliability.md,
 * "Memory").
 */
export function memoryFlat(figures: SoakFigures): string[] {
  return Object.entries(figures.heapMb)
    .map(([name, series]) => [name, series.filter((mb) => mb > 0)] as const)
    .filter(([, lived]) => lived.length >= 3 && lived.at(-1)! > 1.1 * lived[1])
    .map(([name, lived]) => `${name}: live heap ${lived.join(' ')} MB (resident ${figures.rssMb[name]?.join(' ')} MB)`)
}
