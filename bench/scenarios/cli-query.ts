// Scenario 13: a job command's overhead. `zjobs query "SELECT 1" --out -` (`node bin/zjobs.js`,
// the command users run, which turns the compile cache on before loading any of zjobs' modules,
// with the server's settings: it finds the server by the data folder's locator file and
// authenticates as the default client) beside the running server, from spawn to exit.
// Baseline, in turns: a bare `node` process making the same HTTP calls with fetch: the token,
// the submission (with an Idempotency-Key, as the client sends), reads of the job at the
// client's delays (at once, then 100 ms growing by half up to 2 s) until it completes, the
// download of its dataFile to standard output. The median of the runs counts.
import { BIN } from '../../test/helpers/process.ts'
import type { Context } from '../context.ts'
import { measured, type Row } from '../results.ts'
import { CLIENT_ID, CLIENT_SECRET, zjobsEnv } from '../zjobs.ts'
import { median, run } from './cli.ts'

const SQL = 'SELECT 1'

// The same calls as the job command, nothing of zjobs loaded; the server and credentials in BENCH_QUERY.
const BARE_QUERY = `const { url, clientId, clientSecret, query } = JSON.parse(process.env.BENCH_QUERY)
const token = await fetch(url + '/oauth/token', {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' }),
}).then((r) => r.json())
const headers = { authorization: 'Bearer ' + token.access_token, accept: 'application/json' }
let job = await fetch(url + '/query/jobs', {
  method: 'POST',
  headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
  body: JSON.stringify({ query, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' }, sourceData: 'LIVE' }),
}).then((r) => r.json()).then((b) => b.data)
for (let delay = 100; ; delay = Math.min(2000, Math.round(delay * 1.5))) {
  job = await fetch(url + '/query/jobs/' + job.id, { headers }).then((r) => r.json()).then((b) => b.data)
  if (['completed', 'failed', 'cancelled'].includes(job.queryStatus)) break
  await new Promise((resolve) => setTimeout(resolve, delay))
}
if (job.queryStatus !== 'completed') throw new Error(job.queryStatus + ': ' + job.errorMessage)
const file = await fetch(job.dataFile, { headers: { 'accept-encoding': 'identity' } })
for await (const chunk of file.body) process.stdout.write(chunk)`

export async function cliQueryScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const env = zjobsEnv(context.backend, Number(new URL(zjobs.url).port))
  const ours = [BIN, 'query', SQL, '--out', '-']
  const bare = ['--input-type=module', '-e', BARE_QUERY]
  const bareEnv = { ...process.env, BENCH_QUERY: JSON.stringify({ url: zjobs.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, query: SQL }) }
  // Warm-ups, not counted: the files both read in the page cache, the job thread warm.
  await run(ours, env)
  await run(bare, bareEnv)
  const zjobsMs: number[] = []
  const bareMs: number[] = []
  const runs = Math.max(5, sizes.cliRuns)
  for (let i = 0; i < runs; i++) {
    zjobsMs.push(await run(ours, env))
    bareMs.push(await run(bare, bareEnv))
  }
  const ms = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ')
  context.log(`  zjobs query: ${ms(zjobsMs)} ms; bare script: ${ms(bareMs)} ms`)
  return [
    measured(`13. CLI \`zjobs query "${SQL}" --out -\` beside the server: median`, median(zjobsMs) / 1000, median(bareMs) / 1000, 's', {
      target: { kind: 'max', ratio: 1.5 },
      note: `median of ${runs} runs, spawn to exit (zjobs ${(Math.min(...zjobsMs) / 1000).toFixed(2)}-${(Math.max(...zjobsMs) / 1000).toFixed(2)} s); baseline: node making the same HTTP calls with fetch`,
    }),
  ]
}
