// Job kinds that exist only in tests: they work through a scratch table, so a test can check
// in the database that every row was applied exactly once.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Db } from '../../src/storage/db.ts'
import { JobFailure, type JobKind } from '../../src/jobs/types.ts'

export interface RowsParams {
  table: string
  batch: number
  delayMs?: number
  /** Throw a transient error on these attempts. */
  failOnAttempts?: number[]
  /** Throw a permanent failure before the first batch. */
  failPermanently?: string
  /** Run this statement (in a transaction, rolled back) before the first batch: one that fails, to see how its error is taken. */
  failingStatement?: string
}

export interface RowsProgress {
  done?: number
  batches?: number
}

/** Processes a scratch table's rows in id order, adding 1 to `applied` of each, batch by batch. */
export function rowsKind(kind = 'test.rows', maxRunningPerTenant = 5, onStart?: (jobId: string) => void): JobKind<RowsParams, RowsProgress> {
  return {
    kind,
    maxRunningPerTenant,
    async run(context) {
      const { params } = context.job
      onStart?.(context.job.id)
      if (params.failPermanently) throw new JobFailure(params.failPermanently)
      if (params.failOnAttempts?.includes(context.job.attempts)) throw new Error(`transient failure on attempt ${context.job.attempts}`)
      if (params.failingStatement) await context.db.transaction((tx) => tx.query(params.failingStatement!))
      for (;;) {
        if (params.delayMs) await sleep(params.delayMs)
        let processed = 0
        const next = await context.commit(async (tx) => {
          const done = context.job.progress.done ?? 0
          const { rowCount } = await tx.query(
            `UPDATE ${params.table} SET applied = applied + 1, job_id = $3
             WHERE id > $1 AND id <= $1 + $2`,
            [done, params.batch, context.job.id],
          )
          processed = rowCount ?? 0
          return { done: done + processed, batches: (context.job.progress.batches ?? 0) + 1 }
        })
        if (next === 'stop') return { state: 'stopped', result: { done: context.job.progress.done } }
        if (next === 'cancel') return { state: 'cancelled' }
        if (processed === 0) return { state: 'completed', result: { done: context.job.progress.done } }
      }
    },
  }
}

/** A scratch table of `rows` rows numbered 1..rows, none applied yet. */
export async function scratchTable(db: Db, rows: number): Promise<string> {
  const table = `scratch_${randomBytes(5).toString('hex')}`
  await db.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, applied integer NOT NULL DEFAULT 0, job_id text)`)
  await db.query(`INSERT INTO ${table} (id) SELECT generate_series(1, $1)`, [rows])
  return table
}

export async function appliedCounts(db: Db, table: string): Promise<Record<number, number>> {
  const { rows } = await db.query<{ applied: number; n: number }>(
    `SELECT applied, count(*)::int AS n FROM ${table} GROUP BY applied ORDER BY applied`,
  )
  return Object.fromEntries(rows.map((row) => [row.applied, row.n]))
}
