// Runs a prepared Data Query in its sandbox and streams the rows out.
//
// The query's transaction writes its context row (tenant, entity, orgs, live or deleted
// rows), turns read-only, becomes zjobs_dq_reader with only schema dataquery on its search
// path, and runs the query; a stop request is honoured between batches of output.
//
// The file's text is written by the database wherever it can be (parsing 80 columns into
// JavaScript strings and joining them again cost up to five times COPY's time): `COPY (query)
// TO STDOUT` in the sandbox, straight to the file. Rows whose text COPY cannot write (a
// separator of more than one byte) and sinks that take rows rather than text go through a
// cursor inside the transaction.
//
// The time limit is the transaction's statement_timeout. A cancel or stop request is asked
// every half second while the statement runs, output or not, and answered with
// pg_cancel_backend: the statement ends within a second and its connection goes back to the pool.
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
  /** Asked every checkEveryMs while the query runs, and between batches: false stops it (cancel, stop). */
  proceed?: () => Promise<boolean>
  /** How often `proceed` is asked while a statement runs (default 500 ms: a cancel takes effect within a second). */
  checkEveryMs?: number
}

const cursorName = () => `zjobs_result_${randomBytes(8).toString('hex')}`

/** A failure that the next attempt may not repeat (a timeout): the job retries it. */
export class RetryableQueryError extends Error {}

/** Runs `sql` for `scope`, feeding `sink`; returns how many rows it wrote. */
export async function runQuery(db: Db, sql: string, scope: QueryScope, sink: RowSink, options: RunOptions): Promise<number> {
  const client = await db.pool.connect()
  const watch = watchStatement(db, client, options)
  try {
    let rows = sink.text ? await copyQuery(client, sql, scope, sink, sink.text, options, watch) : undefined
    rows ??= await cursorQuery(client, sql, scope, sink, options, watch)
    if (watch.failure) throw watch.failure
    return rows
  } catch (error) {
    if (watch.failure) throw watch.failure
    if (watch.stopped) return 0
    throw translate(error, options.timeLimitSeconds)
  } finally {
    // A cancel on its way must land before the connection serves anyone else.
    await watch.end()
    client.release()
  }
}

interface Watch {
  /** Set once a stop request cancelled the statement. */
  readonly stopped: boolean
  /** What `proceed` threw (a lost lease, a shutdown), which ends the query too. */
  readonly failure: unknown
  /** Asks `proceed` now (between batches); false once stopped. */
  proceed(): Promise<boolean>
  /** Stops asking; resolves once no cancel is in flight. */
  end(): Promise<void>
}

/**
 * Asks `options.proceed` every `checkEveryMs` while the query runs; when it says stop, the
 * running statement is cancelled from another connection (a statement producing no output
 * would otherwise run on until its time limit).
 */
function watchStatement(db: Db, client: PoolClient, options: RunOptions): Watch {
  let stopped = false
  let ended = false
  let failure: unknown
  let asking: Promise<boolean> | undefined
  let cancelling: Promise<unknown> = Promise.resolve()
  const ask = async (): Promise<boolean> => {
    if (stopped || ended) return false
    if (!options.proceed) return true
    asking ??= options.proceed().finally(() => (asking = undefined))
    const go = await asking.catch((error: unknown) => {
      failure ??= error
      return false
    })
    if (go) return true
    if (!stopped && !ended) {
      stopped = true
      const pid = (client as unknown as { processID: number }).processID
      cancelling = db.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {})
      await cancelling
    }
    return false
  }
  const timer = setInterval(() => void ask(), options.checkEveryMs ?? 500)
  return {
    get stopped() {
      return stopped
    },
    get failure() {
      return failure
    },
    proceed: ask,
    async end() {
      ended = true
      clearInterval(timer)
      await cancelling
    },
  }
}

async function cursorQuery(client: PoolClient, sql: string, scope: QueryScope, sink: RowSink, options: RunOptions, watch: Watch): Promise<number> {
  const cursor = cursorName()
  await client.query('BEGIN')
  try {
    await enterSandbox(client, scope, options.deadline)
    await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`)
    return await fetchAll(client, cursor, sink, options, watch)
  } finally {
    await client.query('ROLLBACK').catch(() => {})
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
 * under LIMIT 0 (planned, never run).
 */
async function copyQuery(
  client: PoolClient,
  sql: string,
  scope: QueryScope,
  sink: RowSink,
  text: NonNullable<RowSink['text']>,
  options: RunOptions,
  watch: Watch,
): Promise<number | undefined> {
  await client.query('BEGIN')
  try {
    await enterSandbox(client, scope, options.deadline)
    const columns = await describe(client, sql)
    const statement = copyStatement(sql, columns, text.format)
    if (!statement) return undefined
    await sink.columns(columns)
    const copy = client.query(copyTo(statement))
    for await (const chunk of copy as AsyncIterable<Buffer>) await text.write(chunk)
    if (watch.stopped) return 0
    if (copy.rowCount > options.maxRows) {
      throw new QueryError(`The query returned more than ${options.maxRows} rows, the output limit of this data source`)
    }
    return copy.rowCount
  } finally {
    await client.query('ROLLBACK').catch(() => {})
  }
}

/** The result's columns: the query planned under LIMIT 0, never run. */
async function describe(client: PoolClient, sql: string): Promise<ResultColumn[]> {
  const described = await client.query({ text: `SELECT * FROM (${sql}) AS q LIMIT 0`, rowMode: 'array', types: RAW_TEXT_TYPES })
  return resultColumnsOf(described.fields)
}

async function fetchAll(client: PoolClient, cursor: string, sink: RowSink, options: RunOptions, watch: Watch): Promise<number> {
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
      if (!(await watch.proceed())) return total
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
