// POST /oauth/token: OAuth 2.0 client credentials, as Zuora serves it.
import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { authenticateClient, mintToken, OAuthError } from '../../platform/oauth.ts'
import type { AppDeps } from '../context.ts'
import { RateLimiter, type RateDecision } from '../plugins/limits.ts'

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Number(),
  scope: Type.String(),
  jti: Type.String(),
})
const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.String() })

function formField(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Client credentials from the form, or from HTTP Basic authentication (RFC 6749 §2.3.1). */
function clientCredentials(request: FastifyRequest): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      }
    }
  }
  return { clientId: formField(request.body, 'client_id'), clientSecret: formField(request.body, 'client_secret') }
}

export async function oauthRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'config' | 'settings'>) {
  const { config } = deps
  const perIp = new RateLimiter([{ seconds: 60, limit: config.authRateLimitPerIpPerMinute }])
  const perTenant = new RateLimiter([{ seconds: 60, limit: config.authRateLimitPerMinute }])
  // Forms are this route's body only (this plugin's scope): every other route takes JSON (or its
  // file's type), and a form sent to it is the family's 415 (docs/decisions.md, "Form bodies").
  await app.register(formbody, { bodyLimit: config.maxBodyBytes })

  app.post(
    '/oauth/token',
    {
      config: { auth: 'none', family: 'oauth' },
      schema: {
        tags: ['oauth'],
        summary: 'Create an OAuth token (client credentials)',
        operationId: 'createToken',
        // Authenticated by the client's credentials, not by a bearer token.
        security: [],
        consumes: ['application/x-www-form-urlencoded'],
        response: { 200: TokenResponse, 400: OAuthErrorBody, 401: OAuthErrorBody, 429: OAuthErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store')
      // X-RateLimit-*-minute report the window (per IP, per tenant) closest to exhaustion.
      let reported: RateDecision | undefined
      const limit = (decision: RateDecision) => {
        const share = (d: RateDecision) => d.remaining / d.limit
        if (!reported || share(decision) < share(reported)) {
          reported = decision
          reply.header('X-RateLimit-Limit-minute', String(decision.limit))
          reply.header('X-RateLimit-Remaining-minute', String(decision.remaining))
        }
        if (!decision.allowed) {
          reply.header('Retry-After', String(decision.reset))
          throw new OAuthError(429, 'too_many_requests', 'Too many token requests; reuse a token until it expires')
        }
      }
      limit(perIp.hit(request.ip))

      if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) {
        throw new OAuthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded')
      }
      const grantType = formField(request.body, 'grant_type')
      if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required')
      if (grantType !== 'client_credentials') {
        throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported')
      }
      const { clientId, clientSecret } = clientCredentials(request)
      if (!clientId || !clientSecret) {
        throw new OAuthError(400, 'invalid_request', 'client_id and client_secret are required')
      }
      const identity = await authenticateClient(deps.db, clientId, clientSecret)
      // The tenant's windows follow its clock.
      limit(perTenant.hit(identity.tenant.id, (await deps.settings.clockOf(identity.tenant.id)).now()))
      const entityHeader = request.headers['zuora-entity-ids']
      const entityId = typeof entityHeader === 'string' && entityHeader.trim() !== '' ? entityHeader.trim() : undefined
      const grant = await mintToken(deps.db, config.tokenTtlSeconds, identity, entityId)
      return grant
    },
  )
}
