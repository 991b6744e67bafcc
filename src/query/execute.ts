// Runs a prepared Data Query in its sandbox and streams the rows out.
//
// The query's transaction writes its context row (tenant, entity, orgs, live or deleted
// rows), turns read-only, becomes zjobs_dq_reader with only schema dataquery on its search
// path, and runs the query; a stop request is honoured between batches of output.
//
// The file's text is written by the database wherever it can be (parsing 80 columns into
// JavaScript strings and joining them again cost up to five times COPY's time): `COPY (query)
// TO STDOUT` in the sandbox, straight to the file. On the embedded database the COPY holds its
// one session while it runs and its output waits in a file beside the database
// (src/storage/embedded/wire-bridge.ts); PGlite has no statement_timeout, so past the deadline
// a watchdog interrupts it.
//
// Rows whose text COPY cannot write (a separator of more than one byte), JSON Lines on the
// embedded database (see copyText), and sinks that take rows rather than text, go through a
// cursor: inside the transaction on a PostgreSQL server; on the embedded database declared
// WITH HOLD, so the transaction commits at once (other work takes turns between FETCHes), its
// values printed in the sandbox where the time zone matters.
import { randomBytes } from 'node:crypto'
import type { PoolClient } from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import type { Db } from '../storage/db.ts'
import { RAW_TEXT_TYPES, resultColumnsOf, type ResultColumn, type ResultRow } from './output/columns.ts'
import { copyStatement, textOf, type ServerFormat } from './output/server-format.ts'
import { QueryError } from './sql.ts'

export interface QueryScope {
  tenantId: string
  entityId: string | null
  orgIds: string[] | null
  /** null: live and deleted rows; false: live rows only; true: deleted rows only. */
  deleted: boolean | null
  /** Time zone timestamps are shown in (the tenant's, for LIVE queries). */
  timeZone: string
}

export interface RowSink {
  columns(columns: ResultColumn[]): Promise<void> | void
  /** A batch of rows, each value PostgreSQL's text output or null. */
  rows(rows: ResultRow[]): Promise<void>
  /** Set when the sink also takes rows as text the server wrote in its format: after columns(), instead of rows(). */
  text?: { format: ServerFormat; write(text: Buffer): Promise<void> }
}

export interface RunOptions {
  /** Stop and fail once the query returns more rows than this. */
  maxRows: number
  /** Epoch ms by which the attempt must be done. */
  deadline: number
  /** The time limit the deadline stands for, for the message (Zuora: 3600 s per attempt). */
  timeLimitSeconds: number
  fetchRows?: number
  /** Called between batches (during a COPY, every checkEveryMs): return false to stop (cancel, shutdown). */
  proceed?: () => Promise<boolean>
  /** How often a COPY asks `proceed` (default a second; the cursor asks between batches). */
  checkEveryMs?: number
}

const cursorName = () => `zjobs_result_${randomBytes(8).toString('hex')}`

/** A failure that the next attempt may not repeat (a timeout): the job retries it. */
export class RetryableQueryError extends Error {}

/** Runs `sql` for `scope`, feeding `sink`; returns how many rows it wrote. */
export async function runQuery(db: Db, sql: string, scope: QueryScope, sink: RowSink, options: RunOptions): Promise<number> {
  const embedded = db.kind === 'embedded'
  const client = await db.pool.connect()
  // The embedded database has no statement_timeout: past the deadline, it is interrupted.
  let interrupted = false
  const watchdog =
    db.interrupt &&
    setTimeout(() => {
      interrupted = true
      void db.interrupt!()
    }, Math.max(0, options.deadline - Date.now()))
  // The query has run: the output loop watches the deadline from here.
  const ran = () => {
    if (watchdog) clearTimeout(watchdog)
  }
  const connection = { drop: false }
  // JSON Lines written by PGlite (WebAssembly), a typed concat() per value, measured slower than
  // fetching the rows and writing them here (46 s against 37 s for 500,000 rows of 84 columns).
  const copyText = embedded && sink.text?.format.kind === 'json' ? undefined : sink.text
  try {
    if (copyText) {
      const rows = await copyQuery(client, sql, scope, sink, copyText, options, connection)
      if (rows !== undefined) return rows
    }
    if (!embedded) return await cursorQuery(client, sql, scope, sink, options, false, ran)
    const columns = await describeInSandbox(client, sql, scope, options.deadline)
    return await cursorQuery(client, heldSelect(sql, columns), scope, sink, options, true, ran, columns)
  } catch (error) {
    throw interrupted ? timeoutError(options.timeLimitSeconds) : translate(error, options.timeLimitSeconds)
  } finally {
    ran()
    // A connection the interruption cut, or a COPY still sending, is not handed back to the pool.
    client.release(interrupted || connection.drop)
  }
}

