// Who the console acts as: a tenant's OAuth client (its credentials), or the admin token, then
// a tenant and one of its users (a token the admin plane mints for that user). Either way the
// tenant's pages call the public API as that user, with that user's permissions; the admin
// pages call /admin. Kept in the tab's sessionStorage: a reload stays signed in, closing the
// tab signs out.
import { mintUserToken } from '../../../src/client/admin.ts'
import { ZuoraClient, type ClientOptions, type KeptToken } from '../../../src/client/client.ts'

export type SignIn =
  | { kind: 'client'; clientId: string; clientSecret: string; entityId?: string }
  | { kind: 'admin'; adminToken: string; tenantId?: string; userId?: string; entityId?: string }

export const STORAGE_KEY = 'zjobs.console.session'
export const TOKEN_KEY = 'zjobs.console.token'

export type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

const text = (value: unknown): value is string => typeof value === 'string' && value !== ''
const optional = (value: unknown): string | undefined => (text(value) ? value : undefined)

/** The sign-in a storage holds, if it holds a well-formed one. */
export function loadSignIn(storage: Pick<Storage, 'getItem'>): SignIn | undefined {
  let value: Record<string, unknown>
  try {
    value = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null')
  } catch {
    return undefined
  }
  if (!value || typeof value !== 'object') return undefined
  if (value.kind === 'client' && text(value.clientId) && text(value.clientSecret)) {
    return { kind: 'client', clientId: value.clientId, clientSecret: value.clientSecret, entityId: optional(value.entityId) }
  }
  if (value.kind === 'admin' && text(value.adminToken)) {
    return {
      kind: 'admin',
      adminToken: value.adminToken,
      tenantId: optional(value.tenantId),
      userId: optional(value.userId),
      entityId: optional(value.entityId),
    }
  }
  return undefined
}

export function saveSignIn(storage: Pick<Storage, 'setItem' | 'removeItem'>, signIn: SignIn | undefined): void {
  // A kept token is another sign-in's once this one changes (tokenOwner); signing out drops it.
  if (signIn) storage.setItem(STORAGE_KEY, JSON.stringify(signIn))
  else {
    storage.removeItem(STORAGE_KEY)
    storage.removeItem(TOKEN_KEY)
  }
}

/** Whose token a kept one is: another sign-in's (another client, tenant, user or entity) is not used. */
export function tokenOwner(signIn: SignIn): string {
  return signIn.kind === 'client'
    ? `client ${signIn.clientId} ${signIn.entityId ?? ''}`
    : `admin ${signIn.tenantId ?? ''} ${signIn.userId ?? ''} ${signIn.entityId ?? ''}`
}

/** The token kept for `signIn`, while it lasts (a minute to spare). */
export function keptToken(store: Store | undefined, signIn: SignIn, now = Date.now()): KeptToken | undefined {
  try {
    const kept = JSON.parse(store?.getItem(TOKEN_KEY) ?? 'null') as { owner?: string; value?: unknown; expires?: unknown } | null
    if (!kept || kept.owner !== tokenOwner(signIn) || typeof kept.value !== 'string' || typeof kept.expires !== 'number') return undefined
    return kept.expires - 60_000 > now ? { value: kept.value, expires: kept.expires } : undefined
  } catch {
    return undefined
  }
}

export function keepToken(store: Store | undefined, signIn: SignIn, token: KeptToken): void {
  store?.setItem(TOKEN_KEY, JSON.stringify({ owner: tokenOwner(signIn), value: token.value, expires: token.expires }))
}

export interface Clients {
  /** The tenant's public API as the signed-in user (none until an admin picks a tenant and user). */
  api?: ZuoraClient
  /** The admin plane (admin sign-in only). */
  admin?: ZuoraClient
  /** Options of `api`, to make a client that sends through another fetch (uploads with progress). */
  apiOptions?: ClientOptions
}

/** A console call fails fast: people are waiting (one retry, short back-off). */
const RETRY = { retries: 1, baseDelayMs: 300, maxDelayMs: 1000, maxRetryAfterMs: 5000 }

export function clientsOf(signIn: SignIn, baseUrl: string, options: { fetch?: typeof fetch; store?: Store } = {}): Clients {
  const { store } = options
  const common = { baseUrl, retry: RETRY, timeoutMs: 30_000, fetch: options.fetch }
  const kept = { initialToken: keptToken(store, signIn), onToken: (token: KeptToken) => keepToken(store, signIn, token) }
  if (signIn.kind === 'client') {
    const apiOptions: ClientOptions = {
      ...common,
      ...kept,
      credentials: { clientId: signIn.clientId, clientSecret: signIn.clientSecret },
      entityId: signIn.entityId,
    }
    return { api: new ZuoraClient(apiOptions), apiOptions }
  }
  const admin = new ZuoraClient({ ...common, token: async () => signIn.adminToken })
  if (!signIn.tenantId || !signIn.userId) return { admin }
  const { tenantId, userId, entityId } = signIn
  const apiOptions: ClientOptions = {
    ...common,
    initialToken: kept.initialToken,
    // A minted token's lifetime is the grant's; the client keeps it until the server refuses it.
    token: async () => {
      const grant = await mintUserToken(admin, tenantId, userId, { entityId })
      keepToken(store, signIn, { value: grant.access_token, expires: Date.now() + grant.expires_in * 1000 })
      return grant.access_token
    },
    entityId,
  }
  return { api: new ZuoraClient(apiOptions), admin, apiOptions }
}

/** The user an admin acts as in a tenant by default: its first admin user, else its first user. */
export function defaultUser<T extends { admin: boolean }>(users: readonly T[]): T | undefined {
  return users.find((user) => user.admin) ?? users[0]
}
