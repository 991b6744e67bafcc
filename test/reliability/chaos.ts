// The randomized crash harness (npm run chaos; a short run is test/reliability/chaos.test.ts).
//
// Each round starts a mix of every job kind on a fresh tenant (billing seed, custom-object bulk
// create and delete, Data Query in every format and compression, a Data Backfill file job, auto
// backfill, booking date), and while they upload and run SIGKILLs a random zjobs process (the
// server; on PostgreSQL also one of two `zjobs worker` processes) at random moments, restarting
// it each time. Then every acknowledged job must end in one legal terminal state with its
// effect exactly once: the seed's rows as many as it says, every bulk row stored once, every
// result file complete (each row once, in order), every backfill row once in its result.
// Seeded: the same seed makes the same choices (the moments a kill lands in still vary with
// the machine's speed).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { request, type HttpResponse } from '../helpers/http.ts'
import { connectTo, databaseEnv, freePort, killAll, processEnv, startZjobs, type ZjobsProcess } from '../helpers/process.ts'
import { ADMIN_TOKEN, backend, testDatabase } from '../helpers/server.ts'
import { multipart, unzip } from '../backfill/helpers.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

export interface ChaosOptions {
  seed: number
  rounds: number
  killsPerRound: number
  /** Rows of each bulk job and Data Query result. */
  rows?: number
  log?: (line: string) => void
}

export interface ChaosFigures {
  seed: number
  backend: string
  rounds: number
  kills: number
  killsByTarget: Record<string, number>
  jobs: number
  unacknowledged: number
  rowsChecked: number
  filesChecked: number
  /** Jobs killed on every attempt: failed after their retries, their one legal end. */
  retriesExhausted: number
  seconds: number
}

/** mulberry32: a small seeded generator. */
function random(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)), pick: <T>(items: T[]) => items[Math.floor(next() * items.length)] }
}

const READY = /zjobs listening on/
/** A job killed on each of its attempts fails with this: a legal end (each killed attempt counts). */
const GAVE_UP = /gave up after \d+ attempts/
const WORKER_READY = /zjobs worker running/
const FORMATS = [
  { outputFormat: 'CSV', compression: 'NONE' },
  { outputFormat: 'TSV', compression: 'GZIP' },
  { outputFormat: 'DSV', compression: 'ZIP', columnSeparator: '|' },
  { outputFormat: 'JSON', compression: 'GZIP' },
  { outputFormat: 'CSV', compression: 'ZIP' },
]

