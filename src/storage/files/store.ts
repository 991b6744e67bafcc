// The file store: a file's bytes in a blob store (folder or S3 bucket), its metadata in the
// `files` table, and the links clients download it from. A row is written only once the
// bytes are stored, so no client ever sees half a file.
import type { KeyObject } from 'node:crypto'
import { join } from 'node:path'
import { pipeline, Transform, type Readable } from 'node:stream'
import type { Logger } from 'pino'
import type { Config } from '../../config.ts'
import { REAL_TIME, type ClockSource, type TenantClock } from '../../platform/clock.ts'
import { newHexId } from '../../platform/ids.ts'
import { parseTenantId } from '../../platform/tenants.ts'
import type { Db, Queryable } from '../db.ts'
import type { BlobStore } from './blobs.ts'
import { LocalBlobStore } from './local.ts'
import { loadSigningKey, signedQuery, verifySignedQuery, type SignedFile } from './signing.ts'

export interface FileMeta {
  /** 32 lower-case hex characters, as Zuora's file ids. */
  id: string
  tenantId: string
  name: string
  size: number
  contentType: string
  createdAt: Date
  /** The user whose request made the file, if any. */
  createdBy: string | null
  /** When the file stops being served and is deleted; null: kept until deleted. */
  expiresAt: Date | null
  /** The job it belongs to (an upload, a result); null: none, only the tenant's admins read it. */
  jobId: string | null
}

export interface NewFile {
  name: string
  contentType: string
  stream: Readable
  createdBy?: string
  expiresAt?: Date
  /** The job it belongs to; an upload stored before its job exists gets it from attachFileToJob. */
  jobId?: string
}

interface FileRow {
  tenant_id: string
  id: string
  name: string
  size: string
  content_type: string
  storage_key: string
  created_at: Date
  created_by: string | null
  expires_at: Date | null
  job_id: string | null
}

const COLUMNS = 'tenant_id, id, name, size, content_type, storage_key, created_at, created_by, expires_at, job_id'

/**
 * Whether a file with an expiry is still served, on its tenant's clock: its lifetime counts from
 * its creation as that clock showed it (a tenant moved 31 days on sees a 30-day file gone).
 * Expired files are gone for clients at once, before the sweep deletes them.
 */
const alive = (clock: TenantClock, row: { created_at: Date; expires_at: Date }) =>
  clock.at(row.created_at.getTime()) + (row.expires_at.getTime() - row.created_at.getTime()) > clock.now()

const toMeta = (row: FileRow): FileMeta => ({
  id: row.id,
  tenantId: String(row.tenant_id),
  name: row.name,
  size: Number(row.size),
  contentType: row.content_type,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  jobId: row.job_id,
})

export interface FileStoreOptions {
  db: Db
  blobs: BlobStore
  /** HMAC key of signed links (see signing.ts). */
  signingKey: KeyObject
  /** Base URL clients reach this server at. */
  baseUrl: () => string
  /** Tenants' clocks, by which files expire and signed links run out (default: real time). */
  clocks?: ClockSource
}

export class FileStore {
  readonly #db: Db
  readonly #blobs: BlobStore
  readonly #signingKey: KeyObject
  readonly #baseUrl: () => string
  readonly #clocks: ClockSource

  constructor(options: FileStoreOptions) {
    this.#db = options.db
    this.#blobs = options.blobs
    this.#signingKey = options.signingKey
    this.#baseUrl = options.baseUrl
    this.#clocks = options.clocks ?? REAL_TIME
  }

