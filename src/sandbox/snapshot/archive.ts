// A tenant's snapshot: one tar.gz archive, written and read as a stream (memory stays flat
// whatever the tenant holds):
//
//   manifest.json                 format, version, the tenant's settings, each table's columns
//   tables/<table>/000001.csv     the tenant's rows, COPY's CSV without tenant_id, whole rows,
//                                 chunks of about 4 MiB, read in one consistent transaction
//   files/<file id>               each file's bytes
//   checksums.json                last: every entry's size and SHA-256
//
// A restore stages every table in temporary tables and every file under new blob keys, checks
// the checksums, and only then replaces the tenant's data, all in one transaction: a truncated,
// tampered or newer archive changes nothing.
import { createHash, randomBytes } from 'node:crypto'
import { PassThrough, Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import type { PoolClient } from 'pg'
import tar from 'tar-stream'
import { ApiError, invalid, notFound } from '../../platform/errors.ts'
import { parseTenantId } from '../../platform/tenants.ts'
import type { Db } from '../../storage/db.ts'
import type { FileStore } from '../../storage/files/store.ts'
import type { Purger } from './purge.ts'
import { emptyTenant, presentTables } from './reset.ts'
import {
  beginSnapshot,
  columnsOf,
  copyRowsIn,
  copyRowsOut,
  createStagingTable,
  createTenantWithId,
  deleteAllRecords,
  deleteTenantRows,
  deleteUsersNotStaged,
  fileBlobs,
  insertStaged,
  moveRestoredFiles,
  replaceClients,
  requeueRestoredJobs,
  tenantSettings,
  updateTenantSettings,
  upsertStagedUsers,
  type TableColumn,
  type TenantSettingsRow,
} from './store.ts'
import { TENANT_TABLES } from './tables.ts'

export const FORMAT = 'zjobs-snapshot'
/** The archive format this server writes and the newest it reads. */
export const FORMAT_VERSION = 1
export const ARCHIVE_CONTENT_TYPE = 'application/gzip'
const CHUNK_BYTES = 4 * 1024 * 1024
const MAX_JSON_ENTRY = 16 * 1024 * 1024

export interface Manifest {
  format: string
  version: number
  createdAt: string
  tenant: TenantSettingsRow
  tables: { name: string; columns: string[] }[]
}

interface EntrySum {
  name: string
  bytes: number
  sha256: string
}

export interface SnapshotDeps {
  db: Db
  files: FileStore
}

/** Counts and hashes what passes through. */
class Summer extends Transform {
  readonly #hash = createHash('sha256')
  bytes = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void) {
    this.#hash.update(chunk)
    this.bytes += chunk.length
    done(null, chunk)
  }

  sum(name: string): EntrySum {
    return { name, bytes: this.bytes, sha256: this.#hash.digest('hex') }
  }
}

const sumOf = (name: string, buffer: Buffer): EntrySum => ({ name, bytes: buffer.length, sha256: createHash('sha256').update(buffer).digest('hex') })

/** The snapshot tables this database has, in restore order. */
async function snapshotTables(db: Db): Promise<string[]> {
  const present = await presentTables(db)
  return TENANT_TABLES.filter((table) => table.snapshot === 'rows' && present.has(table.name)).map((table) => table.name)
}

/**
 * The tenant's snapshot as a gzip stream. A 404 for an unknown tenant is thrown before anything
 * is written; a failure later ends the stream with an error (the archive is then incomplete, and
 * a restore refuses it).
 */
export async function writeSnapshot(deps: SnapshotDeps, tenantId: string): Promise<Readable> {
  const id = parseTenantId(tenantId)
  if (!(await tenantSettings(deps.db, id))) throw notFound(`Tenant ${tenantId} does not exist`)
  const pack = tar.pack()
  const gzip = createGzip()
  const out = new PassThrough()
  pipeline(pack as unknown as Readable, gzip, out).catch((error) => out.destroy(error))
  void produce(deps, id, pack).catch((error) => {
    pack.destroy(error)
    out.destroy(error)
  })
  return out
}

async function produce(deps: SnapshotDeps, tenantId: string, pack: tar.Pack): Promise<void> {
  const mtime = new Date()
  const sums: EntrySum[] = []
  const add = (name: string, buffer: Buffer) =>
    new Promise<void>((resolve, reject) => {
      sums.push(sumOf(name, buffer))
      pack.entry({ name, size: buffer.length, mtime }, buffer, (error) => (error ? reject(error) : resolve()))
    })
  const client = await deps.db.pool.connect()
  let ok = false
  try {
    await beginSnapshot(client)
    const settings = (await tenantSettings(client, tenantId))!
    const tables = await snapshotTables(deps.db)
    const columns = await columnsOf(client, tables)
    const manifest: Manifest = {
      format: FORMAT,
      version: FORMAT_VERSION,
      createdAt: mtime.toISOString(),
      tenant: settings,
      tables: tables.map((name) => ({ name, columns: columns.get(name)!.map((column) => column.name) })),
    }
    await add('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`))
    for (const table of tables) await addTable(client, table, columns.get(table)!, tenantId, add)
    for (const file of await fileBlobs(client, tenantId)) {
      const bytes = await deps.files.readBlob(file.storageKey)
      if (!bytes) throw new Error(`the bytes of file ${file.id} are missing from the file store`)
      const name = `files/${file.id}`
      const summer = new Summer()
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name, size: file.size, mtime }, (error) => (error ? reject(error) : resolve()))
        pipeline(bytes, summer, entry as unknown as NodeJS.WritableStream).catch(reject)
      })
      sums.push(summer.sum(name))
    }
    await client.query('COMMIT')
    ok = true
  } finally {
    if (!ok) await client.query('ROLLBACK').catch(() => {})
    client.release()
  }
  await add('checksums.json', Buffer.from(`${JSON.stringify({ entries: sums }, null, 2)}\n`))
  pack.finalize()
}

