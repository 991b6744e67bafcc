// The one database interface every part of zjobs uses: node-postgres against a PostgreSQL
// server, either the one at DATABASE_URL or the embedded one zjobs runs from the data folder.
import { createHash } from 'node:crypto'
import { setPriority } from 'node:os'
import pg from 'pg'
import type { Config } from '../config.ts'
import { startEmbeddedDatabase } from './embedded/server.ts'
import { listMigrations, migrate } from './migrate.ts'

export type Queryable = Pick<pg.PoolClient, 'query'>

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'postgres'
  /**
   * True in the process that started the embedded server: no other process held a job on it
   * before, so the jobs marked running are this folder's last run's, to be resumed.
   */
  readonly exclusive: boolean
  /** Connection settings another thread can use to open its own pool on the same database. */
  readonly connection: pg.PoolConfig
  readonly pool: pg.Pool
  transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface OpenOptions {
  /** Pool size (default 10). */
  maxConnections?: number
  /** Reuse a database another thread opened (its `connection`), instead of starting one. */
  connection?: pg.PoolConfig
  kind?: Db['kind']
  /** Told of each step of opening that takes a while (creating the embedded template). */
  onStep?(message: string): void
  /**
   * Embedded only: the CPU niceness of this pool's server processes (the job workers' pool:
   * a tenant's heavy query yields the CPU to every tenant's requests). Has no effect on a
   * server elsewhere.
   */
  niceness?: number
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Db> {
  const max = options.maxConnections ?? 10
  if (options.connection) {
    const db = wrap(options.kind ?? 'postgres', options.connection, max, false, async () => {})
    if (db.kind === 'embedded' && options.niceness) reniceConnections(db.pool, options.niceness)
    return db
  }
  if (config.databaseUrl) return wrap('postgres', { connectionString: config.databaseUrl }, max, false, async () => {})
  const embedded = await startEmbeddedDatabase({
    dataDir: config.dataDir,
    cacheDir: config.cacheDir,
    templateKey: migrationsKey(),
    onStep: options.onStep,
    async prepare(connection) {
      const template = wrap('embedded', connection, 1, true, async () => {})
      try {
        await migrate(template)
      } finally {
        await template.close()
      }
    },
  })
  return wrap('embedded', embedded.connection, max, embedded.owner, () => embedded.stop())
}

/** Each new connection's server process gets `niceness` (the embedded server runs on this machine). */
function reniceConnections(pool: pg.Pool, niceness: number): void {
  pool.on('connect', (client) => {
    // The server process's id, as the server announced it at connection (BackendKeyData).
    const pid = (client as unknown as { processID?: number }).processID
    try {
      if (pid) setPriority(pid, niceness)
    } catch {
      // Not permitted here (another user's server): the work runs at normal priority.
    }
  })
}

function migrationsKey(): string {
  const hash = createHash('sha256')
  for (const migration of listMigrations()) hash.update(migration.sql)
  return hash.digest('hex')
}

function isConnectionLost(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string }
  return /^(08|57P)/.test(code ?? '') || /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|not queryable/.test(message ?? '')
}

function wrap(kind: Db['kind'], connection: pg.PoolConfig, max: number, exclusive: boolean, stop: () => Promise<void>): Db {
  const pool = new pg.Pool({ ...connection, max, idleTimeoutMillis: 30_000 })
  // A client losing its connection must not crash the process: an idle one is replaced by
  // the pool, a busy one's query fails with the error (an 'error' event with no listener
  // would be thrown).
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  let closing: Promise<void> | undefined
  return {
    kind,
    exclusive,
    connection,
    pool,
    query: pool.query.bind(pool) as Db['query'],
    async transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
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
    },
    close() {
      return (closing ??= pool.end().then(stop))
    },
  }
}