interface Cluster {
  url: string
  /** The processes by name: `server`, and on PostgreSQL `worker-1`, `worker-2`. */
  processes: Map<string, ZjobsProcess>
  restart(name: string): Promise<void>
}

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const log = options.log ?? ((line: string) => console.log(line))
  const rng = random(options.seed)
  const rows = options.rows ?? 20_000
  const started = Date.now()
  const figures: ChaosFigures = {
    seed: options.seed, backend, rounds: options.rounds, kills: 0, killsByTarget: {}, jobs: 0, unacknowledged: 0, rowsChecked: 0, filesChecked: 0, retriesExhausted: 0, seconds: 0,
  }
  log(`# chaos seed ${options.seed} on ${backend}: ${options.rounds} rounds, ${options.killsPerRound} kills each (ZJOBS_CHAOS_SEED=${options.seed} replays the choices)`)

  const database = await testDatabase()
  const port = await freePort()
  const workers = backend === 'postgres'
  const env = processEnv({
    ...databaseEnv(database.overrides),
    PORT: String(port),
    HOST: '127.0.0.1',
    ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    // A killed worker's jobs are taken over after the lease.
    ZJOBS_JOB_LEASE_SECONDS: '3',
    ZJOBS_JOB_POLL_MS: '200',
    ZJOBS_WORKER_CONCURRENCY: workers ? '1' : '4',
    ZJOBS_DQ_LIVE_QUEUED: '1000',
  })
  const url = `http://127.0.0.1:${port}`
  const processes = new Map<string, ZjobsProcess>()
  const launch = async (name: string) => {
    // A worker says it is ready in an info log line.
    const process = name === 'server' ? await startZjobs('start', env, READY) : await startZjobs('worker', { ...env, ZJOBS_WORKER_CONCURRENCY: '2', LOG_LEVEL: 'info' }, WORKER_READY)
    processes.set(name, process)
  }
  const cluster: Cluster = {
    url,
    processes,
    async restart(name) {
      const running = processes.get(name)
      if (running) await running.stop('SIGKILL')
      await launch(name)
    },
  }
  try {
    await launch('server')
    if (workers) {
      await launch('worker-1')
      await launch('worker-2')
    }
    for (let round = 1; round <= options.rounds; round++) {
      const roundStart = Date.now()
      const result = await runRound(cluster, database.overrides, rng, rows, options.killsPerRound, figures)
      log(`# round ${round}: ${result.jobs} jobs (${result.unacknowledged} submissions cut off by a kill), kills ${result.kills.join(' ')}, ${result.rows} rows and ${result.files} files checked, ${result.exhausted} jobs out of retries, ${((Date.now() - roundStart) / 1000).toFixed(1)} s`)
    }
  } finally {
    await Promise.all([...processes.values()].map((process) => process.stop('SIGTERM').catch(() => {})))
    killAll()
    await database.drop()
  }
  figures.seconds = Math.round((Date.now() - started) / 1000)
  log(`# chaos: ${figures.kills} kills (${Object.entries(figures.killsByTarget).map(([name, n]) => `${name} ${n}`).join(', ')}), ${figures.jobs} jobs, ${figures.unacknowledged} cut off, ${figures.rowsChecked} rows and ${figures.filesChecked} result files checked, ${figures.retriesExhausted} jobs out of retries, ${figures.seconds} s, seed ${options.seed}`)
  return figures
}