/** One table's rows as CSV entries of whole rows (COPY sends a row per message), about CHUNK_BYTES each. */
async function addTable(client: PoolClient, table: string, columns: TableColumn[], tenantId: string, add: (name: string, buffer: Buffer) => Promise<void>) {
  let parts: Buffer[] = []
  let size = 0
  let chunk = 0
  const flush = async () => {
    chunk += 1
    await add(`tables/${table}/${String(chunk).padStart(6, '0')}.csv`, Buffer.concat(parts, size))
    parts = []
    size = 0
  }
  for await (const data of copyRowsOut(client, table, columns, tenantId)) {
    parts.push(data as Buffer)
    size += (data as Buffer).length
    if (size >= CHUNK_BYTES) await flush()
  }
  if (size > 0) await flush()
}

// ---------------------------------------------------------------------------------------------
// Restore
// ---------------------------------------------------------------------------------------------

export interface RestoreDeps extends SnapshotDeps {
  purger: Purger
  /** Drops what this process caches of the tenant (settings, tokens). */
  forget(tenantId: string): void
  /** Wakes the job workers (restored jobs that wait in the queue). */
  wake(): void
}

export interface RestoreReport {
  tenantId: string
  /** The tenant the archive was taken from. */
  from: string
  rows: Record<string, number>
  files: number
  /** OAuth clients of the archive left out: another tenant holds their client ids. */
  clientsSkipped: string[]
  /** Jobs that were running when the snapshot was taken: queued again, they resume. */
  jobsRequeued: number
}

/** An archive refused: the admin plane's 400, nothing changed. */
const refused = (message: string) => invalid(`The snapshot archive was refused: ${message}; nothing was changed`)

async function readAll(stream: Readable, limit: number, name: string): Promise<Buffer> {
  const parts: Buffer[] = []
  let size = 0
  for await (const data of stream) {
    size += (data as Buffer).length
    if (size > limit) throw refused(`${name} is larger than ${limit} bytes`)
    parts.push(data as Buffer)
  }
  return Buffer.concat(parts)
}

