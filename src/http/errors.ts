// Every error a client sees, in the envelope of the API family its request belongs to.
// No framework error body and no stack trace ever reaches a client.
import { randomBytes } from 'node:crypto'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, Category } from '../platform/errors.ts'
import { OAuthError } from '../platform/oauth.ts'
import { describeValidation, type AjvError } from './validation.ts'

export type Family = 'v1' | 'dataQuery' | 'customObjects' | 'oauth' | 'admin' | 'files' | 'plain'

export function familyOf(url: string): Family {
  if (url.startsWith('/query/') || url === '/query') return 'dataQuery'
  if (url.startsWith('/objects/') || url === '/objects') return 'customObjects'
  if (url.startsWith('/oauth/')) return 'oauth'
  if (url.startsWith('/admin')) return 'admin'
  if (url.startsWith('/files/')) return 'files'
  if (url.startsWith('/v1/') || url.startsWith('/apps/')) return 'v1'
  return 'plain'
}

/** The API gateway's 401, the same for every family (Zuora's ProxyUnauthorizedResponse). */
export const WWW_AUTHENTICATE = 'Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API'
export class AuthenticationError extends Error {}

/** Zuora's process ids: 16 upper-case hexadecimal characters. */
const processId = () => randomBytes(8).toString('hex').toUpperCase()

const DEFAULT_RESOURCE: Partial<Record<Family, number>> = { customObjects: 710000 }

/**
 * The admin plane's resource code: its errors are `800000` and the category (`80000040` not
 * found...), whatever code or resource the code that threw names, so that every admin error
 * is one the README's admin section lists. Zuora's own resources are 5xxxxx-6xxxxx (v1),
 * 71xxxx (Custom Objects) and 9xxxxx (the gateway): 8xxxxx is none of them.
 */
export const ADMIN_RESOURCE = 800000
/** The admin plane's 401: its own token, not a tenant's OAuth token. */
export const ADMIN_WWW_AUTHENTICATE = 'Bearer realm="zjobs admin"'

/** The body a client of `family` is told `error` in. */
export function errorBody(family: Family, error: ApiError, requestId: string): unknown {
  const { code, resource, details, problems } = error.options
  switch (family) {
    case 'dataQuery':
      return { code: code ?? error.status, message: dataQueryMessage(error), ...details }
    case 'customObjects': {
      const codeOf = (category: Category) => Number(`${resource ?? DEFAULT_RESOURCE.customObjects}${category}`)
      // Zuora's Custom Objects errors list their problems in `details` (CustomObjectRecordsWithError).
      const listed = problems ? { details: problems.map((problem) => ({ code: codeOf(problem.category), message: problem.message })) } : {}
      return { code: code ?? codeOf(error.category), message: error.message, ...listed, ...details }
    }
    case 'oauth':
      return {
        error: error.status === 401 ? 'invalid_client' : error.status === 429 ? 'too_many_requests' : 'invalid_request',
        error_description: error.message,
      }
    case 'files':
      return { message: error.message }
    case 'admin':
      return {
        success: false,
        processId: processId(),
        reasons: (problems ?? [{ category: error.category, message: error.message }]).map((problem) => ({
          code: `${ADMIN_RESOURCE}${problem.category}`,
          message: problem.message,
        })),
        requestId,
        ...details,
      }
    default:
      return {
        success: false,
        processId: processId(),
        reasons: problems
          ? problems.map((problem) => ({ code: `${resource ?? 500000}${problem.category}`, message: problem.message }))
          : [{ code: String(code ?? `${resource ?? 500000}${error.category}`), message: error.message }],
        requestId,
        ...details,
      }
  }
}

// Data Query's documented messages for the two errors the framework raises.
function dataQueryMessage(error: ApiError): string {
  if (error.status === 415) return 'HTTP 415 Unsupported Media Type'
  if (error.category === Category.malformedRequest) return 'Unable to process JSON'
  return error.message
}

