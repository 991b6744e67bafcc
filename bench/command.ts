// `zjobs bench`: the benchmarks of `npm run bench` from the CLI. The harness (and autocannon,
// a dev dependency) is loaded only when the command runs.
import type { Command } from 'commander'
import { collect } from '../src/commands/options.ts'


export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('Run the benchmarks: zjobs beside a baseline per scenario (docs/performance.md)')
    .option('--quick', 'small sizes, under two minutes per backend', false)
    .option('--backend <name>', 'embedded or postgres (repeatable; default: embedded, and postgres with DATABASE_URL)', collect)
    .option('--scenario <name>', 'start, footprint, cli, api, latency, export, backfill, auto, bulk, seed or isolation (repeatable; default: all)', collect)
    .option('--out <dir>', 'folder of the JSON results (default: bench/results)')
    .action(async (options: { quick: boolean; backend?: string[]; scenario?: string[]; out?: string }) => {
      const { runBench } = await import('./run.ts')
      await runBench(options)
    })
}
