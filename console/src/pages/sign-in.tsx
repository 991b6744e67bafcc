// Sign-in: a tenant's OAuth client (client_id and client_secret, as any API client), or the
// admin token (then the tenant picker). The credentials are checked against the API before
// the console keeps them.
import { useState } from 'preact/hooks'
import { listTenants, listUsers } from '../../../src/client/admin.ts'
import { clientsOf, defaultUser, type SignIn } from '../lib/session.ts'
import { ErrorNote } from '../components/ui.tsx'
import { useAction } from '../hooks.ts'

export function SignInPage({ next, onSignedIn }: { next?: string; onSignedIn(signIn: SignIn, to?: string): void }) {
  const [mode, setMode] = useState<'client' | 'admin'>('client')
  const [clientId, setClientId] = useState('')
  const [clientSecret, setClientSecret] = useState('')
  const [entityId, setEntityId] = useState('')
  const [adminToken, setAdminToken] = useState('')

  const signIn = useAction(async () => {
    if (mode === 'client') {
      const candidate: SignIn = { kind: 'client', clientId: clientId.trim(), clientSecret: clientSecret.trim(), entityId: entityId.trim() || undefined }
      // The token asked for here is kept: the session uses it.
      await clientsOf(candidate, location.origin, { store: sessionStorage }).api!.token()
      onSignedIn(candidate, next)
      return
    }
    const token = adminToken.trim()
    const { admin } = clientsOf({ kind: 'admin', adminToken: token }, location.origin)
    const tenants = await listTenants(admin!)
    // The default tenant and its first admin user, to start with (the picker changes them).
    const tenant = tenants.find((candidate) => candidate.isDefault) ?? tenants[0]
    const user = tenant ? defaultUser(await listUsers(admin!, tenant.id)) : undefined
    onSignedIn({ kind: 'admin', adminToken: token, tenantId: tenant?.id, userId: user?.id, entityId: tenant?.entities[0]?.id }, next)
  })

  return (
    <main id="main" class="sign-in">
      <h1>
        zjobs <span>console</span>
      </h1>
      <div class="tabs" role="tablist" aria-label="Sign in with">
        {(['client', 'admin'] as const).map((id) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={mode === id}
            aria-controls="sign-in-form"
            class={mode === id ? 'tab active' : 'tab'}
            onClick={() => {
              setMode(id)
              signIn.clear()
            }}
          >
            {id === 'client' ? 'OAuth client' : 'Admin token'}
          </button>
        ))}
      </div>
      <div id="sign-in-form" role="tabpanel" aria-labelledby={`tab-${mode}`}>
      <form
        aria-label={mode === 'client' ? 'Sign in with an OAuth client' : 'Sign in with the admin token'}
        class="card form"
        onSubmit={(event) => {
          event.preventDefault()
          void signIn.run()
        }}
      >
        {mode === 'client' ? (
          <>
            <p class="muted">A tenant's OAuth client: the console calls the API as its user, with that user's permissions.</p>
            <label>
              Client ID
              <input name="client_id" autoComplete="username" required value={clientId} onInput={(event) => setClientId(event.currentTarget.value)} />
            </label>
            <label>
              Client secret
              <input
                name="client_secret"
                type="password"
                autoComplete="current-password"
                required
                value={clientSecret}
                onInput={(event) => setClientSecret(event.currentTarget.value)}
              />
            </label>
            <label>
              Entity ID <span class="muted">(multi-entity tenants, optional)</span>
              <input name="entity_id" value={entityId} onInput={(event) => setEntityId(event.currentTarget.value)} />
            </label>
          </>
        ) : (
          <>
            <p class="muted">The admin token (ZJOBS_ADMIN_TOKEN, printed at the first start): manage tenants, users and clients, and act in a tenant as one of its users.</p>
            <label>
              Admin token
              <input
                name="admin_token"
                type="password"
                autoComplete="current-password"
                required
                value={adminToken}
                onInput={(event) => setAdminToken(event.currentTarget.value)}
              />
            </label>
          </>
        )}
        <ErrorNote error={signIn.error} title="Not signed in" />
        <button type="submit" disabled={signIn.pending}>
          {signIn.pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      </div>
      <p class="muted small">
        The credentials stay in this tab (sessionStorage) until you sign out or close it. <a href="/docs">API reference</a>
      </p>
    </main>
  )
}