async function cursorQuery(
  client: PoolClient,
  sql: string,
  scope: QueryScope,
  sink: RowSink,
  options: RunOptions,
  hold: boolean,
  ran: () => void,
  columns?: ResultColumn[],
): Promise<number> {
  const cursor = cursorName()
  let declared = false
  try {
    await declare(client, cursor, sql, scope, options.deadline, hold)
    declared = true
    ran()
    return await fetchAll(client, cursor, sink, options, columns)
  } finally {
    if (!hold) await client.query('ROLLBACK').catch(() => {})
    else {
      if (declared) await client.query(`CLOSE ${cursor}`).catch(() => {})
      // A held cursor's context row was committed with it: remove it.
      await client.query('DELETE FROM dq_context WHERE pid = pg_backend_pid()').catch(() => {})
    }
  }
}

async function declare(
  client: PoolClient,
  cursor: string,
  sql: string,
  scope: QueryScope,
  deadline: number,
  hold: boolean,
): Promise<void> {
  await client.query('BEGIN')
  try {
    await enterSandbox(client, scope, deadline)
    await client.query(`DECLARE ${cursor} NO SCROLL CURSOR ${hold ? 'WITH HOLD' : ''} FOR ${sql}`)
    // A holdable cursor's query runs here, when its transaction commits.
    if (hold) await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/**
 * Inside an open transaction: the context row the row-level security policies read, the
 * time zone, a statement timeout that ends at `deadline`, read-only, the reader role.
 */
async function enterSandbox(client: PoolClient, scope: QueryScope, deadline: number): Promise<void> {
  const timeoutMs = Math.max(1, Math.floor(deadline - Date.now()))
  await client.query(
    `INSERT INTO dq_context (pid, tenant_id, entity_id, org_ids, deleted) VALUES (pg_backend_pid(), $1, $2, $3, $4)
     ON CONFLICT (pid) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, entity_id = EXCLUDED.entity_id,
       org_ids = EXCLUDED.org_ids, deleted = EXCLUDED.deleted`,
    [scope.tenantId, scope.entityId, scope.orgIds, scope.deleted],
  )
  await client.query(
    `SELECT set_config('TimeZone', $1, true), set_config('statement_timeout', $2, true),
       set_config('search_path', 'dataquery, pg_catalog', true)`,
    [scope.timeZone, String(timeoutMs)],
  )
  await client.query('SET LOCAL transaction_read_only = on')
  await client.query('SET LOCAL ROLE zjobs_dq_reader')
}


/**
 * The query as COPY writes it in the sink's format, straight to the sink; undefined (nothing
 * written) when COPY cannot write the format. The result's columns come from the same query
 * under LIMIT 0 (planned, never run). The COPY goes in one message with the ROLLBACK that ends
 * its transaction: the embedded database's one session is free again as soon as the COPY has
 * run, while its output is still being read (the job's own checks need it meanwhile). A stop,
 * or a failure on this side, sets `connection.drop`: the server may still be sending, and
 * closing the socket is what ends a COPY TO early (its transaction rolls back).
 */
async function copyQuery(
  client: PoolClient,
  sql: string,
  scope: QueryScope,
  sink: RowSink,
  text: NonNullable<RowSink['text']>,
  options: RunOptions,
  connection: { drop: boolean },
): Promise<number | undefined> {
  let open = true
  await client.query('BEGIN')
  try {
    await enterSandbox(client, scope, options.deadline)
    const columns = await describe(client, sql)
    const statement = copyStatement(sql, columns, text.format)
    if (!statement) return undefined
    await sink.columns(columns)
    const copy = client.query(copyTo(`${statement}; ROLLBACK`))
    let checked = Date.now()
    connection.drop = true
    for await (const chunk of copy as AsyncIterable<Buffer>) {
      await text.write(chunk)
      if (Date.now() - checked < (options.checkEveryMs ?? 1000)) continue
      if (Date.now() > options.deadline) throw timeoutError(options.timeLimitSeconds)
      checked = Date.now()
      if (options.proceed && !(await options.proceed())) return 0
    }
    connection.drop = false
    // The row count arrives after the last byte, and the ROLLBACK after it: a statement queued
    // behind them waits for both.
    await client.query('SELECT 1')
    open = false
    if (copy.rowCount > options.maxRows) {
      throw new QueryError(`The query returned more than ${options.maxRows} rows, the output limit of this data source`)
    }
    return copy.rowCount
  } finally {
    if (open && !connection.drop) await client.query('ROLLBACK').catch(() => {})
  }
}

/** The result's columns: the query planned under LIMIT 0, never run. */
async function describe(client: PoolClient, sql: string): Promise<ResultColumn[]> {
  const described = await client.query({ text: `SELECT * FROM (${sql}) AS q LIMIT 0`, rowMode: 'array', types: RAW_TEXT_TYPES })
  return resultColumnsOf(described.fields)
}

/** The result's columns, planned in the sandbox in a transaction of its own (rolled back). */
async function describeInSandbox(client: PoolClient, sql: string, scope: QueryScope, deadline: number): Promise<ResultColumn[]> {
  await client.query('BEGIN')
  try {
    await enterSandbox(client, scope, deadline)
    return await describe(client, sql)
  } finally {
    await client.query('ROLLBACK')
  }
}

// Types whose text does not depend on the session's time zone or search path: a held
// cursor prints them after the sandbox's transaction as it would have inside.
const SETTLED_TYPES: ReadonlySet<number> = new Set([
  16, // boolean
  20, 21, 23, 26, // int8, int2, int4, oid
  700, 701, 1700, // float4, float8, numeric
  1082, 1114, // date, timestamp
  114, 3802, // json, jsonb
  18, 19, 25, 1042, 1043, // "char", name, text, bpchar, varchar
])

/**
 * The query for a held cursor, whose rows are printed after its transaction: settled types as
 * they are, anything else (timestamptz above all) as its text inside the sandbox, so that it
 * keeps the query's time zone.
 */
function heldSelect(sql: string, columns: readonly ResultColumn[]): string {
  if (columns.length === 0) return `SELECT FROM (${sql}) AS q`
  const names = columns.map((_, i) => `c${i + 1}`)
  const values = columns.map((column, i) => (SETTLED_TYPES.has(column.oid!) ? names[i] : textOf(names[i], column.oid)))
  return `SELECT ${values.join(', ')} FROM (${sql}) AS q(${names.join(', ')})`
}

async function fetchAll(client: PoolClient, cursor: string, sink: RowSink, options: RunOptions, columns?: ResultColumn[]): Promise<number> {
  const fetch = () =>
    client.query<(string | null)[]>({ text: `FETCH ${options.fetchRows ?? 10_000} FROM ${cursor}`, rowMode: 'array', types: RAW_TEXT_TYPES })
  let total = 0
  let pending = fetch()
  let first = true
  for (;;) {
    const batch = await pending
    if (first) {
      await sink.columns(columns ?? resultColumnsOf(batch.fields))
      first = false
    }
    if (batch.rows.length === 0) return total
    total += batch.rows.length
    if (total > options.maxRows) {
      throw new QueryError(`The query returned more than ${options.maxRows} rows, the output limit of this data source`)
    }
    // Fetch the next batch while this one is written out.
    pending = fetch()
    try {
      await sink.rows(batch.rows)
      if (Date.now() > options.deadline) throw timeoutError(options.timeLimitSeconds)
      if (options.proceed && !(await options.proceed())) return total
    } catch (error) {
      await pending.catch(() => {})
      throw error
    }
  }
}

const timeoutError = (limitSeconds: number) =>
  new RetryableQueryError(`Query exceeded the maximum time limit of ${limitSeconds.toFixed(2)}s`)

/** PostgreSQL's errors in the words a Data Query client expects. */
function translate(error: unknown, timeLimitSeconds: number): unknown {
  if (error instanceof QueryError || error instanceof RetryableQueryError) return error
  const pgError = error as { code?: string; message?: string }
  const message = pgError.message ?? String(error)
  switch (pgError.code) {
    case '57014':
      return timeoutError(timeLimitSeconds)
    case '42703': {
      const column = /column "?([^"\s]+)"? does not exist/.exec(message)?.[1] ?? message
      return new QueryError(`Column '${column.split('.').pop()}' cannot be resolved`)
    }
    case '42P01': {
      const table = /relation "?([^"\s]+)"? does not exist/.exec(message)?.[1] ?? message
      return new QueryError(`Table owl.data.${table.split('.').pop()} does not exist`)
    }
    case '42883':
      return new QueryError(message.replace(/^function /, 'Function ').replace(/ does not exist$/, ' not registered'))
    case '42501':
      return new QueryError('Access denied')
  }
  // Other SQL errors (class 22 data exceptions, 42 syntax or semantics) are the query's.
  if (pgError.code && /^(22|42|2B|0A|21)/.test(pgError.code)) return new QueryError(message)
  return error
}
