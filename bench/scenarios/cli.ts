// Scenario 10: a CLI command beside the running server, from spawn to exit:
// `node src/cli.ts token` and `node src/cli.ts tenant list` with the server's settings (on the
// embedded database the CLI attaches to the server's PostgreSQL through the data folder).
// Baseline, in turns: a bare `node` process making the one HTTP request that does the same
// through the server's API (POST /oauth/token; GET /admin/tenants). The median of the runs counts.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../../test/helpers/process.ts'
import type { Context } from '../context.ts'
import { measured, type Row } from '../results.ts'
import { ADMIN_TOKEN, CLIENT_ID, CLIENT_SECRET, zjobsEnv } from '../zjobs.ts'

const CLI = join(ROOT, 'src', 'cli.ts')

// One request, its answer to stdout; the request comes in BENCH_REQUEST (fetch's url and init).
const ONE_REQUEST = `const { url, ...init } = JSON.parse(process.env.BENCH_REQUEST)
const response = await fetch(url, init)
process.stdout.write(await response.text())
if (!response.ok) process.exitCode = 1`

/** Runs `args` with `env` to its exit: its ms; throws unless it exits 0 having printed something. */
export function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
    child.once('error', reject)
    child.once('close', (code) => {
      const ms = performance.now() - started
      if (code === 0 && out.trim()) resolve(ms)
      else reject(new Error(`${args.slice(-2).join(' ')} exited ${code}: ${(err || out).slice(-1000)}`))
    })
  })
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export async function cliScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  // The server's own settings, as a user runs a command beside it (the port is not used).
  const env = zjobsEnv(context.backend, Number(new URL(zjobs.url).port))
  const commands = [
    {
      name: 'zjobs token',
      args: [CLI, 'token'],
      request: {
        url: `${zjobs.url}/oauth/token`,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'client_credentials' }).toString(),
      },
    },
    {
      name: 'zjobs tenant list',
      args: [CLI, 'tenant', 'list'],
      request: { url: `${zjobs.url}/admin/tenants`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    },
  ]
  const rows: Row[] = []
  for (const command of commands) {
    const baselineArgs = ['--input-type=module', '-e', ONE_REQUEST]
    const baselineEnv = { ...process.env, BENCH_REQUEST: JSON.stringify(command.request) }
    // Warm-ups, not counted: the files both read, in the page cache.
    await run(command.args, env)
    await run(baselineArgs, baselineEnv)
    const ours: number[] = []
    const theirs: number[] = []
    for (let i = 0; i < sizes.cliRuns; i++) {
      ours.push(await run(command.args, env))
      theirs.push(await run(baselineArgs, baselineEnv))
    }
    context.log(`  ${command.name}: zjobs ${ours.map((ms) => ms.toFixed(0)).join(', ')} ms; baseline ${theirs.map((ms) => ms.toFixed(0)).join(', ')} ms`)
    rows.push(
      measured(`10. CLI \`${command.name}\` beside the server: median`, median(ours) / 1000, median(theirs) / 1000, 's', {
        target: { kind: 'max', ratio: 2 },
        note: `median of ${sizes.cliRuns} runs, spawn to exit (zjobs ${(Math.min(...ours) / 1000).toFixed(2)}-${(Math.max(...ours) / 1000).toFixed(2)} s); baseline: node making the same call over HTTP (${command.request.url.replace(zjobs.url, '')})`,
      }),
    )
  }
  return rows
}
