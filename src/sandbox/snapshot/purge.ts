// What a reset leaves to be deleted after it, deleted in the background: the records of the
// definitions it deleted (in batches, each its own short transaction) and the blobs of the files
// it deleted. Every API process runs one; two at once only delete the same rows twice.
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../storage/db.ts'
import type { FileStore } from '../../storage/files/store.ts'
import { deletePurges, deleteStrayFiles, purgeRecords, queuedPurges } from './store.ts'

/** Records deleted per statement: a few tens of milliseconds each, so other writers never wait long. */
const RECORDS_PER_BATCH = 5000
const PURGES_PER_ROUND = 100

export class Purger {
  readonly #db: Db
  readonly #files: FileStore
  readonly #log: FastifyBaseLogger
  #running: Promise<void> | undefined
  #again = false
  #stopped = false
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor(db: Db, files: FileStore, log: FastifyBaseLogger) {
    this.#db = db
    this.#files = files
    this.#log = log
  }

  /** Purges what is queued now (and what a crash left queued), in the background. */
  kick(): void {
    if (this.#stopped) return
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = this.#drain()
      .catch((error) => this.#log.warn({ err: error }, 'purging after a reset failed; will retry at the next reset or start'))
      .finally(() => {
        this.#running = undefined
        if (this.#again) {
          this.#again = false
          this.kick()
        }
      })
  }

  /**
   * Deletes the tenant's files whose job is gone, now and again after `afterMs`: a worker that
   * was writing a result when a reset deleted its job stores it before it notices (at its next
   * lease renewal at the latest).
   */
  sweepStrays(tenantId: string, afterMs: number): void {
    const sweep = () =>
      deleteStrayFiles(this.#db, tenantId)
        .then((keys) => this.#files.removeBlobs(keys))
        .catch((error) => this.#log.warn({ err: error, tenantId }, 'deleting stray files after a reset failed'))
    void sweep()
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      void sweep()
    }, afterMs)
    timer.unref()
    this.#timers.add(timer)
  }

  /** Waits for the purge under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running
  }

  async stop(): Promise<void> {
    this.#stopped = true
    for (const timer of this.#timers) clearTimeout(timer)
    await this.#running
  }

  async #drain(): Promise<void> {
    for (;;) {
      const purges = await queuedPurges(this.#db, PURGES_PER_ROUND)
      if (purges.length === 0) return
      for (const purge of purges) {
        if (this.#stopped) return
        if (purge.definitionId) {
          while ((await purgeRecords(this.#db, purge.tenantId, purge.definitionId, RECORDS_PER_BATCH)) > 0) {
            if (this.#stopped) return
          }
        } else if (purge.storageKey) {
          await this.#files.removeBlobs([purge.storageKey])
        }
        await deletePurges(this.#db, [purge.id])
      }
    }
  }
}
