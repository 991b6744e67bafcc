// Who calls and where: the authenticated principal, the entity and orgs its request's headers
// chose, and its tenant's clock. The HTTP layer builds it (src/http/context.ts, callerOf);
// every family's services take it, without knowing about HTTP.
import type { TenantClock } from './clock.ts'
import type { Principal } from './oauth.ts'

/** Where a request may read and write: the entity and orgs its headers chose. */
export interface RequestScope {
  /** The entity of a multi-entity tenant; null for a tenant without entities. */
  entityId: string | null
  /** The orgs of a multi-org tenant; null for a tenant without orgs. */
  orgIds: string[] | null
}

export interface Caller {
  principal: Principal
  scope: RequestScope
  /** The tenant's clock: the times of every answer. */
  clock: TenantClock
  /**
   * The request's Idempotency-Key, when it has one: a job submitted under it keeps it, so that a
   * retry whose first answer was lost finds that job instead of submitting another.
   */
  idempotencyKey?: string | null
}
