// Admin plane, tokens: a bearer token of a tenant's user, minted without a client secret (what
// `zjobs token --tenant --user` does against the database). The console's admin sign-in uses
// it to act in a tenant as one of its users, through the public API and its permissions.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { invalid, notFound } from '../../platform/errors.ts'
import { mintToken, OAuthError } from '../../platform/oauth.ts'
import { clientIdForUser, getUser, requireTenant } from '../../platform/tenants.ts'
import type { AppDeps } from '../context.ts'

const Params = Type.Object({ tenantId: Type.String(), userId: Type.String() })
const Body = Type.Object(
  { entityId: Type.Optional(Type.String({ description: 'Narrow the token to one entity (as Zuora-Entity-Ids does at /oauth/token)' })) },
  { additionalProperties: false },
)
const Grant = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Number(),
  scope: Type.String(),
  jti: Type.String(),
})

export async function adminTokenRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'config'>) {
  const config = { auth: 'admin', family: 'admin' } as const

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
    '/admin/tenants/:tenantId/users/:userId/token',
    {
      config,
      schema: {
        tags: ['admin'],
        security: [{ adminToken: [] }],
        summary: "Mint a bearer token of a tenant's user (through the user's first OAuth client, made if it has none)",
        params: Params,
        body: Body,
        response: { 200: Grant },
      },
      // No body at all is a token for every entity of the user.
      preValidation: async (request) => {
        request.body ??= {}
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store')
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      const user = await getUser(deps.db, tenant.id, request.params.userId)
      if (!user) throw notFound(`User ${request.params.userId} does not exist in tenant ${tenant.id}`)
      const clientId = await clientIdForUser(deps.db, tenant.id, user.id)
      try {
        return await mintToken(deps.db, deps.config.tokenTtlSeconds, { tenant, user, clientId }, request.body.entityId)
      } catch (error) {
        // An entity the user may not use: the admin plane's invalid value, not OAuth's error body.
        if (error instanceof OAuthError) throw invalid(error.message)
        throw error
      }
    },
  )
}