interface Staged {
  table: string
  staging: string
  columns: TableColumn[]
}

/**
 * Restores an archive into a tenant (`create`: made with the archive's settings when it does
 * not exist), replacing everything the tenant has, all or nothing.
 */
export async function restoreSnapshot(deps: RestoreDeps, tenantId: string, input: Readable, options: { create?: boolean } = {}): Promise<RestoreReport> {
  const target = parseTenantId(tenantId)
  if (!options.create && !(await tenantSettings(deps.db, target))) {
    input.resume()
    throw notFound(`Tenant ${tenantId} does not exist`)
  }
  const tag = randomBytes(6).toString('hex')
  const written: string[] = []
  const client = await deps.db.pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    const read = await readArchive(deps, client, target, tag, input, written)
    const report = await applyStaged(deps, client, target, tag, read, options.create ?? false)
    await client.query('COMMIT')
    deps.forget(target)
    deps.purger.kick()
    deps.wake()
    return report
  } catch (error) {
    // A failed restore's connection may be mid-COPY: it is closed, which rolls its transaction back.
    broken = true
    input.resume()
    await deps.files.removeBlobs(written).catch(() => {})
    if (error instanceof ApiError) throw error
    throw refused((error as Error).message)
  } finally {
    client.release(broken)
  }
}

interface ReadArchive {
  manifest: Manifest
  staged: Staged[]
  blobs: Map<string, number>
}

async function readArchive(deps: RestoreDeps, client: PoolClient, target: string, tag: string, input: Readable, written: string[]): Promise<ReadArchive> {
  const extract = tar.extract()
  const gunzip = createGunzip()
  const feeding = pipeline(input, gunzip, extract as unknown as NodeJS.WritableStream)
  feeding.catch(() => {})
  let manifest: Manifest | undefined
  let checksums: EntrySum[] | undefined
  const sums = new Map<string, EntrySum>()
  const staged = new Map<string, Staged>()
  const blobs = new Map<string, number>()
  const reading = (async () => {
    for await (const entry of extract) {
      const name = entry.header.name
      if (checksums) throw refused(`an entry (${name}) follows checksums.json`)
      if (sums.has(name)) throw refused(`the entry ${name} appears twice`)
      if (name === 'manifest.json') {
        if (manifest) throw refused('manifest.json appears twice')
        const buffer = await readAll(entry as unknown as Readable, MAX_JSON_ENTRY, name)
        sums.set(name, sumOf(name, buffer))
        manifest = parseManifest(buffer)
        for (const [table, stage] of await stageTables(client, manifest)) staged.set(table, stage)
        continue
      }
      if (!manifest) throw refused(`it does not start with manifest.json (it starts with ${name}): it is not a zjobs snapshot`)
      if (name === 'checksums.json') {
        const buffer = await readAll(entry as unknown as Readable, MAX_JSON_ENTRY, name)
        checksums = parseChecksums(buffer)
        continue
      }
      const summer = new Summer()
      const table = /^tables\/(.+)\/\d{6}\.csv$/.exec(name)?.[1]
      const file = /^files\/([0-9a-f]{32})$/.exec(name)?.[1]
      if (table !== undefined) {
        const stage = staged.get(table)
        if (!stage) throw refused(`${name} is rows of a table its manifest does not list`)
        await pipeline(entry as unknown as Readable, summer, copyRowsIn(client, stage.staging, stage.columns.map((column) => column.name)))
      } else if (file !== undefined) {
        const key = `${target}/${file}.${tag}`
        written.push(key)
        await deps.files.writeBlob(key, (entry as unknown as Readable).pipe(summer), 'application/octet-stream')
        blobs.set(file, summer.bytes)
      } else {
        throw refused(`it holds an entry zjobs does not write (${name})`)
      }
      sums.set(name, summer.sum(name))
    }
  })()
  // The first failure stops the other side; both are settled before the connection is let go.
  const stop = (error: unknown) => {
    extract.destroy(error as Error)
    throw error
  }
  const [read, fed] = await Promise.allSettled([reading.catch(stop), feeding.catch(stop)])
  if (read.status === 'rejected' || fed.status === 'rejected') {
    // A refusal of what was read says more than the stream it stopped; a stream's end before the archive's says "truncated".
    const refusal = read.status === 'rejected' && read.reason instanceof ApiError ? read.reason : undefined
    throw refusal ?? truncation(fed.status === 'rejected' ? fed.reason : (read as PromiseRejectedResult).reason)
  }
  if (!manifest) throw refused('it is empty, or not a gzip-compressed tar archive')
  if (!checksums) throw refused('it ends before checksums.json: it is truncated')
  const listed = new Map(checksums.map((sum) => [sum.name, sum]))
  for (const [name, sum] of sums) {
    const expected = listed.get(name)
    if (!expected) throw refused(`${name} is not in checksums.json: the archive was changed`)
    if (expected.bytes !== sum.bytes || expected.sha256 !== sum.sha256) throw refused(`${name} does not match its checksum: the archive was changed or damaged`)
  }
  for (const name of listed.keys()) if (!sums.has(name)) throw refused(`${name} is missing: the archive is incomplete`)
  return { manifest, staged: [...staged.values()], blobs }
}

