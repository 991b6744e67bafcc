// Worker-thread entry for `zjobs start`: the job workers run here, away from the thread
// that serves HTTP, on their own database pool.
import type { PoolConfig } from 'pg'
import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../config.ts'
import { createLogger } from '../log.ts'
import { openDatabase, type Db } from '../storage/db.ts'
import { jobKinds, openJobDeps } from './registry.ts'
import { releaseAllRunning } from './store.ts'
import { JobWorker } from './worker.ts'

interface ThreadData {
  config: Config
  connection: PoolConfig
  databaseKind: Db['kind']
  /** This process owns the embedded database: no other process runs jobs on it. */
  exclusive: boolean
  /** The parent can interrupt the database (it owns an embedded one). */
  interruptible: boolean
}

const { config, connection, databaseKind, exclusive, interruptible } = workerData as ThreadData
const port = parentPort!

let interruptions = 0
const pendingInterrupts = new Map<number, () => void>()
function interruptDatabase(): Promise<void> {
  const id = ++interruptions
  return new Promise((resolve) => {
    pendingInterrupts.set(id, resolve)
    port.postMessage({ type: 'interrupt-database', id })
  })
}
const log = createLogger(config).child({ thread: 'jobs' })

try {
  const db = await openDatabase(config, {
    connection,
    kind: databaseKind,
    maxConnections: config.workerConcurrency + 2,
    // The thread that owns the embedded database restarts it on request.
    interrupt: interruptible ? () => interruptDatabase() : undefined,
  })
  if (exclusive) {
    const released = await releaseAllRunning(db)
    if (released > 0) log.info({ released }, 'resuming jobs interrupted by the last shutdown')
  }
  const deps = await openJobDeps(config, db, log)
  const worker = new JobWorker({
    db,
    kinds: jobKinds(deps),
    concurrency: config.workerConcurrency,
    leaseSeconds: config.jobLeaseSeconds,
    pollMs: config.jobPollMs,
    log,
  })
  worker.start()
  port.on('message', async (message: { type: string; timeoutMs?: number; id?: number }) => {
    if (message.type === 'wake') worker.wake()
    if (message.type === 'database-interrupted') {
      pendingInterrupts.get(message.id!)?.()
      pendingInterrupts.delete(message.id!)
    }
    if (message.type === 'stop') {
      await worker.stop(message.timeoutMs ?? config.shutdownTimeoutMs)
      await deps.close()
      await db.close()
      port.postMessage({ type: 'stopped' })
    }
  })
  port.postMessage({ type: 'ready' })
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
}
