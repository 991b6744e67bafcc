// The admin's tenant picker: which tenant the console shows, and which of its users it acts
// as (the public API answers as that user, with that user's permissions).
import { listTenants, listUsers } from '../../../src/client/admin.ts'
import { useAsync } from '../hooks.ts'
import { defaultUser } from '../lib/session.ts'
import { useSession } from '../session.tsx'
import { errorText } from './ui.tsx'

export function TenantPicker() {
  const session = useSession()
  const admin = session.admin
  const signIn = session.signIn
  const tenantId = signIn.kind === 'admin' ? signIn.tenantId : undefined
  const tenants = useAsync((signal) => (admin ? listTenants(admin, signal) : Promise.resolve([])), [admin])
  const users = useAsync((signal) => (admin && tenantId ? listUsers(admin, tenantId, signal) : Promise.resolve([])), [admin, tenantId])
  if (signIn.kind !== 'admin' || !admin) return null
  const tenant = tenants.data?.find((candidate) => candidate.id === signIn.tenantId)
  const user = users.data?.find((candidate) => candidate.id === signIn.userId)
  const entities = tenant?.entities.filter((entity) => !user?.entityIds || user.entityIds.includes(entity.id)) ?? []

  const pickTenant = async (tenantId: string) => {
    if (!tenantId) return session.change({ kind: 'admin', adminToken: signIn.adminToken })
    const picked = defaultUser(await listUsers(admin, tenantId))
    const pickedTenant = tenants.data?.find((candidate) => candidate.id === tenantId)
    session.change({ kind: 'admin', adminToken: signIn.adminToken, tenantId, userId: picked?.id, entityId: pickedTenant?.entities[0]?.id })
  }

  return (
    <div class="picker" role="group" aria-label="Tenant and user">
      <label>
        <span class="visually-hidden">Tenant</span>
        <select aria-label="Tenant" value={signIn.tenantId ?? ''} onChange={(event) => void pickTenant((event.currentTarget as HTMLSelectElement).value)}>
          <option value="">Tenant…</option>
          {tenants.data?.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.id} · {candidate.name}
            </option>
          ))}
        </select>
      </label>
      {signIn.tenantId && (
        <label>
          <span class="visually-hidden">Act as user</span>
          <select
            aria-label="Act as user"
            value={signIn.userId ?? ''}
            onChange={(event) => session.change({ ...signIn, userId: (event.currentTarget as HTMLSelectElement).value || undefined })}
          >
            <option value="">User…</option>
            {users.data?.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.username}
                {candidate.admin ? ' (admin)' : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      {entities.length > 0 && (
        <label>
          <span class="visually-hidden">Entity</span>
          <select
            aria-label="Entity"
            value={signIn.entityId ?? ''}
            onChange={(event) => session.change({ ...signIn, entityId: (event.currentTarget as HTMLSelectElement).value || undefined })}
          >
            {entities.map((entity) => (
              <option key={entity.id} value={entity.id}>
                {entity.displayName || entity.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {tenants.error ? <span class="error-text">{errorText(tenants.error)}</span> : null}
    </div>
  )
}
