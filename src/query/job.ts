// Data Query jobs: one job kind per data source (their per-tenant limits differ). A job
// prepares its statement, runs it in the sandbox (or answers it from the catalogue), writes
// the result file through the output pipeline into the file store, and records what the
// client sees: the file, the row count, the processing time.
import type { Config } from '../config.ts'
import { JobFailure, type JobKind } from '../jobs/types.ts'
import type { Db } from '../storage/db.ts'
import type { FileStore } from '../storage/files/store.ts'
import { EXPOSED_TABLES, exposedTable } from './catalog.ts'
import { runQuery, type QueryScope, type RowSink } from './execute.ts'
import { DATA_QUERY_FUNCTIONS } from './functions.ts'
import type { ResultColumn, ResultRow } from './output/columns.ts'
import { openResultFile } from './output/result-file.ts'
import { prepareStatement, QueryError, type CustomTable, type Statement } from './sql.ts'
import { customObjectTables } from '../objects/data-query.ts'

export const DATA_QUERY_KINDS = { LIVE: 'data_query.live', WAREHOUSE: 'data_query.warehouse' } as const
export type SourceData = keyof typeof DATA_QUERY_KINDS

export interface DataQueryParams {
  query: string
  outputFormat: 'JSON' | 'CSV' | 'TSV' | 'DSV'
  compression: 'NONE' | 'GZIP' | 'ZIP'
  columnSeparator?: string
  encryptionKey?: string
  readDeleted: boolean
  sourceData: SourceData
  useIndexJoin: boolean
  warehouseSize?: string
  /** The submitter, as the job reports it. */
  createdByEmail: string | null
  /** Whether the submitter was an admin (admins may read the user table). */
  admin: boolean
  /** Whether the submitter might view custom objects (default__<object> tables); absent in older jobs: not. */
  viewCustomObjects?: boolean
  timeZone: string
}

export interface DataQueryResult {
  fileId: string
  fileName: string
  outputRows: number
  processingTime: number
}

export interface DataQueryDeps {
  config: Config
  db: Db
  /** The database WAREHOUSE queries read; the main one when none is configured. */
  warehouseDb: Db
  files: FileStore
}

export function dataQueryKinds(deps: DataQueryDeps): JobKind[] {
  return (['LIVE', 'WAREHOUSE'] as const).map(
    (source): JobKind<DataQueryParams, object, DataQueryResult> => ({
      kind: DATA_QUERY_KINDS[source],
      maxRunningPerTenant: source === 'LIVE' ? deps.config.dataQueryLiveRunning : deps.config.dataQueryWarehouseRunning,
      run: async (context) => {
        const { job } = context
        const started = Date.now()
        const params = job.params
        const maxRows = source === 'LIVE' ? deps.config.dataQueryLiveMaxRows : deps.config.dataQueryWarehouseMaxRows
        // The tenant's custom objects are tables too (default__<object>).
        const customObjects = await customObjectTables(deps.db, { tenantId: job.tenantId, entityId: job.entityId })
        let statement: Statement
        try {
          statement = await prepareStatement(
            params.query,
            { admin: params.admin, customObjects, viewCustomObjects: params.viewCustomObjects === true },
            { maxRows },
          )
        } catch (error) {
          if (error instanceof QueryError) throw new JobFailure(error.message)
          throw error
        }

        const file = openResultFile({
          jobId: job.id,
          format: params.outputFormat,
          compression: params.compression,
          columnSeparator: params.columnSeparator,
          encryptionKey: params.encryptionKey,
        })
        const stored = deps.files.put(job.tenantId, {
          name: file.fileName,
          contentType: file.contentType,
          stream: file.stream,
          createdBy: job.createdBy ?? undefined,
          jobId: job.id,
          expiresAt: new Date(Date.now() + deps.config.dataQueryRetentionDays * 86_400_000),
        })
        let cancelled = false
        try {
          const sink: RowSink = {
            columns: (columns) => file.writeHeader(columns),
            rows: (rows) => file.writeRows(rows),
            text: { format: file.serverFormat, write: (text) => file.writeText(text) },
          }
          let outputRows: number
          if (statement.kind === 'select') {
            const scope: QueryScope = {
              tenantId: job.tenantId,
              entityId: job.entityId,
              // Zuora's warehouse does not filter by org.
              orgIds: source === 'WAREHOUSE' ? null : job.orgIds,
              deleted: statement.selectsDeleted ? null : params.readDeleted,
              timeZone: params.timeZone,
            }
            outputRows = await runQuery(source === 'LIVE' ? deps.db : deps.warehouseDb, statement.sql, scope, sink, {
              maxRows,
              deadline: started + deps.config.dataQueryTimeLimitSeconds * 1000,
              timeLimitSeconds: deps.config.dataQueryTimeLimitSeconds,
              proceed: async () => {
                const next = await context.check()
                cancelled = next !== 'continue'
                return !cancelled
              },
            })
          } else {
            outputRows = await writeMetadata(statement, sink, customObjects)
          }
          await file.end()
          const meta = await stored
          if (cancelled) {
            await deps.files.delete(job.tenantId, meta.id)
            return { state: 'cancelled' }
          }
          return {
            state: 'completed',
            result: { fileId: meta.id, fileName: meta.name, outputRows, processingTime: Date.now() - started },
          }
        } catch (error) {
          file.abort(error instanceof Error ? error : new Error(String(error)))
          await stored.catch(() => {})
          // A query the client must fix fails the job; anything else (a timeout) is retried.
          throw error instanceof QueryError ? new JobFailure(error.message) : error
        }
      },
    }),
  )
}

/** SHOW TABLES, SHOW COLUMNS / DESCRIBE and SHOW FUNCTIONS, answered from the catalogue. */
async function writeMetadata(
  statement: Exclude<Statement, { kind: 'select' }>,
  sink: RowSink,
  customObjects: ReadonlyMap<string, CustomTable>,
): Promise<number> {
  const varchar = (name: string): ResultColumn => ({ name, type: 'varchar' })
  let columns: ResultColumn[]
  let rows: ResultRow[]
  switch (statement.kind) {
    case 'showTables':
      columns = [varchar('Table')]
      rows = [...EXPOSED_TABLES.map((table) => table.name), ...customObjects.keys()].sort().map((name) => [name])
      break
    case 'showColumns':
      columns = ['Column', 'Type', 'Extra', 'Comment'].map(varchar)
      rows = (customObjects.get(statement.table) ?? exposedTable(statement.table)!).columns.map((column) => [column.name, column.type, '', column.apiName])
      break
    case 'showFunctions':
      columns = ['Function', 'Return Type', 'Argument Types', 'Function Type', 'Deterministic', 'Description'].map(varchar)
      rows = DATA_QUERY_FUNCTIONS.map((f) => [f.name, f.returnType, f.argumentTypes, f.functionType, String(f.deterministic), f.description])
      break
  }
  await sink.columns(columns)
  if (rows.length > 0) await sink.rows(rows)
  return rows.length
}
