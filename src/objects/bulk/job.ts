// The bulk job handler. Create and update jobs stream their file from the file store,
// batch by batch: each batch's valid rows are written with one statement, its refused rows
// go to custom_object_job_errors, and its progress (the last row done) commits with them, so
// a job delivered again resumes after its last batch and never applies a row twice. Delete
// jobs delete in batches until no record matches.
import type { PoolClient } from 'pg'
import { JobFailure, type JobContext, type JobDeps, type JobKind, type JobOutcome, type Next } from '../../jobs/types.ts'
import { ApiError } from '../../platform/errors.ts'
import { saveJobErrors } from './store.ts'
import { csvRows, NotCsv, readHeader, rowReader, rowRecord, type CsvRow, type Header } from './csv.ts'
import { BULK_KIND, conditionsFilter, MAX_ACTIVE_JOBS, type BulkParams, type BulkProgress, type BulkResult } from './service.ts'
import { findDefinitionById } from '../definitions/store.ts'
import { code, CoCategory, Resource, type Problem } from '../errors.ts'
import { deleteMatching } from '../records/store.ts'
import { relationshipProblems, schemaOf, toWrite, type RecordSchema, type Values } from '../records/values.ts'
import type { RecordWrite } from '../records/store.ts'
import { newRecordId } from '../records/ids.ts'
import { insertBatch, updateBatch } from '../records/writes.ts'
import { FilterError } from '../records/filter.ts'

/**
 * Rows per batch (one transaction, one INSERT or UPDATE). A batch costs a handful of round
 * trips besides its write; its rows live until it commits, while the next batch is read (a
 * batch that outlives two young-generation collections is garbage the old generation keeps).
 * On a 15 MB file 2,000 rows took the time 5,000 did and peaked lower: 1.17x-1.28x of a
 * quarter file's peak, against 1.27x-1.31x.
 */
export const BATCH_ROWS = 2000
/** Records per delete statement. */
export const DELETE_BATCH = 5000

type Context = JobContext<BulkParams, BulkProgress>

/** How a job ends when a batch was skipped for a stop or cancel request. */
const ended = (next: 'stop' | 'cancel'): JobOutcome<BulkResult> => ({ state: next === 'cancel' ? 'cancelled' : 'stopped' })

export function bulkJobKind(deps: Pick<JobDeps, 'files' | 'config'>): JobKind<BulkParams, BulkProgress, BulkResult> {
  return {
    kind: BULK_KIND,
    maxRunningPerTenant: MAX_ACTIVE_JOBS,
    run: (context) => (context.job.params.operation === 'delete' ? runDelete(context) : runFile(context, deps)),
  }
}

const gone = (params: BulkParams) =>
  new JobFailure(`Custom object [${params.object}] no longer exists.`, code(Resource.job, CoCategory.notFound))

async function definitionFor(tx: PoolClient, context: Context): Promise<RecordSchema> {
  const definition = await findDefinitionById(tx, context.job.tenantId, context.job.params.definitionId, 'share')
  if (!definition) throw gone(context.job.params)
  return schemaOf(definition)
}

async function runDelete(context: Context): Promise<JobOutcome<BulkResult>> {
  const { job } = context
  for (;;) {
    let deleted = 0
    const next = await context.commit(async (tx) => {
      const schema = await definitionFor(tx, context)
      let filter
      try {
        filter = conditionsFilter(schema, job.params.conditions ?? [])
      } catch (error) {
        if (error instanceof FilterError) throw new JobFailure(error.message, code(Resource.jobConditions, CoCategory.invalid))
        throw error
      }
      deleted = await deleteMatching(tx, schema.definition, filter, DELETE_BATCH)
      return { recordsProcessed: (job.progress.recordsProcessed ?? 0) + deleted }
    })
    if (next !== 'continue') return ended(next)
    if (deleted < DELETE_BATCH) return { state: 'completed', result: { recordsProcessed: job.progress.recordsProcessed ?? 0 } }
  }
}

async function runFile(context: Context, deps: Pick<JobDeps, 'files' | 'config'>): Promise<JobOutcome<BulkResult>> {
  const { job } = context
  const file = job.params.fileId ? await deps.files.read(job.tenantId, job.params.fileId) : undefined
  if (!file) throw new JobFailure('The uploaded file is missing.', code(Resource.jobFile, CoCategory.notFound))
  const state: BatchState = { schema: await currentSchema(context), maxRecords: deps.config.customObjectMaxRecords }
  let header: Header | undefined
  let batch: CsvRow[] = []
  let ids = new Set<string>()
  // One batch commits while the next is read and checked (JavaScript works while the
  // database does); commits themselves stay one after the other, in file order.
  let inFlight: Promise<Next> | undefined
  const settle = async (): Promise<Next> => {
    const pending = inFlight
    inFlight = undefined
    return pending ? pending : 'continue'
  }
  const flush = async (): Promise<Next> => {
    const rows = batch
    batch = []
    ids = new Set()
    if (rows.length === 0) return 'continue'
    const prepared = await prepareBatch(state.schema, header!, rows, context.rowFault)
    const previous = await settle()
    if (previous === 'continue') inFlight = context.commit((tx) => writeBatch(tx, context, state, header!, prepared))
    return previous
  }
  let next: Next = 'continue'
  try {
    for await (const rows of csvRows(file.stream)) {
      for (const row of rows) {
        if (!header) {
          header = readFileHeader(state.schema, job.params.operation, row.cells)
          continue
        }
        if (row.row <= (job.progress.rowsDone ?? 1)) continue
        // An update file naming a record twice: the earlier row is written first.
        const id = header.idColumn >= 0 ? row.cells[header.idColumn]?.trim().toLowerCase() : undefined
        if (id && ids.has(id) && (next = await flush()) !== 'continue') return ended(next)
        if (id) ids.add(id)
        batch.push(row)
        if (batch.length >= BATCH_ROWS && (next = await flush()) !== 'continue') return ended(next)
      }
    }
    if ((next = await flush()) !== 'continue' || (next = await settle()) !== 'continue') return ended(next)
  } catch (error) {
    await inFlight?.catch(() => {})
    if (error instanceof NotCsv) throw new JobFailure(error.message, code(Resource.jobFile, CoCategory.invalid))
    throw error
  } finally {
    file.stream.destroy()
  }
  return { state: 'completed', result: { recordsProcessed: job.progress.recordsProcessed ?? 0 } }
}

