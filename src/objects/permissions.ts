// Who may do what: Zuora's three platform permissions (View, Edit and Delete Custom
// Objects), with the codes of spec §3.8 (categories 12 read, 13 update, 14 delete, 15
// create). Admins have them all.
import type { Caller } from '../platform/caller.ts'
import type { TenantClock } from '../platform/clock.ts'
import type { Principal } from '../platform/oauth.ts'
import type { Permission } from '../platform/tenants.ts'
import { code, coError, Resource, CoCategory } from './errors.ts'
import type { DefinitionScope } from './definitions/store.ts'


export type Access = 'view' | 'create' | 'update' | 'delete'

const PERMISSION: Record<Access, Permission> = {
  view: 'viewCustomObjects',
  create: 'editCustomObjects',
  update: 'editCustomObjects',
  delete: 'deleteCustomObjects',
}
const CATEGORY: Record<Access, CoCategory> = {
  view: CoCategory.readPermission,
  update: CoCategory.updatePermission,
  delete: CoCategory.deletePermission,
  create: CoCategory.createPermission,
}

export function allowed(caller: Caller, access: Access): boolean {
  const { user } = caller.principal
  return user.admin || user.permissions.includes(PERMISSION[access])
}

/** Definitions and bulk jobs answer 403 `{code, message}` (jobs: documented codes 7101251x). */
export function requireAccess(caller: Caller, access: Access, resource: number = Resource.record): void {
  if (!allowed(caller, access)) {
    throw coError(403, resource, CATEGORY[access], `User does not have permission to ${access} custom objects.`)
  }
}

/** Record operations answer 401 with Zuora's ErrorResponse401Record. */
export function requireRecordAccess(caller: Caller, access: Access): void {
  if (!allowed(caller, access)) {
    const denied = code(Resource.record, CATEGORY[access])
    throw coError(401, Resource.record, CATEGORY[access], 'Unauthorized to process object record.', {
      details: [{ code: denied, message: 'Unauthorized Action' }],
    })
  }
}

export const scopeOf = (caller: Caller): DefinitionScope => ({ tenantId: caller.principal.tenant.id, entityId: caller.scope.entityId })
