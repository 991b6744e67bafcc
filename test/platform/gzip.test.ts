// Compression (spec §7.8): gzip responses over 1000 bytes of the listed types when the client
// accepts it; gzip request bodies, with the decompressed size bounded.
import assert from 'node:assert/strict'
import { assertV1Error, category } from '../helpers/envelopes.ts'
import { after, before, describe, test } from 'node:test'
import { createGzip, gunzipSync, gzipSync } from 'node:zlib'
import { fixtures, type FixtureState } from '../helpers/fixtures.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

const GZIP = { 'accept-encoding': 'gzip' }

/** ~`bytes` of zeros gzipped, compressed as a stream so the plain data never exists whole. */
async function gzipBomb(bytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 })
  const chunks: Buffer[] = []
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise((resolve, reject) => {
    gzip.on('end', resolve)
    gzip.on('error', reject)
  })
  const zeros = Buffer.alloc(1 << 20)
  for (let written = 0; written < bytes; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve))
  }
  gzip.end()
  await done
  return Buffer.concat(chunks)
}

describe('response compression', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({}, { routes: [fixtures()] })
  })
  after(() => server.close())

  test('a JSON response over 1000 bytes is gzipped and gunzips to the original', async () => {
    for (const size of [1001, 5000, 200_000]) {
      const plain = await server.api('GET', `/v1/fixtures/size/${size}`)
      assert.equal(plain.status, 200)
      assert.equal(plain.body.length, size)

      const response = await server.api('GET', `/v1/fixtures/size/${size}`, { headers: GZIP })
      assert.equal(response.status, 200)
      assert.equal(response.headers['content-encoding'], 'gzip')
      assert.match(String(response.headers['content-type']), /^application\/json/)
      assert.ok(response.body.length < size, 'the compressed body is smaller')
      const unzipped = gunzipSync(response.body)
      assert.deepEqual(unzipped, plain.body)
      assert.equal(JSON.parse(unzipped.toString()).data.length, size - 11)
    }
  })

  test('a CSV response over 1000 bytes is gzipped', async () => {
    const plain = await server.api('GET', '/v1/fixtures/csv/4000')
    assert.equal(plain.body.length, 4000)
    const response = await server.api('GET', '/v1/fixtures/csv/4000', { headers: GZIP })
    assert.equal(response.status, 200)
    assert.equal(response.headers['content-encoding'], 'gzip')
    assert.match(String(response.headers['content-type']), /^text\/csv/)
    assert.deepEqual(gunzipSync(response.body), plain.body)
  })

  test('a response of 1000 bytes or less is not compressed', async () => {
    for (const path of ['/v1/fixtures/size/1000', '/v1/fixtures/size/200', '/v1/fixtures/csv/1000', '/v1/fixtures/whoami']) {
      const response = await server.api('GET', path, { headers: GZIP })
      assert.equal(response.status, 200)
      assert.equal(response.headers['content-encoding'], undefined, path)
      assert.ok(response.body.length <= 1000)
    }
    const exact = await server.api('GET', '/v1/fixtures/size/1000', { headers: GZIP })
    assert.equal(exact.body.length, 1000)
    assert.equal(exact.json().data.length, 989)
  })

  test('a type outside the listed ones (application/octet-stream) is not compressed', async () => {
    const response = await server.api('GET', '/v1/fixtures/binary/5000', { headers: GZIP })
    assert.equal(response.status, 200)
    assert.equal(response.headers['content-encoding'], undefined)
    assert.match(String(response.headers['content-type']), /^application\/octet-stream/)
    assert.deepEqual(response.body, Buffer.alloc(5000, 1))
  })

  test('without Accept-Encoding nothing is compressed', async () => {
    for (const path of ['/v1/fixtures/size/5000', '/v1/fixtures/csv/5000']) {
      const response = await server.api('GET', path)
      assert.equal(response.status, 200)
      assert.equal(response.headers['content-encoding'], undefined, path)
      assert.equal(response.body.length, 5000)
    }
    const identity = await server.api('GET', '/v1/fixtures/size/5000', { headers: { 'accept-encoding': 'identity' } })
    assert.equal(identity.headers['content-encoding'], undefined)
    assert.equal(identity.body.length, 5000)
  })
})

