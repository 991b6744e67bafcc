// Zuora-Request-Id, Zuora-Track-Id and Zuora-Version (spec §7.6, §7.7, §7.15).
import assert from 'node:assert/strict'
import { assertV1Error, category } from '../helpers/envelopes.ts'
import { after, before, describe, test } from 'node:test'
import { fixtures } from '../helpers/fixtures.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function requestId(response: HttpResponse): string {
  const id = response.headers['zuora-request-id']
  assert.equal(typeof id, 'string', `no Zuora-Request-Id on a ${response.status} response`)
  assert.equal((id as string).length, 36)
  assert.match(id as string, UUID)
  return id as string
}

describe('Zuora platform headers', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({}, { routes: [fixtures()] })
  })
  after(() => server.close())

  describe('Zuora-Request-Id', () => {
    test('is a 36-character UUID on success, 401, 404, 400 and 500 responses', async () => {
      const success = await server.api('GET', '/v1/fixtures/whoami')
      assert.equal(success.status, 200)
      requestId(success)

      const unauthorized = await request(`${server.url}/v1/fixtures/whoami`)
      assert.equal(unauthorized.status, 401)
      requestId(unauthorized)

      const missing = await server.api('GET', '/v1/no-such-resource')
      assert.equal(missing.status, 404)
      requestId(missing)

      const invalid = await server.api('POST', '/v1/fixtures/typed', { body: { n: 'not a number', kind: 'a' } })
      assert.equal(invalid.status, 400)
      requestId(invalid)

      const failed = await server.api('GET', '/v1/fixtures/boom')
      assert.equal(failed.status, 500)
      requestId(failed)

      for (const family of ['/query', '/objects']) {
        const response = await server.api('GET', `${family}/fixtures/boom`)
        assert.equal(response.status, 500)
        requestId(response)
      }
      const plain = await request(`${server.url}/healthz`)
      assert.equal(plain.status, 200)
      requestId(plain)
    })

    test('is different on every request', async () => {
      const ids = new Set<string>()
      for (let i = 0; i < 10; i++) ids.add(requestId(await server.api('GET', '/v1/fixtures/whoami')))
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => server.api('GET', '/v1/fixtures/whoami')))
      for (const response of concurrent) ids.add(requestId(response))
      assert.equal(ids.size, 20)
    })

    test('is never taken from the client', async () => {
      const sent = '11111111-2222-4333-8444-555555555555'
      const response = await server.api('GET', '/v1/fixtures/whoami', { headers: { 'zuora-request-id': sent } })
      assert.equal(response.status, 200)
      assert.notEqual(requestId(response), sent)
      const missing = await server.api('GET', '/v1/no-such-resource', { headers: { 'Zuora-Request-Id': sent } })
      const body = assertV1Error(missing, 404, category('40'))
      assert.notEqual(body.requestId, sent)
    })
  })

  describe('Zuora-Track-Id', () => {
    test('a valid value is echoed unchanged', async () => {
      for (const trackId of ['my-track-123', 'A b.c/d_e~f!', 'x'.repeat(64), '(order)=#42 & more?']) {
        const response = await server.api('GET', '/v1/fixtures/whoami', { headers: { 'zuora-track-id': trackId } })
        assert.equal(response.status, 200)
        assert.equal(response.headers['zuora-track-id'], trackId)
      }
    })

    test('is echoed on error responses too', async () => {
      const notFound = await server.api('GET', '/v1/no-such-resource', { headers: { 'zuora-track-id': 'track-404' } })
      assert.equal(notFound.status, 404)
      assert.equal(notFound.headers['zuora-track-id'], 'track-404')
      const unauthorized = await request(`${server.url}/v1/fixtures/whoami`, { headers: { 'zuora-track-id': 'track-401' } })
      assert.equal(unauthorized.status, 401)
      assert.equal(unauthorized.headers['zuora-track-id'], 'track-401')
    })

    test('is absent when the client sends none', async () => {
      const response = await server.api('GET', '/v1/fixtures/whoami')
      assert.equal(response.status, 200)
      assert.equal(response.headers['zuora-track-id'], undefined)
      const failed = await server.api('GET', '/v1/fixtures/boom')
      assert.equal(failed.status, 500)
      assert.equal(failed.headers['zuora-track-id'], undefined)
    })

    const invalidValues: [string, string][] = [
      ['over 64 characters', 'x'.repeat(65)],
      ['a colon', 'a:b'],
      ['a semicolon', 'a;b'],
      ['a double quote', 'a"b'],
      ['a single quote', "a'b"],
      ['a non-US-ASCII character', 'caf\u00e9'],
    ]
    for (const [what, trackId] of invalidValues) {
      test(`a value with ${what} is refused with 400 and not echoed`, async () => {
        const response = await server.api('GET', '/v1/fixtures/whoami', { headers: { 'zuora-track-id': trackId } })
        const body = assertV1Error(response, 400, category('20'))
        assert.match(body.reasons[0].message, /Zuora-Track-Id/)
        assert.equal(response.headers['zuora-track-id'], undefined)
        assert.ok(!response.text.includes(trackId))
      })
    }

    test('an invalid value is refused in the error shape of each family', async () => {
      const trackId = 'bad;value'
      const query = await server.api('GET', '/query/fixtures/boom', { headers: { 'zuora-track-id': trackId } })
      assert.equal(query.status, 400)
      assert.equal(query.headers['zuora-track-id'], undefined)
      requestId(query)
      const queryBody = query.json()
      assert.deepEqual(Object.keys(queryBody).sort(), ['code', 'message'])
      assert.equal(queryBody.code, 400)
      assert.match(queryBody.message, /Zuora-Track-Id/)

      const objects = await server.api('GET', '/objects/fixtures/boom', { headers: { 'zuora-track-id': trackId } })
      assert.equal(objects.status, 400)
      assert.equal(objects.headers['zuora-track-id'], undefined)
      const objectsBody = objects.json()
      assert.deepEqual(Object.keys(objectsBody).sort(), ['code', 'message'])
      assert.equal(objectsBody.code, 71000020)
      assert.match(objectsBody.message, /Zuora-Track-Id/)

      // Checked before the handler: the failing fixture never runs.
      const v1 = await server.api('GET', '/v1/fixtures/boom', { headers: { 'zuora-track-id': trackId } })
      assertV1Error(v1, 400, category('20'))
    })
  })

  describe('Zuora-Version', () => {
    const versionOf = async (headers: Record<string, string>) => {
      const response = await server.api('GET', '/v1/fixtures/whoami', { headers })
      assert.equal(response.status, 200, response.text)
      return response.json().zuoraVersion
    }

    test("a request without the header gets the tenant's default, 186.0", async () => {
      assert.equal(server.server.bootstrap.tenant.defaultZuoraVersion, '186.0')
      assert.equal(await versionOf({}), '186.0')
    })

    test('a date version is accepted and exposed', async () => {
      assert.equal(await versionOf({ 'zuora-version': '2024-05-20' }), '2024-05-20')
      assert.equal(await versionOf({ 'Zuora-Version': '2025-08-12' }), '2025-08-12')
    })

    test('a legacy version number is accepted and exposed', async () => {
      assert.equal(await versionOf({ 'zuora-version': '211.0' }), '211.0')
      assert.equal(await versionOf({ 'zuora-version': '341.0' }), '341.0')
    })

    test("an unsupported value falls back to the tenant's default instead of failing", async () => {
      for (const version of ['latest', 'abc', '2024/05/20', '211', '1.0', '2024-05-20T00:00:00Z', ' ']) {
        assert.equal(await versionOf({ 'zuora-version': version }), '186.0', `Zuora-Version: ${version}`)
      }
    })
  })
})
