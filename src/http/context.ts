// What the HTTP layer knows about a request once the platform plugins have run.
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import { REAL_CLOCK, type TenantClock } from '../platform/clock.ts'
import type { TokenVerifier, Principal } from '../platform/oauth.ts'
import type { JobViews, PacingSource } from '../jobs/pacing.ts'
import type { JobSignals } from '../jobs/types.ts'
import type { Db } from '../storage/db.ts'
import type { FileStore } from '../storage/files/store.ts'
import type { Family } from './errors.ts'
import type { RateLimiter } from './plugins/limits.ts'
import type { Caller, RequestScope } from '../platform/caller.ts'

export type AuthMode = 'bearer' | 'admin' | 'none'

export interface AppDeps {
  config: Config
  db: Db
  logger: FastifyBaseLogger
  verifier: TokenVerifier
  adminToken: string
  /** Base URL clients reach this server at, for links in responses. */
  baseUrl: () => string
  limiter: RateLimiter
  /** Wakes the job workers when work is submitted. */
  jobs: JobSignals
  /** Files of tenants (uploads, results) and the links to download them. */
  files: FileStore
  /**
   * Tenants' clocks and whether their jobs may be paced, as the sandbox plane set them (cached
   * per process); `forget` after this process changed a tenant's.
   */
  settings: PacingSource & { forget(tenantId: string): void }
  /** Jobs as their tenant's clients see them (lifecycle pacing, the tenant's clock). */
  views: JobViews
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; bearer (a tenant's OAuth token) unless said otherwise. */
    auth?: AuthMode
    family?: Family
  }
  interface FastifyRequest {
    principal: Principal | null
    scope: RequestScope | null
    zuoraVersion: string | null
    /** The clock of the caller's tenant: the "now" of everything its answer shows. */
    clock: TenantClock | null
  }
}

/** The caller of a bearer-authenticated route, the scope its headers chose and its tenant's clock. */
export function callerOf(request: {
  principal: Principal | null
  scope: RequestScope | null
  clock?: TenantClock | null
  idempotencyKey?: string | null
}): Caller {
  if (!request.principal || !request.scope) throw new Error('route is not bearer-authenticated')
  return { principal: request.principal, scope: request.scope, clock: request.clock ?? REAL_CLOCK, idempotencyKey: request.idempotencyKey ?? null }
}
