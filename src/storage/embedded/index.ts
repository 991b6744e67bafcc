// Starts the embedded database for a data folder, or attaches to the one another zjobs
// process already serves from it (a CLI command beside a running server), so two
// processes never open the same PGlite files.
import { createHash } from 'node:crypto'
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { PoolConfig } from 'pg'

export interface EmbeddedDatabase {
  /** How any thread or process reaches the database with node-postgres. */
  connection: PoolConfig
  /** True when this process started the database (and must stop it). */
  owner: boolean
  stop(): Promise<void>
  /**
   * Kills whatever the database is executing by restarting its thread (PGlite cannot cancel
   * a statement). Every open connection is dropped; the data, on disk, is recovered on
   * reopening. Only the owner can.
   */
  restart?(): Promise<void>
}

interface LockFile {
  pid: number
  socketDir: string
}

// Unix socket paths are limited to ~107 bytes; deep data folders get a socket in tmp.
const MAX_SOCKET_PATH = 100
const SOCKET_NAME = '.s.PGSQL.5432'

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true })
  const lockPath = join(dataDir, 'embedded.lock')
  const running = await findRunning(lockPath)
  if (running) return { connection: poolConfig(running.socketDir), owner: false, stop: async () => {} }

  const lockFd = openSync(lockPath, 'wx')
  const socketDir = chooseSocketDir(dataDir)
  writeFileSync(lockFd, JSON.stringify({ pid: process.pid, socketDir } satisfies LockFile))
  closeSync(lockFd)
  const workerData = { pgdataDir: join(dataDir, 'pgdata'), socketPath: join(socketDir, SOCKET_NAME) }
  try {
    let worker = await startThread(workerData)
    let stopping: Promise<void> | undefined
    const stop = () =>
      (stopping ??= new Promise<void>((resolve) => {
        worker.on('message', (message: { type: string }) => {
          if (message.type === 'stopped') resolve()
        })
        worker.once('exit', () => resolve())
        worker.postMessage({ type: 'stop' })
      }).then(async () => {
        await worker.terminate()
        rmSync(lockPath, { force: true })
      }))
    let restarting: Promise<void> | undefined
    const restart = () =>
      (restarting ??= (async () => {
        await worker.terminate()
        worker = await startThread(workerData)
      })().finally(() => (restarting = undefined)))
    return { connection: poolConfig(socketDir), owner: true, stop, restart }
  } catch (error) {
    rmSync(lockPath, { force: true })
    throw error
  }
}

async function startThread(workerData: { pgdataDir: string; socketPath: string }): Promise<Worker> {
  const worker = new Worker(new URL('./thread.ts', import.meta.url), { workerData })
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'ready') resolve()
      if (message.type === 'failed') reject(new Error(`embedded database failed to start: ${message.message}`))
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`embedded database thread exited with code ${code}`)))
  })
  return worker
}

function poolConfig(socketDir: string): PoolConfig {
  return { host: socketDir, port: 5432, user: 'postgres', database: 'postgres' }
}

function chooseSocketDir(dataDir: string): string {
  if (join(dataDir, SOCKET_NAME).length <= MAX_SOCKET_PATH) return dataDir
  const dir = join(tmpdir(), `zjobs-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return dir
}

/** The lock of a live process whose socket answers, or undefined (a stale lock is removed). */
async function findRunning(lockPath: string): Promise<LockFile | undefined> {
  let lock: LockFile
  try {
    lock = JSON.parse(readFileSync(lockPath, 'utf8')) as LockFile
  } catch {
    rmSync(lockPath, { force: true })
    return undefined
  }
  if (lock.pid !== process.pid && isAlive(lock.pid) && (await answers(join(lock.socketDir, SOCKET_NAME)))) {
    return lock
  }
  rmSync(lockPath, { force: true })
  return undefined
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
    const socket = connect(socketPath)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
