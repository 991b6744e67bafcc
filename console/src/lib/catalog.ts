// The Data Query table browser's reads: SHOW TABLES and DESCRIBE, run as Data Query jobs
// through the public API (custom objects appear as default__<object>), their results read
// from the job's signed link. Kept per client for the session: the catalogue rarely changes.
import type { ZuoraClient } from '../../../src/client/client.ts'
import { ZuoraError } from '../../../src/client/errors.ts'
import { follow } from '../../../src/client/follow.ts'
import { getQuery, QUERY_ENDS, submitQuery } from '../../../src/client/query.ts'
import { onOrigin } from './links.ts'
import { readPreview } from './preview.ts'

export interface Column {
  name: string
  type: string
  comment: string
}

/** The rows of a small query's CSV result (its header first). */
export async function runSmallQuery(api: ZuoraClient, sql: string, origin: string, signal?: AbortSignal): Promise<{ columns: string[]; rows: string[][] }> {
  const submitted = await submitQuery(api, { query: sql, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }, signal)
  const job = await follow((s) => getQuery(api, submitted.id, s), (j) => QUERY_ENDS.includes(j.queryStatus), { signal, firstDelayMs: 100, maxDelayMs: 1000 })
  if (job.queryStatus !== 'completed' || !job.dataFile) {
    throw new ZuoraError('refused', `${sql}: ${job.queryStatus}${job.errorMessage ? `: ${job.errorMessage}` : ''}`)
  }
  const download = await api.download(onOrigin(job.dataFile, origin), { signal })
  const preview = await readPreview(download.body, { format: 'CSV', compression: 'NONE', maxRows: 100_000, maxBytes: 16 << 20 })
  return { columns: preview.columns, rows: preview.rows }
}

/** SHOW TABLES' rows as names, billing objects first, then custom objects (default__...). */
export function tableNames(rows: string[][]): string[] {
  const names = rows.map((row) => row[0]).filter(Boolean)
  const custom = names.filter((name) => name.startsWith('default__')).sort()
  return [...names.filter((name) => !name.startsWith('default__')).sort(), ...custom]
}

/** DESCRIBE's rows (Column, Type, Extra, Comment) as columns. */
export function describeColumns(result: { columns: string[]; rows: string[][] }): Column[] {
  const at = (name: string) => result.columns.findIndex((column) => column.toLowerCase() === name)
  const [name, type, comment] = [at('column'), at('type'), at('comment')]
  return result.rows.map((row) => ({ name: row[name] ?? '', type: row[type] ?? '', comment: row[comment] ?? '' }))
}

const caches = new WeakMap<ZuoraClient, Map<string, Promise<unknown>>>()

/** `load`'s answer for `key`, once per client (a failure is forgotten, to be tried again). */
export function cached<T>(api: ZuoraClient, key: string, load: () => Promise<T>): Promise<T> {
  let cache = caches.get(api)
  if (!cache) caches.set(api, (cache = new Map()))
  const hit = cache.get(key) as Promise<T> | undefined
  if (hit) return hit
  const pending = load()
  cache.set(key, pending)
  pending.catch(() => cache.delete(key))
  return pending
}
