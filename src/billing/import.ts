// CSV import of billing objects: a header of Data Query column names, one object per row,
// streamed (csv-parse), every value checked against its column's type, inserted in chunks
// inside one transaction so that a bad file changes nothing.
import { parse } from 'csv-parse'
import type { PoolClient } from 'pg'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ApiError, Category, conflict, invalid } from '../platform/errors.ts'
import { requireTenant, type Tenant } from '../platform/tenants.ts'
import { bulkInsert, type BulkColumn } from '../storage/bulk.ts'
import type { Db } from '../storage/db.ts'
import { BILLING_OBJECTS, BILLING_SCHEMA, findBillingObject, insertColumns, type BillingObject, type Column } from './model.ts'

/** Default of ZJOBS_IMPORT_MAX_BYTES. */
export const DEFAULT_IMPORT_MAX_BYTES = 100 * 1024 * 1024
/** Bad rows reported before the import stops reading. */
export const MAX_REPORTED_ERRORS = 100
const CHUNK_ROWS = 1000

export interface ImportOptions {
  /** Largest input, in bytes (after any gzip decompression); beyond it the import fails with 413. */
  maxBytes?: number
  /** The entity the rows belong to: required on a multi-entity tenant, refused on others. */
  entityId?: string
  /** The org the rows belong to: required on a multi-org tenant, refused on others. */
  orgId?: string
}

export interface ImportResult {
  /** The object's Data Query name (account, rateplancharge...). */
  object: string
  rows: number
}

export interface RowError {
  line: number
  message: string
}

/** Imports the CSV `input` into `objectName` of `tenantId`: every row, or (on any error) none. */
export async function importCsv(
  db: Db,
  tenantId: string,
  objectName: string,
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportResult> {
  let target: { object: BillingObject; tenant: Tenant; scope: Scope }
  try {
    target = await resolveTarget(db, tenantId, objectName, options)
  } catch (error) {
    input.resume() // drain what the caller sent
    throw error
  }
  const importer = new Importer(db, target.tenant, target.object, target.scope)
  const maxBytes = options.maxBytes ?? DEFAULT_IMPORT_MAX_BYTES
  const limiter = limitBytes(maxBytes)
  // Piped, not pipelined: a failed import must not destroy the caller's stream (an HTTP
  // request still has to carry the error response); what is left of it is drained.
  const onError = (error: Error) => limiter.destroy(error)
  const onClose = () => {
    if (!input.readableEnded) limiter.destroy(new Aborted())
  }
  input.once('error', onError)
  input.once('close', onClose)
  input.pipe(limiter)
  try {
    const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true })
    await pipeline(limiter, parser, importer.sink())
    return { object: target.object.name, rows: await importer.finish() }
  } catch (error) {
    await importer.abort()
    input.unpipe(limiter)
    input.resume()
    throw error instanceof TooManyErrors ? importer.rowErrors() : importError(error, maxBytes)
  } finally {
    input.off('error', onError)
    input.off('close', onClose)
  }
}

interface Scope {
  entity_id: string | null
  org_id: string | null
}

async function resolveTarget(db: Db, tenantId: string, objectName: string, options: ImportOptions) {
  const object = findBillingObject(objectName)
  if (!object) {
    throw invalid(`unknown object "${objectName}"; importable objects: ${BILLING_OBJECTS.map((o) => o.apiName).join(', ')}`)
  }
  const tenant = await requireTenant(db, tenantId)
  return { object, tenant, scope: scopeOf(tenant, options) }
}

