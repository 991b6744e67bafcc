// The admin plane (/admin): tenants, users, OAuth clients, tokens of a tenant's users, seed
// and import, a tenant's jobs as the engine sees them, and the sandbox controls (clock,
// lifecycle, advance). A ZuoraClient whose token source answers the admin token calls them;
// errors come as ZuoraErrors like the public API's (the admin plane's v1 envelope).
import type { BodySource, ZuoraClient } from './client.ts'
import { ADMIN_OPERATIONS as OPS } from './operations.ts'

export const PERMISSIONS = ['viewCustomObjects', 'editCustomObjects', 'deleteCustomObjects', 'dataQuery', 'dataBackfill'] as const
export type Permission = (typeof PERMISSIONS)[number]

export interface AdminTenant {
  id: string
  name: string
  timeZone: string
  defaultZuoraVersion: string
  isDefault: boolean
  entities: { id: string; name: string; displayName: string }[]
  orgs: { id: string; name: string }[]
  createdAt: string
}

export interface AdminUser {
  id: string
  tenantId: string
  username: string
  email: string | null
  admin: boolean
  permissions: Permission[]
  entityIds: string[] | null
  orgIds: string[] | null
}

export interface NewTenant {
  name: string
  timeZone?: string
  entities?: string[]
  orgs?: string[]
}

export interface NewUser {
  username: string
  email?: string
  admin?: boolean
  /** Omitted: every permission. */
  permissions?: Permission[]
  entityIds?: string[]
  orgIds?: string[]
}

export interface ClientCredentials {
  client_id: string
  client_secret: string
}

export interface TokenGrant {
  access_token: string
  expires_in: number
}

/** A job as the engine keeps it (seed jobs, and every family's jobs). */
export interface AdminJob {
  id: string
  kind: string
  state: string
  stopRequested: string | null
  progress: unknown
  result: unknown
  error: string | null
  attempts: number
  maxAttempts: number
  createdAt: string
  startedAt: string | null
  updatedAt: string
  finishedAt: string | null
}

export interface TenantClock {
  tenantId: string
  mode: 'real' | 'frozen' | 'offset'
  now: string
}

export type ClockSetting = { mode: 'real' } | { mode: 'frozen' | 'offset'; now: string }

export const PROGRESSIONS = ['immediate', 'reads', 'time', 'manual'] as const
export interface LifecyclePolicy {
  progression: (typeof PROGRESSIONS)[number]
  reads?: number
  seconds?: number
}
/** The sandbox's job types, as the lifecycle routes name them. */
export const JOB_TYPES = ['dataQuery', 'customObjectBulk', 'dataBackfill', 'autoBackfill', 'bookingDateBackfill'] as const
export type JobType = (typeof JOB_TYPES)[number]

export interface JobLifecycle {
  tenantId: string
  jobId: string
  jobType: JobType
  policy: LifecyclePolicy
  status: string
  state: string
  held: boolean
  reads: number | null
}

const tenant = (tenantId: string) => ({ tenantId })

export const listTenants = async (client: ZuoraClient, signal?: AbortSignal): Promise<AdminTenant[]> =>
  (await client.call<{ tenants: AdminTenant[] }>(OPS.listTenants, { signal })).tenants

export const createTenant = (client: ZuoraClient, input: NewTenant, signal?: AbortSignal): Promise<AdminTenant> =>
  client.call(OPS.createTenant, { json: input, signal })

