// npm run chaos: the randomized crash harness at full size (test/reliability/chaos.ts), on the
// embedded database and on PostgreSQL (a throwaway cluster, or ZJOBS_TEST_DATABASE_URL's server).
//
//   npm run chaos                                  both backends, 10 rounds of 10 kills each
//   npm run chaos -- --backend postgres --rounds 3 --kills 5
//   npm run chaos -- --seed 1234                   replays a run's choices
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startCluster, type Cluster } from './pg-cluster.ts'

const { values } = parseArgs({
  options: {
    backend: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '10' },
    kills: { type: 'string', default: '10' },
    rows: { type: 'string', default: '20000' },
    seed: { type: 'string' },
  },
})
const seed = Number(values.seed ?? process.env.ZJOBS_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))

if (process.env.ZJOBS_CHAOS_CHILD) {
  // One backend, in a process of its own (the test helpers read the backend when they load).
  const { runChaos } = await import('../test/reliability/chaos.ts')
  await runChaos({ seed, rounds: Number(values.rounds), killsPerRound: Number(values.kills), rows: Number(values.rows) })
  process.exit(0)
}

const backends = values.backend ?? ['embedded', 'postgres']
let failed = false
for (const backend of backends) {
  let cluster: Cluster | undefined
  const env: NodeJS.ProcessEnv = { ...process.env, ZJOBS_CHAOS_CHILD: '1', ZJOBS_TEST_BACKEND: backend }
  if (backend === 'postgres' && !process.env.ZJOBS_TEST_DATABASE_URL) {
    cluster = await startCluster()
    env.ZJOBS_TEST_DATABASE_URL = cluster.url
  }
  try {
    const args = [fileURLToPath(import.meta.url), '--seed', String(seed), '--rounds', values.rounds, '--kills', values.kills, '--rows', values.rows]
    const result = spawnSync(process.execPath, args, { stdio: 'inherit', env })
    if (result.status !== 0) {
      failed = true
      console.error(`# chaos failed on ${backend} (seed ${seed}: npm run chaos -- --backend ${backend} --seed ${seed})`)
    }
  } finally {
    cluster?.stop()
  }
}
process.exit(failed ? 1 : 0)
