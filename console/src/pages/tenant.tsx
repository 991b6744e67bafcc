// One tenant, for the admin: users and their OAuth clients (a new secret is shown once), seed
// and import with progress, the sandbox controls (clock, lifecycle policies), and its jobs as
// the engine keeps them; the sandbox's fault rules, request journal, reset and snapshot come
// from pages/sandbox-tools.tsx, loaded when the Sandbox tab opens.
import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import {
  advanceClock,
  cancelAdminJob,
  createClient,
  createUser,
  deleteTenant,
  getAdminJob,
  getClock,
  getLifecycle,
  getTenant,
  importBilling,
  JOB_TYPES,
  listAdminJobs,
  listUsers,
  PERMISSIONS,
  PROGRESSIONS,
  seedTenant,
  setClock,
  setLifecycle,
  type AdminJob,
  type AdminTenant,
  type ClientCredentials,
  type JobType,
  type LifecyclePolicy,
  type Permission,
} from '../../../src/client/admin.ts'
import { ZuoraClient } from '../../../src/client/client.ts'
import { follow } from '../../../src/client/follow.ts'
import { useAction, useAsync, usePoll } from '../hooks.ts'
import { formatTime, formatValue, parseDuration } from '../lib/format.ts'
import { seedProgress } from '../lib/admin.ts'
import type { AdminTab } from '../lib/routes.ts'
import { xhrFetch } from '../lib/xhr-fetch.ts'
import { navigate } from '../router.ts'
import { useSession } from '../session.tsx'
import { DataTable, Dialog, DropZone, ErrorNote, Loading, PageHeader, ProgressBar, StateBadge, Tabs } from '../components/ui.tsx'
import { UploadProgress, type UploadState } from '../components/upload.tsx'

const TAB_LABELS: Record<AdminTab, string> = { users: 'Users and clients', data: 'Seed and import', sandbox: 'Sandbox', jobs: 'Engine jobs' }

export function TenantPage({ tenantId, tab }: { tenantId: string; tab: AdminTab }) {
  const session = useSession()
  const admin = session.admin!
  const tenant = useAsync((signal) => getTenant(admin, tenantId, signal), [admin, tenantId])
  const remove = useAction(async () => {
    if (!window.confirm(`Delete tenant ${tenantId} with all its data and files?`)) return
    await deleteTenant(admin, tenantId)
    if (session.signIn.kind === 'admin' && session.signIn.tenantId === tenantId) session.change({ kind: 'admin', adminToken: session.signIn.adminToken })
    navigate({ page: 'admin' })
  })
  if (!tenant.data) return tenant.error ? <ErrorNote error={tenant.error} title={`Tenant ${tenantId}`} /> : <Loading label="Loading the tenant" />
  const data = tenant.data
  return (
    <section>
      <PageHeader
        title={
          <>
            {data.name} <span class="muted small">tenant {data.id}</span>
          </>
        }
      >
        {!data.isDefault && (
          <button type="button" class="danger" disabled={remove.pending} onClick={() => void remove.run()}>
            Delete tenant
          </button>
        )}
      </PageHeader>
      <ErrorNote error={remove.error} title="Delete refused" />
      <p class="muted small">
        Time zone {data.timeZone}
        {data.entities.length ? ` · entities ${data.entities.map((entity) => entity.name).join(', ')}` : ''}
        {data.orgs.length ? ` · orgs ${data.orgs.map((org) => org.name).join(', ')}` : ''}
      </p>
      <Tabs
        label="Tenant"
        current={tab}
        tabs={(Object.keys(TAB_LABELS) as AdminTab[]).map((id) => ({ id, label: TAB_LABELS[id], to: { page: 'tenant', tenantId, tab: id } }))}
      />
      {tab === 'users' && <Users tenant={data} />}
      {tab === 'data' && <Data tenant={data} />}
      {tab === 'sandbox' && <Sandbox tenant={data} />}
      {tab === 'jobs' && <EngineJobs tenant={data} />}
    </section>
  )
}

