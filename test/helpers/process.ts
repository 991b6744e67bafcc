// zjobs as real child processes (`zjobs start`, `zjobs worker`), for tests of what only a
// process shows: signals, crashes, restarts, several processes on one database.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Config } from '../../src/config.ts'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'zjobs.js')
/** How long a start or an exit may take before a test gives up (a hang, not a speed limit). */
export const PATIENCE_MS = 120_000

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ZjobsProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  exited: Promise<Exit>
  /** Sends `signal` and waits for the process to exit. */
  stop(signal: NodeJS.Signals): Promise<Exit>
}

/** What a finished `zjobs` command printed, and how it exited. */
export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs one `zjobs` command to its end (a CLI verb against a running server, say). */
export function runZjobs(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), PATIENCE_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

const running = new Set<ChildProcess>()

/** Kills every process a test left behind (call from after()). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL')
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The environment of a zjobs process: this one's, minus zjobs settings, plus `settings`. */
export function processEnv(settings: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('ZJOBS_') || ['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL'].includes(name)) continue
    env[name] = value
  }
  env.PATH = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value
  return env
}

/** Database settings of a test database (from testDatabase()) as environment variables. */
export function databaseEnv(overrides: Partial<Config>): Record<string, string | undefined> {
  return { DATABASE_URL: overrides.databaseUrl, ZJOBS_DATA_DIR: overrides.dataDir }
}

/** Starts `zjobs <command>` and waits until its output matches `ready`. */
export async function startZjobs(command: 'start' | 'worker', env: NodeJS.ProcessEnv, ready: RegExp, args: string[] = []): Promise<ZjobsProcess> {
  const child = spawn(process.execPath, [BIN, command, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  let exit: Exit | undefined
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child)
      exit = { code, signal }
      resolve(exit)
    }),
  )
  const deadline = Date.now() + PATIENCE_MS
  while (!ready.test(stdout)) {
    if (exit) throw new Error(`zjobs ${command} exited (${exit.code ?? exit.signal}) before it was ready:\n${stdout}\n${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`zjobs ${command} not ready after ${PATIENCE_MS} ms:\n${stdout}\n${stderr}`)
    }
    await sleep(50)
  }
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop(signal) {
      child.kill(signal)
      const timeout = sleep(PATIENCE_MS, 'timeout' as const, { ref: false })
      const result = await Promise.race([exited, timeout])
      if (result === 'timeout') {
        child.kill('SIGKILL')
        throw new Error(`zjobs ${command} did not exit within ${PATIENCE_MS} ms of ${signal}`)
      }
      return result
    },
  }
}

/** A pg client on the database a zjobs process uses (the embedded one through its socket). */
export async function connectTo(overrides: Partial<Config>): Promise<pg.Client> {
  const config: pg.ClientConfig = overrides.databaseUrl
    ? { connectionString: overrides.databaseUrl }
    : embeddedConnection(overrides.dataDir!)
  const client = new pg.Client(config)
  await client.connect()
  return client
}

function embeddedConnection(dataDir: string): pg.ClientConfig {
  const lock = JSON.parse(readFileSync(join(dataDir, 'embedded.lock'), 'utf8')) as { socketDir: string }
  return { host: lock.socketDir, port: 5432, user: 'postgres', database: 'postgres' }
}
