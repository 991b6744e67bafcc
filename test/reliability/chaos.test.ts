// A short run of the randomized crash harness (test/reliability/chaos.ts): a round of every job
// kind with SIGKILLs of the server (and, on PostgreSQL, of two worker processes) at random
// moments. The full run is `npm run chaos`.
import { test } from 'node:test'
import { suiteSeed } from '../helpers/seed.ts'
import { runChaos } from './chaos.ts'

// Its own time limit: 35 s on an idle machine, 145 s on one running other suites at the same
// time (a restart of the embedded server under load takes seconds, each of ten); the default
// 300 s would turn a busy machine into a failure. A job that never ends still fails the run
// (the harness waits for each at most 600 s).
test('randomized crashes: every acknowledged job ends once, with its whole effect', { timeout: 900_000 }, async () => {
  // The commit's seed (the same choices at every run of a commit), or ZJOBS_CHAOS_SEED's.
  const { seed, source } = suiteSeed('chaos', 'ZJOBS_CHAOS_SEED')
  console.log(`# chaos seed from ${source}`)
  await runChaos({ seed, rounds: 2, killsPerRound: 5, rows: 5000 })
})
