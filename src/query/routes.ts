// /query/jobs: Zuora's Data Query API. Every answer wraps the job (or jobs) in `data`.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { AppDeps } from '../http/context.ts'
import { callerOf } from '../http/context.ts'
import { OrNull } from '../platform/schemas.ts'
import { DataQueryErrors } from './errors.ts'
import { validateOutputOptions } from './output/options.ts'
import {
  cancelQuery,
  listQueries,
  readQuery,
  shownQuery,
  requireDataQueryPermission,
  submitQuery,
  toDataQueryJob,
  type DataQueryJob,
} from './service.ts'

const MAX_QUERY_LENGTH = 1_000_000

const SubmitBody = Type.Object({
  query: Type.String({ minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'SQL (Trino dialect), one statement' }),
  outputFormat: Type.Union([Type.Literal('JSON'), Type.Literal('CSV'), Type.Literal('TSV'), Type.Literal('DSV')]),
  compression: Type.Union([Type.Literal('NONE'), Type.Literal('GZIP'), Type.Literal('ZIP')]),
  output: Type.Object({ target: Type.Literal('S3') }),
  // Zuora's model declares these optional: null is read as absent (platform/schemas.ts).
  columnSeparator: OrNull(Type.String({ description: 'The DSV column separator: one character' })),
  encryptionKey: OrNull(Type.String({ description: 'Base64 RSA public key; the result file is encrypted for it' })),
  readDeleted: OrNull(Type.Boolean({ default: false })),
  sourceData: OrNull(Type.Union([Type.Literal('LIVE'), Type.Literal('WAREHOUSE')], { default: 'LIVE' })),
  useIndexJoin: OrNull(Type.Boolean()),
  warehouseSize: OrNull(Type.Union([Type.Literal('xsmall'), Type.Literal('NULL')])),
})

const QueryJob = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    query: Type.String(),
    useIndexJoin: Type.Boolean(),
    sourceData: Type.String(),
    queryStatus: Type.String(),
    remainingRetries: Type.Integer(),
    retries: Type.Integer(),
    updatedOn: Type.String({ format: 'date-time' }),
    createdOn: Type.String({ format: 'date-time' }),
    createdBy: Type.Optional(Type.String()),
    createdByUserEmail: Type.Optional(Type.String()),
    dataFile: Type.Optional(Type.String({ description: 'Signed link to the result file; needs no token; expires' })),
    outputRows: Type.Optional(Type.Integer()),
    processingTime: Type.Optional(Type.Integer({ description: 'Milliseconds' })),
    errorMessage: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
const ErrorBody = Type.Object({ code: Type.Integer(), message: Type.String() })
const JobParams = Type.Object({ jobId: Type.String() })
const ListQuery = Type.Object({
  queryStatus: Type.Optional(
    Type.Union(['accepted', 'in_progress', 'completed', 'failed', 'cancelled'].map((status) => Type.Literal(status))),
  ),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
})

export async function dataQueryRoutes(app: FastifyInstance, deps: AppDeps) {
  const tags = ['Data Query']
  const render = (job: DataQueryJob, who: { clock: { now(): number } }) => toDataQueryJob(job, deps.files, deps.config, who.clock.now())
  const caller = (request: Parameters<typeof callerOf>[0]) => {
    const who = callerOf(request)
    requireDataQueryPermission(who)
    return who
  }

  app.post<{ Body: Static<typeof SubmitBody> }>(
    '/query/jobs',
    {
      schema: {
        tags,
        summary: 'Submit a data query',
        operationId: 'POST_DataQueryJob',
        body: SubmitBody,
        response: { 200: Type.Object({ data: QueryJob }), 400: ErrorBody, 415: ErrorBody, 429: ErrorBody },
      },
      // Zuora requires a JSON content type (Fastify would also parse text/plain).
      preValidation: async (request) => {
        if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
          throw DataQueryErrors.notJson()
        }
      },
    },
    async (request) => {
      const who = caller(request)
      const body = request.body
      const invalidOutput = validateOutputOptions(body)
      if (invalidOutput) throw DataQueryErrors.invalidRequest(invalidOutput)
      const job = await submitQuery(deps.db, deps.config, who, {
        query: body.query,
        outputFormat: body.outputFormat,
        compression: body.compression,
        columnSeparator: body.columnSeparator ?? undefined,
        encryptionKey: body.encryptionKey ?? undefined,
        readDeleted: body.readDeleted ?? false,
        sourceData: body.sourceData ?? 'LIVE',
        useIndexJoin: body.useIndexJoin ?? false,
        warehouseSize: body.warehouseSize ?? undefined,
      })
      deps.jobs.wake()
      return { data: render(await shownQuery(deps.views, job), who) }
    },
  )

  app.get<{ Params: Static<typeof JobParams> }>(
    '/query/jobs/:jobId',
    {
      schema: {
        tags,
        summary: 'Retrieve a data query job',
        operationId: 'GET_DataQueryJob',
        params: JobParams,
        response: { 200: Type.Object({ data: QueryJob }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const who = caller(request)
      return { data: render(await readQuery(deps.db, deps.views, who, request.params.jobId), who) }
    },
  )

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/query/jobs',
    {
      schema: {
        tags,
        summary: 'List data query jobs, newest first',
        operationId: 'GET_DataQueryJobs',
        querystring: ListQuery,
        response: { 200: Type.Object({ data: Type.Array(QueryJob) }) },
      },
    },
    async (request) => {
      const who = caller(request)
      const jobs = await listQueries(deps.views, who, {
        queryStatus: request.query.queryStatus as never,
        pageSize: request.query.pageSize ?? 20,
      })
      return { data: jobs.map((job) => render(job, who)) }
    },
  )

  app.delete<{ Params: Static<typeof JobParams> }>(
    '/query/jobs/:jobId',
    {
      schema: {
        tags,
        summary: 'Cancel a data query job',
        operationId: 'DELETE_DataQueryJob',
        params: JobParams,
        response: { 200: Type.Object({ data: QueryJob }), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const who = caller(request)
      return { data: render(await shownQuery(deps.views, await cancelQuery(deps.db, who, request.params.jobId)), who) }
    },
  )
}
