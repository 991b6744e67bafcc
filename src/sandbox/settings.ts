// What the sandbox plane has set for each tenant, as every request reads it: its clock and
// whether any of its jobs may be paced. Cached per process so that a tenant that never used
// the sandbox costs a map lookup per request: an entry is read from the database at a tenant's
// first request, read again in the background once it is a second old, and dropped at once
// when this process changes it (another API process sees a change within about a second).
import { loadClock, loadOffClocks, type TenantClock } from '../platform/clock.ts'
import { tenantIsPaced } from '../jobs/lifecycle-store.ts'
import type { PacingSource } from '../jobs/pacing.ts'
import type { Db } from '../storage/db.ts'

/** How long an entry is used as it is; after that it is used while it is read again. */
const FRESH_MS = 1000
/** Tenants kept; the oldest entry goes when there are more. */
const MAX_ENTRIES = 10_000

interface Entry {
  clock: TenantClock
  paced: boolean
  loadedAt: number
  reloading?: boolean
}

export class SandboxSettings implements PacingSource {
  readonly #db: Db
  readonly #entries = new Map<string, Entry>()
  readonly #loading = new Map<string, Promise<Entry>>()

  constructor(db: Db) {
    this.#db = db
  }

  async clockOf(tenantId: string): Promise<TenantClock> {
    return (this.#entries.has(tenantId) ? this.#fresh(tenantId) : await this.#load(tenantId)).clock
  }

  async isPaced(tenantId: string): Promise<boolean> {
    return (this.#entries.has(tenantId) ? this.#fresh(tenantId) : await this.#load(tenantId)).paced
  }

  offClocks(): Promise<Map<string, TenantClock>> {
    return loadOffClocks(this.#db)
  }

  /** This process changed what is set for the tenant (or deleted it): read it afresh at its next use. */
  forget(tenantId: string): void {
    this.#entries.delete(tenantId)
    // A read begun before the change may hold the old settings: it stores nothing.
    this.#loading.delete(tenantId)
  }

  /** The entry; one older than FRESH_MS is read again in the background. */
  #fresh(tenantId: string): Entry {
    const entry = this.#entries.get(tenantId)!
    if (!entry.reloading && Date.now() - entry.loadedAt > FRESH_MS) {
      entry.reloading = true
      this.#load(tenantId).catch(() => {
        entry.reloading = false
      })
    }
    return entry
  }

  #load(tenantId: string): Promise<Entry> {
    const current = this.#loading.get(tenantId)
    if (current) return current
    const read = Promise.all([loadClock(this.#db, tenantId), tenantIsPaced(this.#db, tenantId)])
    const loading: Promise<Entry> = read.then(([clock, paced]) => {
      const entry: Entry = { clock, paced, loadedAt: Date.now() }
      if (this.#loading.get(tenantId) === loading) {
        this.#entries.delete(tenantId)
        if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!)
        this.#entries.set(tenantId, entry)
      }
      return entry
    }).finally(() => {
      if (this.#loading.get(tenantId) === loading) this.#loading.delete(tenantId)
    })
    this.#loading.set(tenantId, loading)
    return loading
  }
}