/** The entity and org rows are imported into: explicit, and only where the tenant has them. */
function scopeOf(tenant: Tenant, options: ImportOptions): Scope {
  const entityId = options.entityId?.trim().toLowerCase() || undefined
  const orgId = options.orgId?.trim().toLowerCase() || undefined
  if (tenant.entities.length > 0 && !entityId) {
    throw invalid(`tenant ${tenant.id} is multi-entity: name the entity the rows belong to (entityId; one of ${tenant.entities.map((e) => e.id).join(', ')})`)
  }
  if (entityId && !tenant.entities.some((entity) => entity.id === entityId)) {
    throw invalid(tenant.entities.length > 0 ? `entity ${entityId} is not an entity of tenant ${tenant.id}` : `tenant ${tenant.id} has no entities: leave entityId out`)
  }
  if (tenant.orgs.length > 0 && !orgId) {
    throw invalid(`tenant ${tenant.id} is multi-org: name the org the rows belong to (orgId; one of ${tenant.orgs.map((o) => o.id).join(', ')})`)
  }
  if (orgId && !tenant.orgs.some((org) => org.id === orgId)) {
    throw invalid(tenant.orgs.length > 0 ? `org ${orgId} is not an org of tenant ${tenant.id}` : `tenant ${tenant.id} has no orgs: leave orgId out`)
  }
  return { entity_id: entityId ?? null, org_id: orgId ?? null }
}

/** The error of an import over its size limit (the API checks Content-Length, the CLI the file size, first). */
export const tooLarge = (what: string, maxBytes: number) =>
  new ApiError(413, Category.limitExceeded, `${what} is larger than the import limit of ${maxBytes} bytes (ZJOBS_IMPORT_MAX_BYTES)`)

class TooLarge extends Error {}
class TooManyErrors extends Error {}
class Aborted extends Error {}

/** Fails the stream once more than `maxBytes` went through. */
function limitBytes(maxBytes: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length
      if (seen > maxBytes) callback(new TooLarge())
      else callback(null, chunk)
    },
  })
}

function importError(error: unknown, maxBytes: number): unknown {
  if (error instanceof ApiError) return error
  if (error instanceof TooLarge) return tooLarge('the CSV file', maxBytes)
  const csvError = error as { code?: string; lines?: number; message?: string }
  if (typeof csvError.code === 'string' && csvError.code.startsWith('CSV_')) {
    return invalid(`the file is not valid CSV: ${csvError.message ?? csvError.code}`)
  }
  if (error instanceof Aborted || csvError.code === 'ERR_STREAM_PREMATURE_CLOSE' || csvError.code === 'ECONNRESET') {
    return invalid('the upload ended before the whole file arrived')
  }
  return error
}

type Convert = (value: string) => unknown

interface Parsed {
  record: string[]
  info: { lines: number }
}

/** Reads records one by one: the header, then rows, validated, buffered and inserted by chunk. */
class Importer {
  readonly db: Db
  readonly tenant: Tenant
  readonly object: BillingObject
  readonly scope: Scope
  columns: Column[] | undefined
  insertColumns: BulkColumn[] = []
  converters: Convert[] = []
  buffer: { line: number; values: unknown[] }[] = []
  errors: RowError[] = []
  inserted = 0
  client: PoolClient | undefined

  constructor(db: Db, tenant: Tenant, object: BillingObject, scope: Scope) {
    this.db = db
    this.tenant = tenant
    this.object = object
    this.scope = scope
  }

  /** The writable end of the pipeline. */
  sink() {
    const importer = this
    return async function (source: AsyncIterable<Parsed>) {
      for await (const { record, info } of source) {
        if (!importer.columns) importer.readHeader(record)
        else await importer.readRow(record, info.lines)
      }
    }
  }

