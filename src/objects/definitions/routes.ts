// /objects/definitions/default and /objects/migrations.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { AppDeps } from '../../http/context.ts'
import { callerOf } from '../../http/context.ts'
import { createDefinitions, deleteDefinitionFor, getDefinitionFor, listDefinitionsFor } from './service.ts'
import { Resource } from '../errors.ts'
import { migrate } from './migrations.ts'
import { CreateDefinitionsBody, Definition, Definitions, ErrorBody, MigrationBody, ObjectParams, Uri } from '../schemas.ts'

export async function definitionRoutes(app: FastifyInstance, deps: AppDeps) {
  const tags = ['Custom Object Definitions']
  const config = { coResource: Resource.definition }
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody }
  const SelectQuery = Type.Object({ select: Type.Optional(Type.Literal('type')) })

  app.get<{ Querystring: Static<typeof SelectQuery> }>(
    '/objects/definitions/default',
    {
      config,
      schema: {
        tags,
        summary: 'List custom object definitions',
        operationId: 'GET_AllCustomObjectDefinitionsInNamespace',
        querystring: SelectQuery,
        response: { 200: Definitions, ...errors },
      },
    },
    async (request) => listDefinitionsFor(deps.db, callerOf(request), request.query.select),
  )

  app.post<{ Body: Static<typeof CreateDefinitionsBody> }>(
    '/objects/definitions/default',
    {
      config,
      schema: {
        tags,
        summary: 'Create custom object definitions (a list response is accepted as is)',
        operationId: 'POST_CustomObjectDefinitions',
        body: CreateDefinitionsBody,
        response: { 200: Definitions, ...errors },
      },
    },
    async (request) => createDefinitions(deps.db, callerOf(request), request.body.definitions),
  )

  app.get<{ Params: Static<typeof ObjectParams> }>(
    '/objects/definitions/default/:object',
    {
      config,
      schema: {
        tags,
        summary: 'Retrieve a custom object definition',
        operationId: 'GET_CustomObjectDefinitionByType',
        params: ObjectParams,
        response: { 200: Definition, ...errors },
      },
    },
    async (request) => getDefinitionFor(deps.db, callerOf(request), request.params.object),
  )

  app.delete<{ Params: Static<typeof ObjectParams> }>(
    '/objects/definitions/default/:object',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a custom object definition that has no records',
        operationId: 'Delete_CustomObjectDefinitionByType',
        params: ObjectParams,
        response: { 200: Uri, ...errors },
      },
    },
    // A bare JSON string: Fastify would send a returned string as text.
    async (request, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(await deleteDefinitionFor(deps.db, callerOf(request), request.params.object))),
  )

  app.post<{ Body: Static<typeof MigrationBody> }>(
    '/objects/migrations',
    {
      config: { coResource: Resource.actions },
      schema: {
        tags,
        summary: 'Change a custom object definition: one action per request',
        operationId: 'POST_UpdateCustomObjectDefinition',
        body: MigrationBody,
        response: { 200: MigrationBody, ...errors },
      },
    },
    async (request) => migrate(deps.db, callerOf(request), request.body),
  )
}
