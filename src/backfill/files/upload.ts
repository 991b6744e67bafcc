// The multipart upload of POST /v1/uno/data-backfill/jobs: the `file` part streams into the
// file store through an inspector that enforces the 4 MB limit, computes the MD5 the optional
// `checksum` is compared with, and keeps the first bytes to tell CSV from zip. Text parts
// (`type`, `checksum`) may come before or after the file.
import type { MultipartFile } from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { ApiError } from '../../platform/errors.ts'
import { BackfillErrors } from '../errors.ts'
import type { FileMeta, FileStore } from '../../storage/files/store.ts'
import { CsvScanner } from './csv-scan.ts'
import { MAX_UPLOAD_BYTES, sniffFormat, type UploadFormat } from './csv-source.ts'

const HEAD_BYTES = 64 * 1024

export const tooLarge = () => BackfillErrors.fileTooLarge(MAX_UPLOAD_BYTES)

class UploadInspector extends Transform {
  size = 0
  readonly md5 = createHash('md5')
  readonly head: Buffer[] = []
  /** Counts and checks the records, in case the file is a CSV (a zip's are scanned later). */
  readonly scanner = new CsvScanner()
  #headSize = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length
    if (this.size > MAX_UPLOAD_BYTES) return done(tooLarge())
    this.md5.update(chunk)
    this.scanner.write(chunk)
    if (this.#headSize < HEAD_BYTES) {
      this.head.push(chunk.subarray(0, HEAD_BYTES - this.#headSize))
      this.#headSize += Math.min(chunk.length, HEAD_BYTES - this.#headSize)
    }
    done(null, chunk)
  }
}

export interface StoredUpload {
  meta: FileMeta
  md5: string
  /** undefined: neither CSV nor zip. */
  format: UploadFormat | undefined
  /** A CSV upload's records (header included), or why it is not valid CSV. */
  scan: { records: number } | { error: string }
}

export interface UploadParts {
  /** Text parts by name (the first of each). */
  fields: Record<string, string>
  file?: StoredUpload
}

/** curl's `-F 'type="X"'` may reach us with the quotes; a JSON string or object is accepted too. */
export function unquote(value: string): string {
  const trimmed = value.trim()
  return /^"[^"]*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed
}

/**
 * Reads the parts of the request, storing the file part. On any failure the stored file is
 * deleted before the error propagates.
 */
export async function receiveUpload(request: FastifyRequest, files: FileStore, tenantId: string, userId: string): Promise<UploadParts> {
  if (!request.isMultipart()) {
    throw BackfillErrors.notMultipart('The request must be multipart/form-data with the parts type, file and (optionally) checksum')
  }
  const parts: UploadParts = { fields: {} }
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || parts.file) {
          part.file.resume()
          throw BackfillErrors.invalid(`Unexpected file part '${part.fieldname}': send one file, in the part named file`)
        }
        parts.file = await storeFile(part, files, tenantId, userId)
      } else if (parts.fields[part.fieldname] === undefined) {
        const value = part.value
        parts.fields[part.fieldname] = typeof value === 'string' ? value : JSON.stringify(value)
      }
    }
  } catch (error) {
    if (parts.file) await files.delete(tenantId, parts.file.meta.id).catch(() => {})
    throw uploadError(error)
  }
  return parts
}

async function storeFile(part: MultipartFile, files: FileStore, tenantId: string, userId: string): Promise<StoredUpload> {
  const inspector = new UploadInspector()
  part.file.on('error', (error) => inspector.destroy(error))
  const name = basename(part.filename) || 'upload.csv'
  const meta = await files.put(tenantId, {
    name,
    contentType: /\.zip$/i.test(name) || /zip/i.test(part.mimetype) ? 'application/zip' : 'text/csv',
    stream: part.file.pipe(inspector),
    createdBy: userId,
  })
  if (part.file.truncated) {
    await files.delete(tenantId, meta.id).catch(() => {})
    throw tooLarge()
  }
  const error = inspector.scanner.end()
  return {
    meta,
    md5: inspector.md5.digest('hex'),
    format: sniffFormat(Buffer.concat(inspector.head)),
    scan: error ? { error } : { records: inspector.scanner.records },
  }
}

/** Browsers send a bare name, some clients a path: keep the last segment. */
const basename = (name: string | undefined) => (name ?? '').split(/[\\/]/).pop()!.trim()

/** The framework's multipart errors as v1 errors. */
function uploadError(error: unknown): unknown {
  if (error instanceof ApiError) return error
  const code = (error as { code?: string }).code
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge()
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return BackfillErrors.invalid('Too many parts: send the parts type, file and (optionally) checksum')
  }
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return BackfillErrors.notMultipart('The request must be multipart/form-data')
  }
  const message = (error as Error).message ?? ''
  if (/multipart|boundary|terminated early|Unexpected end/i.test(message) || code === 'FST_INVALID_JSON_FIELD_ERROR') {
    return BackfillErrors.malformed(`Malformed multipart/form-data body: ${message}`)
  }
  return error
}