  readHeader(record: string[]): void {
    const names = record.map((name) => name.trim().toLowerCase())
    const byName = new Map(this.object.columns.map((column) => [column.name, column]))
    const problems: string[] = []
    const seen = new Set<string>()
    for (const name of names) {
      if (seen.has(name)) problems.push(`column "${name}" appears twice`)
      seen.add(name)
      if (name === 'tenant_id' || name === 'entity_id' || name === 'org_id') {
        problems.push(`column "${name}" is set by zjobs, not by the file${name === 'tenant_id' ? '' : ` (pass ${name === 'entity_id' ? 'entityId' : 'orgId'} instead)`}`)
      } else if (!byName.has(name)) {
        problems.push(`unknown column "${name}" for ${this.object.name}`)
      }
    }
    if (!seen.has('id')) problems.push('the header must include the id column')
    if (problems.length > 0) throw invalid(`invalid CSV header (line 1): ${problems.join('; ')}`)
    this.columns = names.map((name) => byName.get(name)!)
    this.insertColumns = insertColumns(this.columns)
    this.converters = this.columns.map(converterOf)
  }

  async readRow(record: string[], line: number): Promise<void> {
    const columns = this.columns!
    if (record.length !== columns.length) {
      this.fail(line, `has ${record.length} fields, the header has ${columns.length}`)
      return
    }
    const values: unknown[] = new Array(columns.length)
    for (let i = 0; i < columns.length; i++) {
      try {
        values[i] = this.converters[i](record[i])
      } catch (error) {
        this.fail(line, `${columns[i].name}: ${(error as Error).message}`)
        return
      }
    }
    if (this.errors.length > 0) return // keep validating, insert nothing more
    this.buffer.push({ line, values })
    if (this.buffer.length >= CHUNK_ROWS) await this.flush()
  }

  fail(line: number, message: string): void {
    this.errors.push({ line, message })
    if (this.errors.length >= MAX_REPORTED_ERRORS) throw new TooManyErrors()
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return
    const rows = this.buffer
    this.buffer = []
    const client = await this.transaction()
    const values = rows.map((row) => [this.tenant.id, ...row.values, this.scope.entity_id, this.scope.org_id])
    try {
      this.inserted += await bulkInsert(client, `${BILLING_SCHEMA}.${this.object.name}`, this.insertColumns, values)
    } catch (error) {
      throw this.insertError(error, rows)
    }
  }

  /** Opens the import's transaction at the first chunk, so that a bad header never takes the database. */
  async transaction(): Promise<PoolClient> {
    if (this.client) return this.client
    const client = await this.db.pool.connect()
    try {
      await client.query('BEGIN')
      // Timestamps without an offset are read in the tenant's time zone.
      await client.query(`SELECT set_config('TimeZone', $1, true)`, [this.tenant.timeZone])
    } catch (error) {
      client.release()
      throw error
    }
    this.client = client
    return client
  }

  insertError(error: unknown, rows: { line: number; values: unknown[] }[]): unknown {
    const pgError = error as { code?: string; detail?: string; message?: string }
    if (pgError.code === '23505') {
      const id = /=\(\d+, ([0-9a-f]{32})\)/.exec(pgError.detail ?? '')?.[1]
      const idColumn = this.columns!.findIndex((column) => column.name === 'id')
      const line = rows.findLast((row) => row.values[idColumn] === id)?.line
      const where = line ? `line ${line}: ` : ''
      return conflict(`${where}${this.object.name} ${id ?? '(an id of the file)'} already exists in tenant ${this.tenant.id}`)
    }
    if (typeof pgError.code === 'string' && /^(22|23)/.test(pgError.code)) {
      return invalid(`a row could not be stored: ${pgError.message}`)
    }
    return error
  }

  /** Inserts what is left and commits; or reports every bad row and rolls back. */
  async finish(): Promise<number> {
    if (!this.columns) throw invalid('the CSV file is empty: its first line must name the columns (Data Query names, with id)')
    if (this.errors.length > 0) throw this.rowErrors()
    await this.flush()
    if (this.client) {
      await this.client.query('COMMIT')
      this.client.release()
      this.client = undefined
    }
    return this.inserted
  }

  async abort(): Promise<void> {
    const client = this.client
    this.client = undefined
    if (!client) return
    await client.query('ROLLBACK').catch(() => {})
    client.release()
  }

