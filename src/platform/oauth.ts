// OAuth 2.0 client credentials: opaque bearer tokens, stored hashed with their expiry, and
// the principal (tenant, user, entities) each one stands for.
import { randomBytes } from 'node:crypto'
import type { Queryable } from '../storage/db.ts'
import { REAL_TIME, type ClockSource } from './clock.ts'
import { newHexId, UUID } from './ids.ts'
import { tokenHash, verifySecret } from './secrets.ts'
import { getTenant, getUser, type Tenant, type User } from './tenants.ts'

/** RFC 6749 §5.2 errors, the shape OAuth client libraries understand. */
export class OAuthError extends Error {
  readonly status: number
  readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'too_many_requests'

  constructor(status: number, error: OAuthError['error'], description: string) {
    super(description)
    this.status = status
    this.error = error
  }
}

export interface TokenGrant {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  scope: string
  jti: string
}

export interface Principal {
  tenant: Tenant
  user: User
  /** The entities the token may act in; empty for a tenant without entities. */
  entityIds: string[]
  clientId: string
  jti: string
  /** When the token expires on its tenant's clock (epoch ms): its lifetime counts from its minting as that clock showed it. */
  expiresAt: number
}

export interface ClientIdentity {
  tenant: Tenant
  user: User
  clientId: string
}

/** Checks a client's credentials; the same answer for an unknown client and a wrong secret. */
export async function authenticateClient(db: Queryable, clientId: string, clientSecret: string): Promise<ClientIdentity> {
  const { rows } = await db.query<{ tenant_id: string; user_id: string; secret_hash: string }>(
    'SELECT tenant_id, user_id, secret_hash FROM oauth_clients WHERE client_id = $1',
    [clientId],
  )
  const client = rows[0]
  const denied = () => new OAuthError(401, 'invalid_client', 'Invalid client_id or client_secret')
  if (!client || !(await verifySecret(clientSecret, client.secret_hash))) throw denied()
  const tenantId = String(client.tenant_id)
  const [tenant, user] = await Promise.all([getTenant(db, tenantId), getUser(db, tenantId, client.user_id)])
  if (!tenant || !user) throw denied()
  return { tenant, user, clientId }
}

/**
 * Mints a bearer token for a client's user. `entityId` (Zuora-Entity-Ids sent with the token
 * request) narrows the token to that one entity.
 */
export async function mintToken(
  db: Queryable,
  ttlSeconds: number,
  identity: ClientIdentity,
  entityId?: string,
): Promise<TokenGrant> {
  const { tenant, user } = identity
  let entityIds = userEntityIds(tenant, user)
  if (entityId !== undefined) {
    const requested = entityId.toLowerCase()
    if (!UUID.test(requested)) {
      throw new OAuthError(400, 'invalid_request', 'Zuora-Entity-Ids must be a 36-character entity id')
    }
    if (!entityIds.includes(requested)) {
      throw new OAuthError(400, 'invalid_request', `Entity ${entityId} is not accessible to this client`)
    }
    entityIds = [requested]
  }
  const token = randomBytes(16).toString('hex')
  const jti = newHexId()
  const scope = [`user.${user.id}`, ...entityIds.map((id) => `entity.${id}`), `tenant.${tenant.id}`].join(' ')
  await db.query(
    `INSERT INTO oauth_tokens (tenant_id, token_hash, jti, user_id, client_id, entity_ids, scope, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`,
    [tenant.id, tokenHash(token), jti, user.id, identity.clientId, entityIds, scope, ttlSeconds],
  )
  // Zuora reports one second less than the token lives (3599 for an hour).
  return { access_token: token, token_type: 'bearer', expires_in: ttlSeconds - 1, scope, jti }
}

/** The entities a user may use: their own list, or every entity of the tenant. */
export function userEntityIds(tenant: Tenant, user: User): string[] {
  const all = tenant.entities.map((entity) => entity.id)
  return user.entityIds ? all.filter((id) => user.entityIds!.includes(id)) : all
}

/**
 * Resolves bearer tokens, with a short-lived cache so that an API read costs no extra
 * database round trip. The TTL bounds how long another process's tenant deletion can go
 * unnoticed; deletions in this process drop their entries at once.
 */
export class TokenVerifier {
  readonly #db: Queryable
  readonly #cache = new Map<string, { principal: Principal; cachedUntil: number }>()
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #clocks: ClockSource

  constructor(db: Queryable, options: { ttlMs?: number; maxEntries?: number; clocks?: ClockSource } = {}) {
    this.#db = db
    this.#ttlMs = options.ttlMs ?? 10_000
    this.#maxEntries = options.maxEntries ?? 10_000
    this.#clocks = options.clocks ?? REAL_TIME
  }

  /** The principal of a token that has not expired on its tenant's clock. */
  async verify(token: string): Promise<Principal | undefined> {
    const now = Date.now()
    const cached = this.#cache.get(token)
    if (cached && cached.cachedUntil > now) {
      const clock = await this.#clocks.clockOf(cached.principal.tenant.id)
      return cached.principal.expiresAt > clock.now() ? cached.principal : undefined
    }
    this.#cache.delete(token)
    const principal = await this.#load(token)
    if (!principal || principal.expiresAt <= (await this.#clocks.clockOf(principal.tenant.id)).now()) return undefined
    if (this.#cache.size >= this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(token, { principal, cachedUntil: now + this.#ttlMs })
    return principal
  }

  forgetTenant(tenantId: string): void {
    for (const [token, entry] of this.#cache) {
      if (entry.principal.tenant.id === tenantId) this.#cache.delete(token)
    }
  }

  async #load(token: string): Promise<Principal | undefined> {
    const { rows } = await this.#db.query<{
      tenant_id: string
      user_id: string
      client_id: string
      jti: string
      entity_ids: string[]
      created_at: Date
      expires_at: Date
    }>(
      `SELECT tenant_id, user_id, client_id, jti, entity_ids, created_at, expires_at
       FROM oauth_tokens WHERE token_hash = $1`,
      [tokenHash(token)],
    )
    const row = rows[0]
    if (!row) return undefined
    const tenantId = String(row.tenant_id)
    const [tenant, user, clock] = await Promise.all([
      getTenant(this.#db, tenantId),
      getUser(this.#db, tenantId, row.user_id),
      this.#clocks.clockOf(tenantId),
    ])
    if (!tenant || !user) return undefined
    return {
      tenant,
      user,
      entityIds: row.entity_ids,
      clientId: row.client_id,
      jti: row.jti,
      expiresAt: clock.at(row.created_at.getTime()) + (row.expires_at.getTime() - row.created_at.getTime()),
    }
  }
}
