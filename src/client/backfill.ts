// Data Backfill (/v1/uno/data-backfill/...): file jobs and their templates, auto backfill
// (propagation) and booking-date jobs. Answers come in Zuora's v1 envelope, unwrapped here.
import type { ZuoraClient } from './client.ts'
import { OPERATIONS } from './operations.ts'

export const BACKFILL_TYPES = ['ProductRatePlanCharge', 'RatePlanCharge', 'InvoiceDetail', 'MemoDetail', 'InvoiceItemAdjustment'] as const
export type BackfillType = (typeof BACKFILL_TYPES)[number]

export type FileJobStatus = 'Pending' | 'Processing' | 'Stopping' | 'Completed' | 'Stopped' | 'Failed' | 'Canceled'
export const FILE_JOB_ENDS: readonly FileJobStatus[] = ['Completed', 'Stopped', 'Failed', 'Canceled']

export interface FileJob {
  id: string
  importType: BackfillType
  status: FileJobStatus
  uploadedFileName: string
  uploadedFileUrl: string
  uploadedOn: string
  startedProcessingOn?: string
  completedOn?: string
  totalCount: number
  processedCount: number
  successCount: number
  failedCount: number
  completedPercentage: number
  /** Seconds left at the pace so far. */
  remainingTime: number
  remainingTimeText: string
  failureMessage: string
  resultFileName?: string
  /** Download with the bearer token (/apps/v1/files/{id}). */
  resultFileUrl?: string
  outputFileSize?: number
}

/** RatePlanCharge and OrderLineItem are auto backfills (propagation); BookingDate is the booking-date job. */
export type BatchType = 'RatePlanCharge' | 'OrderLineItem' | 'BookingDate'
export type BatchJobStatus = 'ACCEPTED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'STOPPED'
export const BATCH_JOB_ENDS: readonly BatchJobStatus[] = ['COMPLETED', 'FAILED', 'STOPPED']

export interface BatchJob {
  id: string
  type: BatchType
  status: BatchJobStatus
  createdOn: number
  updatedOn: number
  updatedByUsername: string
  batchSentCount: number
  batchFinishedCount: number
  errorCount: number
  /** `25.00%` */
  progress: string
}

interface Envelope {
  success: boolean
}

export async function createFileJob(
  client: ZuoraClient,
  type: BackfillType | string,
  file: Blob,
  options: { fileName?: string; checksum?: string; signal?: AbortSignal } = {},
): Promise<string> {
  // A fresh form per attempt: a retry sends the whole upload again.
  const body = () => {
    const form = new FormData()
    form.append('type', type)
    form.append('file', file, options.fileName ?? 'upload.csv')
    if (options.checksum) form.append('checksum', options.checksum)
    return form
  }
  const answer = await client.call<Envelope & { jobId: string }>(OPERATIONS.createBackfillJob, { body, signal: options.signal })
  return answer.jobId
}

export async function getFileJob(client: ZuoraClient, jobId: string, signal?: AbortSignal): Promise<FileJob> {
  return (await client.call<Envelope & { job: FileJob }>(OPERATIONS.getBackfillJob, { params: { jobId }, signal })).job
}

export async function listFileJobs(client: ZuoraClient, signal?: AbortSignal): Promise<(FileJob & { type?: string })[]> {
  return (await client.call<Envelope & { jobs: FileJob[] }>(OPERATIONS.listBackfillJobs, { signal })).jobs
}

export async function stopFileJob(client: ZuoraClient, jobId: string, signal?: AbortSignal): Promise<void> {
  await client.call(OPERATIONS.stopBackfillJob, { params: { jobId }, json: { status: 'Stopping' }, signal })
}

/** The type's CSV template: its header row. */
export async function backfillTemplate(client: ZuoraClient, type: string, signal?: AbortSignal): Promise<string> {
  const response = await client.send(OPERATIONS.backfillTemplate, { params: { type }, headers: { accept: 'text/csv, application/json' }, signal })
  return response.text()
}

const BATCH = {
  propagation: {
    create: OPERATIONS.createAutoBackfill,
    get: OPERATIONS.getAutoBackfill,
    list: OPERATIONS.listAutoBackfills,
    stop: OPERATIONS.stopAutoBackfill,
  },
  bookingDate: {
    create: OPERATIONS.createBookingDateBackfill,
    get: OPERATIONS.getBookingDateBackfill,
    list: OPERATIONS.listBookingDateBackfills,
    stop: OPERATIONS.stopBookingDateBackfill,
  },
}
export type BatchFamily = keyof typeof BATCH

export const batchFamilyOf = (type: BatchType): BatchFamily => (type === 'BookingDate' ? 'bookingDate' : 'propagation')

export async function createBatchJob(
  client: ZuoraClient,
  options: { type: BatchType; batchSize?: number; dryRun?: boolean; signal?: AbortSignal },
): Promise<string> {
  const family = batchFamilyOf(options.type)
  // The booking-date job takes no body.
  const json = family === 'propagation' ? { type: options.type, batchSize: options.batchSize, dryRun: options.dryRun } : undefined
  return (await client.call<Envelope & { jobId: string }>(BATCH[family].create, { json, signal: options.signal })).jobId
}

export async function getBatchJob(client: ZuoraClient, family: BatchFamily, jobId: string, signal?: AbortSignal): Promise<BatchJob> {
  return (await client.call<Envelope & { job: BatchJob }>(BATCH[family].get, { params: { jobId }, signal })).job
}

export async function listBatchJobs(client: ZuoraClient, family: BatchFamily, signal?: AbortSignal): Promise<BatchJob[]> {
  return (await client.call<Envelope & { jobs: BatchJob[] }>(BATCH[family].list, { signal })).jobs
}

export async function stopBatchJob(client: ZuoraClient, family: BatchFamily, jobId: string, signal?: AbortSignal): Promise<void> {
  await client.call(BATCH[family].stop, { params: { jobId }, json: { status: 'Stopping' }, signal })
}
