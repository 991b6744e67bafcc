// Downloads: a tenant's file by its id with the tenant's bearer token (Zuora's
// /apps/v1/files/{id}), and signed, expiring links that need no token (Data Query's
// dataFile). Both stream the bytes.
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Readable } from 'node:stream'
import { Type, type Static } from 'typebox'
import { BACKFILL_KINDS } from '../../backfill/common.ts'
import { getJob } from '../../jobs/store.ts'
import { BULK_KIND } from '../../objects/bulk/service.ts'
import { ApiError, Category, notFound } from '../../platform/errors.ts'
import { HEX_ID } from '../../platform/ids.ts'
import type { Permission } from '../../platform/tenants.ts'
import { DATA_QUERY_KINDS } from '../../query/job.ts'
import type { Db } from '../../storage/db.ts'
import type { FileMeta, FileStore } from '../../storage/files/store.ts'
import { callerOf, type AppDeps } from '../context.ts'
import type { RequestScope } from '../../platform/caller.ts'
import type { Principal } from '../../platform/oauth.ts'

const FileParams = Type.Object({ fileId: Type.String() })
type FileParams = Static<typeof FileParams>

/**
 * Who reads the files of each job kind, as who reads the job: the family's permission, and for
 * Data Query only the job's submitter (admins read every job). A kind not listed: admins only.
 */
const READERS: Record<string, { permission: Permission; ownJobsOnly: boolean }> = {
  [DATA_QUERY_KINDS.LIVE]: { permission: 'dataQuery', ownJobsOnly: true },
  [DATA_QUERY_KINDS.WAREHOUSE]: { permission: 'dataQuery', ownJobsOnly: true },
  [BACKFILL_KINDS.file]: { permission: 'dataBackfill', ownJobsOnly: false },
  [BACKFILL_KINDS.propagation]: { permission: 'dataBackfill', ownJobsOnly: false },
  [BACKFILL_KINDS.bookingDate]: { permission: 'dataBackfill', ownJobsOnly: false },
  [BULK_KIND]: { permission: 'viewCustomObjects', ownJobsOnly: false },
}

/**
 * Whether the caller may read the file: 'forbidden' without its family's permission (403),
 * 'hidden' when the caller may not see its job (another entity's, another user's Data Query:
 * the same 404 as an unknown id).
 */
export async function fileAccess(
  db: Db,
  caller: { principal: Principal; scope: RequestScope },
  file: Pick<FileMeta, 'tenantId' | 'jobId'>,
): Promise<'read' | 'forbidden' | 'hidden'> {
  const { user } = caller.principal
  const job = file.jobId ? await getJob(db, file.tenantId, file.jobId) : undefined
  if (!job) return user.admin ? 'read' : 'hidden'
  const readers = READERS[job.kind]
  if (!readers) return user.admin ? 'read' : 'hidden'
  if (!user.admin && !user.permissions.includes(readers.permission)) return 'forbidden'
  if (caller.scope.entityId && job.entityId !== caller.scope.entityId) return 'hidden'
  if (readers.ownJobsOnly && !user.admin && job.createdBy !== user.id) return 'hidden'
  return 'read'
}

export async function fileRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'files' | 'db'>) {
  // HEAD is declared, not left to Fastify: its own HEAD would read the whole blob to discard it.
  const method = ['GET', 'HEAD']

  app.route<{ Params: FileParams }>({
    method,
    url: '/apps/v1/files/:fileId',
    schema: { tags: ['files'], summary: 'Download a file of the tenant', params: FileParams },
    handler: async (request, reply) => {
      const caller = callerOf(request)
      const { fileId } = request.params
      // The same answer whether the id is unknown, another tenant's, or of a job the caller may not see.
      const missing = () => notFound(`File ${fileId} does not exist`)
      const meta = HEX_ID.test(fileId) ? await deps.files.stat(caller.principal.tenant.id, fileId) : undefined
      if (!meta) throw missing()
      const access = await fileAccess(deps.db, caller, meta)
      if (access === 'forbidden') throw new ApiError(403, Category.permission, `You do not have the permission to read file ${fileId}`)
      if (access === 'hidden') throw missing()
      const file = await find(deps.files, request.method, caller.principal.tenant.id, fileId)
      if (!file) throw missing()
      return sendFile(reply, file)
    },
  })

  app.route<{ Params: FileParams }>({
    method,
    url: '/files/:fileId',
    config: { auth: 'none', family: 'files' },
    schema: {
      tags: ['files'],
      summary: 'Download a file from a signed link',
      description:
        'Links come signed from zjobs (`?tenant=...&expires=...&signature=...`) and need no token; ' +
        'a missing, altered or expired signature gets 403.',
      params: FileParams,
      security: [],
    },
    handler: async (request, reply) => {
      const { fileId } = request.params
      const query = request.query as Record<string, unknown>
      const signed = HEX_ID.test(fileId) ? await deps.files.verifySignedUrl(fileId, query) : undefined
      if (!signed) throw new ApiError(403, Category.permission, 'Forbidden')
      const file = await find(deps.files, request.method, signed.tenantId, fileId)
      if (!file) throw notFound('Not Found')
      return sendFile(reply, file)
    },
  })
}

interface FoundFile {
  meta: FileMeta
  /** The bytes, for a GET. */
  stream?: Readable
}

async function find(files: FileStore, method: string, tenantId: string, id: string): Promise<FoundFile | undefined> {
  if (method !== 'HEAD') return files.read(tenantId, id)
  const meta = await files.stat(tenantId, id)
  return meta && { meta }
}

function sendFile(reply: FastifyReply, { meta, stream }: FoundFile): FastifyReply {
  // Content-Length stays right: @fastify/compress drops it when it compresses the stream.
  return reply
    .header('content-type', meta.contentType)
    .header('content-length', meta.size)
    .header('content-disposition', contentDisposition(meta.name))
    .send(stream)
}

/** attachment; filename="..." with an ASCII fallback, and RFC 6266's filename* for other names. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  if (ascii === name) return `attachment; filename="${name}"`
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
