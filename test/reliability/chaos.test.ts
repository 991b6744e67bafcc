// A short run of the randomized crash harness (test/reliability/chaos.ts): a round of every job
// kind with SIGKILLs of the server (and, on PostgreSQL, of two worker processes) at random
// moments. The full run is `npm run chaos`.
import { test } from 'node:test'
import { runChaos } from './chaos.ts'

test('randomized crashes: every acknowledged job ends once, with its whole effect', async () => {
  const seed = Number(process.env.ZJOBS_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))
  await runChaos({ seed, rounds: 2, killsPerRound: 5, rows: 5000 })
})
