// Shared by the billing tests: a migrated database of the current backend without a server,
// and per-table views of a tenant's billing rows.
import { loadConfig } from '../../src/config.ts'
import { BILLING_OBJECTS, SCOPE_COLUMNS } from '../../src/billing/model.ts'
import { openDatabase, type Db, type Queryable } from '../../src/storage/db.ts'
import { migrate } from '../../src/storage/migrate.ts'
import { testDatabase } from '../helpers/server.ts'

export async function openTestDb(): Promise<{ db: Db; close(): Promise<void> }> {
  const database = await testDatabase()
  const db = await openDatabase(loadConfig({}, { logLevel: 'silent', ...database.overrides }))
  await migrate(db)
  return {
    db,
    async close() {
      await db.close()
      await database.drop()
    },
  }
}

/** Rows per billing table of a tenant. */
export async function tableCounts(db: Queryable, tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const object of BILLING_OBJECTS) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing.${object.name} WHERE tenant_id = $1`, [tenantId])
    counts[object.name] = rows[0].n
  }
  return counts
}

/** Per table: row count and an MD5 of every row (all columns but tenant_id), ordered by id. */
export async function tableDigests(db: Queryable, tenantId: string): Promise<Record<string, string>> {
  const digests: Record<string, string> = {}
  for (const object of BILLING_OBJECTS) {
    const columns = [...object.columns.map((c) => c.name), ...SCOPE_COLUMNS.map((c) => c.name)].join(', ')
    const { rows } = await db.query<{ n: number; digest: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(t::text, E'\\n' ORDER BY t.id)) AS digest
         FROM (SELECT ${columns} FROM billing.${object.name} WHERE tenant_id = $1) t`,
      [tenantId],
    )
    digests[object.name] = `${rows[0].n}:${rows[0].digest}`
  }
  return digests
}
