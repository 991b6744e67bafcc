// Runs a prepared Data Query in its sandbox and streams the rows out.
//
// The query's transaction writes its context row (tenant, entity, orgs, live or deleted
// rows), turns read-only, becomes zjobs_dq_reader with only schema dataquery on its search
// path, and declares the query as a cursor; rows are fetched in batches, and a stop request
// is honoured between them.
//
// On a PostgreSQL server the transaction stays open while the rows are fetched, and
// statement_timeout bounds every FETCH. The embedded database is one session: a transaction
// held open would block everything else for the whole export, so there the cursor is
// declared WITH HOLD and the transaction commits at once. PostgreSQL then runs the query to
// completion (spilling to disk, not memory), and each FETCH is a statement of its own. Its
// time limit is the watchdog's (PGlite has no statement_timeout).
//
// On a PostgreSQL server the file's text skips the cursor: the server writes the rows itself
// with COPY (query) TO STDOUT, in the same sandbox, and the bytes go straight to the file
// (parsing 80 columns into JavaScript strings and joining them again cost up to five times
// COPY's time). The embedded database keeps the cursor: a COPY there would hold its one
// session for the whole export and hand over its output in one piece.
import { randomBytes } from 'node:crypto'
import type { PoolClient } from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import type { Db } from '../storage/db.ts'
import { RAW_TEXT_TYPES, resultColumnsOf, type ResultColumn, type ResultRow } from './output/columns.ts'
import { copyStatement, type ServerFormat } from './output/server-format.ts'
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
  const hold = db.kind === 'embedded'
  const client = await db.pool.connect()
  if (!hold && sink.text) return copyQuery(client, sql, scope, sink, sink.text, options)
  const cursor = cursorName()
  let declared = false
  // The embedded database has no statement_timeout: past the deadline, it is interrupted.
  let interrupted = false
  const watchdog =
    db.interrupt &&
    setTimeout(() => {
      interrupted = true
      void db.interrupt!()
    }, Math.max(0, options.deadline - Date.now()))
  try {
    await declare(client, cursor, sql, scope, options.deadline, hold)
    declared = true
    // The query has run; the fetch loop watches the deadline from here.
    if (watchdog) clearTimeout(watchdog)
    return await fetchAll(client, cursor, sink, options)
  } catch (error) {
    throw interrupted ? timeoutError(options.timeLimitSeconds) : translate(error, options.timeLimitSeconds)
  } finally {
    if (watchdog) clearTimeout(watchdog)
    if (!hold) await client.query('ROLLBACK').catch(() => {})
    else if (declared) await client.query(`CLOSE ${cursor}`).catch(() => {})
    // A held cursor's context row was committed with it: remove it.
    if (hold) await client.query('DELETE FROM dq_context WHERE pid = pg_backend_pid()').catch(() => {})
    // A connection the interruption cut is not handed back to the pool.
    client.release(interrupted)
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
 * The query as COPY writes it in the sink's format, straight to the sink. The result's columns
 * come from the same query under LIMIT 0 (planned, never run). A stop, or a failure on this
 * side, drops the connection: the server is still sending, and closing the socket is what
 * ends a COPY TO early (its transaction rolls back). A format COPY cannot write goes through
 * the cursor after all.
 */
async function copyQuery(
  client: PoolClient,
  sql: string,
  scope: QueryScope,
  sink: RowSink,
  text: NonNullable<RowSink['text']>,
  options: RunOptions,
): Promise<number> {
  // Whether the connection must go (a COPY still sending), and whether its transaction is open.
  let drop = false
  let open = false
  try {
    await client.query('BEGIN')
    open = true
    await enterSandbox(client, scope, options.deadline)
    const described = await client.query({ text: `SELECT * FROM (${sql}) AS q LIMIT 0`, rowMode: 'array', types: RAW_TEXT_TYPES })
    const columns = resultColumnsOf(described.fields)
    await sink.columns(columns)
    const statement = copyStatement(sql, columns, text.format)
    if (!statement) {
      const cursor = cursorName()
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`)
      return await fetchAll(client, cursor, { ...sink, columns: () => {} }, options)
    }
    const copy = client.query(copyTo(statement))
    let checked = Date.now()
    drop = true
    for await (const chunk of copy as AsyncIterable<Buffer>) {
      await text.write(chunk)
      if (Date.now() - checked < (options.checkEveryMs ?? 1000)) continue
      if (Date.now() > options.deadline) throw timeoutError(options.timeLimitSeconds)
      checked = Date.now()
      if (options.proceed && !(await options.proceed())) return 0
    }
    drop = false
    // The COPY's row count arrives after its last byte: a statement behind it waits for it.
    await client.query('ROLLBACK')
    open = false
    if (copy.rowCount > options.maxRows) {
      throw new QueryError(`The query returned more than ${options.maxRows} rows, the output limit of this data source`)
    }
    return copy.rowCount
  } catch (error) {
    throw translate(error, options.timeLimitSeconds)
  } finally {
    if (open && !drop) await client.query('ROLLBACK').catch(() => {})
    client.release(drop)
  }
}

async function fetchAll(client: PoolClient, cursor: string, sink: RowSink, options: RunOptions): Promise<number> {
  const fetch = () =>
    client.query<(string | null)[]>({ text: `FETCH ${options.fetchRows ?? 10_000} FROM ${cursor}`, rowMode: 'array', types: RAW_TEXT_TYPES })
  let total = 0
  let pending = fetch()
  let first = true
  for (;;) {
    const batch = await pending
    if (first) {
      await sink.columns(resultColumnsOf(batch.fields))
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
