// /objects/jobs: submit, list, retrieve, upload the CSV file, errors, cancel.
import type { FastifyInstance } from 'fastify'
import type { Readable } from 'node:stream'
import type { Static } from 'typebox'
import type { AppDeps } from '../../http/context.ts'
import { callerOf } from '../../http/context.ts'
import { fileError } from './csv.ts'
import { cancelJobFor, getJobFor, jobErrorsFor, listJobsFor, renderJob, shownJob, submitJob, uploadFor, type BulkStatus } from './service.ts'
import { Resource } from '../errors.ts'
import { BulkJob, ErrorBody, JobErrors, JobList, JobParams, ListJobsQuery, SubmitJobBody } from '../schemas.ts'

export async function jobRoutes(app: FastifyInstance, deps: AppDeps) {
  const tags = ['Custom Object Jobs']
  const config = { coResource: Resource.job }
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody }

  app.post<{ Body: Static<typeof SubmitJobBody> }>(
    '/objects/jobs',
    {
      config,
      schema: {
        tags,
        summary: 'Submit a bulk job (create and update wait for their file)',
        operationId: 'POST_CustomObjectBulkJob',
        body: SubmitJobBody,
        response: { 200: BulkJob, ...errors },
      },
    },
    async (request) => {
      const job = await submitJob(deps.db, callerOf(request), request.body)
      deps.jobs.wake()
      return renderJob(await shownJob(deps.views, job))
    },
  )

  app.get<{ Querystring: Static<typeof ListJobsQuery> }>(
    '/objects/jobs',
    {
      config,
      schema: {
        tags,
        summary: 'List bulk jobs, newest first',
        operationId: 'GET_AllCustomObjectBulkJobs',
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errors },
      },
    },
    async (request) =>
      listJobsFor(deps.db, deps.views, callerOf(request), {
        pageSize: request.query.pageSize ?? 25,
        cursor: request.query.cursor,
        status: request.query.status as BulkStatus | undefined,
      }),
  )

  app.get<{ Params: Static<typeof JobParams> }>(
    '/objects/jobs/:id',
    {
      config,
      schema: { tags, summary: 'Retrieve a bulk job', operationId: 'GET_CustomObjectBulkJob', params: JobParams, response: { 200: BulkJob, ...errors } },
    },
    async (request) => renderJob(await getJobFor(deps.db, deps.views, callerOf(request), request.params.id)),
  )

  // The upload takes its body as a stream whatever its type: the scope's JSON parser would
  // otherwise read a CSV sent as application/json and answer 71000090 (not valid JSON)
  // instead of the upload's own 400 (71013620, the body must be text/csv).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
    scope.post<{ Params: Static<typeof JobParams> }>(
      '/objects/jobs/:id/files',
      {
        config: { coResource: Resource.jobFile },
        schema: {
          tags,
          summary: 'Upload the CSV file of a pending create or update job (raw text/csv body, UTF-8, at most 15 MB)',
          operationId: 'POST_UploadFileForCustomObjectBulkJob',
          params: JobParams,
          response: { 200: BulkJob, ...errors },
        },
      },
      async (request) => {
        const body = request.body as Readable | undefined
        if (!body || typeof body.pipe !== 'function') throw fileError('Send the CSV file as the request body, with Content-Type: text/csv.')
        const length = Number(request.headers['content-length'])
        const job = await uploadFor(deps.db, deps.files, callerOf(request), request.params.id, {
          contentType: request.headers['content-type'],
          // A gzip body's length says nothing of the file's.
          contentLength: request.headers['content-encoding'] || !Number.isFinite(length) ? undefined : length,
          body,
        })
        deps.jobs.wake()
        return renderJob(await shownJob(deps.views, job))
      },
    )
  })

  app.get<{ Params: Static<typeof JobParams> }>(
    '/objects/jobs/:id/errors',
    {
      config,
      schema: {
        tags,
        summary: 'The rows a bulk job refused (row 1 is the header)',
        operationId: 'GET_CustomObjectBulkJobErrors',
        params: JobParams,
        response: { 200: JobErrors, ...errors },
      },
    },
    async (request) => jobErrorsFor(deps.db, callerOf(request), request.params.id),
  )

  app.patch<{ Params: Static<typeof JobParams> }>(
    '/objects/jobs/:id/cancel',
    {
      config,
      schema: {
        tags,
        summary: 'Cancel an accepted or pending bulk job',
        operationId: 'PATCH_CustomObjectBulkJob',
        params: JobParams,
        response: { 200: BulkJob, ...errors },
      },
    },
    async (request) => renderJob(await shownJob(deps.views, await cancelJobFor(deps.db, deps.views, callerOf(request), request.params.id))),
  )
}
