// The bulk job handler. Create and update jobs stream their file from the file store,
// batch by batch: each batch's valid rows are written with one statement, its refused rows
// go to custom_object_job_errors, and its progress (the last row done) commits with them, so
// a job delivered again resumes after its last batch and never applies a row twice. Delete
// jobs delete in batches until no record matches.
import type { PoolClient } from 'pg'
import type { JobDeps } from '../jobs/registry.ts'
import { JobFailure, type JobContext, type JobKind, type JobOutcome, type Next } from '../jobs/types.ts'
import { csvProblem, csvRows, readHeader, readRow, rowRecord, type CsvRow, type Header } from './bulk-csv.ts'
import { BULK_KIND, conditionsFilter, failure, MAX_ACTIVE_JOBS, type BulkParams, type BulkProgress, type BulkResult } from './bulk-jobs.ts'
import { findDefinitionById } from './definition-store.ts'
import { code, CoCategory, Resource, type Problem } from './errors.ts'
import { deleteMatching } from './record-store.ts'
import { relationshipProblems, schemaOf, toWrite, type RecordSchema, type Values } from './record-values.ts'
import { newRecordId } from './record-ids.ts'
import { insertBatch, updateBatch } from './record-writes.ts'
import { FilterError } from './record-filter.ts'

/** Rows per batch (one transaction, one INSERT or UPDATE). */
export const BATCH_ROWS = 2000
/** Records per delete statement. */
export const DELETE_BATCH = 5000

type Context = JobContext<BulkParams, BulkProgress>

/** How a job ends when a batch was skipped for a stop or cancel request. */
const ended = (next: 'stop' | 'cancel'): JobOutcome<BulkResult> => ({ state: next === 'cancel' ? 'cancelled' : 'stopped' })

export function bulkJobKind(deps: Pick<JobDeps, 'files'>): JobKind<BulkParams, BulkProgress, BulkResult> {
  return {
    kind: BULK_KIND,
    maxRunningPerTenant: MAX_ACTIVE_JOBS,
    run: (context) => (context.job.params.operation === 'delete' ? runDelete(context) : runFile(context, deps)),
  }
}

const gone = (params: BulkParams) =>
  new JobFailure(failure(code(Resource.job, CoCategory.notFound), `Custom object [${params.object}] no longer exists.`))

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
        if (error instanceof FilterError) throw new JobFailure(failure(code(Resource.jobConditions, CoCategory.invalid), error.message))
        throw error
      }
      deleted = await deleteMatching(tx, schema.definition, filter, DELETE_BATCH)
      return { recordsProcessed: (job.progress.recordsProcessed ?? 0) + deleted }
    })
    if (next !== 'continue') return ended(next)
    if (deleted < DELETE_BATCH) return { state: 'completed', result: { recordsProcessed: job.progress.recordsProcessed ?? 0 } }
  }
}

async function runFile(context: Context, deps: Pick<JobDeps, 'files'>): Promise<JobOutcome<BulkResult>> {
  const { job } = context
  const file = job.params.fileId ? await deps.files.read(job.tenantId, job.params.fileId) : undefined
  if (!file) throw new JobFailure(failure(code(Resource.jobFile, CoCategory.notFound), 'The uploaded file is missing.'))
  let header: Header | undefined
  let batch: CsvRow[] = []
  let ids = new Set<string>()
  const flush = async (): Promise<Next> => {
    const rows = batch
    batch = []
    ids = new Set()
    return rows.length === 0 ? 'continue' : context.commit((tx) => writeBatch(tx, context, header!, rows))
  }
  let next: Next = 'continue'
  try {
    for await (const row of csvRows(file.stream)) {
      if (!header) {
        header = await headerOf(context, row.cells)
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
    if ((next = await flush()) !== 'continue') return ended(next)
  } catch (error) {
    const message = csvProblem(error)
    if (message) throw new JobFailure(failure(code(Resource.jobFile, CoCategory.invalid), message))
    throw error
  } finally {
    file.stream.destroy()
  }
  return { state: 'completed', result: { recordsProcessed: job.progress.recordsProcessed ?? 0 } }
}

/** The header, checked again: the definition may have changed since the upload. */
async function headerOf(context: Context, names: string[]): Promise<Header> {
  const definition = await findDefinitionById(context.db, context.job.tenantId, context.job.params.definitionId)
  if (!definition) throw gone(context.job.params)
  try {
    return readHeader(schemaOf(definition), context.job.params.operation, names)
  } catch (error) {
    const coded = error as { options?: { code?: number }; message: string }
    throw new JobFailure(failure(coded.options?.code ?? code(Resource.jobHeaders, CoCategory.invalid), coded.message))
  }
}

interface RowError {
  row: number
  problem: Problem
  record: Record<string, string>
}

async function writeBatch(tx: PoolClient, context: Context, header: Header, rows: CsvRow[]): Promise<BulkProgress> {
  const { job } = context
  const schema = await definitionFor(tx, context)
  const errors: RowError[] = []
  const refuse = (row: CsvRow, problem: Problem) => errors.push({ row: row.row, problem, record: rowRecord(header, row.cells) })
  const read = rows.map((row) => {
    const result = readRow(schema, header, row.cells)
    if ('problem' in result) {
      refuse(row, result.problem)
      return undefined
    }
    return result
  })
  const values: (Values | undefined)[] = read.map((result) => result?.values)
  const unmatched = await relationshipProblems(tx, { tenantId: job.tenantId, entityId: schema.definition.entityId }, schema, values)
  const writes: { row: CsvRow; id: string; values: Values }[] = []
  read.forEach((result, index) => {
    if (!result) return
    const problem = unmatched.get(index)
    if (problem) refuse(rows[index], problem)
    else writes.push({ row: rows[index], id: result.id ?? newRecordId(), values: result.values })
  })
  const userId = job.createdBy ?? ''
  const records = writes.map((write) => toWrite(schema, write.id, write.values))
  if (job.params.operation === 'create') {
    const { refused } = await insertBatch(tx, schema.definition, records, userId)
    for (const write of writes) if (refused.has(write.id)) refuse(write.row, refused.get(write.id)!)
  } else {
    const { updated, refused } = await updateBatch(tx, schema.definition, records, userId)
    for (const write of writes) {
      if (refused.has(write.id)) refuse(write.row, refused.get(write.id)!)
      else if (!updated.has(write.id)) refuse(write.row, { code: code(Resource.record, CoCategory.notFound), message: `Record [${write.id}] does not exist.` })
    }
  }
  await saveErrors(tx, job.tenantId, job.id, errors)
  return {
    rowsDone: rows[rows.length - 1].row,
    recordsProcessed: (job.progress.recordsProcessed ?? 0) + rows.length,
  }
}

async function saveErrors(tx: PoolClient, tenantId: string, jobId: string, errors: RowError[]): Promise<void> {
  if (errors.length === 0) return
  await tx.query(
    `INSERT INTO custom_object_job_errors (tenant_id, job_id, row_number, code, message, record)
     SELECT $1, $2, e.row_number, e.code, e.message, e.record
     FROM unnest($3::int[], $4::int[], $5::text[], $6::json[]) AS e(row_number, code, message, record)`,
    [
      tenantId,
      jobId,
      errors.map((error) => error.row),
      errors.map((error) => error.problem.code),
      errors.map((error) => error.problem.message),
      errors.map((error) => JSON.stringify(error.record)),
    ],
  )
}
