// Who the console acts as: a tenant's OAuth client (its credentials), or the admin token, then
// a tenant and one of its users (a token the admin plane mints for that user). Either way the
// tenant's pages call the public API as that user, with that user's permissions; the admin
// pages call /admin. Kept in the tab's sessionStorage: a reload stays signed in, closing the
// tab signs out.
import { mintUserToken } from '../../../src/client/admin.ts'
import { ZuoraClient, type ClientOptions } from '../../../src/client/client.ts'

export type SignIn =
  | { kind: 'client'; clientId: string; clientSecret: string; entityId?: string }
  | { kind: 'admin'; adminToken: string; tenantId?: string; userId?: string; entityId?: string }

export const STORAGE_KEY = 'zjobs.console.session'

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
  if (signIn) storage.setItem(STORAGE_KEY, JSON.stringify(signIn))
  else storage.removeItem(STORAGE_KEY)
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

export function clientsOf(signIn: SignIn, baseUrl: string, fetchImpl?: typeof fetch): Clients {
  const common = { baseUrl, retry: RETRY, timeoutMs: 30_000, fetch: fetchImpl }
  if (signIn.kind === 'client') {
    const apiOptions: ClientOptions = {
      ...common,
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
    token: async () => (await mintUserToken(admin, tenantId, userId, { entityId })).access_token,
    entityId,
  }
  return { api: new ZuoraClient(apiOptions), admin, apiOptions }
}

/** The user an admin acts as in a tenant by default: its first admin user, else its first user. */
export function defaultUser<T extends { admin: boolean }>(users: readonly T[]): T | undefined {
  return users.find((user) => user.admin) ?? users[0]
}