function Users({ tenant }: { tenant: AdminTenant }) {
  const session = useSession()
  const admin = session.admin!
  const users = useAsync((signal) => listUsers(admin, tenant.id, signal), [admin, tenant.id])
  const [revealed, setRevealed] = useState<ClientCredentials & { username: string }>()
  const newClient = useAction(async (userId: string, username: string) => setRevealed({ ...(await createClient(admin, tenant.id, userId)), username }))
  const [username, setUsername] = useState('')
  const [email, setEmail] = useState('')
  const [isAdmin, setIsAdmin] = useState(false)
  const [permissions, setPermissions] = useState<Permission[]>([...PERMISSIONS])
  const create = useAction(async () => {
    await createUser(admin, tenant.id, { username: username.trim(), ...(email.trim() ? { email: email.trim() } : {}), admin: isAdmin, permissions })
    setUsername('')
    setEmail('')
    users.reload()
  })
  return (
    <>
      <ErrorNote error={users.error} title="Users" />
      {users.data ? (
        <DataTable
          label="Users"
          columns={['User', 'Email', 'Admin', 'Permissions', 'Id', '']}
          rows={users.data.map((user) => [
            user.username,
            user.email ?? '',
            user.admin ? 'yes' : '',
            user.admin ? 'all (admin)' : user.permissions.join(', ') || 'none',
            <span class="mono small">{user.id}</span>,
            <button type="button" class="secondary" disabled={newClient.pending} onClick={() => void newClient.run(user.id, user.username)}>
              New OAuth client
            </button>,
          ])}
        />
      ) : (
        !users.error && <Loading label="Loading users" />
      )}
      <ErrorNote error={newClient.error} title="OAuth client refused" />
      <Dialog open={!!revealed} title="New OAuth client" onClose={() => setRevealed(undefined)}>
        {revealed && (
          <>
            <p>
              For <strong>{revealed.username}</strong>. The secret is shown this once: zjobs keeps only its hash. Copy it now.
            </p>
            <label>
              client_id
              <output class="secret" aria-label="client_id">
                {revealed.client_id}
              </output>
            </label>
            <label>
              client_secret
              <output class="secret" aria-label="client_secret">
                {revealed.client_secret}
              </output>
            </label>
            <div class="actions">
              <button type="button" class="secondary" onClick={() => void navigator.clipboard?.writeText(`${revealed.client_id}\n${revealed.client_secret}`)}>
                Copy both
              </button>
            </div>
          </>
        )}
      </Dialog>
      <form
        class="card form"
        aria-label="New user"
        onSubmit={(event) => {
          event.preventDefault()
          void create.run()
        }}
      >
        <h2 style="margin-top:0">New user</h2>
        <div class="form-row">
          <label>
            Username
            <input name="username" required value={username} onInput={(event) => setUsername(event.currentTarget.value)} />
          </label>
          <label>
            Email <span class="muted small">(optional)</span>
            <input name="email" type="email" value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
          </label>
          <label class="checkbox">
            <input type="checkbox" name="admin" checked={isAdmin} onChange={(event) => setIsAdmin(event.currentTarget.checked)} />
            Admin (every permission, every job)
          </label>
        </div>
        <fieldset class="options">
          <legend>Permissions</legend>
          {PERMISSIONS.map((permission) => (
            <label class="checkbox" key={permission}>
              <input
                type="checkbox"
                name={permission}
                checked={permissions.includes(permission)}
                onChange={(event) =>
                  setPermissions(event.currentTarget.checked ? [...permissions, permission] : permissions.filter((p) => p !== permission))
                }
              />
              {permission}
            </label>
          ))}
        </fieldset>
        <ErrorNote error={create.error} title="User refused" />
        <div class="actions">
          <button type="submit" disabled={create.pending}>
            Create user
          </button>
        </div>
      </form>
    </>
  )
}

const BILLING_OBJECTS = [
  'Account', 'Contact', 'Product', 'ProductRatePlan', 'ProductRatePlanCharge', 'Subscription', 'RatePlan', 'RatePlanCharge', 'Orders',
  'OrderLineItem', 'Invoice', 'InvoiceItem', 'CreditMemo', 'CreditMemoItem', 'DebitMemo', 'DebitMemoItem', 'InvoiceItemAdjustment', 'Payment',
]

