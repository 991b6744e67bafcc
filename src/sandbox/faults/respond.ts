// What a request fault answers: the status in the envelope of the operation's family, with
// the family's code for it (or the rule's), and for 429 Retry-After and the rate-limit headers.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errorBody, WWW_AUTHENTICATE, type Family } from '../../http/errors.ts'
import { ApiError, Category } from '../../platform/errors.ts'
import type { RequestEffect } from './input.ts'

const CATEGORY: Record<number, Category> = {
  400: Category.invalidValue,
  401: Category.authentication,
  403: Category.permission,
  404: Category.notFound,
  429: Category.limitExceeded,
  500: Category.internal,
  502: Category.temporary,
  503: Category.temporary,
  504: Category.temporary,
}

const MESSAGE: Record<number, string> = {
  400: 'The request is not valid',
  401: 'Authentication error',
  403: 'You do not have permission to perform this operation',
  404: 'The requested resource does not exist',
  429: 'Too many requests: the tenant has exceeded its rate limit',
  500: 'internal server error',
  502: 'Bad gateway: the service did not answer in time',
  503: 'The service is temporarily unavailable; retry later',
  504: 'Gateway timeout: the service did not answer in time',
}

const OAUTH_ERROR: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_client',
  403: 'unauthorized_client',
  429: 'too_many_requests',
  500: 'server_error',
  502: 'temporarily_unavailable',
  503: 'temporarily_unavailable',
  504: 'temporarily_unavailable',
}

/** Sends the error `effect` names for a request of `family`. */
export function sendFault(request: FastifyRequest, reply: FastifyReply, family: Family, effect: RequestEffect): FastifyReply {
  const status = effect.status!
  const message = effect.message ?? MESSAGE[status]
  reply.code(status).type('application/json; charset=utf-8').serializer(JSON.stringify)
  if (status === 429 || effect.retryAfter !== undefined) {
    const retryAfter = String(effect.retryAfter ?? 1)
    reply.header('Retry-After', retryAfter)
    if (status === 429) {
      if (family === 'oauth') {
        if (!reply.hasHeader('X-RateLimit-Limit-minute')) reply.header('X-RateLimit-Limit-minute', '0')
        reply.header('X-RateLimit-Remaining-minute', '0')
      } else {
        if (!reply.hasHeader('RateLimit-Limit')) reply.header('RateLimit-Limit', '0')
        reply.header('RateLimit-Remaining', '0').header('RateLimit-Reset', retryAfter)
      }
    }
  }
  if (family === 'oauth') {
    return reply.send({ error: effect.code !== undefined ? String(effect.code) : OAUTH_ERROR[status], error_description: message })
  }
  if (status === 401) {
    // The API gateway's 401, the same for every family.
    return reply.header('WWW-Authenticate', WWW_AUTHENTICATE).send({ message })
  }
  if (family === 'v1' && status >= 500) {
    // A v1 server error's body, as the error handler sends one.
    return reply.send({ reasons: [{ code: effect.code !== undefined ? String(effect.code) : 'SystemError', message }] })
  }
  const code = effect.code === undefined ? undefined : family === 'v1' ? String(effect.code) : Number(effect.code)
  return reply.send(errorBody(family, new ApiError(status, CATEGORY[status], message, code === undefined ? {} : { code }), request.id))
}
