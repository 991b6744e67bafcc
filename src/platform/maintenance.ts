// Periodic clean-up of rows that only matter for a while: expired tokens, old idempotency keys.
import type { Logger } from 'pino'
import type { Db } from '../storage/db.ts'

export function startMaintenance(db: Db, logger: Logger, options: { idempotencyTtlHours: number; intervalMs?: number }) {
  const run = async () => {
    try {
      await db.query(`DELETE FROM oauth_tokens WHERE expires_at < now() - interval '1 hour'`)
      await db.query('DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)', [
        options.idempotencyTtlHours,
      ])
    } catch (error) {
      logger.warn({ err: error }, 'maintenance failed; will retry')
    }
  }
  const timer = setInterval(run, options.intervalMs ?? 10 * 60_000)
  timer.unref()
  return { run, stop: () => clearInterval(timer) }
}
