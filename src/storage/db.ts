// The one database interface every part of zjobs uses: node-postgres against either a
// PostgreSQL server (DATABASE_URL) or the embedded PGlite served by the wire bridge.
import pg from 'pg'
import type { Config } from '../config.ts'
import { startEmbeddedDatabase } from './embedded/index.ts'

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
}

export interface OpenOptions {
  /** Pool size; the embedded database serialises work anyway, so a few connections suffice. */
  maxConnections?: number
  /** Reuse a database another thread opened (its `connection`), instead of starting one. */
  connection?: pg.PoolConfig
  kind?: Db['kind']
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Db> {
  if (options.connection) {
    return wrap(options.kind ?? 'postgres', options.connection, options.maxConnections ?? 10, false, async () => {})
  }
  if (config.databaseUrl) {
    return wrap('postgres', { connectionString: config.databaseUrl }, options.maxConnections ?? 10, false, async () => {})
  }
  const embedded = await startEmbeddedDatabase(config.dataDir)
  return wrap('embedded', embedded.connection, options.maxConnections ?? 4, embedded.owner, embedded.stop)
}

function wrap(
  kind: Db['kind'],
  connection: pg.PoolConfig,
  max: number,
  exclusive: boolean,
  stop: () => Promise<void>,
): Db {
  const pool = new pg.Pool({ ...connection, max, idleTimeoutMillis: 30_000 })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  let closing: Promise<void> | undefined
  return {
    kind,
    exclusive,
    connection,
    pool,
    query: pool.query.bind(pool) as Db['query'],
    async transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await work(client)
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    close() {
      return (closing ??= pool.end().then(stop))
    },
  }
}
