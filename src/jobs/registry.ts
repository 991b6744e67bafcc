// Every job kind zjobs runs, from the API families. Workers (in any thread or process)
// build their handlers from this one list.
import type { FastifyBaseLogger } from 'fastify'
import { publicBaseUrl, type Config } from '../config.ts'
import { openDatabase, type Db } from '../storage/db.ts'
import { openFileStore } from '../storage/files/store.ts'
import { seedJobKind } from '../billing/job.ts'
import { dataQueryKinds } from '../query/job.ts'
import { bulkJobKind } from '../objects/bulk/job.ts'
import { fileJobKind } from '../backfill/files/job.ts'
import { batchJobKinds } from '../backfill/batch/job.ts'
import type { FileStore } from '../storage/files/store.ts'
import type { JobDeps, JobKind } from './types.ts'

/** What the handlers need, opened for a worker on `db`; close() releases what it opened. */
export async function openJobDeps(config: Config, db: Db, log: FastifyBaseLogger): Promise<JobDeps & { close(): Promise<void> }> {
  const warehouseDb = config.warehouseDatabaseUrl
    ? await openDatabase({ ...config, databaseUrl: config.warehouseDatabaseUrl }, { maxConnections: config.workerConcurrency + 1 })
    : db
  const files = await openFileStore(db, config, () => publicBaseUrl(config))
  return {
    config,
    db,
    log,
    files,
    warehouseDb,
    close: async () => {
      if (warehouseDb !== db) await warehouseDb.close()
    },
  }
}

export function jobKinds(deps: JobDeps): JobKind[] {
  return [seedJobKind as JobKind, ...dataQueryKinds(deps), fileJobKind(deps) as JobKind, ...(batchJobKinds() as JobKind[]), bulkJobKind(deps) as JobKind]
}
