// The console's shell: sign-in state, the clients, what the user may do, the navigation and
// the page of the current address.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { clientsOf, loadSignIn, saveSignIn, type SignIn } from './lib/session.ts'
import { probeCapabilities } from './lib/capabilities.ts'
import { routePath, type Route } from './lib/routes.ts'
import { navigate, useRoute } from './router.ts'
import { SessionContext, type Session } from './session.tsx'
import { useAsync } from './hooks.ts'
import { ErrorNote, Link, Loading } from './components/ui.tsx'
import { TenantPicker } from './components/tenant-picker.tsx'
import { SignInPage } from './pages/sign-in.tsx'
import { JobsPage } from './pages/jobs.tsx'
import { JobPage } from './pages/job.tsx'
import { QueryPage } from './pages/query.tsx'
import { UploadPage } from './pages/upload.tsx'
import { ObjectsPage } from './pages/objects.tsx'
import { BackfillPage } from './pages/backfill.tsx'
import { AdminPage } from './pages/admin.tsx'
import { TenantPage } from './pages/tenant.tsx'

const TITLES: Record<Route['page'], string> = {
  'sign-in': 'Sign in',
  jobs: 'Jobs',
  job: 'Job',
  query: 'Data Query',
  upload: 'Upload',
  objects: 'Custom objects',
  backfill: 'Data Backfill',
  admin: 'Tenants',
  tenant: 'Tenant',
  'not-found': 'Not found',
}

export function App() {
  const route = useRoute()
  const [signIn, setSignIn] = useState<SignIn | undefined>(() => loadSignIn(sessionStorage))
  const clients = useMemo(() => (signIn ? clientsOf(signIn, location.origin, { store: sessionStorage }) : undefined), [signIn])
  const capabilities = useAsync(
    (signal) => (clients?.api ? probeCapabilities(clients.api, signal) : Promise.resolve(undefined)),
    [clients],
  )

  useEffect(() => {
    document.title = `${TITLES[route.page]} · zjobs console`
  }, [route.page])

  useEffect(() => {
    if (!signIn && route.page !== 'sign-in') {
      const here = location.pathname + location.search
      navigate({ page: 'sign-in', next: route.page === 'not-found' ? undefined : here }, { replace: true })
    }
  }, [signIn, route])

  const session: Session | undefined = signIn && clients
    ? {
        signIn,
        ...clients,
        capabilities: capabilities.data,
        change(next) {
          saveSignIn(sessionStorage, next)
          setSignIn(next)
        },
      }
    : undefined

  if (!session || route.page === 'sign-in') {
    return (
      <SignInPage
        next={route.page === 'sign-in' ? route.next : undefined}
        onSignedIn={(next, to) => {
          saveSignIn(sessionStorage, next)
          setSignIn(next)
          navigate(to ?? (next.kind === 'admin' && !next.tenantId ? { page: 'admin' } : { page: 'jobs', filters: {} }), { replace: true })
        }}
      />
    )
  }

  return (
    <SessionContext.Provider value={session}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="shell">
        <header class="topbar">
          <Link to={{ page: 'jobs', filters: {} }} class="brand">
            zjobs <span>console</span>
          </Link>
          <div class="identity">
            {session.signIn.kind === 'admin' ? (
              <TenantPicker />
            ) : (
              <span class="muted" title={session.signIn.clientId}>
                OAuth client {session.signIn.clientId.slice(0, 8)}…
              </span>
            )}
            <button
              type="button"
              class="secondary"
              onClick={() => {
                session.change(undefined)
                navigate({ page: 'sign-in' })
              }}
            >
              Sign out
            </button>
          </div>
        </header>
        <Nav route={route} session={session} />
        <main id="main" tabIndex={-1}>
          {capabilities.error ? <ErrorNote error={capabilities.error} title="Cannot reach the API" /> : null}
          <Page route={route} session={session} />
        </main>
      </div>
    </SessionContext.Provider>
  )
}

function Nav({ route, session }: { route: Route; session: Session }) {
  const caps = session.capabilities
  const items: { to: Route; label: string; pages: Route['page'][]; show: boolean }[] = [
    { to: { page: 'jobs', filters: {} }, label: 'Jobs', pages: ['jobs', 'job'], show: !!session.api },
    { to: { page: 'query' }, label: 'Data Query', pages: ['query'], show: !!caps?.query },
    { to: { page: 'upload', kind: caps?.bulk ? 'objects' : 'backfill' }, label: 'Upload', pages: ['upload'], show: !!caps && (caps.bulk || caps.backfill) },
    { to: { page: 'objects' }, label: 'Custom objects', pages: ['objects'], show: !!caps?.objects },
    { to: { page: 'backfill' }, label: 'Data Backfill', pages: ['backfill'], show: !!caps?.backfill },
    { to: { page: 'admin' }, label: 'Admin', pages: ['admin', 'tenant'], show: !!session.admin },
  ]
  return (
    <nav class="sidebar" aria-label="Console">
      <ul>
        {items
          .filter((item) => item.show)
          .map((item) => (
            <li key={item.label}>
              <Link to={item.to} current={item.pages.includes(route.page)} class={item.pages.includes(route.page) ? 'active' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
      </ul>
      <p class="muted small">
        <a href="/docs">API reference</a>
      </p>
    </nav>
  )
}

function Page({ route, session }: { route: Route; session: Session }) {
  const needsTenant = route.page !== 'admin' && route.page !== 'tenant' && route.page !== 'not-found'
  if (needsTenant && !session.api) {
    return (
      <section>
        <h1>Pick a tenant</h1>
        <p>Signed in with the admin token: choose a tenant and the user to act as (above) to see its jobs, or manage tenants in <Link to={{ page: 'admin' }}>Admin</Link>.</p>
      </section>
    )
  }
  if (needsTenant && !session.capabilities && route.page !== 'job' && route.page !== 'jobs') return <Loading />
  switch (route.page) {
    case 'jobs':
      return <JobsPage filters={route.filters} />
    case 'job':
      return <JobPage family={route.family} id={route.id} />
    case 'query':
      return <QueryPage jobId={route.jobId} />
    case 'upload':
      return <UploadPage kind={route.kind} />
    case 'objects':
      return <ObjectsPage object={route.object} />
    case 'backfill':
      return <BackfillPage />
    case 'admin':
      return session.admin ? <AdminPage /> : <AdminOnly />
    case 'tenant':
      return session.admin ? <TenantPage tenantId={route.tenantId} tab={route.tab} /> : <AdminOnly />
    case 'sign-in':
    case 'not-found':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing at {route.page === 'not-found' ? route.path : ''}. <Link to={routePath({ page: 'jobs', filters: {} })}>Back to the jobs</Link>
          </p>
        </section>
      )
  }
}

function AdminOnly() {
  return (
    <section>
      <h1>Admin</h1>
      <p>The admin pages need the admin token: sign out, then sign in with it.</p>
    </section>
  )
}
