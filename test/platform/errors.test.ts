// Error responses in the envelope of each API family (spec §2.3, §7.10, §7.11): unknown
// routes, malformed and mistyped bodies, schema failures, unexpected exceptions. No framework
// error body or internal detail ever reaches a client.
import assert from 'node:assert/strict'
import { assertV1Error } from '../helpers/envelopes.ts'

/** The one reason of a v1 failure envelope (checked whole). */
const v1Reason = (...args: Parameters<typeof assertV1Error>) => assertV1Error(...args).reasons[0] as { code: string; message: string }
import { after, afterEach, before, describe, test } from 'node:test'
import { fixtures } from '../helpers/fixtures.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

const seen: HttpResponse[] = []

/**
 * {code, message}: Data Query with the HTTP status as code, Custom Objects with an 8-digit one
 * (and, for a request that fails validation, `details`: its problems).
 */
function assertCodeMessage(response: HttpResponse, status: number, code: number, extraKeys: string[] = []) {
  assert.equal(response.status, status, response.text)
  assert.match(String(response.headers['content-type']), /^application\/json/)
  const body = response.json()
  assert.deepEqual(Object.keys(body).sort(), ['code', ...extraKeys, 'message'])
  assert.equal(body.code, code)
  assert.equal(typeof body.message, 'string')
  return body.message as string
}

