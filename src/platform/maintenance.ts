// Periodic clean-up of rows that only matter for a while: expired tokens, old idempotency keys.
// Tenants whose clock is not real time keep theirs: they expire on that clock (a frozen
// tenant's token lives as long as its clock stands), and go with their tenant.
import type { Logger } from 'pino'
import type { Db } from '../storage/db.ts'
import { REAL_TIME, type ClockSource } from './clock.ts'

export function startMaintenance(
  db: Db,
  logger: Logger,
  options: { idempotencyTtlHours: number; intervalMs?: number; clocks?: ClockSource },
) {
  const run = async () => {
    try {
      const kept = [...(await (options.clocks ?? REAL_TIME).offClocks()).keys()]
      await db.query(`DELETE FROM oauth_tokens WHERE expires_at < now() - interval '1 hour' AND tenant_id <> ALL($1::bigint[])`, [kept])
      // An expired key no longer names the job it submitted.
      await db.query(
        `WITH gone AS (
           DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) AND tenant_id <> ALL($2::bigint[])
           RETURNING tenant_id, idem_key
         )
         UPDATE jobs SET idempotency_key = NULL FROM gone WHERE jobs.tenant_id = gone.tenant_id AND jobs.idempotency_key = gone.idem_key`,
        [options.idempotencyTtlHours, kept],
      )
    } catch (error) {
      logger.warn({ err: error }, 'maintenance failed; will retry')
    }
  }
  const timer = setInterval(run, options.intervalMs ?? 10 * 60_000)
  timer.unref()
  return { run, stop: () => clearInterval(timer) }
}
