// Job and row faults (issue 15): the sandbox's rules of kind `job` (a job fails, or fails
// transiently K times first) and `rows` (rows of a file refused), as the engine applies them.
// At a job's first attempt the tenant's rules for its kind are drawn (each firing counted on
// its rule, exactly, across processes) and the ones that fired are kept with the job
// (job_faults): a retried or resumed job meets the same faults. Each attempt then fails as
// they say before its handler runs (nothing written), or hands the handler the rows to refuse.
// The rules themselves are the sandbox's (src/sandbox/faults/); this module knows their
// stored shape only.
import type { Queryable } from '../storage/db.ts'
import { JobFailure, type Job, type RowFault } from './types.ts'


/** What the faults of a job say to one attempt that may run. */
export interface AttemptFaults {
  /** The fault refusing row `row` of the job's file (its number as the family reports it), if any. */
  rowFault(row: number): RowFault | undefined
}

/** The engine's view of the fault rules: consulted before each attempt of a job. */
export interface JobFaultSource {
  /** Throws the failure a fault decides for this attempt; otherwise the rows to refuse, if any. */
  forAttempt(job: Pick<Job, 'tenantId' | 'id' | 'kind' | 'attempts'>): Promise<AttemptFaults | undefined>
}

/** A transient failure a fault forces: the engine retries the job as after any transient failure. */
export class TransientFault extends Error {}

/** The rules' stored shapes (src/sandbox/faults/input.ts writes them). */
export interface JobEffect {
  type: string
  kinds: string[]
  fail?: { errorMessage: string }
  transientFailures?: number
}
export interface RowsEffect {
  type: string
  kinds: string[]
  rowNumbers?: number[]
  fraction?: number
  seed?: number
  code: number | null
  message: string
}
export interface Chance {
  probability?: number
  seed?: number
}

/** A 32-bit mix (murmur3's finaliser). */
function mix(value: number): number {
  let h = value >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The n-th number (n >= 1) of seed's sequence, in [0, 1): the same on every run and every process. */
export function draw(seed: number, n: number): number {
  let h = mix((seed | 0) ^ 0x6a09e667)
  h = mix(h ^ (n >>> 0))
  h = mix(h ^ Math.floor(n / 2 ** 32))
  return h / 2 ** 32
}

/**
 * Counts a match of rule `ruleId` and says whether it fires: always, or with its probability
 * (the match's number drawn from its seed); never past `times` firings. Undefined: the rule is
 * gone or used up. Each count is one statement, so concurrent calls fire exactly `times` times.
 */
export async function claimFiring(db: Queryable, tenantId: string, ruleId: string, chance: Chance): Promise<{ fired: boolean; match: number } | undefined> {
  const usable = 'tenant_id = $1 AND id = $2 AND (times IS NULL OR fired < times)'
  if (chance.probability === undefined) {
    const { rows } = await db.query<{ matched: string }>(
      `UPDATE fault_rules SET matched = matched + 1, fired = fired + 1 WHERE ${usable} RETURNING matched`,
      [tenantId, ruleId],
    )
    return rows[0] ? { fired: true, match: Number(rows[0].matched) } : undefined
  }
  const { rows } = await db.query<{ matched: string }>(`UPDATE fault_rules SET matched = matched + 1 WHERE ${usable} RETURNING matched`, [tenantId, ruleId])
  if (!rows[0]) return undefined
  const match = Number(rows[0].matched)
  if (draw(chance.seed ?? 0, match) >= chance.probability) return { fired: false, match }
  const fired = await db.query(`UPDATE fault_rules SET fired = fired + 1 WHERE ${usable}`, [tenantId, ruleId])
  return { fired: fired.rowCount === 1, match }
}

interface Row {
  id: string
  effect: JobEffect | RowsEffect | null
  transient_left: number | null
  rule: ({ job?: JobEffect; rows?: RowsEffect } & Chance) | null
}

export class JobFaults implements JobFaultSource {
  readonly #db: Queryable

  constructor(db: Queryable) {
    this.#db = db
  }

  async forAttempt(job: Pick<Job, 'tenantId' | 'id' | 'kind' | 'attempts'>): Promise<AttemptFaults | undefined> {
    const db = this.#db
    // One indexed read per attempt: the job's faults, and on its first attempt the rules to draw.
    const { rows } = await db.query<Row>(
      `SELECT rule_id AS id, effect, transient_left, NULL::jsonb AS rule, 0::bigint AS seq FROM job_faults WHERE tenant_id = $1 AND job_id = $2
       UNION ALL
       SELECT id, NULL, NULL, rule, seq FROM fault_rules
       WHERE $3 AND tenant_id = $1 AND kind IN ('job', 'rows') AND (times IS NULL OR fired < times) AND rule->kind->'kinds' ? $4
       ORDER BY seq`,
      [job.tenantId, job.id, job.attempts <= 1, job.kind],
    )
    if (rows.length === 0) return undefined
    const bound = rows.filter((row) => row.rule === null)
    for (const row of rows) {
      if (!row.rule || bound.some((known) => known.id === row.id)) continue
      const effect = row.rule.job ?? row.rule.rows!
      const claim = await claimFiring(db, job.tenantId, row.id, row.rule)
      if (!claim?.fired) continue
      const transient = row.rule.job?.transientFailures ?? 0
      await db.query(
        `INSERT INTO job_faults (tenant_id, job_id, rule_id, effect, transient_left) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [job.tenantId, job.id, row.id, effect, transient],
      )
      bound.push({ id: row.id, effect, transient_left: transient, rule: null })
    }
    const rowFaults: { id: string; effect: RowsEffect }[] = []
    for (const fault of bound) {
      const effect = fault.effect!
      if ('fail' in effect && effect.fail) throw new JobFailure(effect.fail.errorMessage)
      if ('transientFailures' in effect && effect.transientFailures) {
        const left = await db.query(
          'UPDATE job_faults SET transient_left = transient_left - 1 WHERE tenant_id = $1 AND job_id = $2 AND rule_id = $3 AND transient_left > 0',
          [job.tenantId, job.id, fault.id],
        )
        if (left.rowCount === 1) throw new TransientFault(`A transient failure forced by sandbox fault rule ${fault.id}`)
      }
      if ('message' in effect) rowFaults.push({ id: fault.id, effect })
    }
    if (rowFaults.length === 0) return undefined
    const sets = rowFaults.map(({ id, effect }) => ({ id, effect, numbers: effect.rowNumbers ? new Set(effect.rowNumbers) : undefined }))
    return {
      rowFault(row) {
        for (const { id, effect, numbers } of sets) {
          const hit = numbers ? numbers.has(row) : draw(effect.seed ?? 0, row) < (effect.fraction ?? 0)
          if (hit) return { ruleId: id, code: effect.code, message: effect.message }
        }
        return undefined
      },
    }
  }
}
