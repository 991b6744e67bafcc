// Data Query (/query/jobs): submit, retrieve, list, cancel.
import type { ZuoraClient } from './client.ts'
import { OPERATIONS } from './operations.ts'

export type QueryStatus = 'accepted' | 'in_progress' | 'completed' | 'failed' | 'cancelled'
export const QUERY_ENDS: readonly QueryStatus[] = ['completed', 'failed', 'cancelled']

export interface QuerySubmission {
  query: string
  outputFormat: 'JSON' | 'CSV' | 'TSV' | 'DSV'
  compression: 'NONE' | 'GZIP' | 'ZIP'
  output: { target: 'S3' }
  columnSeparator?: string
  /** Base64 DER (or PEM) RSA public key: the result file is encrypted for it. */
  encryptionKey?: string
  readDeleted?: boolean
  sourceData?: 'LIVE' | 'WAREHOUSE'
  useIndexJoin?: boolean
}

export interface QueryJob {
  id: string
  query: string
  queryStatus: QueryStatus
  sourceData: string
  useIndexJoin: boolean
  remainingRetries: number
  retries: number
  createdOn: string
  updatedOn: string
  createdBy?: string
  /** A signed link to the result file: it needs no token, and it expires. */
  dataFile?: string
  outputRows?: number
  /** Milliseconds. */
  processingTime?: number
  errorMessage?: string
}

type Data<T> = { data: T }

export async function submitQuery(client: ZuoraClient, submission: QuerySubmission, signal?: AbortSignal): Promise<QueryJob> {
  return (await client.call<Data<QueryJob>>(OPERATIONS.submitQuery, { json: submission, signal })).data
}

export async function getQuery(client: ZuoraClient, jobId: string, signal?: AbortSignal): Promise<QueryJob> {
  return (await client.call<Data<QueryJob>>(OPERATIONS.getQuery, { params: { jobId }, signal })).data
}

export async function listQueries(
  client: ZuoraClient,
  options: { queryStatus?: QueryStatus; pageSize?: number; signal?: AbortSignal } = {},
): Promise<QueryJob[]> {
  const query = { queryStatus: options.queryStatus, pageSize: options.pageSize }
  return (await client.call<Data<QueryJob[]>>(OPERATIONS.listQueries, { query, signal: options.signal })).data
}

export async function cancelQuery(client: ZuoraClient, jobId: string, signal?: AbortSignal): Promise<QueryJob> {
  return (await client.call<Data<QueryJob>>(OPERATIONS.cancelQuery, { params: { jobId }, signal })).data
}
