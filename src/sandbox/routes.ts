// The sandbox control plane, under /admin with the admin token: a tenant's clock, its lifecycle
// policies per job type, one job's policy, and advancing a job. Every refusal is a v1 admin
// error naming the field, raised before anything changes.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { AppDeps } from '../http/context.ts'
import { PROGRESSIONS, type JobLifecycle, type Policy } from '../jobs/lifecycle.ts'
import { replaceTenantPolicies, tenantPolicies } from '../jobs/lifecycle-store.ts'
import { advanceJob, lifecycleReport, retimeHeldJobs, setJobPolicy, type LifecycleReport, type PacingDeps } from '../jobs/pacing.ts'
import { getJob } from '../jobs/store.ts'
import type { Job } from '../jobs/types.ts'
import { changeClock, type ClockChange, type TenantClock } from '../platform/clock.ts'
import { conflict, notFound } from '../platform/errors.ts'
import { requireTenant } from '../platform/tenants.ts'
import { checkPolicy, parseAdvance, parseClockSetting } from './input.ts'
import { JOB_TYPES, lifecycleOfKind } from './job-types.ts'

/** At most a year per state: a longer pause is `manual`'s. */
const MAX_SECONDS = 31_536_000
/** 100 years: the furthest one advance takes a clock. */
const MAX_ADVANCE_SECONDS = 3_153_600_000

const PolicyBody = Type.Object(
  {
    progression: Type.Union(
      PROGRESSIONS.map((p) => Type.Literal(p)),
      { description: 'immediate (real speed), reads (each state shown to `reads` reads), time (each state lasts `seconds` of the tenant clock), manual (until advanced)' },
    ),
    reads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'With progression reads' })),
    seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_SECONDS, description: 'With progression time' })),
  },
  { additionalProperties: false },
)
const Policies = Type.Object(
  Object.fromEntries(JOB_TYPES.map((type) => [type.type, Type.Optional(PolicyBody)])),
  { additionalProperties: false, description: 'A policy per job type; a type not named is immediate' },
)
const PoliciesView = Type.Object(Object.fromEntries(JOB_TYPES.map((type) => [type.type, PolicyBody])))
const ClockBody = Type.Object(
  {
    mode: Type.Union([Type.Literal('real'), Type.Literal('frozen'), Type.Literal('offset')], {
      description: 'real: the server\'s time; frozen: stays at `now`; offset: runs on from `now`',
    }),
    now: Type.Optional(Type.String({ description: 'ISO-8601 date-time with a time zone (frozen and offset)', examples: ['2026-01-31T09:30:00Z'] })),
  },
  { additionalProperties: false },
)
const ClockAdvance = Type.Object(
  { seconds: Type.Number({ exclusiveMinimum: 0, maximum: MAX_ADVANCE_SECONDS, description: 'How far the tenant\'s clock moves on' }) },
  { additionalProperties: false },
)
const ClockView = Type.Object({
  tenantId: Type.String(),
  mode: Type.String({ description: 'real, frozen or offset' }),
  now: Type.String({ format: 'date-time', description: "The tenant's time now" }),
})
const AdvanceBody = Type.Object(
  {
    to: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "A state of the job's family (its spelling, any case): a later visible state, completed, or failed" }),
    ),
    errorMessage: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'With the failed state: the message the job fails with' })),
  },
  { additionalProperties: false },
)
const JobLifecycleView = Type.Object({
  tenantId: Type.String(),
  jobId: Type.String(),
  jobType: Type.String(),
  policy: PolicyBody,
  status: Type.String({ description: "The state the job's clients see, in its family's words" }),
  state: Type.String({ description: 'The same as the engine names it: pending, queued, running, completed, failed, cancelled or stopped' }),
  held: Type.Boolean({ description: 'Its work waits for its policy or an advance' }),
  reads: Type.Union([Type.Integer(), Type.Null()], { description: 'Reads of the state shown (progression reads)' }),
})
const TenantParams = Type.Object({ tenantId: Type.String() })
const JobParams = Type.Object({ tenantId: Type.String(), jobId: Type.String() })

type SandboxDeps = Pick<AppDeps, 'db' | 'settings' | 'jobs'>

