// Route schemas of the Data Backfill family: Zuora's CommonResponse envelope around each
// payload, DataBackfillJob and GETAutoBackfillJobResponse, for validation, serialisation and
// the OpenAPI document.
import { Type } from 'typebox'
import { OrNull } from '../platform/schemas.ts'
import { BACKFILL_TYPES } from './files/templates.ts'

const Reason = Type.Object({ code: Type.String(), message: Type.String() })
const envelope = {
  success: Type.Boolean(),
  processId: Type.Optional(Type.String({ description: '16 upper-case hexadecimal characters' })),
  requestId: Type.Optional(Type.String({ description: 'The Zuora-Request-Id of the call' })),
  reasons: Type.Optional(Type.Array(Reason)),
}
export const CommonResponse = Type.Object(envelope, { description: 'CommonResponse' })
const ErrorResponse = Type.Object({ reasons: Type.Array(Reason) }, { description: 'Internal server error' })

/** Error answers in the v1 envelope. 401 (the gateway's own body) and 429 are the platform's. */
export const errors = {
  400: { ...CommonResponse, description: 'Invalid request: a missing or invalid part, field or id' },
  403: { ...CommonResponse, description: 'No Data Backfill permission' },
  404: { ...CommonResponse, description: 'No such job' },
  409: { ...CommonResponse, description: 'The job cannot be stopped: it has ended, or is stopping' },
  500: ErrorResponse,
}

export const JobIdResponse = Type.Object({ ...envelope, jobId: Type.String({ description: '32 characters' }) })

const typeEnum = Type.Union(BACKFILL_TYPES.map((type) => Type.Literal(type)))

const dataBackfillJob = {
  id: Type.String(),
  importType: typeEnum,
  uploadedFileId: Type.String(),
  uploadedFileName: Type.String(),
  uploadedFileUrl: Type.String({ description: 'Download with the bearer token: /apps/v1/files/{id}' }),
  uploadedFileSize: Type.String({ description: '798Byte, 1.50KB, 3.99MB' }),
  inputFileSize: Type.Integer(),
  outputSize: Type.Optional(Type.String()),
  outputType: Type.String(),
  outputFileSize: Type.Optional(Type.Integer()),
  resultFileId: Type.Optional(Type.String()),
  resultFileName: Type.Optional(Type.String()),
  resultFileUrl: Type.Optional(Type.String()),
  uploadedBy: Type.String(),
  uploadedOn: Type.String({ description: 'Epoch milliseconds' }),
  completedOn: Type.Optional(Type.String({ description: 'Epoch milliseconds' })),
  startedProcessingOn: Type.Optional(Type.String({ description: 'Epoch milliseconds' })),
  totalCount: Type.Integer(),
  failedCount: Type.Integer(),
  status: Type.Union(['Pending', 'Processing', 'Completed', 'Canceled', 'Failed', 'Stopping', 'Stopped'].map((s) => Type.Literal(s))),
  failureMessage: Type.String(),
  processedCount: Type.Integer(),
  successCount: Type.Integer(),
  remainingTime: Type.Integer({ description: 'Seconds, at the pace so far' }),
  remainingTimeText: Type.String(),
  completedPercentage: Type.Integer(),
}
export const FileJobResponse = Type.Object({ ...envelope, job: Type.Object(dataBackfillJob) })
// Zuora's list example names the type `type`, its schema `importType`: list items carry both.
export const FileJobsResponse = Type.Object({ ...envelope, jobs: Type.Array(Type.Object({ ...dataBackfillJob, type: typeEnum })) })

const AutoBackfillJob = Type.Object({
  id: Type.String(),
  createdOn: Type.Integer({ description: 'Epoch milliseconds' }),
  createdOnReadable: Type.String({ description: "yyyy-MM-dd'T'HH:mm:ssZ in the tenant's time zone" }),
  updatedOn: Type.Integer(),
  updatedOnReadable: Type.String(),
  updatedByUsername: Type.String(),
  status: Type.Union(['ACCEPTED', 'PROCESSING', 'COMPLETED', 'FAILED', 'STOPPED'].map((s) => Type.Literal(s))),
  type: Type.Union(['BookingDate', 'RatePlanCharge', 'OrderLineItem'].map((s) => Type.Literal(s))),
  batchSentCount: Type.Integer(),
  batchFinishedCount: Type.Integer(),
  errorCount: Type.Integer(),
  progress: Type.String({ description: '25.00%' }),
})
export const AutoJobResponse = Type.Object({ ...envelope, job: AutoBackfillJob })
export const AutoJobsResponse = Type.Object({ ...envelope, jobs: Type.Array(AutoBackfillJob) })

export const JobParams = Type.Object({ jobId: Type.String({ description: 'The job id: 32 characters' }) })
export const StopBody = Type.Object({ status: Type.String({ description: 'Stopping, the only value' }) })
export const TemplateParams = Type.Object({ type: Type.String({ description: BACKFILL_TYPES.join(', ') }) })

export const AutoBackfillBody = Type.Object({
  type: Type.Union([Type.Literal('RatePlanCharge'), Type.Literal('OrderLineItem')]),
  // null: the default (a generated client sends the unset field).
  batchSize: OrNull(Type.Integer({ minimum: 1, maximum: 1000, default: 1000 })),
  dryRun: OrNull(Type.Boolean({ default: false, description: 'Compute everything, write nothing' })),
})
