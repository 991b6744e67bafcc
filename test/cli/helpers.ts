// The job commands as child processes (bin/zjobs.js) against a real server of the run's
// backend, over HTTP, with the server's default client's credentials unless told otherwise.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Config } from '../../src/config.ts'
import { ZuoraClient } from '../../src/client/client.ts'
import { BIN, processEnv, ROOT } from '../helpers/process.ts'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, startTestServer, type TestServer } from '../helpers/server.ts'

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  done: Promise<CliResult>
}

const children = new Set<ChildProcess>()

/** Kills whatever a test left running (call from after()). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL')
}

/** Starts `zjobs args` (bin/zjobs.js with this Node.js) in `cwd`. */
export function spawnZjobs(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, stdout: () => stdout, stderr: () => stderr, done }
}

export const runZjobs = (args: string[], env: NodeJS.ProcessEnv, cwd?: string) => spawnZjobs(args, env, cwd).done

/** Waits until `check` answers something truthy. */
export async function until<T>(check: () => T | Promise<T>, what: string, ms = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

export function expectExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `exit ${result.code} (expected ${code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
}

/** A failure: one `zjobs: ...` line last on stderr, matching `message`, and no stack trace. */
export function expectError(result: CliResult, code: number, message: RegExp): void {
  expectExit(result, code)
  const last = result.stderr.trimEnd().split('\n').at(-1) ?? ''
  assert.match(last, /^zjobs: /, `a zjobs: line last, got ${JSON.stringify(result.stderr)}`)
  assert.match(last, message)
  assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+/, 'no stack trace')
}

export interface CliServer {
  server: TestServer
  /** The environment of a command calling the server as its default client (plus `extra`). */
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv
  /** A scratch folder, the commands' working directory. */
  dir: string
  /** The same client the commands use, for the test's own calls. */
  client: ZuoraClient
  close(): Promise<void>
}

/**
 * A test server the commands reach over HTTP. Its token limit per IP is raised: every command
 * is a process that asks for a token.
 */
export async function startCliServer(overrides: Partial<Config> = {}): Promise<CliServer> {
  const server = await startTestServer({ authRateLimitPerIpPerMinute: 100_000, ...overrides })
  const dir = mkdtempSync(join(tmpdir(), 'zjobs-cli-'))
  const env = (extra: Record<string, string | undefined> = {}) =>
    processEnv({
      ZJOBS_URL: server.url,
      ZJOBS_CLIENT_ID: DEFAULT_CLIENT_ID,
      ZJOBS_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
      // No profile file of the machine's user.
      XDG_CONFIG_HOME: join(dir, 'config'),
      ...extra,
    })
  const client = new ZuoraClient({ baseUrl: server.url, credentials: { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET } })
  return {
    server,
    env,
    dir,
    client,
    async close() {
      killChildren()
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** JSON of a command's standard output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (result: CliResult): any => {
  try {
    return JSON.parse(result.stdout)
  } catch {
    assert.fail(`stdout is not JSON: ${result.stdout}\nstderr: ${result.stderr}`)
  }
}
