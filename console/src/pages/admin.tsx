// Admin (the admin token): the tenants, and a new one.
import { useState } from 'preact/hooks'
import { createTenant, listTenants } from '../../../src/client/admin.ts'
import { useAction, useAsync } from '../hooks.ts'
import { formatTime } from '../lib/format.ts'
import { navigate } from '../router.ts'
import { useSession } from '../session.tsx'
import { DataTable, ErrorNote, Link, Loading, PageHeader } from '../components/ui.tsx'

const list = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)

export function AdminPage() {
  const session = useSession()
  const admin = session.admin!
  const tenants = useAsync((signal) => listTenants(admin, signal), [admin])
  const [name, setName] = useState('')
  const [timeZone, setTimeZone] = useState('')
  const [entities, setEntities] = useState('')
  const [orgs, setOrgs] = useState('')
  const create = useAction(async () => {
    const tenant = await createTenant(admin, {
      name: name.trim(),
      ...(timeZone.trim() ? { timeZone: timeZone.trim() } : {}),
      ...(list(entities).length ? { entities: list(entities) } : {}),
      ...(list(orgs).length ? { orgs: list(orgs) } : {}),
    })
    navigate({ page: 'tenant', tenantId: tenant.id, tab: 'users' })
  })
  return (
    <section>
      <PageHeader title="Tenants" />
      <ErrorNote error={tenants.error} title="Tenants" />
      {tenants.data ? (
        <DataTable
          label="Tenants"
          columns={['Tenant', 'Name', 'Time zone', 'Entities', 'Orgs', 'Created']}
          rows={tenants.data.map((tenant) => [
            <Link to={{ page: 'tenant', tenantId: tenant.id, tab: 'users' }}>{tenant.id}</Link>,
            <>
              {tenant.name}
              {tenant.isDefault ? <span class="muted small"> (default)</span> : null}
            </>,
            tenant.timeZone,
            tenant.entities.map((entity) => entity.name).join(', '),
            tenant.orgs.map((org) => org.name).join(', '),
            formatTime(tenant.createdAt),
          ])}
        />
      ) : (
        !tenants.error && <Loading label="Loading tenants" />
      )}
      <form
        class="card form"
        aria-label="New tenant"
        onSubmit={(event) => {
          event.preventDefault()
          void create.run()
        }}
      >
        <h2 style="margin-top:0">New tenant</h2>
        <div class="form-row">
          <label>
            Name
            <input name="name" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
          </label>
          <label>
            Time zone <span class="muted small">(IANA, default UTC)</span>
            <input name="timeZone" placeholder="Europe/Paris" value={timeZone} onInput={(event) => setTimeZone(event.currentTarget.value)} />
          </label>
          <label>
            Entities <span class="muted small">(comma-separated: multi-entity)</span>
            <input name="entities" value={entities} onInput={(event) => setEntities(event.currentTarget.value)} />
          </label>
          <label>
            Orgs <span class="muted small">(comma-separated: multi-org)</span>
            <input name="orgs" value={orgs} onInput={(event) => setOrgs(event.currentTarget.value)} />
          </label>
        </div>
        <ErrorNote error={create.error} title="Tenant refused" />
        <div class="actions">
          <button type="submit" disabled={create.pending}>
            Create tenant
          </button>
        </div>
      </form>
    </section>
  )
}
