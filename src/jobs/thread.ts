// Worker-thread entry for `zjobs start`: the job workers run here, away from the thread
// that serves HTTP, on their own database pool.
import type { PoolConfig } from 'pg'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../config.ts'
import { createLogger } from '../log.ts'
import { openDatabase, type Db } from '../storage/db.ts'
import { startLocalWorker } from './local-worker.ts'

interface ThreadData {
  config: Config
  connection: PoolConfig
  databaseKind: Db['kind']
  /** This process started the embedded database: the jobs marked running are its last run's. */
  exclusive: boolean
}

const { config, connection, databaseKind, exclusive } = workerData as ThreadData
const port = parentPort!
const log = createLogger(config).child({ thread: 'jobs' })

// Job work yields the CPU to requests: this thread (on Linux, niceness is per thread) and its
// connections' processes on the embedded server run at a lower priority than the API, so one
// tenant's bulk job or runaway query leaves every tenant's reads answered at speed.
const JOB_NICENESS = 10
if (process.platform === 'linux') {
  try {
    setPriority(JOB_NICENESS)
  } catch {
    // Not permitted: the jobs run at normal priority.
  }
}

try {
  const db = await openDatabase(config, {
    connection,
    kind: databaseKind,
    maxConnections: config.workerConcurrency + 2,
    niceness: JOB_NICENESS,
  })
  const local = await startLocalWorker(config, db, log, { exclusive })
  port.on('message', async (message: { type: string; timeoutMs?: number }) => {
    if (message.type === 'wake') local.worker.wake()
    if (message.type === 'stop') {
      await local.stop(message.timeoutMs ?? config.shutdownTimeoutMs)
      await db.close()
      port.postMessage({ type: 'stopped' })
    }
  })
  port.postMessage({ type: 'ready' })
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
}
