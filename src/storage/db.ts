// The one database interface every part of zjobs uses: node-postgres against either a
// PostgreSQL server (DATABASE_URL) or the embedded PGlite served by the wire bridge.
import pg from 'pg'
import type { Config } from '../config.ts'
import { startEmbeddedDatabase } from './embedded/index.ts'
import { startMaintenance } from './embedded/maintenance.ts'

export type Queryable = Pick<pg.PoolClient, 'query'>

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'postgres'
  /** True in the process that owns the embedded database: no other process can run jobs on it. */
  readonly exclusive: boolean
  /** Connection settings another thread can use to open its own pool on the same database. */
  readonly connection: pg.PoolConfig
  readonly pool: pg.Pool
  transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T>
  close(): Promise<void>
  /**
   * Embedded only: abort everything the database is executing (a runaway query), by
   * restarting it. PostgreSQL servers bound statements with statement_timeout instead.
   */
  interrupt?(): Promise<void>
}

export interface OpenOptions {
  /** Pool size; the embedded database serialises work anyway, so a few connections suffice. */
  maxConnections?: number
  /** Reuse a database another thread opened (its `connection`), instead of starting one. */
  connection?: pg.PoolConfig
  kind?: Db['kind']
  /** How often the embedded database's owner vacuums and analyzes the tables that need it (default 10 s). */
  maintenanceMs?: number
  /** With `connection` to an embedded database: how this thread asks its owner to interrupt it. */
  interrupt?: () => Promise<void>
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Db> {
  if (options.connection) {
    return wrap(options.kind ?? 'postgres', options.connection, options.maxConnections ?? 10, false, async () => {}, options.interrupt)
  }
  if (config.databaseUrl) {
    return wrap('postgres', { connectionString: config.databaseUrl }, options.maxConnections ?? 10, false, async () => {})
  }
  const embedded = await startEmbeddedDatabase(config.dataDir)
  let stopMaintenance = () => {}
  const stop = async () => {
    stopMaintenance()
    await embedded.stop()
  }
  const db = wrap('embedded', embedded.connection, options.maxConnections ?? 4, embedded.owner, stop, embedded.restart)
  // The owner of the embedded database does autovacuum's work (PGlite has none).
  stopMaintenance = startMaintenance(db, options.maintenanceMs)
  return db
}

const CONNECTION_LOST = /Connection terminated|ECONNREFUSED|ENOENT|ECONNRESET|EPIPE|not queryable/

function isConnectionLost(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string }
  return CONNECTION_LOST.test(`${code ?? ''} ${message ?? ''}`)
}

/**
 * Retries `work` for a while when the connection is lost: on the embedded database that
 * means it is restarting, and its transactions were rolled back, so running again is safe.
 */
async function retryWhileRestarting<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= 100 || !isConnectionLost(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function wrap(
  kind: Db['kind'],
  connection: pg.PoolConfig,
  max: number,
  exclusive: boolean,
  stop: () => Promise<void>,
  interrupt?: () => Promise<void>,
): Db {
  const pool = new pg.Pool({ ...connection, max, idleTimeoutMillis: 30_000 })
  // A client losing its connection must not crash the process: an idle one is replaced by
  // the pool, a busy one's query fails with the error (an 'error' event with no listener
  // would be thrown).
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  let closing: Promise<void> | undefined
  // While an embedded database restarts (interrupt), connections fail; they are retried.
  const retrying = kind === 'embedded' ? retryWhileRestarting : <T>(work: () => Promise<T>) => work()
  return {
    kind,
    exclusive,
    connection,
    pool,
    interrupt,
    query: ((...args: Parameters<pg.Pool['query']>) => retrying(() => (pool.query as (...a: unknown[]) => Promise<unknown>)(...args))) as Db['query'],
    transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
      return retrying(async () => {
        const client = await pool.connect()
        let broken: Error | undefined
        try {
          await client.query('BEGIN')
          const result = await work(client)
          await client.query('COMMIT')
          return result
        } catch (error) {
          broken = isConnectionLost(error) ? (error as Error) : undefined
          await client.query('ROLLBACK').catch(() => {})
          throw error
        } finally {
          client.release(broken)
        }
      })
    },
    close() {
      return (closing ??= pool.end().then(stop))
    },
  }
}
