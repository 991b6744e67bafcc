// `npm run bench` / `zjobs bench`: every headline scenario, zjobs (a real `zjobs start`
// child process, driven through its HTTP API) beside a baseline measured in the same run on
// the same database, as one table per backend and as JSON under bench/results/. The memory of
// zjobs' process tree (with its PostgreSQL processes) is sampled during every scenario.
//   npm run bench -- [--quick] [--backend embedded|postgres ...] [--scenario NAME ...] [--out DIR]
// Backends: embedded, plus postgres when DATABASE_URL is set; --backend postgres without
// DATABASE_URL starts a throwaway cluster. The bench reports, it never fails on a missed target.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openBackend, type BackendName } from './backend.ts'
import type { Context } from './context.ts'
import { describeRun, type RunDescription } from './describe.ts'
import { samplePeak } from './memory.ts'
import { failed, table, writeResults, type Row } from './results.ts'
import { apiReads } from './scenarios/api-reads.ts'
import { autoBackfillScenario } from './scenarios/auto-backfill.ts'
import { bulkCreateScenario } from './scenarios/bulk-create.ts'
import { cliScenario } from './scenarios/cli.ts'
import { cliQueryScenario } from './scenarios/cli-query.ts'
import { consoleScenario } from './scenarios/console.ts'
import { dataBackfillScenario } from './scenarios/data-backfill.ts'
import { exportScenario } from './scenarios/export.ts'
import { footprintPeakRow, footprintScenario } from './scenarios/footprint.ts'
import { isolationScenario } from './scenarios/isolation.ts'
import { latencyScenario } from './scenarios/latency.ts'
import { sandboxScenario } from './scenarios/sandbox.ts'
import { seedScenario } from './scenarios/seed.ts'
import { startScenario } from './scenarios/start.ts'
import { FULL, QUICK } from './sizes.ts'
import { logFile, startZjobs } from './zjobs.ts'

/** Scenarios by name, in the order they run (the charges tenant grows from export to auto backfill). */
export const SCENARIOS: Record<string, (context: Context) => Promise<Row[]>> = {
  start: startScenario,
  footprint: footprintScenario,
  cli: cliScenario,
  'cli-query': cliQueryScenario,
  api: apiReads,
  latency: latencyScenario,
  export: exportScenario,
  backfill: dataBackfillScenario,
  auto: autoBackfillScenario,
  bulk: bulkCreateScenario,
  seed: seedScenario,
  isolation: isolationScenario,
  console: consoleScenario,
  sandbox: sandboxScenario,
}

/** How a scenario's row reads when it fails as a whole. */
const LABELS: Record<string, string> = {
  api: '1. API reads',
  export: '2. Data Query export',
  bulk: '3. bulk create',
  backfill: '4. data backfill',
  auto: '5. auto backfill',
  seed: '6. seed',
  latency: '7. latency',
  start: '9. start',
  cli: '10. CLI',
  'cli-query': '13. CLI query',
  footprint: '11. footprint',
  isolation: '12. isolation',
  console: '14. console first load',
  sandbox: '15. sandbox tenants',
}

/** Scenarios whose work is not the bench's zjobs (their own processes): no peak of its tree. */
const OWN_PROCESSES = new Set(['start', 'footprint'])

export interface BenchOptions {
  quick?: boolean
  backend?: string[]
  scenario?: string[]
  out?: string
}

const RESULTS = new URL('./results/', import.meta.url).pathname

const byScenarioNumber = (a: Row, b: Row) => Number.parseInt(a.scenario) - Number.parseInt(b.scenario)

async function runBackend(
  name: BackendName,
  options: BenchOptions,
  scenarios: string[],
  progress: (rows: Row[]) => void,
): Promise<{ description: RunDescription; rows: Row[] }> {
  const workDir = mkdtempSync(join(tmpdir(), 'zjobs-bench-'))
  // Run as root, PostgreSQL runs as the postgres user, which must reach the clusters in here
  // (zjobs would otherwise put its cluster in its cache folder, outside the run's folder).
  chmodSync(workDir, 0o755)
  const backend = await openBackend(name, workDir)
  const log = (message: string) => process.stdout.write(`[${name}] ${message}\n`)
  try {
    const zjobs = await startZjobs(backend, logFile(workDir))
    const context: Context = { backend, zjobs, sizes: options.quick ? QUICK : FULL, workDir, log }
    const rows: Row[] = []
    try {
      for (const scenario of scenarios) {
        const started = performance.now()
        log(`${scenario}...`)
        const sampler = OWN_PROCESSES.has(scenario) ? undefined : samplePeak(() => zjobs.treeRoots())
        try {
          rows.push(...(await SCENARIOS[scenario](context)))
        } catch (error) {
          log(`  ${scenario} failed: ${error instanceof Error ? error.stack : String(error)}`)
          rows.push(failed(LABELS[scenario], error))
          // A scenario that took zjobs down must not take the next ones with it.
          await zjobs.restart().catch(() => {})
        } finally {
          const peak = sampler?.stop()
          if (peak) rows.push(footprintPeakRow(LABELS[scenario], peak))
        }
        log(`  ${scenario}: ${((performance.now() - started) / 1000).toFixed(0)} s`)
        progress(rows)
      }
      return { description: await describeRun(context, options.quick ?? false), rows: rows.sort(byScenarioNumber) }
    } finally {
      await zjobs.stop()
    }
  } finally {
    await backend.close()
    rmSync(workDir, { recursive: true, force: true })
  }
}

export async function runBench(options: BenchOptions): Promise<void> {
  const backends = (options.backend?.length ? options.backend : ['embedded', ...(process.env.DATABASE_URL ? ['postgres'] : [])]) as BackendName[]
  for (const backend of backends) if (!['embedded', 'postgres'].includes(backend)) throw new Error(`unknown backend ${backend}`)
  const scenarios = options.scenario?.length ? options.scenario : Object.keys(SCENARIOS)
  for (const scenario of scenarios) if (!SCENARIOS[scenario]) throw new Error(`unknown scenario ${scenario} (${Object.keys(SCENARIOS).join(', ')})`)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const runs: { description: RunDescription; rows: Row[] }[] = []
  for (const backend of backends) {
    const started = performance.now()
    // Partial results are written as scenarios end: a long full run that is cut short keeps them.
    const path = () => writeResults(options.out ?? RESULTS, `${stamp}${options.quick ? '-quick' : ''}`, { runs })
    const run = await runBackend(backend, options, scenarios, (rows) => {
      runs.push({ description: { title: `${backend} (in progress)` } as RunDescription, rows: [...rows].sort(byScenarioNumber) })
      path()
      runs.pop()
    })
    run.description.seconds = Math.round((performance.now() - started) / 1000)
    runs.push(run)
    process.stdout.write(`\n${run.description.title}\n\n${table(run.rows)}\n\n(written to ${path()})\n\n`)
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      backend: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  })
  await runBench(values)
}