export async function sandboxRoutes(app: FastifyInstance, deps: SandboxDeps) {
  const config = { auth: 'admin', family: 'admin' } as const
  const tags = ['sandbox']
  const security = [{ adminToken: [] }]
  const pacing: PacingDeps = { db: deps.db, source: deps.settings, wake: () => deps.jobs.wake() }

  const clockView = (tenantId: string, clock: TenantClock) => ({ tenantId, mode: clock.mode, now: new Date(clock.now()).toISOString() })
  const setClock = async (tenantId: string, change: ClockChange) => {
    const clock = await changeClock(deps.db, tenantId, change)
    deps.settings.forget(tenantId)
    await retimeHeldJobs(pacing, tenantId, clock)
    return clockView(tenantId, clock)
  }

  app.get<{ Params: Static<typeof TenantParams> }>(
    '/admin/tenants/:tenantId/clock',
    { config, schema: { tags, security, summary: "Read a tenant's clock", params: TenantParams, response: { 200: ClockView } } },
    async (request) => {
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      return clockView(tenant.id, await deps.settings.clockOf(tenant.id))
    },
  )

  app.put<{ Params: Static<typeof TenantParams>; Body: Static<typeof ClockBody> }>(
    '/admin/tenants/:tenantId/clock',
    {
      config,
      schema: {
        tags,
        security,
        summary: "Set a tenant's clock: real time, frozen at a time, or running on from a time",
        description: 'Every time the tenant\'s clients see follows it: timestamps, token and link expiry, retention, rate windows, lifecycle timing.',
        params: TenantParams,
        body: ClockBody,
        response: { 200: ClockView },
      },
    },
    async (request) => {
      const change = parseClockSetting(request.body)
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      return setClock(tenant.id, change)
    },
  )

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof ClockAdvance> }>(
    '/admin/tenants/:tenantId/clock/advance',
    {
      config,
      schema: {
        tags,
        security,
        summary: "Move a tenant's clock on (a frozen clock stays frozen; a real one runs on from the new time)",
        params: TenantParams,
        body: ClockAdvance,
        response: { 200: ClockView },
      },
    },
    async (request) => {
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      return setClock(tenant.id, { advanceMs: Math.round(request.body.seconds * 1000) })
    },
  )

  const policiesView = (policies: Map<string, Policy>) =>
    Object.fromEntries(JOB_TYPES.map((type) => [type.type, policies.get(type.type) ?? { progression: 'immediate' }]))

  app.get<{ Params: Static<typeof TenantParams> }>(
    '/admin/tenants/:tenantId/lifecycle',
    {
      config,
      schema: { tags, security, summary: "Read a tenant's lifecycle policy of each job type", params: TenantParams, response: { 200: PoliciesView } },
    },
    async (request) => {
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      return policiesView(await tenantPolicies(deps.db, tenant.id))
    },
  )

  app.put<{ Params: Static<typeof TenantParams>; Body: Record<string, Policy> }>(
    '/admin/tenants/:tenantId/lifecycle',
    {
      config,
      schema: {
        tags,
        security,
        summary: "Set a tenant's lifecycle policies (jobs submitted from now on; a type not named is immediate)",
        description: `Job types: ${JOB_TYPES.map((type) => type.type).join(', ')}.`,
        params: TenantParams,
        body: Policies,
        response: { 200: PoliciesView },
      },
    },
    async (request) => {
      const policies = new Map(Object.entries(request.body).map(([type, policy]) => [type, checkPolicy(policy, type)]))
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      await deps.db.transaction((tx) => replaceTenantPolicies(tx, tenant.id, policies))
      deps.settings.forget(tenant.id)
      return policiesView(await tenantPolicies(deps.db, tenant.id))
    },
  )

  /** The tenant's job and its family's lifecycle; 404 for an unknown job or another tenant's, 409 for a job no policy paces. */
  const pacedJob = async (tenantId: string, jobId: string): Promise<{ job: Job; lifecycle: JobLifecycle }> => {
    const tenant = await requireTenant(deps.db, tenantId)
    const job = await getJob(deps.db, tenant.id, jobId.toLowerCase())
    if (!job) throw notFound(`Job ${jobId} does not exist in tenant ${tenant.id}`)
    const lifecycle = lifecycleOfKind(job.kind)
    if (!lifecycle) throw conflict(`Job ${jobId} is a ${job.kind} job: it has no lifecycle to pace`)
    return { job, lifecycle }
  }
  const jobView = (job: Job, lifecycle: JobLifecycle, report: LifecycleReport) => ({
    tenantId: job.tenantId,
    jobId: job.id,
    jobType: lifecycle.type,
    policy: report.policy,
    status: lifecycle.statusOf(report.view),
    state: report.view.state,
    held: report.held,
    reads: report.reads,
  })

  app.get<{ Params: Static<typeof JobParams> }>(
    '/admin/tenants/:tenantId/jobs/:jobId/lifecycle',
    {
      config,
      schema: {
        tags,
        security,
        summary: "Read a job's lifecycle: its policy and the state its clients see (not counted as their read)",
        params: JobParams,
        response: { 200: JobLifecycleView },
      },
    },
    async (request) => {
      const { job, lifecycle } = await pacedJob(request.params.tenantId, request.params.jobId)
      return jobView(job, lifecycle, await lifecycleReport(pacing, job, lifecycle))
    },
  )

  app.put<{ Params: Static<typeof JobParams>; Body: Static<typeof PolicyBody> }>(
    '/admin/tenants/:tenantId/jobs/:jobId/lifecycle',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Set the lifecycle policy of one job that has not started (it overrides its tenant\'s)',
        params: JobParams,
        body: PolicyBody,
        response: { 200: JobLifecycleView },
      },
    },
    async (request) => {
      const policy = checkPolicy(request.body, '')
      const { job, lifecycle } = await pacedJob(request.params.tenantId, request.params.jobId)
      const report = await setJobPolicy(pacing, job, lifecycle, policy)
      deps.settings.forget(job.tenantId)
      return jobView(job, lifecycle, report)
    },
  )

  app.post<{ Params: Static<typeof JobParams>; Body: Static<typeof AdvanceBody> }>(
    '/admin/tenants/:tenantId/jobs/:jobId/advance',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Move a held job one visible state on, to a later state, to its end, or end it failed',
        description:
          'Without `to`: one visible state on. `to`: a state of the job\'s family (its spelling, any case); its completed state lets its ' +
          'work run at real speed and shows its real outcome; its failed state ends it failed with `errorMessage` (a running job at its next batch).',
        params: JobParams,
        body: AdvanceBody,
        response: { 200: JobLifecycleView },
      },
      // No body at all is an advance of one state.
      preValidation: async (request) => {
        request.body ??= {}
      },
    },
    async (request) => {
      const { job, lifecycle } = await pacedJob(request.params.tenantId, request.params.jobId)
      const target = parseAdvance(request.body, job, lifecycle)
      return jobView(job, lifecycle, await advanceJob(pacing, job, lifecycle, target))
    },
  )
}
