// Admin plane, jobs: seed a tenant (an asynchronous job) and look at any of a tenant's jobs
// as the engine sees them.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { planSeed } from '../../billing/seed.ts'
import { SEED_JOB_KIND, type SeedJobParams } from '../../billing/job.ts'
import { getJob, insertJob, kindsOf, listJobs, requestStop } from '../../jobs/store.ts'
import type { Job } from '../../jobs/types.ts'
import { notFound } from '../../platform/errors.ts'
import { newHexId } from '../../platform/ids.ts'
import { requireTenant } from '../../platform/tenants.ts'
import type { AppDeps } from '../context.ts'

const AdminJob = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.String({ description: 'pending, queued, running, completed, failed, cancelled or stopped' }),
  stopRequested: Type.Union([Type.String(), Type.Null()]),
  progress: Type.Unknown(),
  result: Type.Unknown(),
  error: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

const TenantParams = Type.Object({ tenantId: Type.String() })
const JobParams = Type.Object({ tenantId: Type.String(), jobId: Type.String() })
const SeedBody = Type.Object(
  {
    accounts: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'Default 1' })),
    batchAccounts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Accounts per batch; default 1000' })),
  },
  { additionalProperties: false },
)
const ListQuery = Type.Object(
  {
    kind: Type.Optional(Type.String()),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
)

const SEED_MAX_ATTEMPTS = 5

export const adminJobView = (job: Job) => ({
  id: job.id,
  kind: job.kind,
  state: job.state,
  stopRequested: job.stopRequested,
  progress: job.progress,
  result: job.result,
  error: job.error,
  attempts: job.attempts,
  maxAttempts: job.maxAttempts,
  createdAt: job.createdAt.toISOString(),
  startedAt: job.startedAt?.toISOString() ?? null,
  updatedAt: job.updatedAt.toISOString(),
  finishedAt: job.finishedAt?.toISOString() ?? null,
})

export async function adminJobRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'jobs'>) {
  const config = { auth: 'admin', family: 'admin' } as const
  const tags = ['admin']
  const security = [{ adminToken: [] }]

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof SeedBody> }>(
    '/admin/tenants/:tenantId/seed',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Seed a tenant with realistic billing data (an asynchronous job)',
        params: TenantParams,
        body: SeedBody,
        response: { 202: AdminJob },
      },
    },
    async (request, reply) => {
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      const plan = planSeed(tenant, request.body)
      const job = await insertJob<SeedJobParams, object>(deps.db, {
        tenantId: tenant.id,
        id: newHexId(),
        kind: SEED_JOB_KIND,
        params: { plan },
        maxAttempts: SEED_MAX_ATTEMPTS,
      })
      deps.jobs.wake()
      return reply.code(202).send(adminJobView(job))
    },
  )

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof ListQuery> }>(
    '/admin/tenants/:tenantId/jobs',
    {
      config,
      schema: {
        tags,
        security,
        summary: "List a tenant's jobs, newest first",
        params: TenantParams,
        querystring: ListQuery,
        response: { 200: Type.Object({ jobs: Type.Array(AdminJob) }) },
      },
    },
    async (request) => {
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      const kinds = request.query.kind ? [request.query.kind] : await kindsOf(deps.db, tenant.id)
      const jobs = await listJobs(deps.db, tenant.id, { kinds, limit: request.query.pageSize ?? 100 })
      return { jobs: jobs.map(adminJobView) }
    },
  )

  app.get<{ Params: Static<typeof JobParams> }>(
    '/admin/tenants/:tenantId/jobs/:jobId',
    { config, schema: { tags, security, summary: 'Retrieve a job', params: JobParams, response: { 200: AdminJob } } },
    async (request) => {
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      const job = await getJob(deps.db, tenant.id, request.params.jobId)
      if (!job) throw notFound(`Job ${request.params.jobId} does not exist in tenant ${tenant.id}`)
      return adminJobView(job)
    },
  )

  app.post<{ Params: Static<typeof JobParams> }>(
    '/admin/tenants/:tenantId/jobs/:jobId/cancel',
    {
      config,
      schema: { tags, security, summary: 'Cancel a job that has not ended', params: JobParams, response: { 200: AdminJob } },
    },
    async (request) => {
      const tenant = await requireTenant(deps.db, request.params.tenantId)
      const stopped = await deps.db.transaction((tx) =>
        requestStop(tx, tenant.id, request.params.jobId, 'cancel', ['pending', 'queued', 'running']),
      )
      return adminJobView(stopped.job)
    },
  )
}
