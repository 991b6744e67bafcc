// The Custom Objects API family: definitions, records, bulk jobs. Errors of its routes
// carry 8-digit codes of the route's resource, request validation errors included.
import type { FastifyError, FastifyInstance } from 'fastify'
import type { AppDeps } from '../http/context.ts'
import { sendError, toApiError } from '../http/errors.ts'
import { ApiError, Category } from '../platform/errors.ts'
import { definitionRoutes } from './definitions/routes.ts'
import { parseExactJson, parseJson } from './exact-json.ts'
import { jobRoutes } from './bulk/routes.ts'
import { recordRoutes } from './records/routes.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The Custom Objects resource code of the route (its validation errors' codes). */
    coResource?: number
  }
}

export async function customObjectRoutes(app: FastifyInstance, deps: AppDeps) {
  app.setErrorHandler((error, request, reply) => {
    const resource = request.routeOptions.config?.coResource
    if (resource && (error as FastifyError).validation) {
      const apiError = toApiError(error)
      return sendError(request, reply, new ApiError(apiError.status, apiError.category, apiError.message, { ...apiError.options, resource }))
    }
    return sendError(request, reply, error)
  })
  await app.register(async (scope) => {
    jsonBodies(scope, deps.config.maxBodyBytes, parseJson)
    await definitionRoutes(scope, deps)
    await jobRoutes(scope, deps)
  })
  await app.register(async (scope) => {
    // Records keep their numbers exact (int64 integers, 22-digit numbers).
    jsonBodies(scope, deps.config.maxBodyBytes, parseExactJson)
    await recordRoutes(scope, deps)
  })
}

/**
 * JSON bodies (and PATCH's merge-patch+json) in this scope. An empty body is no body: Zuora's
 * own samples send Content-Type: application/json on every call, bodiless ones included.
 */
function jsonBodies(app: FastifyInstance, bodyLimit: number, parse: (text: string) => unknown): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    if (body === '') return done(null, undefined)
    try {
      done(null, parse(body as string))
    } catch {
      done(new ApiError(400, Category.malformedRequest, 'Request body is not valid JSON'), undefined)
    }
  })
}