/** A stream's end before the archive's: a truncated or damaged file, said as such. */
function truncation(error: unknown): unknown {
  if (error instanceof ApiError) return error
  const message = (error as Error).message ?? String(error)
  if (/unexpected end|premature|Unexpected end of data|incorrect header check|invalid|Z_DATA_ERROR|Z_BUF_ERROR/i.test(message)) {
    return refused(`it is truncated or damaged (${message})`)
  }
  return error
}

/** The manifest of an archive (its first entry), read without the rest. */
export async function readManifest(input: Readable): Promise<Manifest> {
  const extract = tar.extract()
  const gunzip = createGunzip()
  const feeding = pipeline(input, gunzip, extract as unknown as NodeJS.WritableStream)
  feeding.catch(() => {})
  try {
    for await (const entry of extract) {
      if (entry.header.name !== 'manifest.json') break
      return parseManifest(await readAll(entry as unknown as Readable, MAX_JSON_ENTRY, 'manifest.json'))
    }
    throw refused('it does not start with manifest.json: it is not a zjobs snapshot')
  } catch (error) {
    throw error instanceof ApiError ? error : truncation(error)
  } finally {
    extract.destroy()
    input.destroy()
  }
}

function parseJson(buffer: Buffer, name: string): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'))
  } catch {
    throw refused(`${name} is not JSON`)
  }
}

function parseManifest(buffer: Buffer): Manifest {
  const manifest = parseJson(buffer, 'manifest.json') as Partial<Manifest>
  if (manifest?.format !== FORMAT) throw refused('manifest.json does not name the zjobs-snapshot format')
  if (!Number.isInteger(manifest.version) || manifest.version! < 1) throw refused('manifest.json has no format version')
  if (manifest.version! > FORMAT_VERSION) {
    throw refused(`it is of snapshot format ${manifest.version}, made by a newer zjobs; this server reads format ${FORMAT_VERSION} and older`)
  }
  const tenant = manifest.tenant
  if (!tenant || typeof tenant.name !== 'string' || typeof tenant.timeZone !== 'string' || typeof tenant.defaultZuoraVersion !== 'string') {
    throw refused("manifest.json lacks the tenant's settings")
  }
  if (!Array.isArray(manifest.tables) || !manifest.tables.every((table) => typeof table?.name === 'string' && Array.isArray(table.columns))) {
    throw refused('manifest.json lacks its list of tables')
  }
  return manifest as Manifest
}

