// The admin plane (/admin): tenants, users, OAuth clients, tokens of a tenant's users, seed
// and import, a tenant's jobs as the engine sees them, and the sandbox controls (clock,
// lifecycle, advance, fault rules, the request journal, reset and snapshots). A ZuoraClient whose token source answers the admin token calls them;
// errors come as ZuoraErrors like the public API's (the admin plane's v1 envelope).
import type { BodySource, Download, ZuoraClient } from './client.ts'
import { ADMIN_OPERATIONS as OPS, fillPath } from './operations.ts'

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

/**
 * A fault rule as it is added (docs/sandbox.md, Faults): a request fault (`match` + `effect`),
 * a job's failure (`job`) or refused rows (`rows`), with `times`, `probability` + `seed`,
 * `description`. The server checks it and answers its refusal naming the field.
 */
export interface FaultRuleInput {
  match?: { operationId?: string; method?: string; path?: string }
  effect?: {
    status?: number
    code?: number | string
    message?: string
    retryAfter?: number
    latencyMs?: { fixed?: number; uniform?: { min: number; max: number }; logNormal?: { median: number; sigma: number } }
    drop?: 'reset' | 'empty'
  }
  job?: { type: string; fail?: { errorMessage?: string }; transientFailures?: number }
  rows?: { type: string; rowNumbers?: number[]; fraction?: number; seed?: number; code?: number; message?: string }
  times?: number
  probability?: number
  seed?: number
  description?: string
}

/** A tenant's fault rule with its counts. */
export interface FaultRule extends FaultRuleInput {
  id: string
  tenantId: string
  kind: 'request' | 'job' | 'rows' | (string & {})
  /** Calls (or jobs) that matched, fired or not. */
  matched: number
  fired: number
  /** Firings left of `times`; null: no limit. */
  remaining: number | null
  createdAt: string
}

/** One request of the tenant's journal (no bodies, secrets or tokens). */
export interface JournalEntry {
  time: string
  method: string
  /** The path and query string, secret-looking parameters' values left out. */
  path: string
  operationId: string | null
  /** null: no answer (the connection was dropped). */
  status: number | null
  durationMs: number
  requestId: string
  trackId: string | null
  requestBytes: number | null
  responseBytes: number | null
  fault: { ruleId: string; effect: string } | null
}

export interface TenantReset {
  tenantId: string
  kept: string[]
  jobs: number
  files: number
  definitions: number
  billingRows: number
}

export const listFaults = async (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<FaultRule[]> =>
  (await client.call<{ faults: FaultRule[] }>(OPS.listFaults, { params: tenant(tenantId), signal })).faults

export const addFault = (client: ZuoraClient, tenantId: string, rule: FaultRuleInput, signal?: AbortSignal): Promise<FaultRule> =>
  client.call(OPS.addFault, { params: tenant(tenantId), json: rule, signal })

export const removeFault = (client: ZuoraClient, tenantId: string, ruleId: string, signal?: AbortSignal): Promise<{ id: string; deleted: boolean }> =>
  client.call(OPS.removeFault, { params: { tenantId, ruleId }, signal })

export const removeFaults = (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<{ deleted: number }> =>
  client.call(OPS.removeFaults, { params: tenant(tenantId), signal })

/** The tenant's recent requests, newest first: at most `limit`, at or after `since` (ISO-8601 with a zone). */
export const listRequests = (
  client: ZuoraClient,
  tenantId: string,
  options: { limit?: number; since?: string; signal?: AbortSignal } = {},
): Promise<{ requests: JournalEntry[]; size: number }> =>
  client.call(OPS.listRequests, { params: tenant(tenantId), query: { limit: options.limit, since: options.since }, signal: options.signal })

export const clearRequests = (client: ZuoraClient, tenantId: string, signal?: AbortSignal): Promise<{ deleted: number }> =>
  client.call(OPS.clearRequests, { params: tenant(tenantId), signal })

/** Empties the tenant back to how it was made (its users, clients and tokens stay); `keepBilling` keeps its billing data. */
export const resetTenant = (client: ZuoraClient, tenantId: string, options: { keepBilling?: boolean; signal?: AbortSignal } = {}): Promise<TenantReset> =>
  client.call(OPS.resetTenant, { params: tenant(tenantId), json: options.keepBilling ? { keep: ['billing'] } : {}, signal: options.signal })

/** The tenant's snapshot (a tar.gz), streamed with the admin token; `fileName` is the server's name for it. */
export const downloadSnapshot = (client: ZuoraClient, tenantId: string, options: { signal?: AbortSignal; onProgress?(bytes: number): void } = {}): Promise<Download> =>
  client.download(client.baseUrl + fillPath(OPS.snapshot.path, tenant(tenantId)), { authenticated: true, ...options })
