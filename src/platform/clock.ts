// A tenant's clock: the "now" of everything its clients can see (timestamps, expiries,
// retention, rate windows, lifecycle timing). A tenant without a setting runs on real time.
// Each setting (real, frozen at a time, or running on from a time) takes effect from the real
// instant it was made; the settings of a tenant are its clock's history, through which every
// time stored in real time (a job's creation, a token's) is shown as the tenant's clock read it
// then. Jobs' real work (leases, timeouts) keeps real time. The sandbox plane sets clocks.
import type { Db, Queryable } from '../storage/db.ts'

export type ClockMode = 'real' | 'frozen' | 'offset'

/** One setting: from `since` (real epoch ms) on, the clock is real, stays at `at`, or runs on from `at`. */
export interface ClockSetting {
  since: number
  mode: ClockMode
  /** The tenant's time at `since` (epoch ms); null with mode real. */
  at: number | null
}

/** A change of a tenant's clock, as the sandbox plane asks for it. */
export type ClockChange = { mode: 'real' } | { mode: 'frozen' | 'offset'; at: number } | { advanceMs: number }

export class TenantClock {
  /** The settings, oldest first. */
  readonly settings: readonly ClockSetting[]

  constructor(settings: readonly ClockSetting[]) {
    this.settings = settings
  }

  /** True when the clock was never set: every time is shown as it is. */
  get isReal(): boolean {
    return this.settings.length === 0
  }

  get mode(): ClockMode {
    return this.settings.at(-1)?.mode ?? 'real'
  }

  /** The tenant's time now, epoch ms. */
  now(): number {
    return this.at(Date.now())
  }

  /** The tenant's time at the real instant `real` (epoch ms). */
  at(real: number): number {
    const setting = this.#settingAt(real)
    if (!setting || setting.mode === 'real') return real
    return setting.mode === 'frozen' ? setting.at! : setting.at! + (real - setting.since)
  }

  /** A stored real time as the tenant's clock showed it (the same Date on a clock never set). */
  date(real: Date): Date
  date(real: Date | null): Date | null
  date(real: Date | null): Date | null {
    if (real === null || this.isReal) return real
    return new Date(this.at(real.getTime()))
  }

  /**
   * The real instant (epoch ms) at which the tenant's clock, running as it is set now, reaches
   * `time`: now if it has; null if it never will (frozen before it).
   */
  realTimeAt(time: number, real = Date.now()): number | null {
    const now = this.at(real)
    if (time <= now) return real
    const current = this.settings.at(-1)
    if (current?.mode === 'frozen') return null
    return real + (time - now)
  }

  #settingAt(real: number): ClockSetting | undefined {
    const { settings } = this
    let low = 0
    let high = settings.length - 1
    let found: ClockSetting | undefined
    while (low <= high) {
      const middle = (low + high) >> 1
      if (settings[middle].since <= real) {
        found = settings[middle]
        low = middle + 1
      } else high = middle - 1
    }
    return found
  }
}

export const REAL_CLOCK = new TenantClock([])

/** Where the platform, the job engine and the families get tenants' clocks from. */
export interface ClockSource {
  /** The tenant's clock (a tenant never set, or unknown, runs on real time). */
  clockOf(tenantId: string): Promise<TenantClock>
  /** The clocks of the tenants not on real time now: sweeps keep or drop their rows by them. */
  offClocks(): Promise<Map<string, TenantClock>>
}

/** Every tenant on real time (processes without the sandbox plane's settings, tests). */
export const REAL_TIME: ClockSource = {
  clockOf: async () => REAL_CLOCK,
  offClocks: async () => new Map(),
}

interface SettingRow {
  tenant_id: string
  since: Date
  mode: ClockMode
  at: Date | null
}

const toSetting = (row: SettingRow): ClockSetting => ({ since: row.since.getTime(), mode: row.mode, at: row.at?.getTime() ?? null })

export async function loadClock(db: Queryable, tenantId: string): Promise<TenantClock> {
  const { rows } = await db.query<SettingRow>('SELECT since, mode, at FROM tenant_clocks WHERE tenant_id = $1 ORDER BY since', [tenantId])
  return rows.length === 0 ? REAL_CLOCK : new TenantClock(rows.map(toSetting))
}

/** The clocks of every tenant whose latest setting is not real time. */
export async function loadOffClocks(db: Queryable): Promise<Map<string, TenantClock>> {
  const { rows } = await db.query<SettingRow>(
    `WITH latest AS (SELECT DISTINCT ON (tenant_id) tenant_id, mode FROM tenant_clocks ORDER BY tenant_id, since DESC)
     SELECT c.tenant_id, c.since, c.mode, c.at FROM tenant_clocks c JOIN latest l USING (tenant_id) WHERE l.mode <> 'real'
     ORDER BY c.tenant_id, c.since`,
  )
  const settings = new Map<string, ClockSetting[]>()
  for (const row of rows) {
    const id = String(row.tenant_id)
    if (!settings.has(id)) settings.set(id, [])
    settings.get(id)!.push(toSetting(row))
  }
  return new Map([...settings].map(([id, list]) => [id, new TenantClock(list)]))
}

/**
 * Sets a tenant's clock from now on (the database's now, the time its rows are stamped with);
 * returns the clock with the new setting. Changes of one tenant are serialised on its row.
 */
export async function changeClock(db: Db, tenantId: string, change: ClockChange): Promise<TenantClock> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [tenantId])
    const current = await loadClock(tx, tenantId)
    const { rows } = await tx.query<{ now: Date }>('SELECT now() AS now')
    const since = rows[0].now.getTime()
    let setting: ClockSetting
    if ('advanceMs' in change) {
      const at = current.at(since) + change.advanceMs
      setting = { since, mode: current.mode === 'frozen' ? 'frozen' : 'offset', at }
    } else {
      setting = { since, mode: change.mode, at: change.mode === 'real' ? null : change.at }
    }
    await tx.query(
      `INSERT INTO tenant_clocks (tenant_id, since, mode, at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, since) DO UPDATE SET mode = EXCLUDED.mode, at = EXCLUDED.at`,
      [tenantId, rows[0].now, setting.mode, setting.at === null ? null : new Date(setting.at)],
    )
    return new TenantClock([...current.settings.filter((s) => s.since < since), setting])
  })
}