function parseChecksums(buffer: Buffer): EntrySum[] {
  const parsed = parseJson(buffer, 'checksums.json') as { entries?: EntrySum[] }
  const entries = parsed?.entries
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry?.name === 'string' && Number.isInteger(entry.bytes) && typeof entry.sha256 === 'string')) {
    throw refused('checksums.json is not a list of entries with their sizes and SHA-256')
  }
  return entries
}

/** A staging table per table of the manifest; every table and column must be this server's. */
async function stageTables(client: PoolClient, manifest: Manifest): Promise<Map<string, Staged>> {
  const snapshotted = new Set(TENANT_TABLES.filter((table) => table.snapshot === 'rows').map((table) => table.name))
  const names = manifest.tables.map((table) => table.name)
  for (const name of names) if (!snapshotted.has(name)) throw refused(`it holds a table this server does not know (${name}): it was made by a newer zjobs`)
  const columns = await columnsOf(client, names)
  const staged = new Map<string, Staged>()
  for (const [index, table] of manifest.tables.entries()) {
    const known = new Map(columns.get(table.name)!.map((column) => [column.name, column]))
    if (known.size === 0) throw refused(`this server has no table ${table.name} yet`)
    const missing = table.columns.filter((column) => !known.has(column))
    if (missing.length > 0) throw refused(`table ${table.name} has columns this server does not (${missing.join(', ')}): it was made by a newer zjobs`)
    const staging = `zjobs_restore_${index}`
    await createStagingTable(client, staging, table.name, table.columns)
    staged.set(table.name, { table: table.name, staging, columns: table.columns.map((column) => known.get(column)!) })
  }
  return staged
}

async function applyStaged(deps: RestoreDeps, tx: PoolClient, target: string, tag: string, read: ReadArchive, create: boolean): Promise<RestoreReport> {
  const { manifest, staged, blobs } = read
  const stagedFiles = staged.find((stage) => stage.table === 'files')
  if (stagedFiles) {
    const { rows } = await tx.query<{ id: string; size: string }>(`SELECT id, size FROM "${stagedFiles.staging}"`)
    for (const row of rows) {
      if (blobs.get(row.id) !== Number(row.size)) throw refused(`the bytes of file ${row.id} are missing or of another size`)
    }
  }
  if (create) await createTenantWithId(tx, target, manifest.tenant.name)
  const tables = await presentTables(deps.db)
  if (!(await emptyTenant(tx, target, tables, new Set())).found) throw notFound(`Tenant ${target} does not exist`)
  // Not bounded in time, unlike a reset: the records go now (their definitions' ids may come back).
  await deleteAllRecords(tx, target)
  await updateTenantSettings(tx, target, manifest.tenant)
  const rows: Record<string, number> = {}
  let clientsSkipped: string[] = []
  const byTable = new Map(staged.map((stage) => [stage.table, stage]))
  for (const table of TENANT_TABLES) {
    const stage = byTable.get(table.name)
    if (!stage) {
      // A table the archive does not hold (taken before the table existed): the tenant has none of it.
      if (table.snapshot === 'rows' && table.reset === 'keep' && tables.has(table.name) && table.name !== 'users' && table.name !== 'oauth_clients') {
        await deleteTenantRows(tx, table.name, target)
      }
      continue
    }
    if (table.name === 'users') {
      await deleteUsersNotStaged(tx, target, stage.staging)
      await upsertStagedUsers(tx, target, stage.staging, stage.columns)
    } else if (table.name === 'oauth_clients') {
      clientsSkipped = await replaceClients(tx, target, stage.staging, stage.columns)
    } else {
      if (table.reset === 'keep') await deleteTenantRows(tx, table.name, target)
      rows[table.name] = await insertStaged(tx, table.name, stage.staging, stage.columns, target)
    }
  }
  const jobsRequeued = await requeueRestoredJobs(tx, target)
  await moveRestoredFiles(tx, target, tag)
  return { tenantId: target, from: String(manifest.tenant.id), rows, files: blobs.size, clientsSkipped, jobsRequeued }
}
