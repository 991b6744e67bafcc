// Auto backfill (/v1/uno/data-backfill/propagation/jobs) and booking-date backfill
// (/v1/uno/data-backfill/bookingdate/jobs): create, list, retrieve, stop.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { callerOf, type AppDeps } from '../../http/context.ts'
import { BackfillErrors } from '../errors.ts'
import {
  listBatchJobs,
  readBatchJob,
  stopBatchJob,
  submitBatchJob,
  toAutoBackfillJob,
  type BatchFamily,
  type SubmitOptions,
} from './service.ts'
import { backfillCaller, checkStopBody, ok } from '../common.ts'
import { AutoBackfillBody, AutoJobResponse, AutoJobsResponse, CommonResponse, errors, JobIdResponse, JobParams, StopBody } from '../schemas.ts'

const tags = ['Data Backfill']

interface FamilyRoutes {
  family: BatchFamily
  path: string
  noun: string
  ids: { create: string; list: string; get: string; stop: string }
}

const FAMILIES: FamilyRoutes[] = [
  {
    family: 'propagation',
    path: '/v1/uno/data-backfill/propagation/jobs',
    noun: 'an auto backfill job',
    ids: { create: 'POST_CreateAutoBackfillJob', list: 'GET_listAutoBackfillJob', get: 'GET_AutoBackfillJobById', stop: 'PUT_StopAutoBackfillJobById' },
  },
  {
    family: 'bookingDate',
    path: '/v1/uno/data-backfill/bookingdate/jobs',
    noun: 'a booking date backfill job',
    ids: {
      create: 'POST_CreateBookingDateBackfillJob',
      list: 'GET_ListBookingDateBackfillJobs',
      get: 'GET_BookingDateBackfillJobById',
      stop: 'PUT_StopBookingDateBackfillJobById',
    },
  },
]

export async function batchJobRoutes(app: FastifyInstance, deps: AppDeps) {
  for (const { family, path, noun, ids } of FAMILIES) {
    const create = async (request: FastifyRequest, options: SubmitOptions) => {
      const job = await submitBatchJob(deps.db, backfillCaller(callerOf(request)), family, options)
      deps.jobs.wake()
      return ok(request, { jobId: job.id })
    }
    if (family === 'propagation') {
      app.post<{ Body: Static<typeof AutoBackfillBody> }>(
        path,
        { schema: { tags, summary: `Create ${noun}`, operationId: ids.create, body: AutoBackfillBody, response: { 200: JobIdResponse, ...errors } } },
        (request) => create(request, { type: request.body.type, batchSize: request.body.batchSize ?? undefined, dryRun: request.body.dryRun ?? undefined }),
      )
    } else {
      // The booking-date job takes no body; clients that send an empty JSON one are accepted too.
      await app.register(async (scoped) => {
        scoped.removeContentTypeParser('application/json')
        scoped.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
          const text = String(body).trim()
          if (text === '') return done(null, undefined)
          try {
            done(null, JSON.parse(text))
          } catch {
            done(BackfillErrors.malformed('Request body is not valid JSON'), undefined)
          }
        })
        scoped.post(
          path,
          { schema: { tags, summary: `Create ${noun}`, operationId: ids.create, response: { 200: JobIdResponse, ...errors } } },
          (request) => create(request, { type: 'BookingDate' }),
        )
      })
    }

    app.get(
      path,
      { schema: { tags, summary: `List ${noun.replace(/^an? /, '')}s, newest first`, operationId: ids.list, response: { 200: AutoJobsResponse, ...errors } } },
      async (request) => {
        const caller = backfillCaller(callerOf(request))
        const jobs = await listBatchJobs(deps.views, caller, family)
        return ok(request, { jobs: jobs.map((job) => toAutoBackfillJob(job, caller.principal.tenant.timeZone)) })
      },
    )

    app.get<{ Params: Static<typeof JobParams> }>(
      `${path}/:jobId`,
      { schema: { tags, summary: `Retrieve ${noun}`, operationId: ids.get, params: JobParams, response: { 200: AutoJobResponse, ...errors } } },
      async (request) => {
        const caller = backfillCaller(callerOf(request))
        const job = await readBatchJob(deps.db, deps.views, caller, family, request.params.jobId)
        return ok(request, { job: toAutoBackfillJob(job, caller.principal.tenant.timeZone) })
      },
    )

    app.put<{ Params: Static<typeof JobParams>; Body: Static<typeof StopBody> }>(
      `${path}/:jobId`,
      {
        schema: { tags, summary: `Stop ${noun}`, operationId: ids.stop, params: JobParams, body: StopBody, response: { 200: CommonResponse, ...errors } },
      },
      async (request) => {
        const caller = backfillCaller(callerOf(request))
        checkStopBody(request.body)
        await stopBatchJob(deps.db, caller, family, request.params.jobId)
        return ok(request)
      },
    )
  }
}