describe('error responses', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ maxBodyBytes: 4096 }, { routes: [fixtures()] })
  })
  after(() => server.close())

  // Every response of these tests is checked for the Fastify default error shape.
  const call = async (method: string, path: string, options: Parameters<TestServer['api']>[2] = {}) => {
    const response = await server.api(method, path, options)
    seen.push(response)
    return response
  }
  const raw = async (path: string, options: Parameters<typeof request>[1] = {}) => {
    const response = await request(`${server.url}${path}`, options)
    seen.push(response)
    return response
  }
  afterEach(() => {
    for (const response of seen.splice(0)) {
      assert.match(String(response.headers['zuora-request-id']), /^[0-9a-f-]{36}$/)
      if (response.status < 400 || response.body.length === 0) continue
      const body = response.json()
      const fastifyShape = 'statusCode' in body || ('error' in body && 'message' in body && !('error_description' in body))
      assert.ok(!fastifyShape, `Fastify's error shape reached the client: ${response.text}`)
    }
  })

  const json = { 'content-type': 'application/json' }

  describe('unknown routes', () => {
    test('/v1: 404 in the v1 CommonResponse with code 50000040', async () => {
      for (const [method, path] of [
        ['GET', '/v1/no-such-thing'],
        ['GET', '/v1/no/such/thing?x=1'],
        ['POST', '/v1/no-such-thing'],
        ['DELETE', '/v1/fixtures/whoami'],
      ]) {
        const response = await call(method, path)
        const reason = v1Reason(response, 404, '50000040')
        assert.match(reason.message, new RegExp(`${method} ${path.split('?')[0]}`))
      }
    })

    test('unknown routes answer 404 whether or not a token is sent', async () => {
      const response = await raw('/v1/no-such-thing')
      v1Reason(response, 404, '50000040')
    })

    // Under the families zjobs serves, what no route takes is an operation zjobs does not
    // support: 501 in the family's envelope, never a 404 that reads as a missing object.
    test('/query: 501 as {code: 501, message}, not supported by zjobs', async () => {
      const message = assertCodeMessage(await call('GET', '/query/no-such-thing'), 501, 501)
      assert.match(message, /^GET \/query\/no-such-thing is not supported by zjobs/)
      assertCodeMessage(await call('POST', '/query/jobs/extra/path', { body: {} }), 501, 501)
      assertCodeMessage(await call('PUT', '/query/jobs'), 501, 501)
    })

    test('/objects: 501 as {code: 71000045, message}, not supported by zjobs', async () => {
      const message = assertCodeMessage(await call('GET', '/objects/no-such-thing'), 501, 71000045)
      assert.match(message, /^GET \/objects\/no-such-thing is not supported by zjobs/)
    })

    test('/v1/uno/data-backfill: 501 in the v1 CommonResponse with code 50000045', async () => {
      const reason = v1Reason(await call('DELETE', '/v1/uno/data-backfill/jobs/x'), 501, '50000045')
      assert.match(reason.message, /^DELETE \/v1\/uno\/data-backfill\/jobs\/x is not supported by zjobs/)
    })

    test('a path with an empty segment names no resource: the family\'s 404, not a 501', async () => {
      assertCodeMessage(await call('DELETE', '/query/jobs/'), 404, 404)
      assertCodeMessage(await call('GET', '/objects//definitions/default'), 404, 71000040)
      v1Reason(await call('PUT', '/v1/uno/data-backfill//jobs'), 404, '50000040')
      assertCodeMessage(await call('POST', '/query/jobs/x/y'), 501, 501)
    })
  })

  describe('malformed JSON', () => {
    const bodies = ['{"n": 1, "kind": ', '{n: 1}', 'not json at all', '[1, 2']

    test('/v1: 400 with a category 90 code', async () => {
      for (const body of bodies) {
        v1Reason(await call('POST', '/v1/fixtures/typed', { body, headers: json }), 400, /^\d{6}90$/)
      }
      v1Reason(await call('POST', '/v1/fixtures/counter', { body: '{"a":', headers: json }), 400, '50000090')
    })

    test("/query: 400 'Unable to process JSON'", async () => {
      for (const body of bodies) {
        const response = await call('POST', '/query/fixtures/typed', { body, headers: json })
        assert.equal(response.status, 400)
        assert.deepEqual(response.json(), { code: 400, message: 'Unable to process JSON' })
      }
    })

    test('/objects: 400 with code 71000090', async () => {
      assertCodeMessage(await call('POST', '/objects/fixtures/typed', { body: '{"n":', headers: json }), 400, 71000090)
    })

    test('an empty JSON body is malformed too', async () => {
      v1Reason(await call('POST', '/v1/fixtures/typed', { body: '', headers: json }), 400, /^\d{6}(90|20|22)$/)
      const query = await call('POST', '/query/fixtures/typed', { body: '', headers: json })
      assert.equal(query.status, 400)
      assert.equal(query.json().code, 400)
    })
  })

  describe('content type', () => {
    test('/query: an unsupported content type gets exactly {"code":415,"message":"HTTP 415 Unsupported Media Type"}', async () => {
      for (const type of ['application/xml', 'image/png', 'application/x-custom']) {
        const response = await call('POST', '/query/fixtures/typed', {
          body: '{"n":1,"kind":"a"}',
          headers: { 'content-type': type },
        })
        assert.equal(response.status, 415, `${type}: ${response.text}`)
        assert.equal(response.text, '{"code":415,"message":"HTTP 415 Unsupported Media Type"}')
      }
    })

    test('/query: a body without a content type gets 415', async () => {
      const response = await call('POST', '/query/fixtures/typed', { body: Buffer.from('{"n":1,"kind":"a"}') })
      assert.equal(response.status, 415, response.text)
      assert.equal(response.text, '{"code":415,"message":"HTTP 415 Unsupported Media Type"}')
    })

    test('/v1 and /objects: 415 in the family shape', async () => {
      v1Reason(
        await call('POST', '/v1/fixtures/typed', { body: '<n>1</n>', headers: { 'content-type': 'application/xml' } }),
        415,
        '50000045',
      )
      v1Reason(await call('POST', '/v1/fixtures/typed', { body: Buffer.from('{"n":1,"kind":"a"}') }), 415, '50000045')
      assertCodeMessage(
        await call('POST', '/objects/fixtures/typed', { body: '<n>1</n>', headers: { 'content-type': 'application/xml' } }),
        415,
        71000045,
      )
    })

    test('a JSON content type with a charset is accepted', async () => {
      const response = await call('POST', '/query/fixtures/typed', {
        body: '{"n":1,"kind":"a"}',
        headers: { 'content-type': 'application/json; charset=utf-8' },
      })
      assert.equal(response.status, 200, response.text)
      assert.deepEqual(response.json(), { echo: { n: 1, kind: 'a' } })
    })
  })

  describe('schema validation', () => {
    // Zuora's categories: 20 invalid value, 21 unknown field, 22 missing required field.
    const cases: [string, unknown, RegExp, string][] = [
      ['a wrong type', { n: 'seven', kind: 'a' }, /\bn\b.*integer/, '20'],
      ['a fractional number for an integer', { n: 1.5, kind: 'a' }, /\bn\b.*integer/, '20'],
      ['an unknown enum value', { n: 1, kind: 'z' }, /\bkind\b.*\ba, b\b/, '20'],
      ['an extra property', { n: 1, kind: 'a', surprise: true }, /\bsurprise\b/, '21'],
      ['a missing required property', { kind: 'a' }, /\bn\b/, '22'],
      ['a body that is not an object', [1, 2], /object/, '20'],
    ]
    for (const [what, body, field, category] of cases) {
      test(`${what}: 400 naming the field with category ${category}, in every family`, async () => {
        const v1 = v1Reason(await call('POST', '/v1/fixtures/typed', { body }), 400, `500000${category}`)
        assert.match(v1.message, field)
        const query = assertCodeMessage(await call('POST', '/query/fixtures/typed', { body }), 400, 400)
        assert.match(query, field)
        const objects = await call('POST', '/objects/fixtures/typed', { body })
        assert.match(assertCodeMessage(objects, 400, objects.json().code, ['details']), field)
        assert.equal(String(objects.json().code), `710000${category}`)
        assert.deepEqual(objects.json().details, [{ code: objects.json().code, message: objects.json().message }])
      })
    }

    test('a valid body passes', async () => {
      const response = await call('POST', '/v1/fixtures/typed', { body: { n: 7, kind: 'b' } })
      assert.equal(response.status, 200)
      assert.deepEqual(response.json(), { echo: { n: 7, kind: 'b' } })
    })
  })

  describe('unexpected exceptions', () => {
    const assertNoLeak = (response: HttpResponse) => {
      for (const word of ['secret', 'stack', 'internal detail', '/srv/', 'thing.ts', '.ts:', 'Error:']) {
        assert.ok(!response.text.includes(word), `the body leaks "${word}": ${response.text}`)
      }
    }

    test('/v1: exactly the ErrorResponse body', async () => {
      const response = await call('GET', '/v1/fixtures/boom')
      assert.equal(response.status, 500)
      assert.match(String(response.headers['content-type']), /^application\/json/)
      assert.equal(response.text, '{"reasons":[{"code":"SystemError","message":"internal server error"}]}')
      assertNoLeak(response)
    })

    test("/query: {code: 500, message: 'internal server error'}", async () => {
      const response = await call('GET', '/query/fixtures/boom')
      assert.equal(response.status, 500)
      assert.deepEqual(response.json(), { code: 500, message: 'internal server error' })
      assertNoLeak(response)
    })

    test('/objects: {code, message} with an internal-error code', async () => {
      const response = await call('GET', '/objects/fixtures/boom')
      assert.equal(assertCodeMessage(response, 500, 71000060), 'internal server error')
      assertNoLeak(response)
    })

    test('also with a gzip-accepting client', async () => {
      const response = await call('GET', '/v1/fixtures/boom', { headers: { 'accept-encoding': 'gzip' } })
      assert.equal(response.status, 500)
      assert.equal(response.text, '{"reasons":[{"code":"SystemError","message":"internal server error"}]}')
    })
  })

  describe('other framework errors', () => {
    test('a body over the size limit gets 413 in the family shape', async () => {
      const big = { n: 1, kind: 'a', padding: 'x'.repeat(5000) }
      v1Reason(await call('POST', '/v1/fixtures/typed', { body: big }), 413, '50000070')
      assertCodeMessage(await call('POST', '/query/fixtures/typed', { body: big }), 413, 413)
      assertCodeMessage(await call('POST', '/objects/fixtures/typed', { body: big }), 413, 71000070)
    })

    test('a malformed URL gets 400 in the family shape', async () => {
      const v1 = await call('GET', '/v1/fixtures/%E0%A4%A')
      assert.equal(v1.status, 400, v1.text)
      assert.equal(v1.json().success, false)
      const query = await call('GET', '/query/fixtures/%E0%A4%A')
      assert.equal(query.status, 400, query.text)
      assert.equal(query.json().code, 400)
    })

    test('the 401 of the gateway is its own documented shape', async () => {
      const response = await raw('/v1/fixtures/whoami')
      assert.equal(response.status, 401)
      assert.deepEqual(response.json(), { message: 'Authentication error' })
    })

    test('admin plane errors carry no framework shape either', async () => {
      const invalid = await call('POST', '/admin/tenants', { token: server.server.bootstrap.adminToken, body: { nome: 'x' } })
      assert.equal(invalid.status, 400, invalid.text)
      assert.equal(invalid.json().success, false)
      const malformed = await call('POST', '/admin/tenants', {
        token: server.server.bootstrap.adminToken,
        body: '{"name":',
        headers: json,
      })
      assert.equal(malformed.status, 400)
      assert.equal(malformed.json().success, false)
      const missing = await call('GET', '/admin/tenants/999999', { token: server.server.bootstrap.adminToken })
      assert.equal(missing.status, 404)
    })
  })
})
