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
      await db.query('DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) AND tenant_id <> ALL($2::bigint[])', [
        options.idempotencyTtlHours,
        kept,
      ])
    } catch (error) {
      logger.warn({ err: error }, 'maintenance failed; will retry')
    }
  }
  const timer = setInterval(run, options.intervalMs ?? 10 * 60_000)
  timer.unref()
  return { run, stop: () => clearInterval(timer) }
}
