// The admin plane's reset and snapshots of a tenant: POST .../reset, GET .../snapshot (the
// archive, streamed), POST .../snapshot (an archive restored, all or nothing).
import type { FastifyInstance } from 'fastify'
import type { Readable } from 'node:stream'
import { Type, type Static } from 'typebox'
import type { AppDeps } from '../../http/context.ts'
import { ApiError, Category } from '../../platform/errors.ts'
import { ARCHIVE_CONTENT_TYPE, restoreSnapshot, writeSnapshot } from './archive.ts'
import type { Purger } from './purge.ts'
import { KEEPABLE, presentTables, resetTenant } from './reset.ts'

const TenantParams = Type.Object({ tenantId: Type.String() })
const ResetBody = Type.Object(
  {
    keep: Type.Optional(
      Type.Array(Type.Union(KEEPABLE.map((keep) => Type.Literal(keep))), {
        maxItems: KEEPABLE.length,
        uniqueItems: true,
        description: 'What the reset keeps besides the tenant, its users, OAuth clients and tokens: billing (its billing data)',
      }),
    ),
  },
  { additionalProperties: false },
)
const ResetView = Type.Object({
  tenantId: Type.String(),
  kept: Type.Array(Type.String()),
  jobs: Type.Integer({ description: 'Jobs deleted (running ones stopped: their workers write nothing more)' }),
  files: Type.Integer(),
  definitions: Type.Integer({ description: 'Custom object definitions deleted (their records are unreachable at once and deleted in the background)' }),
  billingRows: Type.Integer(),
})
const RestoreView = Type.Object({
  tenantId: Type.String(),
  from: Type.String({ description: 'The tenant the archive was taken from' }),
  rows: Type.Record(Type.String(), Type.Integer(), { description: 'Rows restored per table' }),
  files: Type.Integer(),
  clientsSkipped: Type.Array(Type.String(), { description: "The archive's OAuth clients left out: another tenant holds their client ids" }),
  jobsRequeued: Type.Integer({ description: 'Jobs running when the snapshot was taken, queued again to resume' }),
})

type SnapshotRouteDeps = Pick<AppDeps, 'db' | 'files' | 'settings' | 'verifier' | 'jobs' | 'config'>

/** What this process keeps of a tenant's sandbox state beside the database, told of a reset or restore. */
export interface SandboxCaches {
  /** Reads the fault rules again (other processes see the change within their next look). */
  faultRulesChanged(): Promise<void>
  /** Drops the tenant's request journal, entries still buffered included. */
  journalCleared(tenantId: string): Promise<void>
}

const NO_CACHES: SandboxCaches = { faultRulesChanged: async () => {}, journalCleared: async () => {} }

/** The routes, with the process's purger (what a reset leaves to delete) and its sandbox caches. */
export function snapshotRoutes(purger: Purger, caches: SandboxCaches = NO_CACHES) {
  return async function routes(app: FastifyInstance, deps: SnapshotRouteDeps) {
    const config = { auth: 'admin', family: 'admin' } as const
    const tags = ['sandbox']
    const security = [{ adminToken: [] }]
    const forget = (tenantId: string) => {
      deps.settings.forget(tenantId)
      deps.verifier.forgetTenant(tenantId)
    }

    // Which tenant tables this database has, read once now rather than by the first reset.
    void presentTables(deps.db).catch(() => {})
    // An archive is handed over as a stream: the restore reads it entry by entry.
    app.addContentTypeParser(['application/gzip', 'application/x-gzip', 'application/octet-stream'], (_request, payload, done) => done(null, payload))

    app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof ResetBody> }>(
      '/admin/tenants/:tenantId/reset',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Empty a tenant back to fresh, keeping it, its users, OAuth clients and tokens',
          description:
            'Deletes its jobs (running ones stop), files, custom object definitions and records, billing data (unless `keep: ["billing"]`), ' +
            'idempotency keys, fault rules, request journal, clock and lifecycle policies. Takes a bounded time: records are unreachable at once ' +
            'and deleted in the background.',
          params: TenantParams,
          body: ResetBody,
          response: { 200: ResetView },
        },
        preValidation: async (request) => {
          request.body ??= {}
        },
      },
      async (request) => {
        const reset = await resetTenant({ db: deps.db, purger, forget, leaseSeconds: deps.config.jobLeaseSeconds }, request.params.tenantId, request.body.keep)
        await caches.faultRulesChanged()
        await caches.journalCleared(reset.tenantId)
        return reset
      },
    )

    app.get<{ Params: Static<typeof TenantParams> }>(
      '/admin/tenants/:tenantId/snapshot',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Download a snapshot of everything a tenant has (a tar.gz archive, streamed)',
          description:
            'Settings, users and OAuth clients, billing data, custom object definitions and records, jobs with their files, lifecycle ' +
            'policies, clock, fault rules; one consistent view. POST it to .../snapshot of this or another tenant to restore it.',
          params: TenantParams,
          response: { 200: { description: 'The archive (application/gzip)', type: 'string', format: 'binary' } },
        },
      },
      async (request, reply) => {
        const stream = await writeSnapshot(deps, request.params.tenantId)
        const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
        return reply
          .type(ARCHIVE_CONTENT_TYPE)
          .header('content-disposition', `attachment; filename="zjobs-tenant-${request.params.tenantId}-${stamp}.tar.gz"`)
          .send(stream)
      },
    )

    app.post<{ Params: Static<typeof TenantParams> }>(
      '/admin/tenants/:tenantId/snapshot',
      {
        config,
        schema: {
          tags,
          security,
          summary: "Restore a snapshot archive into a tenant, replacing everything it has, all or nothing",
          description:
            'Body: an archive GET .../snapshot wrote (Content-Type: application/gzip), of this tenant or another: ids are kept. ' +
            'A truncated, changed or newer archive is refused and nothing changes. OAuth clients whose client ids another tenant holds are left out.',
          params: TenantParams,
          response: { 200: RestoreView },
        },
      },
      async (request) => {
        const body = request.body as Readable | undefined
        if (!body || typeof body.pipe !== 'function') {
          throw new ApiError(415, Category.unsupportedRequest, `send the archive as the request body, with Content-Type: ${ARCHIVE_CONTENT_TYPE}`)
        }
        const restored = await restoreSnapshot({ db: deps.db, files: deps.files, purger, forget, wake: () => deps.jobs.wake() }, request.params.tenantId, body)
        await caches.faultRulesChanged()
        return restored
      },
    )
  }
}
