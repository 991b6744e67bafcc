// Autovacuum's work on the embedded database (PGlite has none): tables that changed get
// statistics, so plans see their real size, and their dead rows are reclaimed.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfig } from '../../src/config.ts'
import { openDatabase, type Db } from '../../src/storage/db.ts'
import { maintainTables } from '../../src/storage/embedded/maintenance.ts'
import { testDatabase } from '../helpers/server.ts'

let db: Db
let drop: () => Promise<void>

before(async () => {
  const database = await testDatabase()
  drop = database.drop
  db = await openDatabase(loadConfig({}, { logLevel: 'silent', ...database.overrides }), { maintenanceMs: 200 })
})

after(async () => {
  await db?.close()
  await drop?.()
})

const tableStats = async (table: string) =>
  (
    await db.query<{ analyzed: boolean; dead: number; columns: number }>(
      `SELECT s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL AS analyzed, s.n_dead_tup::int AS dead,
         (SELECT count(*)::int FROM pg_stats p WHERE p.schemaname = 'public' AND p.tablename = $1) AS columns
       FROM pg_stat_user_tables s WHERE s.relname = $1`,
      [table],
    )
  ).rows[0]

/** Waits for the statistics system to see the changes (it reports them within a second). */
async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 60_000
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`never: ${what}`)
    await sleep(100)
  }
}

test('a table that changed is analyzed and vacuumed; one that did not is left alone', async () => {
  await db.query('CREATE TABLE maintenance_probe (id int PRIMARY KEY, note text)')
  await db.query(`INSERT INTO maintenance_probe SELECT i, md5(i::text) FROM generate_series(1, 5000) i`)
  await db.query('DELETE FROM maintenance_probe WHERE id <= 3000')
  // On the embedded database the owner's timer does it; on a server, maintainTables (as
  // autovacuum would, later).
  if (db.kind === 'postgres') await until(async () => (await maintainTables(db)).includes('public.maintenance_probe'), 'maintained')
  await until(async () => {
    const stats = await tableStats('maintenance_probe')
    return stats.analyzed && stats.dead === 0
  }, 'maintenance_probe analyzed and vacuumed')
  const stats = await tableStats('maintenance_probe')
  assert.equal(stats.columns, 2, 'both columns have statistics')
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM maintenance_probe')
  assert.equal(rows[0].n, 2000, 'maintenance changes no data')
  // Nothing is due any more.
  assert.ok(!(await maintainTables(db)).includes('public.maintenance_probe'))
})
