// Where the job workers run: in a worker thread beside the API (`zjobs start`), in the
// calling thread (`zjobs worker`, tests), or nowhere (an API-only process).
import type { FastifyBaseLogger } from 'fastify'
import { Worker } from 'node:worker_threads'
import type { Config } from '../config.ts'
import type { Db } from '../storage/db.ts'
import { notifyWorkers } from './store.ts'
import type { JobKind, JobSignals } from './types.ts'

/** The job thread's young generation (V8's new space), in MB. */
const JOB_THREAD_YOUNG_GENERATION_MB = 16

export interface JobRunner extends JobSignals {
  stop(timeoutMs: number): Promise<void>
}

export type WorkerMode = 'thread' | 'inline' | 'none'

export interface RunnerOptions {
  mode: WorkerMode
  /** Inline mode only: the kinds to run instead of the registry's (tests). */
  kinds?: JobKind[]
}

export async function startJobRunner(config: Config, db: Db, log: FastifyBaseLogger, options: RunnerOptions): Promise<JobRunner> {
  const notifyOthers = () => {
    // Workers in other processes hear of new work through NOTIFY.
    notifyWorkers(db).catch(() => {})
  }
  if (options.mode === 'none' || config.workerConcurrency === 0) {
    return { wake: notifyOthers, stop: async () => {} }
  }
  if (options.mode === 'inline') {
    // Loaded here: a process whose jobs run in the thread does not load the job kinds for it.
    const { startLocalWorker } = await import('./local-worker.ts')
    const local = await startLocalWorker(config, db, log.child({ thread: 'jobs' }), { exclusive: db.exclusive, kinds: options.kinds })
    return {
      wake: () => {
        local.worker.wake()
        notifyOthers()
      },
      stop: (timeoutMs) => local.stop(timeoutMs),
    }
  }
  const thread = new Worker(new URL('./thread.ts', import.meta.url), {
    workerData: { config, connection: db.connection, databaseKind: db.kind, exclusive: db.exclusive },
    // Jobs stream: their garbage is short-lived. Left alone, V8 grows the young generation to
    // 128 MB under a bulk job's allocation rate, all of it resident; at 16 MB a 15 MB bulk
    // create peaked ~100 MB lower in the same time (docs/decisions.md, "Job thread memory").
    resourceLimits: { maxYoungGenerationSizeMb: JOB_THREAD_YOUNG_GENERATION_MB },
  })
  // Without its workers a process would accept jobs and never run them: fail loudly instead.
  thread.on('error', (error) => {
    log.fatal({ err: error }, 'the job workers failed; stopping')
    process.exit(1)
  })
  await new Promise<void>((resolve, reject) => {
    thread.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'ready') resolve()
      if (message.type === 'failed') reject(new Error(`job workers failed to start: ${message.message}`))
    })
    thread.once('error', reject)
  })
  let stopping: Promise<void> | undefined
  return {
    wake: () => {
      thread.postMessage({ type: 'wake' })
      notifyOthers()
    },
    stop: (timeoutMs) =>
      (stopping ??= new Promise<void>((resolve) => {
        thread.on('message', (message: { type: string }) => {
          if (message.type === 'stopped') resolve()
        })
        thread.once('exit', () => resolve())
        thread.postMessage({ type: 'stop', timeoutMs })
      }).then(() => thread.terminate().then(() => {}))),
  }
}
