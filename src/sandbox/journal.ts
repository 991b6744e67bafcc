// A tenant's request journal (issue 15): its recent requests, newest first, as WireMock's
// /__admin/requests keeps them. Each answered request of a tenant is noted in memory and
// written in batches (a quarter of a second, or 500 entries, whichever comes first), so a
// request pays an array push; a read or clear writes this process's notes first. One batch is
// written at a time: notes made meanwhile wait in the buffer, which keeps the newest
// MAX_BUFFERED (give or take a batch), so a slow or stalled database bounds what the journal holds in memory (the
// batch being written and the buffer) instead of queueing every batch. Kept per
// tenant up to the configured size. No bodies, no headers but the two ids, and a query
// string's secrets (signatures, tokens, keys) replaced.
import type { FastifyBaseLogger } from 'fastify'
import type { Queryable } from '../storage/db.ts'

export interface JournalEntry {
  tenantId: string
  at: Date
  method: string
  path: string
  operationId: string | null
  /** Null: no answer (a fault dropped the connection). */
  status: number | null
  durationMs: number
  requestId: string
  trackId: string | null
  requestBytes: number | null
  responseBytes: number | null
  /** The fault rule that fired on the request, and what it did. */
  fault: { ruleId: string; effect: string } | null
}

const FLUSH_MS = 250
export const FLUSH_ENTRIES = 500
/** Notes kept in memory while the database does not take them (up to FLUSH_ENTRIES more); the oldest go first. */
export const MAX_BUFFERED = 20_000

const SECRET_PARAM = /sig|signature|token|secret|password|passwd|key|credential|expires|auth/i

/** The path and query string as journaled: secret-looking parameters' values replaced, at most 2,000 characters. */
export function journalPath(url: string): string {
  const mark = url.indexOf('?')
  if (mark < 0) return url.slice(0, 2000)
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0]
      return SECRET_PARAM.test(decodeURIComponentSafe(name)) ? `${name}=REDACTED` : pair
    })
    .join('&')
  return `${url.slice(0, mark)}?${query}`.slice(0, 2000)
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

export class Journal {
  readonly #db: Queryable
  readonly #size: number
  readonly #log: FastifyBaseLogger
  #buffer: JournalEntry[] = []
  #timer: NodeJS.Timeout | undefined
  /** The batch being written, or the last one (settled, never rejected). */
  #writing: Promise<void> = Promise.resolve()
  /** The next batch: takes the buffer when the one being written is done. At most one waits. */
  #next: Promise<void> | undefined
  readonly #sinceTrim = new Map<string, number>()

  constructor(db: Queryable, size: number, log: FastifyBaseLogger) {
    this.#db = db
    this.#size = size
    this.#log = log
  }

  get size(): number {
    return this.#size
  }

  record(entry: JournalEntry): void {
    if (this.#size === 0) return
    this.#buffer.push(entry)
    // Trimmed a batch at a time (not a note at a time: each trim moves the whole array).
    if (this.#buffer.length >= MAX_BUFFERED + FLUSH_ENTRIES) this.#buffer.splice(0, this.#buffer.length - MAX_BUFFERED)
    if (this.#buffer.length >= FLUSH_ENTRIES) void this.flush()
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), FLUSH_MS)
      this.#timer.unref()
    }
  }

  /**
   * Writes what this process noted so far: after the batch under way, as the next batch, which
   * takes the buffer when it starts (what was noted before this call, and since).
   */
  flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#next ??= this.#writing = this.#writing.then(() => {
      this.#next = undefined
      const entries = this.#buffer
      this.#buffer = []
      if (entries.length === 0) return
      return this.#write(entries).catch((error) => {
        this.#log.warn({ err: error, entries: entries.length }, 'could not write the request journal')
      })
    })
    return this.#next
  }

  async #write(entries: JournalEntry[]): Promise<void> {
    const column = <T>(pick: (entry: JournalEntry) => T) => entries.map(pick)
    await this.#db.query(
      `INSERT INTO request_journal (tenant_id, at, method, path, operation_id, status, duration_ms, request_id, track_id, request_bytes, response_bytes, fault)
       SELECT u.tenant_id, u.at, u.method, u.path, u.operation_id, u.status, u.duration_ms, u.request_id, u.track_id, u.request_bytes, u.response_bytes, u.fault
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[], $7::float8[], $8::text[], $9::text[],
         $10::bigint[], $11::bigint[], $12::jsonb[]) WITH ORDINALITY
         AS u (tenant_id, at, method, path, operation_id, status, duration_ms, request_id, track_id, request_bytes, response_bytes, fault, n)
       WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = u.tenant_id)
       ORDER BY u.n`,
      [
        column((e) => e.tenantId),
        column((e) => e.at),
        column((e) => e.method),
        column((e) => e.path),
        column((e) => e.operationId),
        column((e) => e.status),
        column((e) => e.durationMs),
        column((e) => e.requestId),
        column((e) => e.trackId),
        column((e) => e.requestBytes),
        column((e) => e.responseBytes),
        column((e) => (e.fault ? JSON.stringify(e.fault) : null)),
      ],
    )
    // Trim a tenant once this process has written a quarter of its size since the last trim.
    const written = new Map<string, number>()
    for (const entry of entries) written.set(entry.tenantId, (written.get(entry.tenantId) ?? 0) + 1)
    for (const [tenantId, count] of written) {
      const since = (this.#sinceTrim.get(tenantId) ?? 0) + count
      if (since < Math.max(25, this.#size / 4)) {
        this.#sinceTrim.set(tenantId, since)
        continue
      }
      this.#sinceTrim.delete(tenantId)
      await this.#db.query(
        `DELETE FROM request_journal WHERE tenant_id = $1
           AND seq <= (SELECT seq FROM request_journal WHERE tenant_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
        [tenantId, this.#size],
      )
    }
    if (this.#sinceTrim.size > 10_000) this.#sinceTrim.clear()
  }

  /** The tenant's requests, newest first: at most `limit` (and the journal's size), since a time if given. */
  async list(tenantId: string, limit: number, since?: Date): Promise<JournalEntry[]> {
    await this.flush()
    const { rows } = await this.#db.query<{
      at: Date
      method: string
      path: string
      operation_id: string | null
      status: number | null
      duration_ms: number
      request_id: string
      track_id: string | null
      request_bytes: string | null
      response_bytes: string | null
      fault: JournalEntry['fault']
    }>(
      `SELECT at, method, path, operation_id, status, duration_ms, request_id, track_id, request_bytes, response_bytes, fault
       FROM request_journal WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR at >= $2) ORDER BY seq DESC LIMIT $3`,
      [tenantId, since ?? null, Math.min(limit, this.#size)],
    )
    return rows.map((row) => ({
      tenantId,
      at: row.at,
      method: row.method,
      path: row.path,
      operationId: row.operation_id,
      status: row.status,
      durationMs: row.duration_ms,
      requestId: row.request_id,
      trackId: row.track_id,
      requestBytes: row.request_bytes === null ? null : Number(row.request_bytes),
      responseBytes: row.response_bytes === null ? null : Number(row.response_bytes),
      fault: row.fault,
    }))
  }

  /** Forgets the tenant's requests (this process's unwritten ones too); how many went. */
  async clear(tenantId: string): Promise<number> {
    await this.flush()
    this.#sinceTrim.delete(tenantId)
    const result = await this.#db.query('DELETE FROM request_journal WHERE tenant_id = $1', [tenantId])
    return result.rowCount ?? 0
  }

  async close(): Promise<void> {
    await this.flush()
  }
}
