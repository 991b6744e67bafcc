// The one way a process builds its job worker, for the job thread of `zjobs start` and for
// the inline workers of `zjobs worker` and tests: resume what the last run left running (when
// this process started the embedded database), open the handlers' dependencies, start.
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../storage/db.ts'
import { JobFaults } from './faults.ts'
import { jobKinds, openJobDeps } from './registry.ts'
import { releaseAllRunning } from './store.ts'
import type { JobKind } from './types.ts'
import { JobWorker } from './worker.ts'

export interface LocalWorker {
  worker: JobWorker
  /** Lets running jobs finish their batch (within `timeoutMs`), then closes what start opened. */
  stop(timeoutMs: number): Promise<void>
}

export interface LocalWorkerOptions {
  /** This process started the embedded database: the jobs marked running are its last run's. */
  exclusive: boolean
  /** The kinds to run instead of the registry's (tests). */
  kinds?: JobKind[]
}

export async function startLocalWorker(config: Config, db: Db, log: FastifyBaseLogger, options: LocalWorkerOptions): Promise<LocalWorker> {
  if (options.exclusive) {
    const released = await releaseAllRunning(db)
    if (released > 0) log.info({ released }, 'resuming jobs interrupted by the last shutdown')
  }
  const deps = await openJobDeps(config, db, log)
  const worker = new JobWorker({
    db,
    kinds: options.kinds ?? jobKinds(deps),
    concurrency: config.workerConcurrency,
    leaseSeconds: config.jobLeaseSeconds,
    pollMs: config.jobPollMs,
    log,
    faults: new JobFaults(db),
  })
  worker.start()
  return {
    worker,
    async stop(timeoutMs) {
      await worker.stop(timeoutMs)
      await deps.close()
    },
  }
}
