// The file store's behaviour as clients and other parts of zjobs see it, run once per blob
// backend (files-local.test.ts, files-s3.test.ts) and, by the test runner, on both databases.
// Files are put through the running server's FileStore (no API family uploads yet) and
// fetched over HTTP as a client would.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { gunzipSync } from 'node:zlib'
import { loadConfig, settings, type Config } from '../../src/config.ts'
import type { FileMeta, FileStore } from '../../src/storage/files/store.ts'
import { openFileStore } from '../../src/storage/files/store.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { startTestS3, type TestS3 } from '../helpers/s3.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'

const MB = 1024 * 1024

/** A stream of `buffer` in 64 KiB chunks, as a request body would arrive. */
function streamOf(buffer: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < buffer.length; at += 64 * 1024) yield buffer.subarray(at, at + 64 * 1024)
    })(),
  )
}

/**
 * `size` bytes made on the fly (each chunk numbered, so order matters), and their SHA-256 once
 * read; `onMegabytes` is called after every 4 MB made.
 */
function generated(size: number, onMegabytes: () => void): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256')
  const block = randomBytes(64 * 1024)
  function* chunks() {
    for (let at = 0, n = 0; at < size; at += block.length, n++) {
      if (at % (4 * MB) === 0) onMegabytes()
      const chunk = Buffer.from(block.subarray(0, Math.min(block.length, size - at)))
      chunk.writeUInt32BE(n, 0)
      hash.update(chunk)
      yield chunk
    }
  }
  return { stream: Readable.from(chunks()), sha256: () => hash.digest('hex') }
}

/** A body that sends `bytes` and then fails, as a client dropping its upload midway. */
function failingAfter(bytes: number): Readable {
  return Readable.from(
    (async function* () {
      yield* streamOf(randomBytes(bytes))
      throw new Error('client went away')
    })(),
  )
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** GETs `url` hashing the body as it arrives (never holding it); `onMegabytes` after every 4 MB. */
function download(
  url: string,
  onMegabytes: () => void,
): Promise<{ status: number; headers: Record<string, unknown>; length: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      const hash = createHash('sha256')
      let length = 0
      response.on('data', (chunk: Buffer) => {
        if (Math.floor((length + chunk.length) / (4 * MB)) > Math.floor(length / (4 * MB))) onMegabytes()
        length += chunk.length
        hash.update(chunk)
      })
      response.on('error', reject)
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, length, sha256: hash.digest('hex') }),
      )
    }).on('error', reject)
  })
}

// Samples follow a full collection, so that they count what is held, not garbage: 64 KiB
// chunks live outside V8's heap and are collected lazily.
v8.setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

/**
 * How far memory rose above its start, over the samples taken: RSS, and the memory JavaScript
 * holds (heap and buffers), which RSS can hide when freed memory is reused.
 */
function memoryMeter(): { sample(): void; rise(): { rss: number; held: number } } {
  const measure = () => {
    collectGarbage()
    const usage = process.memoryUsage()
    return { rss: usage.rss, held: usage.heapUsed + usage.external }
  }
  const baseline = measure()
  const peak = { ...baseline }
  const sample = () => {
    const now = measure()
    peak.rss = Math.max(peak.rss, now.rss)
    peak.held = Math.max(peak.held, now.held)
  }
  return {
    sample,
    rise() {
      sample()
      return { rss: peak.rss - baseline.rss, held: peak.held - baseline.held }
    },
  }
}

function assertBelow(rise: { rss: number; held: number }, limit: number, what: string) {
  for (const [name, bytes] of Object.entries(rise)) {
    assert.ok(bytes < limit, `${what} raised ${name} memory by ${(bytes / MB).toFixed(1)} MB`)
  }
}

/** The environment that gives the CLI the same settings as `config`. */
function envOf(config: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LOG_LEVEL: 'silent' }
  for (const [key, setting] of Object.entries(settings) as [keyof Config, { env: string }][]) {
    const value = config[key]
    if (value !== undefined && key !== 'logLevel') env[setting.env] = String(value)
  }
  return env
}