async function currentSchema(context: Context): Promise<RecordSchema> {
  const definition = await findDefinitionById(context.db, context.job.tenantId, context.job.params.definitionId)
  if (!definition) throw gone(context.job.params)
  return schemaOf(definition)
}

/** The header, checked again: the definition may have changed since the upload. */
function readFileHeader(schema: RecordSchema, operation: BulkParams['operation'], names: string[]): Header {
  try {
    return readHeader(schema, operation, names)
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    throw new JobFailure(error.message, error.options.code ?? code(Resource.jobHeaders, CoCategory.invalid))
  }
}

interface RowError {
  row: number
  problem: Problem
  record: Record<string, string>
}

/** What the batches are written under: the definition they are read against (a batch finding it changed reads again), the limit. */
interface BatchState {
  schema: RecordSchema
  /** Most records the object may hold. */
  maxRecords: number
}

interface PreparedBatch {
  rows: CsvRow[]
  schema: RecordSchema
  errors: RowError[]
  writes: { row: CsvRow; values: Values; write: RecordWrite }[]
}

// Rows checked between yields to the event loop: the batch committing meanwhile makes several
// round trips, and each answer waits for the JavaScript in its way (25 rows: well under a
// millisecond; 250 measured slower).
const ROWS_PER_TURN = 25

/** A batch's rows read and checked against `schema`: what to write, what to refuse. */
async function prepareBatch(schema: RecordSchema, header: Header, rows: CsvRow[], rowFault?: Context['rowFault']): Promise<PreparedBatch> {
  const errors: RowError[] = []
  const writes: PreparedBatch['writes'] = []
  const readRow = rowReader(schema, header)
  for (let index = 0; index < rows.length; index++) {
    if (index > 0 && index % ROWS_PER_TURN === 0) await new Promise(setImmediate)
    const row = rows[index]
    // A row a sandbox fault refuses is refused as a bad row is, with the fault's code and message.
    const fault = rowFault?.(row.row)
    if (fault) {
      errors.push({ row: row.row, problem: { code: fault.code ?? code(Resource.record, CoCategory.invalid), message: fault.message }, record: rowRecord(header, row.cells) })
      continue
    }
    const result = readRow(row.cells)
    if ('problem' in result) errors.push({ row: row.row, problem: result.problem, record: rowRecord(header, row.cells) })
    else writes.push({ row, values: result.values, write: toWrite(schema, result.id ?? newRecordId(), result.values, true) })
  }
  return { rows, schema, errors, writes }
}

async function writeBatch(tx: PoolClient, context: Context, state: BatchState, header: Header, prepared: PreparedBatch): Promise<BulkProgress> {
  const { job } = context
  const schema = await definitionFor(tx, context)
  let batch = prepared
  if (schema.definition.updatedAt.getTime() !== prepared.schema.definition.updatedAt.getTime()) {
    state.schema = schema
    batch = await prepareBatch(schema, header, prepared.rows, context.rowFault)
  }
  const errors = [...batch.errors]
  const refuse = (row: CsvRow, problem: Problem) => errors.push({ row: row.row, problem, record: rowRecord(header, row.cells) })
  const unmatched = await relationshipProblems(
    tx,
    { tenantId: job.tenantId, entityId: schema.definition.entityId },
    schema,
    batch.writes.map((write) => write.values),
  )
  const writes = batch.writes.filter((write, index) => {
    const problem = unmatched.get(index)
    if (problem) refuse(write.row, problem)
    return !problem
  })
  const userId = job.createdBy ?? ''
  const records = writes.map((write) => write.write)
  if (job.params.operation === 'create') {
    const { refused } = await insertBatch(tx, schema.definition, records, userId, state.maxRecords)
    for (const { row, write } of writes) if (refused.has(write.id)) refuse(row, refused.get(write.id)!)
  } else {
    const { updated, refused } = await updateBatch(tx, schema.definition, records, userId)
    for (const { row, write } of writes) {
      if (refused.has(write.id)) refuse(row, refused.get(write.id)!)
      else if (!updated.has(write.id)) refuse(row, { code: code(Resource.record, CoCategory.notFound), message: `Record [${write.id}] does not exist.` })
    }
  }
  const refused = errors.sort((a, b) => a.row - b.row)
  await saveJobErrors(tx, job.tenantId, job.id, refused.map((error) => ({ row: error.row, code: error.problem.code, message: error.problem.message, record: error.record })))
  return {
    rowsDone: batch.rows[batch.rows.length - 1].row,
    recordsProcessed: (job.progress.recordsProcessed ?? 0) + batch.rows.length,
  }
}

