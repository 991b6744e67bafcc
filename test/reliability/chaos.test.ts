// A short run of the randomized crash harness (test/reliability/chaos.ts): a round of every job
// kind with SIGKILLs of the server (and, on PostgreSQL, of two worker processes) at random
// moments. The full run is `npm run chaos`.
import { test } from 'node:test'
import { suiteSeed } from '../helpers/seed.ts'
import { runChaos } from './chaos.ts'

test('randomized crashes: every acknowledged job ends once, with its whole effect', async () => {
  // The commit's seed (the same choices at every run of a commit), or ZJOBS_CHAOS_SEED's.
  const { seed, source } = suiteSeed('chaos', 'ZJOBS_CHAOS_SEED')
  console.log(`# chaos seed from ${source}`)
  await runChaos({ seed, rounds: 2, killsPerRound: 5, rows: 5000 })
})