export function fileStoreSuite(kind: 'local' | 's3') {
  describe(`file store (${kind} blobs)`, () => {
    let server: TestServer
    let s3: TestS3 | undefined
    let files: FileStore
    let tenantId: string

    before(async () => {
      s3 = kind === 's3' ? await startTestS3() : undefined
      server = await startTestServer(s3?.settings ?? {})
      files = server.server.files
      tenantId = server.server.bootstrap.tenant.id
    })
    after(async () => {
      await server?.close()
      await s3?.stop()
    })

    /** The blob keys stored for a tenant: files in its folder, or objects under its prefix. */
    async function blobKeys(tenant: string): Promise<string[]> {
      if (s3) return s3.keys(`${tenant}/`)
      const folder = join(server.config.dataDir, 'files', tenant)
      return existsSync(folder) ? readdirSync(folder).map((name) => `${tenant}/${name}`).sort() : []
    }

    async function fileRows(tenant: string): Promise<number> {
      const { rows } = await server.server.db.query<{ n: string }>('SELECT count(*) AS n FROM files WHERE tenant_id = $1', [tenant])
      return Number(rows[0].n)
    }

    /** A signed link, fetched from this test's server whatever host the public base URL names. */
    const local = (link: string) => {
      const url = new URL(link)
      return `${server.url}${url.pathname}${url.search}`
    }

    const signedParts = (meta: FileMeta) => {
      const url = new URL(files.signedUrl(meta, 600))
      return { path: url.pathname, params: Object.fromEntries(url.searchParams) as Record<string, string> }
    }

    const fetchSigned = (path: string, params: Record<string, string>) =>
      request(`${server.url}${path}?${new URLSearchParams(params)}`)

    const assertForbidden = (response: HttpResponse, what: string) => {
      assert.equal(response.status, 403, what)
      assert.deepEqual(response.json(), { message: 'Forbidden' }, what)
    }

    test('a multi-megabyte file comes back byte for byte from the tenant link and the signed link', async () => {
      const data = randomBytes(6 * MB + 12345) // more than one multipart part
      const meta = await files.put(tenantId, {
        name: 'payload.bin',
        contentType: 'application/octet-stream',
        stream: streamOf(data),
        createdBy: server.server.bootstrap.user.id,
      })
      assert.match(meta.id, /^[0-9a-f]{32}$/)
      assert.equal(meta.tenantId, tenantId)
      assert.equal(meta.size, data.length)
      assert.equal(meta.createdBy, server.server.bootstrap.user.id)
      assert.deepEqual(await files.stat(tenantId, meta.id), meta)
      assert.match(files.url(meta), new RegExp(`^http://localhost:\\d+/apps/v1/files/${meta.id}$`))

      const viaToken = await server.api('GET', `/apps/v1/files/${meta.id}`)
      assert.equal(viaToken.status, 200)
      assert.equal(viaToken.headers['content-length'], String(data.length))
      assert.equal(sha256(viaToken.body), sha256(data))

      const link = files.signedUrl(meta, 300)
      assert.match(link, new RegExp(`^http://localhost:\\d+/files/${meta.id}\\?tenant=${tenantId}&expires=\\d+&signature=[0-9a-f]{64}$`))
      const viaLink = await request(local(link))
      assert.equal(viaLink.status, 200)
      assert.equal(viaLink.headers['content-length'], String(data.length))
      assert.equal(sha256(viaLink.body), sha256(data))
    })

    test('downloads carry the content type, length and an attachment disposition with the name', async () => {
      const csv = Buffer.from('id,name\n1,Acme\n')
      const meta = await files.put(tenantId, { name: 'Q1 report.csv', contentType: 'text/csv', stream: streamOf(csv) })
      for (const response of [await server.api('GET', `/apps/v1/files/${meta.id}`), await request(local(files.signedUrl(meta, 60)))]) {
        assert.equal(response.status, 200)
        assert.equal(response.headers['content-type'], 'text/csv')
        assert.equal(response.headers['content-length'], String(csv.length))
        assert.equal(response.headers['content-disposition'], 'attachment; filename="Q1 report.csv"')
        assert.equal(response.headers['content-encoding'], undefined)
        assert.match(String(response.headers['zuora-request-id']), /^[0-9a-f-]{36}$/)
        assert.deepEqual(response.body, csv)
      }

      const named = await files.put(tenantId, { name: 'Übersicht "2024".json', contentType: 'application/json', stream: streamOf(Buffer.from('{}')) })
      const response = await server.api('GET', `/apps/v1/files/${named.id}`)
      assert.equal(
        response.headers['content-disposition'],
        `attachment; filename="_bersicht _2024_.json"; filename*=UTF-8''%C3%9Cbersicht%20%222024%22.json`,
      )
    })

    test('with Accept-Encoding: gzip, CSV and JSON stream compressed without a stale Content-Length; other types as stored', async () => {
      const csv = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `${i},account-${i},${i * 3}.25\n`).join(''))
      const meta = await files.put(tenantId, { name: 'big.csv', contentType: 'text/csv', stream: streamOf(csv) })
      for (const response of [
        await server.api('GET', `/apps/v1/files/${meta.id}`, { headers: { 'accept-encoding': 'gzip' } }),
        await request(local(files.signedUrl(meta, 60)), { headers: { 'accept-encoding': 'gzip' } }),
      ]) {
        assert.equal(response.status, 200)
        assert.equal(response.headers['content-encoding'], 'gzip')
        assert.equal(response.headers['content-length'], undefined)
        assert.equal(response.headers['transfer-encoding'], 'chunked')
        assert.ok(response.body.length < csv.length / 2)
        assert.deepEqual(gunzipSync(response.body), csv)
      }

      const binary = randomBytes(200_000)
      const other = await files.put(tenantId, { name: 'blob.bin', contentType: 'application/octet-stream', stream: streamOf(binary) })
      const response = await request(local(files.signedUrl(other, 60)), { headers: { 'accept-encoding': 'gzip' } })
      assert.equal(response.headers['content-encoding'], undefined)
      assert.equal(response.headers['content-length'], String(binary.length))
      assert.deepEqual(response.body, binary)
    })

    test('a 50 MB file streams in and out without the process holding it', async () => {
      const size = 50 * MB
      const upload = memoryMeter()
      const body = generated(size, upload.sample)
      const meta = await files.put(tenantId, { name: 'large.bin', contentType: 'application/octet-stream', stream: body.stream })
      assertBelow(upload.rise(), 30 * MB, 'upload')
      assert.equal(meta.size, size)

      const downloading = memoryMeter()
      const got = await download(local(files.signedUrl(meta, 60)), downloading.sample)
      assertBelow(downloading.rise(), 30 * MB, 'download')
      assert.equal(got.status, 200)
      assert.equal(got.length, size)
      assert.equal(got.sha256, body.sha256())
    })

    test("another tenant's file and an unknown id are the same 404, in the v1 envelope", async () => {
      const meta = await files.put(tenantId, { name: 'mine.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('mine')) })
      const other = await createTenantWithClient(server)
      const foreign = await server.api('GET', `/apps/v1/files/${meta.id}`, { token: other.token })
      const unknownId = randomBytes(16).toString('hex')
      const unknown = await server.api('GET', `/apps/v1/files/${unknownId}`, { token: other.token })
      const malformed = await server.api('GET', '/apps/v1/files/not-a-file-id', { token: other.token })
      for (const [response, id] of [
        [foreign, meta.id],
        [unknown, unknownId],
        [malformed, 'not-a-file-id'],
      ] as const) {
        assert.equal(response.status, 404)
        const body = response.json()
        assert.equal(body.success, false)
        assert.deepEqual(body.reasons, [{ code: '50000040', message: `File ${id} does not exist` }])
      }
      assert.equal((await server.api('GET', `/apps/v1/files/${meta.id}`)).status, 200)
    })

    test('the tenant link needs a bearer token', async () => {
      const meta = await files.put(tenantId, { name: 'a.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('a')) })
      const response = await request(`${server.url}/apps/v1/files/${meta.id}`)
      assert.equal(response.status, 401)
      assert.deepEqual(response.json(), { message: 'Authentication error' })
    })

    test('a signed link works without a token, also for HEAD', async () => {
      const data = Buffer.from('signed contents')
      const meta = await files.put(tenantId, { name: 's.txt', contentType: 'text/plain', stream: streamOf(data) })
      const { path, params } = signedParts(meta)
      const response = await fetchSigned(path, params)
      assert.equal(response.status, 200)
      assert.deepEqual(response.body, data)
      const expires = Number(params.expires)
      assert.ok(Math.abs(expires - (Date.now() / 1000 + 600)) < 5, 'expires is now + ttl, in epoch seconds')

      for (const head of [
        await request(`${server.url}${path}?${new URLSearchParams(params)}`, { method: 'HEAD' }),
        await server.api('HEAD', `/apps/v1/files/${meta.id}`),
      ]) {
        assert.equal(head.status, 200)
        assert.equal(head.headers['content-type'], 'text/plain')
        assert.equal(head.headers['content-length'], String(data.length))
        assert.equal(head.headers['content-disposition'], 'attachment; filename="s.txt"')
        assert.equal(head.body.length, 0)
      }
    })

    test('a forged, altered, expired or incomplete signed link gets 403 and nothing else', async () => {
      const meta = await files.put(tenantId, { name: 'x.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('x')) })
      const sibling = await files.put(tenantId, { name: 'y.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('y')) })
      const other = await createTenantWithClient(server)
      const { path, params } = signedParts(meta)
      const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1)

      assertForbidden(await fetchSigned(path, { ...params, signature: randomBytes(32).toString('hex') }), 'forged signature')
      assertForbidden(await fetchSigned(path, { ...params, signature: flip(params.signature) }), 'one digit changed')
      assertForbidden(await fetchSigned(path, { ...params, signature: params.signature.toUpperCase() }), 'upper-case signature')
      assertForbidden(await fetchSigned(`/files/${sibling.id}`, params), 'another file id')
      assertForbidden(await fetchSigned(path, { ...params, tenant: other.tenant.id }), 'another tenant')
      assertForbidden(await fetchSigned(path, { ...params, expires: String(Number(params.expires) + 3600) }), 'later expiry')
      for (const name of ['tenant', 'expires', 'signature']) {
        const { [name]: _, ...rest } = params
        assertForbidden(await fetchSigned(path, rest), `without ${name}`)
        assertForbidden(await fetchSigned(path, { ...params, [name]: '' }), `empty ${name}`)
      }
      assertForbidden(await request(`${server.url}${path}`), 'no query at all')
      assertForbidden(await request(`${server.url}${path}?${new URLSearchParams(params)}&tenant=${tenantId}`), 'tenant twice')
      assertForbidden(await fetchSigned('/files/not-a-file-id', params), 'malformed id')

      const expired = new URL(files.signedUrl(meta, -1))
      assertForbidden(await request(`${server.url}${expired.pathname}${expired.search}`), 'expired')

      // Forbidden even with a valid bearer token: the signature is what counts.
      const withToken = await server.api('GET', `${path}?${new URLSearchParams({ ...params, signature: flip(params.signature) })}`)
      assertForbidden(withToken, 'forged, with a token')
    })

    test('the signing key is generated once, kept in server_settings and shared; ZJOBS_SIGNING_SECRET replaces it', async () => {
      const { rows } = await server.server.db.query<{ value: string }>(
        "SELECT value FROM server_settings WHERE name = 'file_signing_secret'",
      )
      assert.match(rows[0].value, /^[0-9a-f]{64}$/)
      const meta = await files.put(tenantId, { name: 'k.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('k')) })

      // Another process on the same database (here: another store) signs links this server accepts.
      const sameKey = await openFileStore(server.server.db, server.config, () => 'http://elsewhere')
      assert.equal((await request(local(sameKey.signedUrl(meta, 60)))).status, 200)

      const configured = await openFileStore(server.server.db, { ...server.config, signingSecret: 'c'.repeat(32) }, () => 'http://elsewhere')
      assertForbidden(await request(local(configured.signedUrl(meta, 60))), 'signed with another key')
    })

    test('a deleted or expired file is gone from both links; the sweep removes expired blobs', async () => {
      const tenant = (await createTenantWithClient(server)).tenant.id
      const deleted = await files.put(tenant, { name: 'd.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('d')) })
      const link = files.signedUrl(deleted, 60)
      assert.equal(await files.delete(tenant, deleted.id), true)
      assert.equal(await files.delete(tenant, deleted.id), false)
      assert.equal(await files.stat(tenant, deleted.id), undefined)
      const afterDelete = await request(local(link))
      assert.equal(afterDelete.status, 404)
      assert.deepEqual(afterDelete.json(), { message: 'Not Found' })
      assert.deepEqual(await blobKeys(tenant), [])

      const expired = await files.put(tenant, {
        name: 'e.txt',
        contentType: 'text/plain',
        stream: streamOf(Buffer.from('e')),
        expiresAt: new Date(Date.now() - 1000),
      })
      assert.equal(await files.stat(tenant, expired.id), undefined)
      assert.equal((await request(local(files.signedUrl(expired, 60)))).status, 404)
      assert.deepEqual(await blobKeys(tenant), [`${tenant}/${expired.id}`])
      assert.ok((await files.deleteExpired()) >= 1)
      assert.deepEqual(await blobKeys(tenant), [])
      assert.equal(await fileRows(tenant), 0)
    })

    test('deleting a tenant (admin plane) deletes its files: rows and blobs; other tenants keep theirs', async () => {
      // An admin user: files of no job are only admins' to read.
      const { tenant, token } = await createTenantWithClient(server, undefined, { username: 'someone', admin: true })
      const metas = []
      for (const name of ['one.csv', 'two.csv']) {
        metas.push(await files.put(tenant.id, { name, contentType: 'text/csv', stream: streamOf(Buffer.from(name)) }))
      }
      const kept = await files.put(tenantId, { name: 'kept.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('kept')) })
      assert.equal((await server.api('GET', `/apps/v1/files/${metas[0].id}`, { token })).status, 200)
      assert.deepEqual(await blobKeys(tenant.id), metas.map((meta) => `${tenant.id}/${meta.id}`).sort())
      const link = files.signedUrl(metas[1], 60)

      const response = await server.admin('DELETE', `/admin/tenants/${tenant.id}`)
      assert.equal(response.status, 200)
      assert.equal(await fileRows(tenant.id), 0)
      assert.deepEqual(await blobKeys(tenant.id), [])
      assert.equal((await request(local(link))).status, 404)
      assert.equal((await server.api('GET', `/apps/v1/files/${kept.id}`)).status, 200)
      assert.deepEqual(await blobKeys(tenantId).then((keys) => keys.includes(`${tenantId}/${kept.id}`)), true)
    })

    test('deleting a tenant with the CLI deletes its files too', async () => {
      const { tenant } = await createTenantWithClient(server)
      await files.put(tenant.id, { name: 'c.txt', contentType: 'text/plain', stream: streamOf(Buffer.from('c')) })
      assert.equal((await blobKeys(tenant.id)).length, 1)
      const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'tenant', 'delete', tenant.id], { env: envOf(server.config) })
      assert.deepEqual(JSON.parse(stdout), { id: tenant.id, deleted: true })
      assert.equal(await fileRows(tenant.id), 0)
      assert.deepEqual(await blobKeys(tenant.id), [])
    })

    test('the settings refuse an s3 store without a bucket, half a key pair, or a short signing secret', () => {
      assert.throws(() => loadConfig({ ZJOBS_FILE_STORE: 's3' }), /ZJOBS_S3_BUCKET is required/)
      assert.throws(() => loadConfig({ ZJOBS_FILE_STORE: 'disk' }), /ZJOBS_FILE_STORE must be one of local, s3/)
      assert.throws(() => loadConfig({ ZJOBS_S3_ACCESS_KEY_ID: 'AKIA' }), /go together/)
      assert.throws(() => loadConfig({ ZJOBS_S3_FORCE_PATH_STYLE: 'yes' }), /must be true or false/)
      assert.throws(() => loadConfig({ ZJOBS_SIGNING_SECRET: 'short' }), /at least 32 characters/)
      const config = loadConfig({ ZJOBS_FILE_STORE: 's3', ZJOBS_S3_BUCKET: 'b', ZJOBS_S3_FORCE_PATH_STYLE: 'true' })
      assert.equal(config.s3ForcePathStyle, true)
      assert.equal(config.s3Region, 'us-east-1')
    })

    test('an upload that fails midway leaves no row and no blob', async () => {
      const tenant = (await createTenantWithClient(server)).tenant.id
      await assert.rejects(
        files.put(tenant, { name: 'broken.csv', contentType: 'text/csv', stream: failingAfter(6 * MB) }),
      )
      assert.equal(await fileRows(tenant), 0)
      assert.deepEqual(await blobKeys(tenant), [])
    })

    test('a file whose row cannot be written (its tenant is gone) leaves no blob', async () => {
      const gone = '987654321'
      await assert.rejects(
        files.put(gone, { name: 'orphan.txt', contentType: 'text/plain', stream: streamOf(randomBytes(1000)) }),
        (error: { code?: string }) => error.code === '23503',
      )
      assert.deepEqual(await blobKeys(gone), [])
    })
  })
}
