// Downloads: a tenant's file by its id with the tenant's bearer token (Zuora's
// /apps/v1/files/{id}), and signed, expiring links that need no token (Data Query's
// dataFile). Both stream the bytes.
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Readable } from 'node:stream'
import { Type, type Static } from 'typebox'
import { ApiError, Category, notFound } from '../../platform/errors.ts'
import { HEX_ID } from '../../platform/ids.ts'
import type { FileMeta, FileStore } from '../../storage/files/store.ts'
import { callerOf, type AppDeps } from '../context.ts'

const FileParams = Type.Object({ fileId: Type.String() })
type FileParams = Static<typeof FileParams>

export async function fileRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'files'>) {
  // HEAD is declared, not left to Fastify: its own HEAD would read the whole blob to discard it.
  const method = ['GET', 'HEAD']

  app.route<{ Params: FileParams }>({
    method,
    url: '/apps/v1/files/:fileId',
    schema: { tags: ['files'], summary: 'Download a file of the tenant', params: FileParams },
    handler: async (request, reply) => {
      const { principal } = callerOf(request)
      const { fileId } = request.params
      const file = HEX_ID.test(fileId) ? await find(deps.files, request.method, principal.tenant.id, fileId) : undefined
      // The same answer whether the id is unknown or another tenant's.
      if (!file) throw notFound(`File ${fileId} does not exist`)
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
      const signed = HEX_ID.test(fileId) ? deps.files.verifySignedUrl(fileId, query) : undefined
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