  /** Stores a file; on any failure (the stream's too) nothing of it remains. */
  async put(tenantId: string, file: NewFile): Promise<FileMeta> {
    const id = newHexId()
    const key = `${parseTenantId(tenantId)}/${id}`
    let size = 0
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length
        done(null, chunk)
      },
    })
    // pipeline hands an error of the source on to the counter, and so to the blob store.
    const counted = pipeline(file.stream, counter, () => {})
    try {
      await this.#blobs.write(key, counted, file.contentType)
      const { rows } = await this.#db.query<FileRow>(
        `INSERT INTO files (tenant_id, id, name, size, content_type, storage_key, created_by, expires_at, job_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [tenantId, id, file.name, size, file.contentType, key, file.createdBy ?? null, file.expiresAt ?? null, file.jobId ?? null],
      )
      return toMeta(rows[0])
    } catch (error) {
      counted.destroy()
      await this.#blobs.remove(key).catch(() => {})
      throw error
    }
  }

  /** The metadata of a tenant's file; undefined when the tenant has no such (unexpired) file. */
  async stat(tenantId: string, id: string): Promise<FileMeta | undefined> {
    const row = await this.#row(tenantId, id)
    return row && toMeta(row)
  }

  /** A tenant's file with a stream of its bytes; undefined when there is no such file. */
  async read(tenantId: string, id: string): Promise<{ meta: FileMeta; stream: Readable } | undefined> {
    const row = await this.#row(tenantId, id)
    const stream = row && (await this.#blobs.read(row.storage_key))
    return stream && { meta: toMeta(row), stream }
  }

  /** Deletes a file; false when the tenant had no such file. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const { rows } = await this.#db.query<{ storage_key: string }>(
      'DELETE FROM files WHERE tenant_id = $1 AND id = $2 RETURNING storage_key',
      [tenantId, id],
    )
    for (const row of rows) await this.#blobs.remove(row.storage_key)
    return rows.length > 0
  }

  /** Deletes every file of a tenant: its rows (if the tenant's deletion has not) and its blobs. */
  async deleteTenant(tenantId: string): Promise<void> {
    const tenant = parseTenantId(tenantId)
    await this.#db.query('DELETE FROM files WHERE tenant_id = $1', [tenant])
    await this.#blobs.removePrefix(`${tenant}/`)
  }

  /**
   * Deletes up to `limit` files past their expiry (per tenant not on real time, by its clock);
   * returns how many it deleted.
   */
  async deleteExpired(limit = 1000): Promise<number> {
    const offClocks = await this.#clocks.offClocks()
    const { rows } = await this.#db.query<{ storage_key: string }>(
      `DELETE FROM files WHERE (tenant_id, id) IN (
         SELECT tenant_id, id FROM files WHERE expires_at <= now() AND tenant_id <> ALL($2::bigint[]) LIMIT $1
       ) RETURNING storage_key`,
      [limit, [...offClocks.keys()]],
    )
    const keys = rows.map((row) => row.storage_key)
    for (const [tenantId, clock] of offClocks) {
      const { rows: expiring } = await this.#db.query<{ id: string; created_at: Date; expires_at: Date }>(
        'SELECT id, created_at, expires_at FROM files WHERE tenant_id = $1 AND expires_at IS NOT NULL',
        [tenantId],
      )
      const gone = expiring.filter((file) => !alive(clock, file)).map((file) => file.id)
      if (gone.length === 0) continue
      const deleted = await this.#db.query<{ storage_key: string }>(
        'DELETE FROM files WHERE tenant_id = $1 AND id = ANY($2::text[]) RETURNING storage_key',
        [tenantId, gone.slice(0, limit)],
      )
      keys.push(...deleted.rows.map((row) => row.storage_key))
    }
    for (const key of keys) await this.#blobs.remove(key)
    return keys.length
  }

  /** The bytes stored under a file row's storage key (a tenant's snapshot reads them); undefined when there are none. */
  readBlob(key: string): Promise<Readable | undefined> {
    return this.#blobs.read(key)
  }

  /** Stores bytes under a key of the tenant's ("{tenantId}/..."): a restore writes its files' bytes before their rows. */
  writeBlob(key: string, body: Readable, contentType: string): Promise<void> {
    return this.#blobs.write(key, body, contentType)
  }

  /** Removes blobs by key (files whose rows are gone); a missing key is not an error. */
  async removeBlobs(keys: string[]): Promise<void> {
    for (const key of keys) await this.#blobs.remove(key)
  }

  /** The tenant's own link (bearer token required), as Zuora's `.../apps/v1/files/{id}`. */
  url(file: Pick<FileMeta, 'id'>): string {
    return `${this.#baseUrl()}/apps/v1/files/${file.id}`
  }

  /**
   * A link that needs no token and works for `ttlSeconds` (Data Query's `dataFile`) from `now`, the
   * tenant's time (epoch ms): its `expires` is on the tenant's clock.
   */
  signedUrl(file: Pick<FileMeta, 'id' | 'tenantId'>, ttlSeconds: number, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + ttlSeconds
    return `${this.#baseUrl()}/files/${file.id}?${signedQuery(this.#signingKey, { tenantId: file.tenantId, id: file.id, expires })}`
  }

  /** The file a signed link's id and query name, if its signature holds and it has not expired on its tenant's clock. */
  async verifySignedUrl(id: string, query: Record<string, unknown>): Promise<SignedFile | undefined> {
    // The signature first: only a link zjobs signed names a tenant whose clock is looked up.
    const file = verifySignedQuery(this.#signingKey, id, query, 0)
    if (!file) return undefined
    const clock = await this.#clocks.clockOf(file.tenantId)
    return file.expires > Math.floor(clock.now() / 1000) ? file : undefined
  }

  async #row(tenantId: string, id: string): Promise<FileRow | undefined> {
    const { rows } = await this.#db.query<FileRow>(`SELECT ${COLUMNS} FROM files WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
    const row = rows[0]
    if (!row?.expires_at) return row
    return alive(await this.#clocks.clockOf(tenantId), { created_at: row.created_at, expires_at: row.expires_at }) ? row : undefined
  }
}

/** Records the job an upload stored before the job existed belongs to (in the job's transaction). */
export async function attachFileToJob(db: Queryable, tenantId: string, fileId: string, jobId: string): Promise<void> {
  await db.query('UPDATE files SET job_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, fileId, jobId])
}

/** The file store the configuration names, with the signing key every process shares. */
export async function openFileStore(db: Db, config: Config, baseUrl: () => string, clocks?: ClockSource): Promise<FileStore> {
  // The AWS SDK is loaded only by a process that uses S3 (it is a third of a start's module loading).
  const blobs =
    config.fileStore === 's3'
      ? await import('./s3.ts').then(({ S3BlobStore, s3Client }) => new S3BlobStore(s3Client(config), config.s3Bucket!))
      : new LocalBlobStore(join(config.dataDir, 'files'))
  return new FileStore({ db, blobs, signingKey: await loadSigningKey(db, config.signingSecret), baseUrl, clocks })
}

/** Deletes expired files every `intervalMs`; returns the function that stops it. */
export function sweepExpiredFiles(files: FileStore, logger: Logger, intervalMs = 10 * 60_000): () => void {
  const sweep = async () => {
    try {
      while ((await files.deleteExpired()) > 0);
    } catch (error) {
      logger.warn({ err: error }, 'deleting expired files failed; will retry')
    }
  }
  const timer = setInterval(sweep, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
