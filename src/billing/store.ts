// SQL on a tenant's billing rows that other families read (the billing data's writes are the
// seed's and the import's, in seed.ts and import.ts).
import type { Queryable } from '../storage/db.ts'

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/

/**
 * The values of `column` among `values` that a live row of billing table `table` holds, in the
 * tenant (and entity, when given). Table and column are names from the billing model; anything
 * else matches nothing.
 */
export async function matchingValues(
  db: Queryable,
  scope: { tenantId: string; entityId: string | null },
  table: string,
  column: string,
  values: readonly string[],
): Promise<Set<string>> {
  if (!IDENTIFIER.test(table) || !IDENTIFIER.test(column)) return new Set()
  const { rows } = await db.query<{ value: string }>(
    `SELECT DISTINCT t."${column}"::text AS value FROM billing."${table}" t
     WHERE t.tenant_id = $1 AND t."${column}"::text = ANY($2::text[]) AND NOT t.deleted
       AND ($3::uuid IS NULL OR t.entity_id = $3)`,
    [scope.tenantId, values, scope.entityId],
  )
  return new Set(rows.map((row) => row.value))
}
