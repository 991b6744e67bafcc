// npm run soak: mixed load on PostgreSQL for a bounded time, two API processes and two worker
// processes (test/reliability/soak.ts), on a throwaway cluster or ZJOBS_TEST_DATABASE_URL's server.
//
//   npm run soak                          10 minutes, 24 readers
//   npm run soak -- --seconds 120 --readers 32
//   npm run soak -- --heap-snapshots DIR  also a heap snapshot of each API process after the second window and at the end
import { parseArgs } from 'node:util'
import { startCluster, type Cluster } from './pg-cluster.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, readers: { type: 'string', default: '24' }, 'heap-snapshots': { type: 'string' } } })
process.env.ZJOBS_TEST_BACKEND = 'postgres'
let cluster: Cluster | undefined
if (!process.env.ZJOBS_TEST_DATABASE_URL) {
  cluster = await startCluster()
  process.env.ZJOBS_TEST_DATABASE_URL = cluster.url
}
let failed = false
try {
  // Imported once the backend is set: the test helpers read it when they load.
  const { runSoak, memoryFlat } = await import('../test/reliability/soak.ts')
  const seconds = Number(values.seconds)
  const figures = await runSoak({ seconds, readers: Number(values.readers), windows: Math.max(3, Math.round(seconds / 60)), heapSnapshots: values['heap-snapshots'] })
  const growing = memoryFlat(figures)
  for (const line of growing) console.log(`# memory grew (live heap in the last window over 1.1x the second): ${line}`)
  failed = figures.serverErrors > 0 || figures.errors > 0 || figures.jobsEnded < figures.jobs || growing.length > 0 || figures.unexpected.length > 0
  console.log(`# soak ${failed ? 'FAILED' : 'passed'}`)
} finally {
  cluster?.stop()
}
process.exit(failed ? 1 : 0)