  rowErrors(): ApiError {
    const stopped = this.errors.length >= MAX_REPORTED_ERRORS ? ` (stopped reading after ${MAX_REPORTED_ERRORS} errors)` : ''
    const shown = this.errors.slice(0, 10).map((error) => `line ${error.line}: ${error.message}`)
    const more = this.errors.length > shown.length ? `; and ${this.errors.length - shown.length} more` : ''
    return invalid(`${this.errors.length} invalid row(s) in the CSV file for ${this.object.name}${stopped}: ${shown.join('; ')}${more}`, {
      details: { errors: this.errors },
    })
  }
}

// ---- values --------------------------------------------------------------------------------

const HEX32 = /^[0-9a-f]{32}$/i
const UUID36 = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const DECIMAL = /^[+-]?(\d*)(?:\.(\d*))?$/
const BIGINT = /^[+-]?\d+$/
const INT64_MAX = 9_223_372_036_854_775_807n
const INT64_MIN = -9_223_372_036_854_775_808n

/** How a cell of `column` becomes a value (empty cell: NULL; `deleted` empty: false). */
export function converterOf(column: Column): Convert {
  const nullable = (convert: Convert): Convert => (value) => (value === '' ? null : convert(value))
  if (column.name === 'id') return toId
  if (column.name === 'deleted') return (value) => (value === '' ? false : toBoolean(value))
  if (column.ref) return nullable(toId)
  switch (column.type) {
    case 'boolean':
      return nullable(toBoolean)
    case 'date':
      return nullable(toDate)
    case 'timestamp with time zone':
      return nullable(toTimestamp)
    case 'decimal(18,6)':
      return nullable(toDecimal)
    case 'bigint':
      return nullable(toBigint)
    default:
      return nullable((value) => value)
  }
}

/** A Zuora id: 32 hexadecimal characters, or a 36-character UUID (normalised to 32, lower case). */
export function toId(value: string): string {
  const trimmed = value.trim()
  if (HEX32.test(trimmed)) return trimmed.toLowerCase()
  if (UUID36.test(trimmed)) return trimmed.replaceAll('-', '').toLowerCase()
  throw new Error(trimmed === '' ? 'must not be empty' : `"${value}" is not an id (32 hexadecimal characters, or a 36-character UUID)`)
}

function toBoolean(value: string): boolean {
  const lower = value.trim().toLowerCase()
  if (lower === 'true') return true
  if (lower === 'false') return false
  throw new Error(`"${value}" is not a boolean (true or false)`)
}

const validDate = (year: number, month: number, day: number): boolean => {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && year >= 1
}

function toDate(value: string): string {
  const match = DATE.exec(value.trim())
  if (!match || !validDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new Error(`"${value}" is not a date (YYYY-MM-DD)`)
  }
  return match[0]
}

function toTimestamp(value: string): string {
  const trimmed = value.trim()
  const match = TIMESTAMP.exec(trimmed)
  const ok =
    match !== null &&
    DATE.test(match[1]) &&
    validDate(...(match[1].split('-').map(Number) as [number, number, number])) &&
    Number(match[2]) <= 23 &&
    Number(match[3]) <= 59 &&
    Number(match[4] ?? 0) <= 59
  if (!ok) throw new Error(`"${value}" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM])`)
  return trimmed
}

function toDecimal(value: string): string {
  const trimmed = value.trim()
  const match = DECIMAL.exec(trimmed)
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) throw new Error(`"${value}" is not a decimal number`)
  if (match[1].replace(/^0+/, '').length > 12) throw new Error(`"${value}" is out of range for decimal(18,6) (at most 12 digits before the point)`)
  return trimmed
}

function toBigint(value: string): string {
  const trimmed = value.trim()
  if (!BIGINT.test(trimmed)) throw new Error(`"${value}" is not an integer`)
  const number = BigInt(trimmed)
  if (number > INT64_MAX || number < INT64_MIN) throw new Error(`"${value}" is out of range for bigint`)
  return trimmed
}
