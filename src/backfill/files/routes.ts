// Data backfill file jobs: upload, retrieve, stop, list, and the templates; plus the paths
// older SDKs call (/v1/uno/back-fill/jobs/{type}/template, /v1/uno/date-backfill/listjobs).
import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { callerOf, type AppDeps } from '../../http/context.ts'
import { contentDisposition } from '../../http/routes/files.ts'
import { BackfillErrors } from '../errors.ts'
import { backfillCaller, checkStopBody, ok } from '../common.ts'
import { MAX_UPLOAD_BYTES } from './csv-source.ts'
import { listFileJobs, readFileJob, stopFileJob, submitFileJob, toDataBackfillJob } from './service.ts'
import {
  CommonResponse,
  errors,
  FileJobResponse,
  FileJobsResponse,
  JobIdResponse,
  JobParams,
  StopBody,
  TemplateParams,
} from '../schemas.ts'
import { BACKFILL_TYPES, isBackfillType, templateCsv, templateFileName } from './templates.ts'
import { receiveUpload } from './upload.ts'

const tags = ['Data Backfill']

export async function fileJobRoutes(app: FastifyInstance, deps: AppDeps) {
  // One more byte than allowed, so an oversized file is told apart from one of exactly 4 MB.
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES + 1, files: 1, fields: 10, parts: 12, fieldSize: 64 * 1024 } })

  app.post(
    '/v1/uno/data-backfill/jobs',
    {
      schema: {
        tags,
        summary: 'Create a data backfill job',
        operationId: 'POST_CreateDataBackfillJob',
        description:
          'multipart/form-data with the parts `type` (ProductRatePlanCharge, RatePlanCharge, InvoiceDetail, MemoDetail or ' +
          'InvoiceItemAdjustment), `file` (a CSV file, or a zip archive of one, at most 4 MB; columns of the type\'s template) ' +
          'and optionally `checksum` (the MD5 of the file, 32 hexadecimal characters).',
        response: { 200: JobIdResponse, ...errors, 413: { ...CommonResponse, description: 'The file is larger than 4 MB' } },
      },
    },
    async (request) => {
      const caller = backfillCaller(callerOf(request))
      const parts = await receiveUpload(request, deps.files, caller.principal.tenant.id, caller.principal.user.id)
      const job = await submitFileJob(deps.db, deps.files, caller, parts)
      deps.jobs.wake()
      return ok(request, { jobId: job.id })
    },
  )

  app.get<{ Params: Static<typeof JobParams> }>(
    '/v1/uno/data-backfill/jobs/:jobId',
    {
      schema: {
        tags,
        summary: 'Retrieve a data backfill job',
        operationId: 'GET_DataBackfillJobById',
        params: JobParams,
        response: { 200: FileJobResponse, ...errors },
      },
    },
    async (request) => {
      const caller = backfillCaller(callerOf(request))
      const job = await readFileJob(deps.db, deps.views, caller, request.params.jobId)
      return ok(request, { job: toDataBackfillJob(job, deps.files, caller.clock.now()) })
    },
  )

  app.put<{ Params: Static<typeof JobParams>; Body: Static<typeof StopBody> }>(
    '/v1/uno/data-backfill/jobs/:jobId',
    {
      schema: {
        tags,
        summary: 'Stop a data backfill job',
        operationId: 'PUT_StopDataBackfillJobById',
        params: JobParams,
        body: StopBody,
        response: { 200: CommonResponse, ...errors },
      },
    },
    async (request) => {
      const caller = backfillCaller(callerOf(request))
      checkStopBody(request.body)
      await stopFileJob(deps.db, caller, request.params.jobId)
      return ok(request)
    },
  )

  const list = async (request: FastifyRequest) => {
    const caller = backfillCaller(callerOf(request))
    const jobs = await listFileJobs(deps.views, caller)
    const now = caller.clock.now()
    return ok(request, { jobs: jobs.map((job) => ({ ...toDataBackfillJob(job, deps.files, now), type: job.params.type })) })
  }
  const listSchema = { tags, summary: 'List data backfill jobs, newest first', response: { 200: FileJobsResponse, ...errors } }
  app.get('/v1/uno/data-backfill/listjobs', { schema: { ...listSchema, operationId: 'GET_ListDataBackfillJobs' } }, list)
  app.get('/v1/uno/date-backfill/listjobs', { schema: { ...listSchema, hide: true } }, list)

  const template = async (request: FastifyRequest<{ Params: Static<typeof TemplateParams> }>, reply: FastifyReply) => {
    backfillCaller(callerOf(request))
    const { type } = request.params
    if (!isBackfillType(type)) {
      throw BackfillErrors.invalid(`Invalid type '${type}': use one of ${BACKFILL_TYPES.join(', ')}`)
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', contentDisposition(templateFileName(type)))
      .send(templateCsv(type))
  }
  const templateSchema = {
    tags,
    summary: 'Download the template of a data backfill type',
    params: TemplateParams,
    response: { 200: { description: 'The template: a CSV header row', content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors },
  }
  app.get('/v1/uno/data-backfill/jobs/:type/template', { schema: { ...templateSchema, operationId: 'GET_DataBackfillTemplate' } }, template)
  app.get('/v1/uno/back-fill/jobs/:type/template', { schema: { ...templateSchema, hide: true } }, template)
}