describe('gzip request bodies', () => {
  let server: TestServer
  const state: FixtureState = { calls: 0, release: () => {} }
  before(async () => {
    server = await startTestServer({}, { routes: [fixtures(state)] })
  })
  after(() => server.close())

  const tenantCount = async () => {
    const response = await server.admin('GET', '/admin/tenants')
    assert.equal(response.status, 200)
    return response.json().tenants.length as number
  }

  test('a gzipped JSON body is decompressed before parsing (admin plane)', async () => {
    const name = `gzipped-${Date.now()}`
    const response = await server.api('POST', '/admin/tenants', {
      token: server.server.bootstrap.adminToken,
      body: gzipSync(JSON.stringify({ name, entities: ['Global'] })),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(response.status, 201, response.text)
    const tenant = response.json()
    assert.equal(tenant.name, name)
    assert.deepEqual(
      tenant.entities.map((e: { name: string }) => e.name),
      ['Global'],
    )
    const stored = await server.admin('GET', `/admin/tenants/${tenant.id}`)
    assert.equal(stored.status, 200)
    assert.equal(stored.json().name, name)
  })

  test('a gzipped JSON body is decompressed before parsing (API route)', async () => {
    const payload = { hello: 'world', list: Array.from({ length: 100 }, (_, i) => i) }
    const response = await server.api('POST', '/v1/fixtures/counter', {
      body: gzipSync(JSON.stringify(payload)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(response.status, 200, response.text)
    assert.deepEqual(response.json().body, payload)

    const typed = await server.api('POST', '/query/fixtures/typed', {
      body: gzipSync(JSON.stringify({ n: 3, kind: 'b' })),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(typed.status, 200, typed.text)
    assert.deepEqual(typed.json(), { echo: { n: 3, kind: 'b' } })
  })

  test('invalid gzip data gets 400 in the family shape', async () => {
    const before = state.calls
    const notGzip = Buffer.from(JSON.stringify({ not: 'gzip' }))
    const v1 = await server.api('POST', '/v1/fixtures/counter', {
      body: notGzip,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assertV1Error(v1, 400, category('90'))
    assert.equal(state.calls, before, 'the handler did not run')

    // A valid gzip header followed by garbage.
    const truncated = gzipSync(JSON.stringify({ n: 1, kind: 'a', padding: 'x'.repeat(5000) })).subarray(0, 40)
    const v1Truncated = await server.api('POST', '/v1/fixtures/counter', {
      body: truncated,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(v1Truncated.status, 400, v1Truncated.text)
    assert.equal(v1Truncated.json().success, false)
    assert.equal(state.calls, before)

    const query = await server.api('POST', '/query/fixtures/typed', {
      body: notGzip,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(query.status, 400)
    const queryBody = query.json()
    assert.deepEqual(Object.keys(queryBody).sort(), ['code', 'message'])
    assert.equal(queryBody.code, 400)

    const objects = await server.api('POST', '/objects/fixtures/typed', {
      body: notGzip,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(objects.status, 400)
    assert.deepEqual(objects.json(), { code: 71000090, message: objects.json().message })

    const tenants = await tenantCount()
    const admin = await server.api('POST', '/admin/tenants', {
      token: server.server.bootstrap.adminToken,
      body: notGzip,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(admin.status, 400)
    assert.equal(admin.json().success, false)
    assert.equal(await tenantCount(), tenants)
  })

  test('an unsupported Content-Encoding gets 415', async () => {
    const before = state.calls
    for (const encoding of ['br', 'deflate', 'compress']) {
      const response = await server.api('POST', '/v1/fixtures/counter', {
        body: { a: 1 },
        headers: { 'content-encoding': encoding },
      })
      const body = assertV1Error(response, 415, category('45'))
      assert.match(body.reasons[0].message, new RegExp(encoding))
    }
    const query = await server.api('POST', '/query/fixtures/typed', {
      body: { n: 1, kind: 'a' },
      headers: { 'content-encoding': 'br' },
    })
    assert.equal(query.status, 415)
    assert.equal(query.json().code, 415)
    assert.equal(state.calls, before, 'the handler did not run')
  })

  test('a gzip bomb gets 413 without inflating it in memory, and creates nothing', async () => {
    const bomb = await gzipBomb(256 * 1024 * 1024)
    assert.ok(bomb.length < 2 * 1024 * 1024, `bomb is ${bomb.length} bytes`)

    const tenants = await tenantCount()
    const calls = state.calls
    let peak = process.memoryUsage().rss
    const start = peak
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 2)
    try {
      const v1 = await server.api('POST', '/v1/fixtures/counter', {
        body: bomb,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      })
      assertV1Error(v1, 413, category('70'))

      const admin = await server.api('POST', '/admin/tenants', {
        token: server.server.bootstrap.adminToken,
        body: bomb,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      })
      assertV1Error(admin, 413, category('70'))

      const query = await server.api('POST', '/query/fixtures/typed', {
        body: bomb,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      })
      assert.equal(query.status, 413)
      assert.equal(query.json().code, 413)
    } finally {
      clearInterval(sampler)
    }
    peak = Math.max(peak, process.memoryUsage().rss)
    const grownMb = (peak - start) / (1024 * 1024)
    assert.ok(grownMb < 100, `rss grew by ${grownMb.toFixed(1)} MB`)
    assert.equal(state.calls, calls, 'the handler did not run')
    assert.equal(await tenantCount(), tenants, 'no tenant was created')

    // The server still serves afterwards.
    assert.equal((await server.api('GET', '/v1/fixtures/whoami')).status, 200)
  })
})
