// Runs a prepared Data Query in its sandbox and streams the rows out.
//
// The query's transaction writes its context row (tenant, entity, orgs, live or deleted
// rows), turns read-only, becomes zjobs_dq_reader with only schema dataquery on its search
// path, and runs the query; a stop request is honoured between batches of output.
//
// The file's text is written by the database wherever it can be (parsing 80 columns into
// JavaScript strings and joining them again cost up to five times COPY's time):
//
// - On a PostgreSQL server: `COPY (query) TO STDOUT` in the sandbox, straight to the file.
//   statement_timeout bounds it.
// - On the embedded database, which is one session: a COPY there would hold it for the whole
//   export and hand over its output in one piece. The query instead fills a temporary table
//   (one statement, like a cursor's materialisation), each value already in its output text,
//   and the table is copied out a slice of pages at a time, each slice a statement of its own
//   so that other work takes turns. PGlite has no statement_timeout: past the deadline the
//   watchdog interrupts it.
//
// Rows whose text COPY cannot write (a separator of more than one byte), and sinks that take
// rows rather than text, go through a cursor: inside the transaction on a PostgreSQL server;
// on the embedded database declared WITH HOLD, so the transaction commits at once and each
// FETCH is a statement of its own.
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
  const embedded = db.kind === 'embedded'
  const client = await db.pool.connect()
  if (!embedded && sink.text) return copyQuery(client, sql, scope, sink, sink.text, options)
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
  try {
    if (!embedded) return await cursorQuery(client, sql, scope, sink, options, false, ran)
    const columns = await describeInSandbox(client, sql, scope, options.deadline)
    const texts = textSelect(sql, columns)
    if (sink.text) {
      const rows = await stagedCopyQuery(client, texts, columns, scope, sink, sink.text, options, ran)
      if (rows !== undefined) return rows
    }
    return await cursorQuery(client, texts, scope, sink, options, true, ran, columns)
  } catch (error) {
    throw interrupted ? timeoutError(options.timeLimitSeconds) : translate(error, options.timeLimitSeconds)
  } finally {
    ran()
    // On the embedded database the context row was committed with the query's output: remove it.
    if (embedded) await client.query('DELETE FROM dq_context WHERE pid = pg_backend_pid()').catch(() => {})
    // A connection the interruption cut is not handed back to the pool.
    client.release(interrupted)
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
    else if (declared) await client.query(`CLOSE ${cursor}`).catch(() => {})
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
    const columns = await describe(client, sql)
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

/**
 * The query with every value turned into its text inside the sandbox, so that what is read
 * after its transaction (a held cursor, a staging table) is printed as in it: timestamps in
 * the query's time zone. Booleans stay booleans, for the formats to spell.
 */
function textSelect(sql: string, columns: readonly ResultColumn[]): string {
  if (columns.length === 0) return `SELECT FROM (${sql}) AS q`
  const names = columns.map((_, i) => `c${i + 1}`)
  const values = columns.map((column, i) => (column.type === 'boolean' ? names[i] : `${names[i]}::text`))
  return `SELECT ${values.join(', ')} FROM (${sql}) AS q(${names.join(', ')})`
}

/** Pages of the staging table copied out by one statement (4 MB of table: a few MB of text). */
const SLICE_PAGES = 512

/**
 * The embedded database's COPY path. `texts` (textSelect's) fills a temporary table that zjobs
 * creates, so that the query itself still runs read-only as the reader; the table is then
 * copied out by ranges of its pages (a TID range scan reads each page once), the next slice
 * running while this one is written. Undefined when COPY cannot write the format: nothing has
 * been written then, and the caller takes the cursor.
 */
async function stagedCopyQuery(
  client: PoolClient,
  texts: string,
  columns: ResultColumn[],
  scope: QueryScope,
  sink: RowSink,
  text: NonNullable<RowSink['text']>,
  options: RunOptions,
  ran: () => void,
): Promise<number | undefined> {
  const table = `pg_temp.${cursorName()}`
  const slice = (page: number) =>
    copyStatement(`SELECT * FROM ${table} WHERE ctid >= '(${page},0)'::tid AND ctid < '(${page + SLICE_PAGES},0)'::tid`, columns, text.format)
  if (!slice(0)) return undefined

  let created = false
  let rows = 0
  let pending: Promise<Buffer[]> | undefined
  try {
    await client.query('BEGIN')
    try {
      const definitions = columns.map((column, i) => `c${i + 1} ${column.type === 'boolean' ? 'boolean' : 'text'}`)
      await client.query(`CREATE TEMP TABLE ${table} (${definitions.join(', ')})`)
      await client.query(`GRANT INSERT ON ${table} TO zjobs_dq_reader`)
      await enterSandbox(client, scope, options.deadline)
      rows = (await client.query(`INSERT INTO ${table} ${texts}`)).rowCount ?? 0
      await client.query('COMMIT')
      created = true
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    }
    ran()
    if (rows > options.maxRows) {
      throw new QueryError(`The query returned more than ${options.maxRows} rows, the output limit of this data source`)
    }
    await sink.columns(columns)
    const sized = await client.query<{ pages: number }>(`SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int AS pages`, [table])
    const pages = sized.rows[0].pages
    const copySlice = (page: number) => (page < pages ? buffers(client.query(copyTo(slice(page)!))) : undefined)
    pending = copySlice(0)
    for (let page = 0; pending; page += SLICE_PAGES) {
      const chunks = await pending
      pending = copySlice(page + SLICE_PAGES)
      for (const chunk of chunks) await text.write(chunk)
      if (Date.now() > options.deadline) throw timeoutError(options.timeLimitSeconds)
      if (options.proceed && !(await options.proceed())) return 0
    }
    return rows
  } finally {
    await pending?.catch(() => {})
    if (created) await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
  }
}

/** Everything a stream gives, in pieces. */
async function buffers(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return chunks
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
