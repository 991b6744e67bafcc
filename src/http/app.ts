// The Fastify application: Zuora's conventions as plugins every route gets, then the routes.
import compress from '@fastify/compress'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import { randomUUID } from 'node:crypto'
import { ApiError, Category, notFound } from '../platform/errors.ts'
import type { AppDeps } from './context.ts'
import { clientErrorHandler } from './client-errors.ts'
import { errorBody, familyOf, sendError } from './errors.ts'
import { lazyCompilers } from './lazy-compilers.ts'
import { finishDocument, OPENAPI_BASE, servedDocument } from './openapi.ts'
import { auth } from './plugins/auth.ts'
import { idempotency } from './plugins/idempotency.ts'
import { limits } from './plugins/limits.ts'
import { textInput } from './plugins/text-input.ts'
import { zuoraHeaders } from './plugins/zuora-headers.ts'
import { adminRoutes } from './routes/admin.ts'
import { adminBillingRoutes } from './routes/admin-billing.ts'
import { adminJobRoutes } from './routes/admin-jobs.ts'
import { adminTokenRoutes } from './routes/admin-tokens.ts'
import { consoleRoutes } from './routes/console.ts'
import { dataBackfillRoutes } from '../backfill/routes.ts'
import { dataQueryRoutes } from '../query/routes.ts'
import { customObjectRoutes } from '../objects/routes.ts'
import { fileRoutes } from './routes/files.ts'
import { healthRoutes } from './routes/health.ts'
import { oauthRoutes } from './routes/oauth.ts'

// Zuora compresses only these types, and only bodies over 1000 bytes.
const COMPRESSIBLE = /^(application\/json|application\/xml|text\/html|text\/csv|text\/plain)\b/

/**
 * The paths of the API families zjobs serves (with the variants Zuora's own SDKs call): a
 * request under them that no route takes answers 501.
 */
export const SERVED_FAMILY_PATHS = ['/query/', '/objects/', '/v1/uno/data-backfill/', '/v1/uno/back-fill/', '/v1/uno/date-backfill/']

const underServedFamily = (url: string) => SERVED_FAMILY_PATHS.some((prefix) => url.startsWith(prefix) || url.split('?')[0] === prefix.slice(0, -1))

/** A path with an empty or dot segment (`/query/jobs/`, `/objects/jobs/%2e%2e`) names no resource: 404, not an unsupported operation. */
const namesNothing = (url: string) => /\/(?:\.|%2e){0,2}(?=\/|$)/i.test(url.split('?')[0]!.slice(1))

/** What answers an operation of a served family zjobs does not serve. */
export const notSupported = (where: string) =>
  new ApiError(
    501,
    Category.unsupportedRequest,
    `${where} is not supported by zjobs: it serves the Data Query, Custom Objects and Data Backfill operations listed in docs/coverage.md`,
  )

export interface AppOptions {
  /** Route families (and, in tests, fixtures) registered after the platform routes. */
  routes?: FastifyPluginAsync<AppDeps>[]
  /** Plugins whose hooks run on every route after authentication and the rate limits, before the body is read (the sandbox's faults). */
  plugins?: FastifyPluginAsync<AppDeps>[]
  onTenantDeleted?: ((tenantId: string) => Promise<void>)[]
}

export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // The request id is Zuora-Request-Id: always ours, never taken from the client.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: deps.config.maxBodyBytes,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    schemaController: { compilersFactory: lazyCompilers },
    // Requests Node's parser refuses (headers over 16 KB, not HTTP) never reach Fastify.
    clientErrorHandler,
    // These errors (a malformed URL) skip the onRequest hooks that set Zuora-Request-Id.
    frameworkErrors: (error, request, reply) => sendError(request, reply.header('Zuora-Request-Id', request.id), error),
  })

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error))
  app.setNotFoundHandler((request, reply) => {
    const where = `${request.method} ${request.url.split('?')[0]}`
    if (!underServedFamily(request.url) || namesNothing(request.url)) return sendError(request, reply, notFound(`No such resource: ${where}`))
    // Under the paths of the families zjobs serves, a request no route takes is an operation
    // zjobs does not support: 501 in the family's envelope, never a 404 that reads as a missing
    // object (docs/coverage.md, docs/decisions.md "What zjobs does not serve answers 501").
    return reply.code(501).send(errorBody(familyOf(request.url), notSupported(where), request.id))
  })

  await app.register(zuoraHeaders)
  await app.register(auth, deps)
  await app.register(limits, deps)
  for (const plugin of options.plugins ?? []) await app.register(plugin, deps)
  await app.register(textInput)
  await app.register(idempotency, deps)
  await app.register(compress, {
    global: true,
    encodings: ['gzip'],
    threshold: 1001,
    customTypes: COMPRESSIBLE,
    requestEncodings: ['gzip'],
    onUnsupportedRequestEncoding: (encoding) =>
      new ApiError(415, Category.unsupportedRequest, `Content-Encoding ${encoding} is not supported; use gzip`),
    onInvalidRequestPayload: () => new ApiError(400, Category.malformedRequest, 'Request body is not valid gzip data'),
  })
  // @fastify/compress also compresses any type mime-db calls compressible (application/octet-stream
  // among them), whatever customTypes says; Zuora compresses only the COMPRESSIBLE types.
  app.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-type')
    if (type !== undefined && !COMPRESSIBLE.test(String(type))) request.headers['x-no-compression'] = 'true'
    return payload
  })
  await app.register(swagger, {
    openapi: OPENAPI_BASE,
    transformObject: ({ openapiObject }: { openapiObject: unknown }) => finishDocument(openapiObject),
  } as never)
  // /docs is Swagger UI over /openapi.json: its own ./json is sent there.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { persistAuthorization: true },
    uiHooks: {
      onRequest: async (request, reply) => {
        if (request.url.split('?')[0]!.replace(/\/+$/, '').endsWith('/docs/json')) return reply.redirect('/openapi.json')
      },
    },
  })
  app.get('/openapi.json', { config: { auth: 'none', family: 'plain' }, schema: { hide: true } }, async (request) =>
    servedDocument(app.swagger(), request, deps.config.publicUrl),
  )

  await app.register(healthRoutes, deps)
  await app.register(oauthRoutes, deps)
  await app.register(adminRoutes, { ...deps, onTenantDeleted: options.onTenantDeleted ?? [] })
  await app.register(adminBillingRoutes, deps)
  await app.register(adminJobRoutes, deps)
  await app.register(adminTokenRoutes, deps)
  await app.register(dataQueryRoutes, deps)
  await app.register(customObjectRoutes, deps)
  await app.register(dataBackfillRoutes, deps)
  await app.register(fileRoutes, deps)
  await app.register(consoleRoutes)
  for (const routes of options.routes ?? []) await app.register(routes, deps)
  return app
}