/** Retries a call while the server is down (between a kill and its restart). */
async function until<T>(work: () => Promise<T>, what: string): Promise<T> {
  const deadline = Date.now() + 300_000
  for (;;) {
    try {
      return await work()
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`)
      await sleep(100)
    }
  }
}

async function call(url: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
  const response = await request(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } })
  if (response.status >= 300) throw Object.assign(new Error(`${method} ${path}: ${response.status} ${response.text.slice(0, 300)}`), { status: response.status })
  return response.headers['content-type']?.startsWith('application/json') ? response.json() : response
}

interface Submitted {
  kind: string
  /** How to read its state, and what its end must hold. */
  id: string
  acknowledged: boolean
  expect: Json
}

async function runRound(cluster: Cluster, overrides: object, rng: ReturnType<typeof random>, rows: number, kills: number, figures: ChaosFigures) {
  const { url } = cluster
  const admin = (method: string, path: string, body?: unknown) => call(url, ADMIN_TOKEN, method, path, body)

  // Set-up, before any kill: a tenant with billing data, a user, its token, two custom objects.
  const tenant = await until(() => admin('POST', '/admin/tenants', { name: `chaos-${rng.int(0, 1e9)}` }), 'tenant')
  const user = await until(() => admin('POST', `/admin/tenants/${tenant.id}/users`, { username: 'chaos', admin: true }), 'user')
  const tokenOf = async () => (await until(() => admin('POST', `/admin/tenants/${tenant.id}/users/${user.id}/token`, {}), 'token')).access_token as string
  let token = await tokenOf()
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => call(url, token, method, path, body, headers)
  const base = await until(() => admin('POST', `/admin/tenants/${tenant.id}/seed`, { accounts: 40, seed: 3, batchAccounts: 20 }), 'base seed')
  await waitFor(() => admin('GET', `/admin/tenants/${tenant.id}/jobs/${base.id}`), (job) => job.state === 'completed', 'base seed')
  const part = (object: string) => ({
    object, label: object, properties: { code__c: { type: 'string', label: 'Code', maxLength: 16 }, n__c: { type: 'integer', label: 'N' } }, required: ['code__c'], filterable: ['code__c'], unique: ['code__c'],
  })
  await until(() => api('POST', '/objects/definitions/default', { definitions: { Part: part('Part'), Gone: part('Gone') } }), 'definitions')
  const goners = rng.int(50, 200)
  for (let start = 0; start < goners; start += 50) {
    const batch = Array.from({ length: Math.min(50, goners - start) }, (_, i) => ({ code__c: `G${start + i}`, n__c: start + i }))
    await until(() => api('POST', '/objects/records/default/Gone', { records: batch }), 'records')
  }
  const db = await connectTo(overrides)
  const { rows: charges } = await db.query<{ id: string }>('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 ORDER BY id LIMIT 300', [tenant.id])
  await db.end()
  assert.ok(charges.length > 10, `the base seed has charges (${charges.length})`)

  // The jobs, submitted while processes are killed: a submission a kill cuts off is not acknowledged.
  const submitted: Submitted[] = []
  let bulkAttempts = 0
  const submissions: (() => Promise<void>)[] = [
    async () => {
      // Each attempt seeds a tenant of its own: a cut-off attempt's job may exist (the kill took
      // its answer, not its commit), and its rows must not be counted as its retry's.
      const accounts = rng.int(100, 400)
      const seeded = await admin('POST', '/admin/tenants', { name: `chaos-seed-${rng.int(0, 1e9)}` })
      const entry: Submitted = { kind: 'seed', id: '', acknowledged: false, expect: { tenant: seeded.id, accounts } }
      submitted.push(entry)
      const job = await admin('POST', `/admin/tenants/${seeded.id}/seed`, { accounts, seed: rng.int(1, 100), batchAccounts: rng.int(10, 40) })
      entry.id = job.id
      entry.acknowledged = true
    },
    async () => {
      const count = rows + rng.int(0, 1000)
      // Each attempt its own codes: a cut-off attempt's job and its retry's are told apart.
      const prefix = `A${(bulkAttempts += 1)}-`
      const job = await api('POST', '/objects/jobs', { namespace: 'default', object: 'Part', operation: 'create' })
      const entry: Submitted = { kind: 'bulk-create', id: job.Id, acknowledged: false, expect: { count, prefix } }
      submitted.push(entry)
      const csv = `code__c,n__c\n${Array.from({ length: count }, (_, i) => `${prefix}${i},${i}`).join('\n')}\n`
      await api('POST', `/objects/jobs/${job.Id}/files`, csv, { 'content-type': 'text/csv' })
      entry.acknowledged = true
    },
    async () => {
      const job = await api('POST', '/objects/jobs', { namespace: 'default', object: 'Gone', operation: 'delete' })
      submitted.push({ kind: 'bulk-delete', id: job.Id, acknowledged: true, expect: { count: goners } })
    },
    ...FORMATS.map((format) => async () => {
      const count = rows + rng.int(0, 1000)
      const query = `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < ${count}) SELECT n, 'row ' || n AS label FROM r ORDER BY n`
      const job = await api('POST', '/query/jobs', { query, ...format, output: { target: 'S3' } })
      submitted.push({ kind: `query-${format.outputFormat}-${format.compression}`, id: job.data.id, acknowledged: true, expect: { count, ...format } })
    }),
    async () => {
      const picked = charges.filter(() => rng.next() < 0.7)
      const csv = `Id,Product Class\n${picked.map((charge, i) => `${charge.id},Class ${i}`).join('\n')}\n`
      const { body, contentType } = multipart([
        { name: 'type', value: 'RatePlanCharge' },
        { name: 'file', value: csv, filename: 'chaos.csv', contentType: 'text/csv' },
      ])
      const job = await api('POST', '/v1/uno/data-backfill/jobs', body, { 'content-type': contentType })
      submitted.push({ kind: 'backfill-file', id: job.jobId, acknowledged: true, expect: { ids: picked.map((charge) => charge.id) } })
    },
    async () => {
      const job = await api('POST', '/v1/uno/data-backfill/propagation/jobs', { type: rng.pick(['RatePlanCharge', 'OrderLineItem']), batchSize: rng.int(5, 50) })
      submitted.push({ kind: 'auto-backfill', id: job.jobId, acknowledged: true, expect: {} })
    },
    async () => {
      const job = await api('POST', '/v1/uno/data-backfill/bookingdate/jobs')
      submitted.push({ kind: 'booking-date', id: job.jobId, acknowledged: true, expect: {} })
    },
  ]
  let unacknowledged = 0
  const submitting = (async () => {
    for (const submit of submissions.sort(() => rng.next() - 0.5)) {
      // Cut off by a kill: the client does not know what became of it, and submits again once
      // the server is back (a job of a cut-off upload must never run a part of its file).
      const giveUp = Date.now() + 300_000
      for (;;) {
        try {
          await submit()
          break
        } catch (error) {
          unacknowledged += 1
          if (Date.now() > giveUp) throw error
          await sleep(200)
        }
      }
    }
  })()
  // Awaited after the kills: until then its failure must not be an unhandled rejection.
  submitting.catch(() => {})

  // The kills, at random moments while the submissions upload and the jobs run.
  const names = [...cluster.processes.keys()]
  const killed: string[] = []
  for (let i = 0; i < kills; i++) {
    await sleep(rng.int(50, 1500))
    const name = rng.pick(names)
    await cluster.restart(name)
    killed.push(name)
    figures.kills += 1
    figures.killsByTarget[name] = (figures.killsByTarget[name] ?? 0) + 1
  }
  await submitting

  // Every acknowledged job ends, once, with its whole effect.
  token = await tokenOf()
  let rowsChecked = 0
  let files = 0
  let exhausted = 0
  const check = await connectTo(overrides)
  try {
    for (const job of submitted) {
      const checked = await verify(job, { url, admin, api, db: check, tenantId: tenant.id })
      rowsChecked += checked.rows
      files += checked.files
      exhausted += checked.exhausted ?? 0
    }
  } finally {
    await check.end()
  }
  figures.jobs += submitted.length
  figures.unacknowledged += unacknowledged
  figures.rowsChecked += rowsChecked
  figures.filesChecked += files
  figures.retriesExhausted += exhausted
  return { jobs: submitted.length, unacknowledged, kills: killed, rows: rowsChecked, files, exhausted }
}

async function waitFor(read: () => Promise<Json>, done: (value: Json) => boolean, what: string): Promise<Json> {
  const deadline = Date.now() + 600_000
  for (;;) {
    let value: Json
    try {
      value = await read()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(200)
      continue
    }
    if (done(value)) return value
    if (Date.now() > deadline) assert.fail(`${what} never ended: ${JSON.stringify(value).slice(0, 500)}`)
    await sleep(100)
  }
}

interface Context {
  url: string
  admin: (method: string, path: string, body?: unknown) => Promise<Json>
  api: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Json>
  db: Awaited<ReturnType<typeof connectTo>>
  tenantId: string
}

async function verify(job: Submitted, context: Context): Promise<{ rows: number; files: number; exhausted?: number }> {
  const { admin, api, db, tenantId } = context
  const what = `${job.kind} ${job.id}`
  switch (job.kind) {
    case 'seed': {
      if (!job.acknowledged) {
        // Cut off: the job, if its submission committed, is checked as any other.
        const { jobs } = await admin('GET', `/admin/tenants/${job.expect.tenant}/jobs`)
        const checked = { rows: 0, files: 0, exhausted: 0 }
        for (const found of jobs as { id: string }[]) {
          const one = await verify({ ...job, id: found.id, acknowledged: true }, context)
          checked.rows += one.rows
          checked.exhausted += one.exhausted ?? 0
        }
        return checked
      }
      const done = await waitFor(() => admin('GET', `/admin/tenants/${job.expect.tenant}/jobs/${job.id}`), (j) => ['completed', 'failed', 'cancelled'].includes(j.state), what)
      // Killed on each of its attempts, it fails: its committed batches must still be there once each.
      const exhausted = done.state === 'failed' && GAVE_UP.test(done.error ?? '')
      if (!exhausted) assert.equal(done.state, 'completed', `${what}: ${done.error}`)
      let total = 0
      for (const [table, count] of Object.entries<number>(done.progress.rows ?? {})) {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing.${table} WHERE tenant_id = $1`, [job.expect.tenant])
        assert.equal(rows[0].n, count, `${what}: billing.${table} holds the rows the job counted, each once`)
        total += count
      }
      if (exhausted) return { rows: total, files: 0, exhausted: 1 }
      assert.equal(done.progress.rows.account, job.expect.accounts, `${what}: the accounts asked for`)
      return { rows: total, files: 0 }
    }
    case 'bulk-create': {
      const stored = async () =>
        (
          await db.query<{ n: number; codes: number; total: string | null }>(
            `SELECT count(*)::int AS n, count(DISTINCT r.data->>'code__c')::int AS codes, sum((r.data->>'n__c')::bigint)::text AS total
             FROM custom_object_records r JOIN custom_object_definitions d ON d.tenant_id = r.tenant_id AND d.id = r.definition_id
             WHERE r.tenant_id = $1 AND d.object = 'Part' AND r.data->>'code__c' LIKE $2`,
            [tenantId, `${job.expect.prefix}%`],
          )
        ).rows[0]
      if (!job.acknowledged) {
        // Its upload was cut off: the job never runs a part of a file.
        const state = await api('GET', `/objects/jobs/${job.id}`)
        if (state.status === 'pending') {
          assert.equal((await stored()).n, 0, `${what}: nothing of an upload cut off`)
          return { rows: 0, files: 0 }
        }
      }
      const { count } = job.expect
      const done = await waitFor(() => api('GET', `/objects/jobs/${job.id}`), (j) => ['completed', 'failed', 'cancelled'].includes(j.status), what)
      // Killed on each of its attempts: failed, its one legal end; what it wrote, once.
      if (done.status === 'failed' && GAVE_UP.test(done.error?.message ?? '')) {
        const { n, codes } = await stored()
        assert.equal(n, codes, `${what}: no row twice`)
        assert.ok(n <= count, what)
        return { rows: n, files: 0, exhausted: 1 }
      }
      assert.equal(done.status, 'completed', `${what}: ${JSON.stringify(done)}`)
      assert.equal(done.recordsProcessed, count, what)
      assert.deepEqual((await api('GET', `/objects/jobs/${job.id}/errors`)).errors, [], `${what}: no row refused as a duplicate of itself`)
      assert.deepEqual(await stored(), { n: count, codes: count, total: String((count * (count - 1)) / 2) }, `${what}: every row once`)
      return { rows: count, files: 0 }
    }
    case 'bulk-delete': {
      const done = await waitFor(() => api('GET', `/objects/jobs/${job.id}`), (j) => ['completed', 'failed', 'cancelled'].includes(j.status), what)
      if (done.status === 'failed' && GAVE_UP.test(done.error?.message ?? '')) return { rows: 0, files: 0, exhausted: 1 }
      assert.equal(done.status, 'completed', `${what}: ${JSON.stringify(done)}`)
      const left = await api('GET', '/objects/records/default/Gone?pageSize=1')
      assert.equal(left.count, 0, `${what}: every record deleted`)
      return { rows: job.expect.count, files: 0 }
    }
    case 'backfill-file': {
      const done = await waitFor(() => api('GET', `/v1/uno/data-backfill/jobs/${job.id}`), (j) => ['Completed', 'Failed', 'Stopped', 'Canceled'].includes(j.job.status), what)
      if (done.job.status === 'Failed' && GAVE_UP.test((await admin('GET', `/admin/tenants/${tenantId}/jobs/${job.id}`)).error ?? '')) return { rows: 0, files: 0, exhausted: 1 }
      assert.equal(done.job.status, 'Completed', `${what}: ${JSON.stringify(done.job)}`)
      const file = (await api('GET', new URL(done.job.resultFileUrl).pathname)) as HttpResponse
      const entries = await unzip(file.body)
      assert.equal(entries.length, 1, `${what}: one result file`)
      const records = parse(entries[0].content) as string[][]
      const ids = records.slice(1).map((row) => row[0])
      assert.deepEqual([...ids].sort(), [...job.expect.ids].sort(), `${what}: every row once in the result`)
      // (What it wrote is not compared: an auto backfill of the same round may rewrite the field.)
      assert.ok(records.slice(1).every((row) => row[2] === 'true'), `${what}: every row succeeded: ${JSON.stringify(records.slice(0, 3))}`)
      return { rows: ids.length, files: 1 }
    }
    case 'auto-backfill':
    case 'booking-date': {
      const path = job.kind === 'auto-backfill' ? 'propagation' : 'bookingdate'
      const done = await waitFor(() => api('GET', `/v1/uno/data-backfill/${path}/jobs/${job.id}`), (j) => ['COMPLETED', 'FAILED', 'STOPPED'].includes(j.job.status), what)
      if (done.job.status === 'FAILED' && GAVE_UP.test((await admin('GET', `/admin/tenants/${tenantId}/jobs/${job.id}`)).error ?? '')) return { rows: 0, files: 0, exhausted: 1 }
      assert.equal(done.job.status, 'COMPLETED', `${what}: ${JSON.stringify(done.job)}`)
      return { rows: 0, files: 0 }
    }
    default: {
      // A Data Query: its result file whole, each row once, in order.
      const { count, outputFormat, compression, columnSeparator } = job.expect
      const done = await waitFor(() => api('GET', `/query/jobs/${job.id}`), (j) => ['completed', 'failed', 'cancelled'].includes(j.data.queryStatus), what)
      // A query killed on every attempt spends its retries (each killed attempt counts, as
      // remainingRetries shows): failed is then its one legal end, with no result file.
      if (done.data.queryStatus === 'failed' && GAVE_UP.test(done.data.errorMessage ?? '') && done.data.remainingRetries === 0) {
        assert.equal(done.data.dataFile ?? undefined, undefined, `${what}: no result file`)
        return { rows: 0, files: 0, exhausted: 1 }
      }
      assert.equal(done.data.queryStatus, 'completed', `${what}: ${done.data.errorMessage}`)
      assert.equal(done.data.outputRows, count, what)
      const file = await request(done.data.dataFile.replace('//localhost:', '//127.0.0.1:'))
      assert.equal(file.status, 200, `${what}: its result file`)
      let content = file.body
      if (compression === 'GZIP') content = gunzipSync(content)
      if (compression === 'ZIP') {
        const entries = await unzip(content)
        assert.equal(entries.length, 1, `${what}: one entry`)
        content = entries[0].content
      }
      const separator = outputFormat === 'TSV' ? '\t' : outputFormat === 'DSV' ? columnSeparator : ','
      const expected =
        outputFormat === 'JSON'
          ? Array.from({ length: count }, (_, i) => JSON.stringify({ n: i + 1, label: `row ${i + 1}` })).join('\n') + '\n'
          : `n${separator}label\n${Array.from({ length: count }, (_, i) => `${i + 1}${separator}row ${i + 1}`).join('\n')}\n`
      const digest = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')
      if (digest(content) !== digest(expected)) {
        const lines = content.toString('utf8').split('\n')
        assert.fail(`${what}: the result file is not the whole result (${lines.length - 1} lines, first ${lines[0]}, last ${lines.at(-2)})`)
      }
      return { rows: count, files: 1 }
    }
  }
}
