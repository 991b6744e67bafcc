// The SQL of fault rules' admin side (src/jobs/faults.ts holds the engine's claims) and of
// the request journal.
import type { Queryable } from '../../storage/db.ts'
import type { RuleKind, StoredRule } from './input.ts'

export interface RuleRow {
  tenantId: string
  id: string
  kind: RuleKind
  rule: StoredRule
  times: number | null
  matched: number
  fired: number
  createdAt: Date
}

interface Raw {
  tenant_id: string
  id: string
  kind: RuleKind
  rule: StoredRule
  times: number | null
  matched: string
  fired: string
  created_at: Date
}

const COLUMNS = 'tenant_id, id, kind, rule, times, matched, fired, created_at'
const toRow = (raw: Raw): RuleRow => ({
  tenantId: String(raw.tenant_id),
  id: raw.id,
  kind: raw.kind,
  rule: raw.rule,
  times: raw.times,
  matched: Number(raw.matched),
  fired: Number(raw.fired),
  createdAt: raw.created_at,
})

export async function insertRule(db: Queryable, tenantId: string, id: string, kind: RuleKind, rule: StoredRule): Promise<RuleRow> {
  const { rows } = await db.query<Raw>(
    `INSERT INTO fault_rules (tenant_id, id, kind, rule, times) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [tenantId, id, kind, rule, rule.times ?? null],
  )
  return toRow(rows[0])
}

/** A tenant's rules in the order they were added (the order they are tried in). */
export async function listRules(db: Queryable, tenantId: string): Promise<RuleRow[]> {
  const { rows } = await db.query<Raw>(`SELECT ${COLUMNS} FROM fault_rules WHERE tenant_id = $1 ORDER BY seq`, [tenantId])
  return rows.map(toRow)
}

export async function getRule(db: Queryable, tenantId: string, id: string): Promise<RuleRow | undefined> {
  const { rows } = await db.query<Raw>(`SELECT ${COLUMNS} FROM fault_rules WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
  return rows[0] ? toRow(rows[0]) : undefined
}

/** Deletes one rule (or, without an id, every rule of the tenant); how many went. */
export async function deleteRules(db: Queryable, tenantId: string, id?: string): Promise<number> {
  const result =
    id === undefined
      ? await db.query('DELETE FROM fault_rules WHERE tenant_id = $1', [tenantId])
      : await db.query('DELETE FROM fault_rules WHERE tenant_id = $1 AND id = $2', [tenantId, id])
  return result.rowCount ?? 0
}

/** The number that moves on whenever a rule is added or removed anywhere. */
export async function rulesVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ version: string }>('SELECT version FROM fault_rules_version')
  return String(rows[0]?.version ?? '0')
}

/** Every tenant's request rules that may still fire, in the order they were added. */
export async function liveRequestRules(db: Queryable): Promise<RuleRow[]> {
  const { rows } = await db.query<Raw>(
    `SELECT ${COLUMNS} FROM fault_rules WHERE kind = 'request' AND (times IS NULL OR fired < times) ORDER BY seq`,
  )
  return rows.map(toRow)
}

/** The tenant of an OAuth client, by its id. */
export async function tenantOfClient(db: Queryable, clientId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM oauth_clients WHERE client_id = $1 LIMIT 1', [clientId])
  return rows[0] ? String(rows[0].tenant_id) : undefined
}
