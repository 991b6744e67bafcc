// Bearer tokens for the API, the admin token for /admin, and the entity and orgs a request
// acts in (Zuora-Entity-Ids, Zuora-Org-Ids).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ApiError, Category, invalid } from '../../platform/errors.ts'
import { UUID } from '../../platform/ids.ts'
import type { Principal } from '../../platform/oauth.ts'
import { constantTimeEqual } from '../../platform/secrets.ts'
import type { AppDeps, AuthMode } from '../context.ts'
import type { RequestScope } from '../../platform/caller.ts'
import { AuthenticationError, familyOf } from '../errors.ts'
import { isValidZuoraVersion } from './zuora-headers.ts'

/** Routes that do not say (unknown paths, the docs UI) follow the family of their path. */
function defaultAuth(request: FastifyRequest): AuthMode {
  if (request.is404) return 'none'
  const family = familyOf(request.url)
  return family === 'plain' ? 'none' : family === 'admin' ? 'admin' : 'bearer'
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1] : undefined
}

export const auth = fp(async (app: FastifyInstance, deps: Pick<AppDeps, 'verifier' | 'adminToken' | 'settings'>) => {
  app.decorateRequest('principal', null)
  app.decorateRequest('scope', null)
  app.decorateRequest('zuoraVersion', null)
  app.decorateRequest('clock', null)

  app.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config?.auth ?? defaultAuth(request)
    if (mode === 'none') return
    const token = bearerToken(request)
    if (mode === 'admin') {
      if (!token || !constantTimeEqual(token, deps.adminToken)) throw new AuthenticationError()
      return
    }
    const principal = token ? await deps.verifier.verify(token) : undefined
    if (!principal) throw new AuthenticationError()
    request.principal = principal
    request.clock = await deps.settings.clockOf(principal.tenant.id)
    request.scope = resolveScope(principal, request.headers['zuora-entity-ids'], request.headers['zuora-org-ids'])
    const version = request.headers['zuora-version']
    // Zuora processes a version it does not support as the tenant's default.
    request.zuoraVersion =
      typeof version === 'string' && isValidZuoraVersion(version) ? version : principal.tenant.defaultZuoraVersion
  })
})

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value)?.trim()

export function resolveScope(
  principal: Principal,
  entityHeader: string | string[] | undefined,
  orgHeader: string | string[] | undefined,
): RequestScope {
  return { entityId: resolveEntity(principal, header(entityHeader)), orgIds: resolveOrgs(principal, header(orgHeader)) }
}

function resolveEntity(principal: Principal, requested: string | undefined): string | null {
  const { tenant, entityIds } = principal
  if (tenant.entities.length === 0) {
    if (requested) throw invalid('Zuora-Entity-Ids is not accepted: Multi-entity is not enabled for this tenant')
    return null
  }
  if (!requested) {
    if (entityIds.length === 1) return entityIds[0]
    throw new ApiError(
      400,
      Category.missingParameter,
      'Zuora-Entity-Ids is required: the token is valid for more than one entity',
    )
  }
  const entityId = requested.toLowerCase()
  if (!UUID.test(entityId)) throw invalid('Zuora-Entity-Ids must be a single 36-character entity id')
  if (!entityIds.includes(entityId)) {
    throw new ApiError(403, Category.permission, `Entity ${requested} is not accessible with this token`)
  }
  return entityId
}

function resolveOrgs(principal: Principal, requested: string | undefined): string[] | null {
  const { tenant, user } = principal
  if (tenant.orgs.length === 0) {
    if (requested) throw invalid('Zuora-Org-Ids is not accepted: Multi-Org is not enabled for this tenant')
    return null
  }
  const accessible = user.orgIds ?? tenant.orgs.map((org) => org.id)
  if (!requested) return accessible
  const orgIds = [...new Set(requested.split(',').map((id) => id.trim().toLowerCase()))]
  // An empty id (a stray comma) is refused as such, not named among the orgs denied.
  const denied = orgIds.filter((id) => id !== '' && !accessible.includes(id))
  if (orgIds.includes('') || denied.length > 0) {
    throw new ApiError(403, Category.permission, `Org ${denied.join(', ') || '(empty)'} is not accessible to this user`)
  }
  return orgIds
}
