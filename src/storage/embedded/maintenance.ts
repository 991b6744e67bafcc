// PGlite has no autovacuum. Without it a table that grew after it was created has no
// statistics, and plans go wrong: a batch UPDATE of 1,000 rows by primary key hash-joined a
// whole tenant's 200,000 rate plan charges (790 ms a batch instead of 80), and dead rows were
// never reclaimed. This does autovacuum's job on the embedded database, by autovacuum's
// default thresholds, every `intervalMs` (10 s): one table at a time, as the single session allows.
import type { Queryable } from '../db.ts'

/** autovacuum_vacuum_threshold/scale_factor and autovacuum_analyze_threshold/scale_factor. */
const DUE = `SELECT format('%I.%I', schemaname, relname) AS name,
    n_dead_tup > 50 + 0.2 * n_live_tup AS vacuum
  FROM pg_stat_user_tables
  WHERE n_dead_tup > 50 + 0.2 * n_live_tup OR n_mod_since_analyze > 50 + 0.1 * n_live_tup
  ORDER BY n_mod_since_analyze + n_dead_tup DESC`

/** Vacuums and analyzes the tables that need it now; returns their names. */
export async function maintainTables(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string; vacuum: boolean }>(DUE)
  for (const table of rows) await db.query(`${table.vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE'} ${table.name}`)
  return rows.map((table) => table.name)
}

/** Runs maintainTables every `intervalMs` until the returned function is called. */
export function startMaintenance(db: Queryable, intervalMs = 10_000): () => void {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    // A failure (the database closing or restarting) is left to the next round.
    maintainTables(db)
      .catch(() => {})
      .finally(() => {
        running = false
      })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
