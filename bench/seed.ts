// Seeding throughput: `npm run bench:seed -- [--accounts 10000] [--backend embedded|postgres ...]`.
// Seeds a fresh tenant on each backend (a throwaway data folder; a throwaway PostgreSQL
// cluster unless ZJOBS_TEST_DATABASE_URL is set) and prints accounts/s, rows/s and peak RSS.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { seedTenant } from '../src/billing/seed.ts'
import { loadConfig } from '../src/config.ts'
import { createTenant } from '../src/platform/tenants.ts'
import { openDatabase } from '../src/storage/db.ts'
import { migrate } from '../src/storage/migrate.ts'
import { startCluster, type Cluster } from '../scripts/pg-cluster.ts'

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '10000' },
    backend: { type: 'string', multiple: true, default: ['embedded', 'postgres'] },
  },
})
const accounts = Number(values.accounts)

async function bench(backend: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zjobs-bench-'))
  let cluster: Cluster | undefined
  let databaseUrl: string | undefined
  if (backend === 'postgres') {
    databaseUrl = process.env.ZJOBS_TEST_DATABASE_URL
    if (!databaseUrl) {
      cluster = await startCluster()
      databaseUrl = cluster.url
    }
  }
  const db = await openDatabase(loadConfig({}, { dataDir, databaseUrl, logLevel: 'silent' }))
  try {
    await migrate(db)
    const tenant = await createTenant(db, { name: `bench ${Date.now()}` })
    const started = performance.now()
    // The generator's own memory: the JS heap after each batch (RSS includes the embedded database).
    let heapMb = 0
    const onProgress = () => {
      heapMb = Math.max(heapMb, Math.round(process.memoryUsage().heapUsed / 1024 / 1024))
    }
    const result = await seedTenant(db, tenant.id, { accounts, onProgress })
    const seconds = (performance.now() - started) / 1000
    const rows = Object.values(result.rows).reduce((sum, n) => sum + n, 0)
    const rssMb = Math.round(process.resourceUsage().maxRSS / 1024)
    console.log(
      `${backend.padEnd(8)} ${accounts} accounts, ${rows} rows in ${seconds.toFixed(1)} s: ` +
        `${Math.round(accounts / seconds)} accounts/s, ${Math.round(rows / seconds)} rows/s, ` +
        `largest heap after a batch ${heapMb} MB, peak RSS ${rssMb} MB`,
    )
  } finally {
    await db.close()
    cluster?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

for (const backend of values.backend!) await bench(backend)
