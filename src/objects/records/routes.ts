// /objects/records/default/{object} and /objects/batch/default/{object}. Bodies come with
// exact numbers (routes.ts); PATCH takes JSON merge patch.
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { AppDeps } from '../../http/context.ts'
import { callerOf } from '../../http/context.ts'
import { Resource } from '../errors.ts'
import {
  batchFor,
  createRecordsFor,
  deleteRecordFor,
  etagOf,
  getRecordFor,
  listRecordsFor,
  updateRecordFor,
  type BatchAction,
} from './service.ts'
import {
  BatchBody,
  BatchResult,
  CreatedRecords,
  CreateRecordsBody,
  ErrorBody,
  ListRecordsQuery,
  ObjectParams,
  Record,
  RecordInput,
  RecordList,
  RecordParams,
  Uri,
} from '../schemas.ts'

export async function recordRoutes(app: FastifyInstance, deps: AppDeps) {
  const tags = ['Custom Object Records']
  const config = { coResource: Resource.record }
  const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 412: ErrorBody }

  app.get<{ Params: Static<typeof ObjectParams>; Querystring: Static<typeof ListRecordsQuery> }>(
    '/objects/records/default/:object',
    {
      config,
      schema: {
        tags,
        summary: 'List records of a custom object',
        operationId: 'GET_AllRecordsForCustomObjectType',
        params: ObjectParams,
        querystring: ListRecordsQuery,
        response: { 200: RecordList, ...errors },
      },
    },
    async (request) =>
      listRecordsFor(deps.db, callerOf(request), request.params.object, {
        q: request.query.q,
        ids: request.query.ids,
        pageSize: request.query.pageSize ?? 20,
        cursor: request.query.cursor,
        page: request.query.page,
      }),
  )

  app.post<{ Params: Static<typeof ObjectParams>; Body: Static<typeof CreateRecordsBody> }>(
    '/objects/records/default/:object',
    {
      config,
      schema: {
        tags,
        summary: 'Create up to 1000 records',
        operationId: 'POST_CustomObjectRecords',
        params: ObjectParams,
        body: CreateRecordsBody,
        response: { 200: CreatedRecords, ...errors },
      },
    },
    async (request) => createRecordsFor(deps.db, callerOf(request), request.params.object, request.body, deps.config.customObjectMaxRecords),
  )

  app.get<{ Params: Static<typeof RecordParams> }>(
    '/objects/records/default/:object/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Retrieve a record',
        operationId: 'GET_CustomObjectRecordByID',
        params: RecordParams,
        response: { 200: Record, ...errors },
      },
    },
    async (request, reply) => {
      const { record, version } = await getRecordFor(deps.db, callerOf(request), request.params.object, request.params.id)
      reply.header('ETag', etagOf({ version }))
      return record
    },
  )

  for (const [method, operationId, summary] of [
    ['PUT', 'PUT_CustomObjectRecord', 'Update a record: the given fields change, null clears one (If-Match: its ETag)'],
    ['PATCH', 'Patch_PartialUpdateCustomObjectRecord', 'Update a record with a JSON merge patch'],
  ] as const) {
    app.route<{ Params: Static<typeof RecordParams>; Body: Static<typeof RecordInput> }>({
      method,
      url: '/objects/records/default/:object/:id',
      config,
      schema: { tags, summary, operationId, params: RecordParams, body: RecordInput, response: { 200: Record, ...errors } },
      handler: async (request, reply) => {
        const ifMatch = method === 'PUT' ? request.headers['if-match'] : undefined
        const { record, version } = await updateRecordFor(deps.db, callerOf(request), request.params.object, request.params.id, request.body, ifMatch)
        reply.header('ETag', etagOf({ version }))
        return record
      },
    })
  }

  app.delete<{ Params: Static<typeof RecordParams> }>(
    '/objects/records/default/:object/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a record (200 also when it does not exist)',
        operationId: 'Delete_CustomObjectRecordByID',
        params: RecordParams,
        response: { 200: Uri, ...errors },
      },
    },
    // A bare JSON string: Fastify would send a returned string as text.
    async (request, reply) =>
      reply.type('application/json; charset=utf-8').send(JSON.stringify(await deleteRecordFor(deps.db, callerOf(request), request.params.object, request.params.id))),
  )

  app.post<{ Params: Static<typeof ObjectParams>; Body: Static<typeof BatchBody> }>(
    '/objects/batch/default/:object',
    {
      config,
      schema: {
        tags,
        summary: 'Update or delete up to 1000 records',
        operationId: 'POST_CustomObjectRecordsBatchUpdateOrDelete',
        params: ObjectParams,
        body: BatchBody,
        response: { 200: BatchResult, ...errors },
      },
    },
    async (request) => batchFor(deps.db, callerOf(request), request.params.object, request.body.action as BatchAction),
  )
}
