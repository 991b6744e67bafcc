// Every SQL statement of job pacing (src/jobs/lifecycle.ts): tenants' lifecycle policies, paced
// jobs' lifecycle rows, and holding or releasing a job's work through its run_after.
import type { Queryable } from '../storage/db.ts'
import type { Pacing, Policy } from './lifecycle.ts'

interface PacingRow {
  job_id: string
  policy: Policy
  stage: number | null
  reads: number
  since: Date | null
  release_at: Date | null
}

const toPacing = (row: PacingRow): Pacing => ({
  policy: row.policy,
  stage: row.stage,
  reads: row.reads,
  since: row.since?.getTime() ?? null,
  releaseAt: row.release_at?.getTime() ?? null,
})

const ms = (value: number | null) => (value === null ? null : new Date(value))

/** The tenant's policies by job type (types without a row are immediate). */
export async function tenantPolicies(db: Queryable, tenantId: string): Promise<Map<string, Policy>> {
  const { rows } = await db.query<{ job_type: string; policy: Policy }>(
    'SELECT job_type, policy FROM lifecycle_policies WHERE tenant_id = $1 ORDER BY job_type',
    [tenantId],
  )
  return new Map(rows.map((row) => [row.job_type, row.policy]))
}

/** Replaces the tenant's policies: the types given (immediate ones are not stored), none other. Run it in a transaction. */
export async function replaceTenantPolicies(db: Queryable, tenantId: string, policies: Map<string, Policy>): Promise<void> {
  await db.query('DELETE FROM lifecycle_policies WHERE tenant_id = $1', [tenantId])
  const paced = [...policies].filter(([, policy]) => policy.progression !== 'immediate')
  if (paced.length === 0) return
  await db.query(
    `INSERT INTO lifecycle_policies (tenant_id, job_type, policy)
     SELECT $1, t.job_type, t.policy FROM unnest($2::text[], $3::jsonb[]) AS t (job_type, policy)`,
    [tenantId, paced.map(([type]) => type), paced.map(([, policy]) => JSON.stringify(policy))],
  )
}

/** Whether any job of the tenant may be paced: it has a policy, or a paced job. */
export async function tenantIsPaced(db: Queryable, tenantId: string): Promise<boolean> {
  const { rows } = await db.query<{ paced: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM lifecycle_policies WHERE tenant_id = $1)
       OR EXISTS (SELECT 1 FROM job_lifecycles WHERE tenant_id = $1) AS paced`,
    [tenantId],
  )
  return rows[0].paced
}

/** The pacing of those of the jobs that are paced. `lock`: FOR UPDATE, in a transaction that already locked their job rows. */
export async function pacingOf(db: Queryable, tenantId: string, jobIds: string[], lock = false): Promise<Map<string, Pacing>> {
  const { rows } = await db.query<PacingRow>(
    `SELECT job_id, policy, stage, reads, since, release_at FROM job_lifecycles
     WHERE tenant_id = $1 AND job_id = ANY($2::text[]) ORDER BY job_id${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, jobIds],
  )
  return new Map(rows.map((row) => [row.job_id, toPacing(row)]))
}

/** Writes jobs' pacing (new or changed). */
export async function savePacing(db: Queryable, tenantId: string, entries: [string, Pacing][]): Promise<void> {
  if (entries.length === 0) return
  await db.query(
    `INSERT INTO job_lifecycles (tenant_id, job_id, policy, stage, reads, since, release_at)
     SELECT $1, * FROM unnest($2::text[], $3::jsonb[], $4::smallint[], $5::int[], $6::timestamptz[], $7::timestamptz[])
     ON CONFLICT (tenant_id, job_id) DO UPDATE SET policy = EXCLUDED.policy, stage = EXCLUDED.stage, reads = EXCLUDED.reads,
       since = EXCLUDED.since, release_at = EXCLUDED.release_at`,
    [
      tenantId,
      entries.map(([id]) => id),
      entries.map(([, pacing]) => JSON.stringify(pacing.policy)),
      entries.map(([, pacing]) => pacing.stage),
      entries.map(([, pacing]) => pacing.reads),
      entries.map(([, pacing]) => ms(pacing.since)),
      entries.map(([, pacing]) => ms(pacing.releaseAt)),
    ],
  )
}

/** A job no longer paced (its policy set to immediate). */
export async function deletePacing(db: Queryable, tenantId: string, jobId: string): Promise<void> {
  await db.query('DELETE FROM job_lifecycles WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId])
}

/**
 * When queued jobs' work may be claimed (real epoch ms; null: held until something moves
 * them). Jobs no longer queued are left alone.
 */
export async function setRunAfter(db: Queryable, tenantId: string, entries: [string, number | null][]): Promise<void> {
  if (entries.length === 0) return
  await db.query(
    `UPDATE jobs j SET run_after = coalesce(t.run_after, 'infinity')
     FROM unnest($2::text[], $3::timestamptz[]) AS t (id, run_after)
     WHERE j.tenant_id = $1 AND j.id = t.id AND j.state = 'queued'`,
    [tenantId, entries.map(([id]) => id), entries.map(([, at]) => ms(at))],
  )
}

/** The tenant's held jobs paced by time: their release moves with the tenant's clock. */
export async function heldTimedJobs(db: Queryable, tenantId: string): Promise<Map<string, Pacing>> {
  const { rows } = await db.query<PacingRow>(
    `SELECT l.job_id, l.policy, l.stage, l.reads, l.since, l.release_at FROM job_lifecycles l
     JOIN jobs j ON j.tenant_id = l.tenant_id AND j.id = l.job_id
     WHERE l.tenant_id = $1 AND j.state = 'queued' AND l.policy ->> 'progression' = 'time' AND l.stage IS NOT NULL`,
    [tenantId],
  )
  return new Map(rows.map((row) => [row.job_id, toPacing(row)]))
}
