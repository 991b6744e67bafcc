// zjobs under test: `zjobs start` as a child process, its log in a file (not in this
// process's memory), restartable on the same database, with its peak RSS read from /proc and
// its process tree (with the embedded PostgreSQL server's processes) for bench/memory.ts.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BIN, freePort, processEnv, ROOT } from '../test/helpers/process.ts'
import type { Backend } from './backend.ts'
import { postmasterPid } from './memory.ts'

export const ADMIN_TOKEN = 'zjobs-bench-admin-token'
export const CLIENT_ID = '7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d'
export const CLIENT_SECRET = 'zjobs-bench-client-secret-0123456789'
const PATIENCE_MS = 180_000

/**
 * Settings that differ from the defaults: fixed credentials, and rate limits high enough that
 * the load test measures serving, not refusing (the limiter still counts every request).
 */
export const BENCH_SETTINGS: Record<string, string> = {
  ZJOBS_RATE_LIMIT_PER_MINUTE: '1000000000',
  ZJOBS_RATE_LIMIT_PER_HOUR: '1000000000',
  ZJOBS_RATE_LIMIT_PER_DAY: '1000000000',
}

export interface Zjobs {
  readonly url: string
  pid(): number
  /** Roots of its process tree: zjobs, and the embedded server's postmaster (bench/memory.ts). */
  treeRoots(): number[]
  /** Stops the process and starts a new one on the same database (a fresh peak RSS). */
  restart(): Promise<void>
  stop(): Promise<void>
  /** Sets the process's peak RSS back to its current RSS (Linux: /proc/<pid>/clear_refs). */
  resetPeak(): void
  /** Peak RSS since start or the last resetPeak, in MB. */
  peakRssMb(): number
}

/** The environment of a bench zjobs on `database` (its data folder, and DATABASE_URL if any), serving on `port`. */
export function zjobsEnv(database: Pick<Backend, 'dataDir' | 'databaseUrl'>, port: number): NodeJS.ProcessEnv {
  return processEnv({
    ...BENCH_SETTINGS,
    PORT: String(port),
    HOST: '127.0.0.1',
    ZJOBS_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ZJOBS_DATA_DIR: database.dataDir,
    DATABASE_URL: database.databaseUrl,
    ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN,
    ZJOBS_DEFAULT_CLIENT_ID: CLIENT_ID,
    ZJOBS_DEFAULT_CLIENT_SECRET: CLIENT_SECRET,
  })
}

export async function startZjobs(backend: Backend, logPath: string): Promise<Zjobs> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = zjobsEnv(backend, port)
  let child = await launch(env, url, logPath)
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    else return
    const timeout = sleep(PATIENCE_MS, 'timeout' as const, { ref: false })
    if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL')
  }
  return {
    url,
    pid: () => child.pid!,
    treeRoots() {
      const postmaster = backend.databaseUrl ? undefined : postmasterPid(backend.dataDir)
      return postmaster === undefined ? [child.pid!] : [child.pid!, postmaster]
    },
    async restart() {
      await stop()
      child = await launch(env, url, logPath)
    },
    stop,
    resetPeak() {
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5')
    },
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
      return Math.round(kb / 1024)
    },
  }
}

async function launch(env: NodeJS.ProcessEnv, url: string, logPath: string): Promise<ChildProcess> {
  const log = openSync(logPath, 'a')
  const child = spawn(process.execPath, [BIN, 'start'], { env, cwd: ROOT, stdio: ['ignore', log, log] })
  closeSync(log)
  const deadline = Date.now() + PATIENCE_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`zjobs exited (${child.exitCode}) before it was ready:\n${tail(logPath)}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`zjobs not ready after ${PATIENCE_MS} ms:\n${tail(logPath)}`)
    }
    if (await answers(`${url}/readyz`)) return child
    await sleep(100)
  }
}

const tail = (path: string) => readFileSync(path, 'utf8').slice(-3000)

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok
  } catch {
    return false
  }
}

export const logFile = (workDir: string) => join(workDir, 'zjobs.log')
