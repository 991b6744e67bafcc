// Test helpers of the Data Backfill family: multipart uploads as curl sends them, polling a
// job to its end (every answer checked against Zuora's schema), result zips, database digests.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse } from 'csv-parse/sync'
import yauzl from 'yauzl'
import { ZipFile } from 'yazl'
import type { Queryable } from '../../src/storage/db.ts'
import type { HttpResponse } from '../helpers/http.ts'
import type { TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'

export interface Part {
  name: string
  value: string | Buffer
  filename?: string
  contentType?: string
}

/** A multipart/form-data body. */
export function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----zjobs${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`
    if (part.filename !== undefined) head += `; filename="${part.filename}"`
    head += '\r\n'
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

export const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex')

export interface UploadOptions {
  filename?: string
  checksum?: string
  token?: string
  headers?: Record<string, string>
}

/** POST /v1/uno/data-backfill/jobs with the parts type, file and (optionally) checksum. */
export async function upload(server: TestServer, type: string, file: string | Buffer, options: UploadOptions = {}): Promise<HttpResponse> {
  const parts: Part[] = [
    { name: 'type', value: type },
    { name: 'file', value: file, filename: options.filename ?? 'backfill.csv', contentType: 'text/csv' },
  ]
  if (options.checksum !== undefined) parts.push({ name: 'checksum', value: options.checksum })
  const { body, contentType } = multipart(parts)
  return server.api('POST', '/v1/uno/data-backfill/jobs', {
    body,
    token: options.token,
    headers: { 'content-type': contentType, ...options.headers },
  })
}

/** Uploads and expects a job id (checked against the vendor schema). */
export async function submitFile(server: TestServer, type: string, file: string | Buffer, options: UploadOptions = {}): Promise<string> {
  const response = await upload(server, type, file, options)
  assert.equal(response.status, 200, response.text)
  assertVendorResponse('POST', '/v1/uno/data-backfill/jobs', 200, response.json())
  assert.match(response.json().jobId, /^[0-9a-f]{32}$/)
  return response.json().jobId
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

export async function getFileJob(server: TestServer, id: string, token?: string): Promise<Json> {
  const response = await server.api('GET', `/v1/uno/data-backfill/jobs/${id}`, { token })
  assert.equal(response.status, 200, response.text)
  assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{jobId}', 200, response.json())
  assert.equal(response.json().success, true)
  return response.json().job
}

const FILE_ENDS = ['Completed', 'Failed', 'Stopped', 'Canceled']
const BATCH_ENDS = ['COMPLETED', 'FAILED', 'STOPPED']

export async function waitForFileJob(server: TestServer, id: string, token?: string): Promise<Json> {
  const deadline = Date.now() + 120_000
  for (;;) {
    const job = await getFileJob(server, id, token)
    if (FILE_ENDS.includes(job.status)) return job
    if (Date.now() > deadline) assert.fail(`file job ${id} still ${job.status}`)
    await sleep(25)
  }
}

export async function getBatchJob(server: TestServer, base: string, id: string, token?: string): Promise<Json> {
  const response = await server.api('GET', `${base}/${id}`, { token })
  assert.equal(response.status, 200, response.text)
  assertVendorResponse('GET', `${base}/{jobId}`, 200, response.json())
  return response.json().job
}

export async function waitForBatchJob(server: TestServer, base: string, id: string, token?: string): Promise<Json> {
  const deadline = Date.now() + 120_000
  for (;;) {
    const job = await getBatchJob(server, base, id, token)
    if (BATCH_ENDS.includes(job.status)) return job
    if (Date.now() > deadline) assert.fail(`job ${id} still ${job.status}`)
    await sleep(25)
  }
}

/** A file link of a job (/apps/v1/files/{id}) fetched with the tenant's token. */
export async function download(server: TestServer, url: string, token?: string): Promise<HttpResponse> {
  const path = new URL(url).pathname
  assert.match(path, /^\/apps\/v1\/files\/[0-9a-f]{32}$/)
  const response = await server.api('GET', path, { token })
  assert.equal(response.status, 200, response.text)
  return response
}

export function unzip(buffer: Buffer): Promise<{ name: string; content: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error)
      const entries: { name: string; content: Buffer }[] = []
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError)
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => chunks.push(chunk))
          stream.on('end', () => {
            entries.push({ name: entry.fileName, content: Buffer.concat(chunks) })
            zip.readEntry()
          })
        })
      })
      zip.on('end', () => resolve(entries))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

/** A zip archive of the given entries. */
export function zip(entries: { name: string; content: string | Buffer }[]): Promise<Buffer> {
  const archive = new ZipFile()
  for (const entry of entries) archive.addBuffer(Buffer.from(entry.content), entry.name)
  archive.end()
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    archive.outputStream.on('error', reject)
  })
}

/** The result file of a finished job: its one CSV entry's name and records (header first). */
export async function resultRows(server: TestServer, job: Json, token?: string): Promise<{ name: string; rows: string[][] }> {
  assert.ok(job.resultFileUrl, `the job has a result file: ${JSON.stringify(job)}`)
  const file = await download(server, job.resultFileUrl, token)
  assert.equal(file.headers['content-type'], 'application/zip')
  assert.equal(Number(file.headers['content-length']), job.outputFileSize)
  const entries = await unzip(file.body)
  assert.equal(entries.length, 1)
  return { name: entries[0].name, rows: parse(entries[0].content) as string[][] }
}

/** A digest of every row of billing tables of a tenant: equal digests, nothing changed. */
export async function digest(db: Queryable, tenantId: string, tables: string[]): Promise<string> {
  const parts: string[] = []
  for (const table of tables) {
    const { rows } = await db.query<{ d: string | null }>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) AS d FROM billing.${table} t WHERE t.tenant_id = $1`,
      [tenantId],
    )
    parts.push(`${table}:${rows[0].d}`)
  }
  return parts.join(',')
}

export const ALL_BACKFILL_TABLES = [
  'productrateplancharge',
  'rateplancharge',
  'orderlineitem',
  'invoiceitem',
  'creditmemoitem',
  'debitmemoitem',
  'invoiceitemadjustment',
]

/** The v1 failure envelope, exactly, with the 8-digit code. */
export function assertV1Error(response: HttpResponse, status: number, code: string, message?: RegExp): Json {
  assert.equal(response.status, status, response.text)
  assert.match(String(response.headers['content-type']), /^application\/json/)
  const body = response.json()
  assert.deepEqual(Object.keys(body).sort(), ['processId', 'reasons', 'requestId', 'success'], response.text)
  assert.equal(body.success, false)
  assert.match(body.processId, /^[0-9A-F]{16}$/)
  assert.equal(body.requestId, response.headers['zuora-request-id'])
  assert.equal(body.reasons.length, 1)
  assert.equal(body.reasons[0].code, code, response.text)
  if (message) assert.match(body.reasons[0].message, message)
  return body
}

/** Every operation's vendor path, to validate error bodies against its 4XX schema. */
export function assertVendorError(method: string, vendorPath: string, response: HttpResponse): void {
  assertVendorResponse(method, vendorPath, response.status, response.json())
}
