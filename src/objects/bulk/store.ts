// The SQL of custom-object bulk jobs' own table: the rows a job refused, with their code,
// message and record, as the job's error list shows them.
import type { Queryable } from '../../storage/db.ts'

export interface JobErrorRow {
  code: number
  message: string
  record: Record<string, unknown>
  /** The file's row number (1 is the first record after the header). */
  row: number
}

/** Records a batch's refused rows; run it in the batch's transaction, so they commit with its progress. */
export async function saveJobErrors(tx: Queryable, tenantId: string, jobId: string, errors: JobErrorRow[]): Promise<void> {
  if (errors.length === 0) return
  await tx.query(
    `INSERT INTO custom_object_job_errors (tenant_id, job_id, row_number, code, message, record)
     SELECT $1, $2, e.row_number, e.code, e.message, e.record
     FROM unnest($3::int[], $4::int[], $5::text[], $6::json[]) AS e(row_number, code, message, record)`,
    [
      tenantId,
      jobId,
      errors.map((error) => error.row),
      errors.map((error) => error.code),
      errors.map((error) => error.message),
      errors.map((error) => JSON.stringify(error.record)),
    ],
  )
}

/** A job's refused rows, in file order. */
export async function listJobErrors(db: Queryable, tenantId: string, jobId: string): Promise<JobErrorRow[]> {
  const { rows } = await db.query<{ row_number: number; code: number; message: string; record: Record<string, unknown> }>(
    'SELECT row_number, code, message, record FROM custom_object_job_errors WHERE tenant_id = $1 AND job_id = $2 ORDER BY row_number',
    [tenantId, jobId],
  )
  return rows.map((row) => ({ code: row.code, message: row.message, record: row.record, row: row.row_number }))
}