function Data({ tenant }: { tenant: AdminTenant }) {
  const session = useSession()
  const admin = session.admin!
  const [accounts, setAccounts] = useState('100')
  const [seed, setSeed] = useState('1')
  const [seedJob, setSeedJob] = useState<AdminJob>()
  const [accountsAsked, setAccountsAsked] = useState(0)
  const seeding = useAction(async () => {
    const asked = Number(accounts)
    setAccountsAsked(asked)
    const started = await seedTenant(admin, tenant.id, { accounts: asked, seed: Number(seed) })
    setSeedJob(started)
    const done = await follow<AdminJob>((signal) => getAdminJob(admin, tenant.id, started.id, signal), (job) => ['completed', 'failed', 'cancelled', 'stopped'].includes(job.state), {
      onUpdate: (job) => setSeedJob(job),
      firstDelayMs: 300,
      maxDelayMs: 1000,
    })
    setSeedJob(done)
  })
  const [object, setObject] = useState('Account')
  const [entityId, setEntityId] = useState(tenant.entities[0]?.id ?? '')
  const [orgId, setOrgId] = useState(tenant.orgs[0]?.id ?? '')
  const [upload, setUpload] = useState<UploadState>()
  const importing = useAction(async (file: File) => {
    setUpload({ name: file.name, size: file.size, sent: 0, phase: 'uploading' })
    const signIn = session.signIn
    const adminToken = signIn.kind === 'admin' ? signIn.adminToken : ''
    const client = new ZuoraClient({
      baseUrl: location.origin,
      token: async () => adminToken,
      fetch: xhrFetch((sent, total) => setUpload({ name: file.name, size: file.size, sent, total, phase: 'uploading' })),
      retry: { retries: 0 },
    })
    const result = await importBilling(client, tenant.id, object, file, { entityId: entityId || undefined, orgId: orgId || undefined })
    setUpload({ name: file.name, size: file.size, sent: file.size, phase: 'done' })
    return result
  })
  const [imported, setImported] = useState<{ object: string; rows: number }>()
  const progress = seedJob ? seedProgress(seedJob, accountsAsked) : undefined
  return (
    <div class="grid-2">
      <form
        class="card form"
        aria-label="Seed"
        onSubmit={(event) => {
          event.preventDefault()
          void seeding.run()
        }}
      >
        <h2 style="margin-top:0">Seed</h2>
        <p class="muted small">Realistic, deterministic billing data: the same seed gives the same rows and ids.</p>
        <div class="form-row">
          <label>
            Accounts
            <input name="accounts" type="number" min={0} required value={accounts} onInput={(event) => setAccounts(event.currentTarget.value)} />
          </label>
          <label>
            Seed
            <input name="seed" type="number" min={0} value={seed} onInput={(event) => setSeed(event.currentTarget.value)} />
          </label>
        </div>
        <div class="actions">
          <button type="submit" disabled={seeding.pending}>
            Seed the tenant
          </button>
        </div>
        {seedJob && progress && (
          <div role="status" aria-live="polite">
            <p>
              <StateBadge state={seedJob.state} /> {progress.text}
            </p>
            <ProgressBar value={progress.done} max={progress.total} label="Seed progress" />
            {seedJob.error && <p class="error-text">{seedJob.error}</p>}
          </div>
        )}
        <ErrorNote error={seeding.error} title="Seed refused" />
      </form>
      <div class="card form">
        <h2 style="margin-top:0">Import</h2>
        <p class="muted small">A CSV file of one billing object: a header of Data Query column names (id required). Every row is imported, or none.</p>
        <div class="form-row">
          <label>
            Object
            <select name="object" value={object} onChange={(event) => setObject(event.currentTarget.value)}>
              {BILLING_OBJECTS.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          {tenant.entities.length > 0 && (
            <label>
              Entity
              <select name="entityId" value={entityId} onChange={(event) => setEntityId(event.currentTarget.value)}>
                {tenant.entities.map((entity) => (
                  <option key={entity.id} value={entity.id}>
                    {entity.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {tenant.orgs.length > 0 && (
            <label>
              Org
              <select name="orgId" value={orgId} onChange={(event) => setOrgId(event.currentTarget.value)}>
                {tenant.orgs.map((org) => (
                  <option key={org.id} value={org.id}>
                    {org.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        <DropZone
          label={`Drop a CSV file of ${object} rows to import`}
          accept=".csv,text/csv"
          disabled={importing.pending}
          onFile={(file) => {
            setImported(undefined)
            void importing.run(file).then((result) => result && setImported(result))
          }}
        />
        {upload && <UploadProgress upload={upload} />}
        {imported && (
          <p class="note note-ok" role="status">
            Imported {imported.rows.toLocaleString('en-US')} rows into {imported.object}.
          </p>
        )}
        <ErrorNote error={importing.error} title="Import refused" />
      </div>
    </div>
  )
}

function Sandbox({ tenant }: { tenant: AdminTenant }) {
  const session = useSession()
  const admin = session.admin!
  const clock = useAsync((signal) => getClock(admin, tenant.id, signal), [admin, tenant.id])
  const [mode, setMode] = useState<'real' | 'frozen' | 'offset'>('frozen')
  const [now, setNow] = useState('')
  const [advanceBy, setAdvanceBy] = useState('1d')
  const changeClock = useAction(async () =>
    clock.set(await setClock(admin, tenant.id, mode === 'real' ? { mode } : { mode, now: now.trim() || new Date().toISOString() })),
  )
  const advance = useAction(async () => {
    const seconds = parseDuration(advanceBy)
    if (!seconds) throw new Error(`${advanceBy} is not a duration: 90, 90s, 15m, 2h, 31d, 1d12h`)
    clock.set(await advanceClock(admin, tenant.id, seconds))
  })
  const policies = useAsync((signal) => getLifecycle(admin, tenant.id, signal), [admin, tenant.id])
  const [draft, setDraft] = useState<Partial<Record<JobType, LifecyclePolicy>>>({})
  const saved = { ...policies.data, ...draft } as Record<JobType, LifecyclePolicy>
  const save = useAction(async () => {
    policies.set(await setLifecycle(admin, tenant.id, saved))
    setDraft({})
  })
  const edit = (type: JobType, change: Partial<LifecyclePolicy>) => {
    const next: LifecyclePolicy = { ...saved[type], ...change }
    if (next.progression !== 'reads') delete next.reads
    else next.reads ??= 2
    if (next.progression !== 'time') delete next.seconds
    else next.seconds ??= 30
    setDraft({ ...draft, [type]: next })
  }
  return (
    <>
      <div class="grid-2">
        <div class="card form" aria-label="Clock">
          <h2 style="margin-top:0">Clock</h2>
          <ErrorNote error={clock.error} title="Clock" />
          {clock.data && (
            <p role="status">
              <strong>{clock.data.mode}</strong> · the tenant's time is <span class="mono">{clock.data.now}</span>
            </p>
          )}
          <form
            class="form-row"
            aria-label="Set the clock"
            onSubmit={(event) => {
              event.preventDefault()
              void changeClock.run()
            }}
          >
            <label>
              Mode
              <select name="mode" value={mode} onChange={(event) => setMode(event.currentTarget.value as typeof mode)}>
                <option value="real">real</option>
                <option value="frozen">frozen</option>
                <option value="offset">offset (runs on)</option>
              </select>
            </label>
            {mode !== 'real' && (
              <label>
                At <span class="muted small">(ISO 8601 with a zone; empty: now)</span>
                <input name="now" placeholder="2026-01-31T09:30:00Z" value={now} onInput={(event) => setNow(event.currentTarget.value)} />
              </label>
            )}
            <button type="submit" disabled={changeClock.pending}>
              Set clock
            </button>
          </form>
          <ErrorNote error={changeClock.error} title="Clock refused" />
          <form
            class="form-row"
            aria-label="Advance the clock"
            onSubmit={(event) => {
              event.preventDefault()
              void advance.run()
            }}
          >
            <label>
              Advance by
              <input name="advance" class="narrow" style="width:7rem" value={advanceBy} onInput={(event) => setAdvanceBy(event.currentTarget.value)} />
            </label>
            <button type="submit" disabled={advance.pending}>
              Advance
            </button>
          </form>
          <ErrorNote error={advance.error} title="Advance refused" />
        </div>
        <form
          class="card form"
          aria-label="Lifecycle policies"
          onSubmit={(event) => {
            event.preventDefault()
            void save.run()
          }}
        >
          <h2 style="margin-top:0">Lifecycle</h2>
          <p class="muted small">How the tenant's new jobs of each type move through their states: at real speed, after N reads, after T seconds of its clock, or when advanced (a held job's page has Advance).</p>
          <ErrorNote error={policies.error} title="Lifecycle" />
          {policies.data &&
            JOB_TYPES.map((type) => (
              <div class="form-row" key={type}>
                <label style="min-width:12rem">
                  {type}
                  <select name={`${type}-progression`} aria-label={`${type} progression`} value={saved[type].progression} onChange={(event) => edit(type, { progression: event.currentTarget.value as LifecyclePolicy['progression'] })}>
                    {PROGRESSIONS.map((progression) => (
                      <option key={progression} value={progression}>
                        {progression}
                      </option>
                    ))}
                  </select>
                </label>
                {saved[type].progression === 'reads' && (
                  <label>
                    Reads
                    <input type="number" min={1} class="narrow" aria-label={`${type} reads`} value={saved[type].reads} onInput={(event) => edit(type, { reads: Number(event.currentTarget.value) })} />
                  </label>
                )}
                {saved[type].progression === 'time' && (
                  <label>
                    Seconds
                    <input type="number" min={1} class="narrow" aria-label={`${type} seconds`} value={saved[type].seconds} onInput={(event) => edit(type, { seconds: Number(event.currentTarget.value) })} />
                  </label>
                )}
              </div>
            ))}
          <ErrorNote error={save.error} title="Lifecycle refused" />
          <div class="actions">
            <button type="submit" disabled={save.pending || Object.keys(draft).length === 0}>
              Save policies
            </button>
            {Object.keys(draft).length === 0 && save.pending === false && policies.data && <span class="muted small">Saved</span>}
          </div>
        </form>
      </div>
      <SandboxTools
        tenant={tenant}
        onReset={() => {
          clock.reload()
          policies.reload()
          setDraft({})
        }}
      />
    </>
  )
}

type ToolsProps = { tenant: AdminTenant; onReset?(): void }
type ToolsModule = { default: ComponentType<ToolsProps> }
let toolsModule: Promise<ToolsModule> | undefined

/** Fault rules, the request journal, reset and snapshot: a script of their own, loaded when the tab opens. */
function SandboxTools(props: ToolsProps) {
  const [tools, setTools] = useState<{ module?: ToolsModule; error?: unknown }>({})
  useEffect(() => {
    let live = true
    toolsModule ??= import('./sandbox-tools.tsx')
    toolsModule.then(
      (module) => live && setTools({ module }),
      (error) => {
        toolsModule = undefined
        if (live) setTools({ error })
      },
    )
    return () => {
      live = false
    }
  }, [])
  if (tools.error) return <ErrorNote error={tools.error} title="Sandbox tools" />
  if (!tools.module) return <Loading label="Loading the sandbox tools" />
  const Tools = tools.module.default
  return <Tools {...props} />
}

function EngineJobs({ tenant }: { tenant: AdminTenant }) {
  const session = useSession()
  const admin = session.admin!
  const jobs = usePoll((signal) => listAdminJobs(admin, tenant.id, { pageSize: 100, signal }), (list) => (list.some((job) => !isEnded(job.state)) ? 1500 : 10_000), [admin, tenant.id])
  const cancel = useAction(async (jobId: string) => {
    await cancelAdminJob(admin, tenant.id, jobId)
    jobs.reload()
  })
  return (
    <>
      <p class="muted small">Every job of the tenant as the job engine keeps it (seed jobs included), newest first.</p>
      <ErrorNote error={jobs.error} title="Jobs" />
      <ErrorNote error={cancel.error} title="Cancel refused" />
      {jobs.data ? (
        <DataTable
          label="Engine jobs"
          columns={['Job', 'Kind', 'State', 'Progress', 'Attempts', 'Created', '']}
          rows={jobs.data.map((job) => [
            <span class="mono small">{job.id}</span>,
            job.kind,
            <StateBadge state={job.state} />,
            <span class="mono small">{formatValue(job.progress)}</span>,
            `${job.attempts}/${job.maxAttempts}`,
            formatTime(job.createdAt),
            isEnded(job.state) ? '' : (
              <button type="button" class="danger" disabled={cancel.pending} onClick={() => void cancel.run(job.id)}>
                Cancel
              </button>
            ),
          ])}
          empty="No jobs"
        />
      ) : (
        !jobs.error && <Loading label="Loading jobs" />
      )}
    </>
  )
}

const isEnded = (state: string) => ['completed', 'failed', 'cancelled', 'stopped'].includes(state)