export const getTenant = (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<AdminTenant> =>
  client.call(OPS.getTenant, { params: tenant(tenantId), signal })

export const deleteTenant = (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<{ id: string; deleted: boolean }> =>
  client.call(OPS.deleteTenant, { params: tenant(tenantId), signal })

export const listUsers = async (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<AdminUser[]> =>
  (await client.call<{ users: AdminUser[] }>(OPS.listUsers, { params: tenant(tenantId), signal })).users

export const createUser = (client: ZuoraClient, tenantId: string, input: NewUser, signal?: AbortSignal): Promise<AdminUser> =>
  client.call(OPS.createUser, { params: tenant(tenantId), json: input, signal })

/** A new OAuth client of a user: its secret is shown this once and never again. */
export const createClient = (client: ZuoraClient, tenantId: string, userId: string, signal?: AbortSignal): Promise<ClientCredentials> =>
  client.call(OPS.createClient, { params: tenant(tenantId), json: { userId }, signal })

/** A bearer token of a tenant's user, without its client's secret. */
export const mintUserToken = (
  client: ZuoraClient,
  tenantId: string,
  userId: string,
  options: { entityId?: string; signal?: AbortSignal } = {},
): Promise<TokenGrant> =>
  client.call(OPS.mintToken, {
    params: { tenantId, userId },
    json: options.entityId ? { entityId: options.entityId } : {},
    signal: options.signal,
  })

/** Starts seeding a tenant: an engine job, followed with getAdminJob. */
export const seedTenant = (
  client: ZuoraClient,
  tenantId: string,
  input: { accounts: number; seed?: number; batchAccounts?: number },
  signal?: AbortSignal,
): Promise<AdminJob> => client.call(OPS.seed, { params: tenant(tenantId), json: input, signal })

/** Imports billing objects from a CSV file: every row, or none. */
export const importBilling = (
  client: ZuoraClient,
  tenantId: string,
  object: string,
  body: BodySource,
  options: { entityId?: string; orgId?: string; signal?: AbortSignal } = {},
): Promise<{ object: string; rows: number }> =>
  client.call(OPS.importCsv, {
    params: tenant(tenantId),
    query: { object, entityId: options.entityId, orgId: options.orgId },
    headers: { 'content-type': 'text/csv' },
    body,
    signal: options.signal,
  })

export const listAdminJobs = async (
  client: ZuoraClient,
  tenantId: string,
  options: { kind?: string; pageSize?: number; signal?: AbortSignal } = {},
): Promise<AdminJob[]> =>
  (await client.call<{ jobs: AdminJob[] }>(OPS.listJobs, {
    params: tenant(tenantId),
    query: { kind: options.kind, pageSize: options.pageSize },
    signal: options.signal,
  })).jobs

export const getAdminJob = (client: ZuoraClient, tenantId: string, jobId: string, signal?: AbortSignal): Promise<AdminJob> =>
  client.call(OPS.getJob, { params: { tenantId, jobId }, signal })

export const cancelAdminJob = (client: ZuoraClient, tenantId: string, jobId: string, signal?: AbortSignal): Promise<AdminJob> =>
  client.call(OPS.cancelJob, { params: { tenantId, jobId }, signal })

export const getClock = (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<TenantClock> =>
  client.call(OPS.getClock, { params: tenant(tenantId), signal })

export const setClock = (client: ZuoraClient, tenantId: string, setting: ClockSetting, signal?: AbortSignal): Promise<TenantClock> =>
  client.call(OPS.setClock, { params: tenant(tenantId), json: setting, signal })

export const advanceClock = (client: ZuoraClient, tenantId: string, seconds: number, signal?: AbortSignal): Promise<TenantClock> =>
  client.call(OPS.advanceClock, { params: tenant(tenantId), json: { seconds }, signal })

export const getLifecycle = (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<Record<JobType, LifecyclePolicy>> =>
  client.call(OPS.getLifecycle, { params: tenant(tenantId), signal })

export const setLifecycle = (
  client: ZuoraClient,
  tenantId: string,
  policies: Partial<Record<JobType, LifecyclePolicy>>,
  signal?: AbortSignal,
): Promise<Record<JobType, LifecyclePolicy>> => client.call(OPS.setLifecycle, { params: tenant(tenantId), json: policies, signal })

export const getJobLifecycle = (client: ZuoraClient, tenantId: string, jobId: string, signal?: AbortSignal): Promise<JobLifecycle> =>
  client.call(OPS.getJobLifecycle, { params: { tenantId, jobId }, signal })

export const setJobLifecycle = (
  client: ZuoraClient,
  tenantId: string,
  jobId: string,
  policy: LifecyclePolicy,
  signal?: AbortSignal,
): Promise<JobLifecycle> => client.call(OPS.setJobLifecycle, { params: { tenantId, jobId }, json: policy, signal })

/** One visible state on (no `to`), to a later state, to completed, or failed with `errorMessage`. */
export const advanceJob = (
  client: ZuoraClient,
  tenantId: string,
  jobId: string,
  options: { to?: string; errorMessage?: string; signal?: AbortSignal } = {},
): Promise<JobLifecycle> =>
  client.call(OPS.advanceJob, {
    params: { tenantId, jobId },
    json: { ...(options.to ? { to: options.to } : {}), ...(options.errorMessage ? { errorMessage: options.errorMessage } : {}) },
    signal: options.signal,
  })