/** Turns anything thrown while serving a request into the ApiError a client is told. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  const fastifyError = error as FastifyError & { status?: number }
  // @fastify/compress raises the zlib error itself (with onInvalidRequestPayload's fields copied
  // onto it), not the ApiError app.ts returns from that option.
  if ((error as { decompressError?: unknown }).decompressError) {
    return new ApiError(400, Category.malformedRequest, 'Request body is not valid gzip data')
  }
  if (fastifyError.validation) {
    const problems = describeValidation(fastifyError.validation as AjvError[], fastifyError.validationContext ?? 'request')
    if (problems.length === 0) return new ApiError(400, Category.invalidValue, fastifyError.message)
    // The message names every problem, for the families whose envelope has one message; those
    // that list problems (v1 reasons, Custom Objects details) list them one by one.
    const message = problems.map((problem) => problem.message).join('; ')
    return new ApiError(400, problems[0]!.category, message, { problems })
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_CP_ERR_INVALID_CONTENT_ENCODING':
      return new ApiError(415, Category.unsupportedRequest, `Unsupported media type: ${fastifyError.message}`)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, Category.limitExceeded, 'Request body is too large')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, Category.malformedRequest, 'Request body must not be empty')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, Category.malformedRequest, 'Request body is not valid JSON')
    case 'FST_CP_ERR_INVALID_CONTENT':
      return new ApiError(400, Category.malformedRequest, 'Request body is not valid gzip data')
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new ApiError(400, Category.malformedRequest, 'Request body is not valid JSON')
  }
  const status = fastifyError.statusCode ?? fastifyError.status
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, Category.invalidValue, fastifyError.message || 'Bad request')
  }
  return new ApiError(500, Category.internal, 'internal server error')
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const family = request.routeOptions.config?.family ?? familyOf(request.url)
  if (error instanceof AuthenticationError && family === 'admin') {
    const refused = new ApiError(401, Category.authentication, 'The admin plane takes the admin token: Authorization: Bearer $ZJOBS_ADMIN_TOKEN')
    return reply.code(401).header('WWW-Authenticate', ADMIN_WWW_AUTHENTICATE).send(errorBody(family, refused, request.id))
  }
  if (error instanceof AuthenticationError) {
    // The gateway's body, whatever error body the route documents (a route's response schema
    // for 401 that wants a code made the serializer throw: a 500 instead of the 401).
    return reply
      .code(401)
      .header('WWW-Authenticate', WWW_AUTHENTICATE)
      .type('application/json; charset=utf-8')
      .serializer(JSON.stringify)
      .send({ message: 'Authentication error' })
  }
  if (error instanceof OAuthError) {
    return reply.code(error.status).send({ error: error.error, error_description: error.message })
  }
  const apiError = toApiError(error)
  if (apiError.status >= 500) {
    request.log.error({ err: error }, 'request failed')
    if (family === 'v1') {
      return reply.code(500).send({ reasons: [{ code: 'SystemError', message: 'internal server error' }] })
    }
  }
  for (const [name, value] of Object.entries(apiError.options.headers ?? {})) reply.header(name, value)
  if (!request.raw.complete) drainAfterAnswer(request, reply)
  return reply.code(apiError.status).send(errorBody(family, apiError, request.id))
}

/** What is read of a refused request's body after the answer, at most, before the connection is closed. */
const DRAIN_BYTES = 64 * 1024 * 1024
const DRAIN_MS = 10_000

/**
 * A request refused before its body was read (413 on its Content-Length, a body over the
 * limit): Fastify answers with Connection: close, and the socket closed with the client's
 * bytes unread resets the connection, often before the client has read the answer. Instead
 * the connection stays open and the rest of the body is read and dropped (up to 64 MB or 10
 * seconds, then it is closed), so the client reads a whole answer and may send its next request.
 */
function drainAfterAnswer(request: FastifyRequest, reply: FastifyReply): void {
  reply.removeHeader('connection')
  const raw = request.raw
  reply.raw.once('finish', () => {
    if (raw.complete) return
    let drained = 0
    const close = () => raw.socket?.destroy()
    const timer = setTimeout(close, DRAIN_MS)
    timer.unref()
    raw.on('data', (chunk: Buffer) => {
      drained += chunk.length
      if (drained > DRAIN_BYTES) close()
    })
    raw.once('end', () => clearTimeout(timer))
    raw.once('close', () => clearTimeout(timer))
    raw.resume()
  })
}
