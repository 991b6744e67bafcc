// Numbered, forward-only migrations (src/storage/migrations/NNNN_name.sql), applied at
// start and by `zjobs migrate`. An advisory lock lets several processes start at once.
import { readdirSync, readFileSync } from 'node:fs'
import type { PoolClient } from 'pg'

/** What migrating needs of a database (src/storage/db.ts' Db has it): one transaction. */
interface Transactional {
  transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T>
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url)
const LOCK_KEY = 7_310_001 // arbitrary, constant: "zjobs migrations"

export interface Migration {
  version: number
  name: string
  sql: string
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
    }))
}

export interface MigrateOptions {
  /** Told "applying N migrations" before applying any (a new database takes a while). */
  onStep?(message: string): void
}

/** Applies the migrations not applied yet; returns the versions it applied. */
export async function migrate(db: Transactional, options: MigrateOptions = {}): Promise<number[]> {
  const applied: number[] = []
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    await tx.query(`CREATE TABLE IF NOT EXISTS zjobs_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM zjobs_migrations')
    const done = new Set(rows.map((row) => row.version))
    const pending = listMigrations().filter((migration) => !done.has(migration.version))
    if (pending.length > 0) options.onStep?.(`applying ${pending.length} migration${pending.length === 1 ? '' : 's'}`)
    for (const migration of pending) {
      await tx.query(migration.sql)
      await tx.query('INSERT INTO zjobs_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
      applied.push(migration.version)
    }
  })
  return applied
}
