// Custom Objects: definitions, records, bulk jobs (/objects/...).
import type { BodySource, ZuoraClient } from './client.ts'
import { OPERATIONS } from './operations.ts'

export type BulkStatus = 'pending' | 'accepted' | 'in_progress' | 'completed' | 'failed' | 'cancelled'
export const BULK_ENDS: readonly BulkStatus[] = ['completed', 'failed', 'cancelled']
export type BulkOperation = 'create' | 'update' | 'delete'

export interface BulkJob {
  Id: string
  CreatedById: string
  CreatedDate: string
  UpdatedById: string
  UpdatedDate: string
  namespace: string
  object: string
  operation: BulkOperation
  status: BulkStatus
  /** Milliseconds from submission to the end; 0 until then. */
  processingTime: number
  /** Rows handled so far, written or refused. */
  recordsProcessed: number
  error?: { code: number; message: string }
}

export interface BulkJobError {
  code: number
  message: string
  /** The row as read: header name to cell. */
  record: Record<string, unknown>
  /** CSV row number; the header is row 1. */
  row: number
}

export interface DeleteCondition {
  field: string
  operator: 'EQ' | 'GT' | 'LT' | 'GE' | 'LE'
  value: string | number | boolean
}

export interface BulkSubmission {
  namespace: 'default'
  object: string
  operation: BulkOperation
  filter?: { conditions: DeleteCondition[] }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CustomRecord = Record<string, any> & { Id: string }

/** A definition as the API answers it: its schema's `properties` are the fields. */
export interface ObjectDefinition {
  Id: string
  type: string
  CreatedDate?: string
  UpdatedDate?: string
  schema: {
    object: string
    label?: string
    description?: string
    properties: Record<string, { type?: string; format?: string; label?: string; description?: string; maxLength?: number; enum?: unknown[] }>
    required?: string[]
    filterable?: string[]
    unique?: string[]
    relationships?: unknown[]
  }
}

/** Every definition of the tenant (of the caller's entity), by API name. */
export async function listDefinitions(client: ZuoraClient, signal?: AbortSignal): Promise<Record<string, ObjectDefinition>> {
  return (await client.call<{ definitions: Record<string, ObjectDefinition> }>(OPERATIONS.listDefinitions, { signal })).definitions
}

/** The system fields every record has; a bulk file names only the custom ones. */
export const SYSTEM_FIELDS = ['Id', 'CreatedById', 'CreatedDate', 'UpdatedById', 'UpdatedDate']

/** A bulk job's CSV template: the header of the definition's custom fields (Id first for updates). */
export function bulkTemplate(definition: ObjectDefinition, operation: BulkOperation = 'create'): string {
  const fields = Object.keys(definition.schema.properties).filter((name) => !SYSTEM_FIELDS.includes(name))
  const header = operation === 'create' ? fields : ['Id', ...fields]
  return `${header.map((name) => (/[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name)).join(',')}\n`
}

export async function createDefinitions(
  client: ZuoraClient,
  definitions: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ count: number; definitions: Record<string, unknown> }> {
  return client.call(OPERATIONS.createDefinitions, { json: { definitions }, signal })
}

/** One page of records (at most 1,000), in Id order: `cursor` is the last Id of the previous page. */
export async function listRecords(
  client: ZuoraClient,
  object: string,
  options: { q?: string; pageSize?: number; cursor?: string; signal?: AbortSignal } = {},
): Promise<{ count: number; records: CustomRecord[] }> {
  return client.call(OPERATIONS.listRecords, {
    params: { object },
    query: { q: options.q, pageSize: options.pageSize, cursor: options.cursor },
    signal: options.signal,
  })
}

/** Every record matching `q`, page after page (`limit`: stop after that many). */
export async function* allRecords(
  client: ZuoraClient,
  object: string,
  options: { q?: string; pageSize?: number; limit?: number; signal?: AbortSignal; onCount?(count: number): void } = {},
): AsyncGenerator<CustomRecord> {
  let cursor: string | undefined
  let yielded = 0
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  for (;;) {
    const pageSize = Math.min(options.pageSize ?? 1000, limit - yielded)
    if (pageSize <= 0) return
    const page = await listRecords(client, object, { q: options.q, pageSize, cursor, signal: options.signal })
    if (cursor === undefined) options.onCount?.(page.count)
    for (const record of page.records) {
      yield record
      yielded++
    }
    if (page.records.length < pageSize) return
    cursor = page.records[page.records.length - 1].Id
  }
}

export async function submitBulkJob(client: ZuoraClient, submission: BulkSubmission, signal?: AbortSignal): Promise<BulkJob> {
  return client.call(OPERATIONS.submitBulkJob, { json: submission, signal })
}

export async function getBulkJob(client: ZuoraClient, id: string, signal?: AbortSignal): Promise<BulkJob> {
  return client.call(OPERATIONS.getBulkJob, { params: { id }, signal })
}

export async function listBulkJobs(
  client: ZuoraClient,
  options: { pageSize?: number; cursor?: string; status?: BulkStatus; signal?: AbortSignal } = {},
): Promise<{ count: number; cursor?: string; jobs: BulkJob[] }> {
  return client.call(OPERATIONS.listBulkJobs, {
    query: { pageSize: options.pageSize, cursor: options.cursor, status: options.status },
    signal: options.signal,
  })
}

/**
 * Uploads the CSV file of a pending create or update job (the raw body, text/csv). `body`
 * may be a factory, so that a retry sends the file again from its start.
 */
export async function uploadBulkFile(
  client: ZuoraClient,
  id: string,
  body: BodySource,
  options: { size?: number; signal?: AbortSignal } = {},
): Promise<BulkJob> {
  const headers: Record<string, string> = { 'content-type': 'text/csv' }
  if (options.size !== undefined) headers['content-length'] = String(options.size)
  return client.call(OPERATIONS.uploadBulkFile, { params: { id }, body, headers, signal: options.signal })
}

export async function getBulkJobErrors(client: ZuoraClient, id: string, signal?: AbortSignal): Promise<BulkJobError[]> {
  return (await client.call<{ errors: BulkJobError[] }>(OPERATIONS.getBulkJobErrors, { params: { id }, signal })).errors
}

export async function cancelBulkJob(client: ZuoraClient, id: string, signal?: AbortSignal): Promise<BulkJob> {
  return client.call(OPERATIONS.cancelBulkJob, { params: { id }, signal })
}
