// Per-tenant rate limits (RateLimit-* headers, spec §7.13) and concurrency limits
// (Concurrency-Limit-* headers, spec §7.14).
import assert from 'node:assert/strict'
import { assertV1Error } from '../helpers/envelopes.ts'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixtures, type FixtureState } from '../helpers/fixtures.ts'
import type { HttpResponse } from '../helpers/http.ts'
import {
  createTenantWithClient,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  issueToken,
  startTestServer,
  type TestServer,
} from '../helpers/server.ts'

const seconds = (value: unknown) => {
  assert.match(String(value), /^\d+$/)
  return Number(value)
}

describe('rate limits', () => {
  let server: TestServer
  before(async () => {
    // The day window, so that a minute boundary cannot reset the count mid-test.
    server = await startTestServer({ rateLimitPerDay: 5 }, { routes: [fixtures()] })
  })
  after(() => server.close())

  test('report the limits in RateLimit-* headers and refuse the request past the limit with 429', async () => {
    const token = await server.token()
    for (let i = 1; i <= 5; i++) {
      // Failed requests count too (the third one fails validation).
      const response =
        i === 3
          ? await server.api('POST', '/v1/fixtures/typed', { token, body: { n: 'x' } })
          : await server.api('GET', '/v1/fixtures/whoami', { token })
      assert.equal(response.status, i === 3 ? 400 : 200, `request ${i}: ${response.text}`)
      assert.equal(response.headers['ratelimit-limit'], '5, 50000;w=60, 2250000;w=3600, 5;w=86400')
      assert.equal(response.headers['ratelimit-remaining'], String(5 - i))
      const reset = seconds(response.headers['ratelimit-reset'])
      assert.ok(reset > 0 && reset <= 86_400, `RateLimit-Reset ${reset}`)
    }

    const refused = await server.api('GET', '/v1/fixtures/whoami', { token })
    const body = assertV1Error(refused, 429, '50000070')
    assert.match(body.reasons[0].message, /rate limit/i)
    assert.equal(refused.headers['ratelimit-remaining'], '0')
    assert.equal(refused.headers['ratelimit-limit'], '5, 50000;w=60, 2250000;w=3600, 5;w=86400')
    const retryAfter = seconds(refused.headers['retry-after'])
    assert.ok(retryAfter > 0 && retryAfter <= 86_400)
    // Both count down to the start of the next day window (allowing for a second boundary).
    assert.ok(Math.abs(seconds(refused.headers['ratelimit-reset']) - retryAfter) <= 1)
    assert.match(String(refused.headers['content-type']), /^application\/json/)

    // Every family of the tenant is refused, each in its own error shape.
    const query = await server.api('POST', '/query/fixtures/typed', { token, body: { n: 1, kind: 'a' } })
    assert.equal(query.status, 429)
    const queryBody = query.json()
    assert.deepEqual(Object.keys(queryBody).sort(), ['code', 'message'])
    assert.equal(queryBody.code, 429)
    assert.ok(query.headers['retry-after'])

    const objects = await server.api('POST', '/objects/fixtures/typed', { token, body: { n: 1, kind: 'a' } })
    assert.equal(objects.status, 429)
    assert.equal(objects.json().code, 71000070)

    // Another token of the same tenant changes nothing: the limit is the tenant's.
    const token2 = await issueToken(server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    assert.notEqual(token2, token)
    assertV1Error(await server.api('GET', '/v1/fixtures/whoami', { token: token2 }), 429, '50000070')
  })

  test('another tenant is limited separately', async () => {
    const other = await createTenantWithClient(server)
    const response = await server.api('GET', '/v1/fixtures/whoami', { token: other.token })
    assert.equal(response.status, 200)
    assert.equal(response.json().tenantId, other.tenant.id)
    assert.equal(response.headers['ratelimit-remaining'], '4')

    // The first tenant is still refused.
    assertV1Error(await server.api('GET', '/v1/fixtures/whoami'), 429, '50000070')
  })

  test('requests without a tenant (token issuance, health) are not counted', async () => {
    const health = await server.api('GET', '/healthz')
    assert.equal(health.status, 200)
    assert.equal(health.headers['ratelimit-limit'], undefined)
    const other = await createTenantWithClient(server)
    // Token issuance for that tenant did not use its API budget.
    const response = await server.api('GET', '/v1/fixtures/whoami', { token: other.token })
    assert.equal(response.headers['ratelimit-remaining'], '4')
  })
})

describe('concurrency limits', () => {
  let server: TestServer
  const state: FixtureState = { calls: 0, release: () => {} }
  before(async () => {
    server = await startTestServer({ concurrencyLimit: 2 }, { routes: [fixtures(state)] })
  })
  after(() => {
    state.release()
    return server.close()
  })

  /** Polls until `check` passes on a response, or fails with the last one. */
  async function until(call: () => Promise<HttpResponse>, check: (r: HttpResponse) => boolean): Promise<HttpResponse> {
    let response = await call()
    for (let i = 0; i < 250 && !check(response); i++) {
      await sleep(20)
      response = await call()
    }
    return response
  }

  test('successful /v1 responses carry Concurrency-Limit-* headers', async () => {
    const response = await server.api('GET', '/v1/fixtures/whoami')
    assert.equal(response.status, 200)
    assert.equal(response.headers['concurrency-limit-type'], 'Default')
    assert.equal(response.headers['concurrency-limit-limit'], '2')
    assert.equal(response.headers['concurrency-limit-remaining'], '1')
  })

  test('/query and /objects responses carry RateLimit-* but not Concurrency-Limit-* headers', async () => {
    for (const family of ['/query', '/objects']) {
      const response = await server.api('POST', `${family}/fixtures/typed`, { body: { n: 1, kind: 'a' } })
      assert.equal(response.status, 200, response.text)
      assert.ok(response.headers['ratelimit-limit'])
      assert.ok(response.headers['ratelimit-remaining'])
      for (const name of ['concurrency-limit-type', 'concurrency-limit-limit', 'concurrency-limit-remaining']) {
        assert.equal(response.headers[name], undefined, `${family}: ${name}`)
      }
    }
  })

  test('a request over the limit gets 429 until the requests in flight finish', async () => {
    const parked = [server.api('GET', '/v1/fixtures/wait'), server.api('GET', '/v1/fixtures/wait')]
    const refused = await until(
      () => server.api('GET', '/v1/fixtures/whoami'),
      (r) => r.status === 429,
    )
    const body = assertV1Error(refused, 429, '50000070')
    assert.match(body.reasons[0].message, /concurrent requests/)
    assert.equal(refused.headers['concurrency-limit-type'], 'Default')
    assert.equal(refused.headers['concurrency-limit-limit'], '2')
    assert.equal(refused.headers['concurrency-limit-remaining'], '0')
    assert.ok(seconds(refused.headers['retry-after']) > 0)

    // Every family of the tenant shares the slots.
    const query = await server.api('POST', '/query/fixtures/typed', { body: { n: 1, kind: 'a' } })
    assert.equal(query.status, 429)
    assert.equal(query.json().code, 429)

    // Another tenant has its own slots.
    const other = await createTenantWithClient(server)
    const otherResponse = await server.api('GET', '/v1/fixtures/whoami', { token: other.token })
    assert.equal(otherResponse.status, 200)
    assert.equal(otherResponse.headers['concurrency-limit-remaining'], '1')

    state.release()
    for (const response of await Promise.all(parked)) {
      assert.equal(response.status, 200)
      assert.deepEqual(response.json(), { released: true })
    }
    const after = await until(
      () => server.api('GET', '/v1/fixtures/whoami'),
      (r) => r.status === 200 && r.headers['concurrency-limit-remaining'] === '1',
    )
    assert.equal(after.status, 200)
    assert.equal(after.headers['concurrency-limit-remaining'], '1')
  })

  test('one request in flight leaves one slot', async () => {
    const parked = server.api('GET', '/v1/fixtures/wait')
    const response = await until(
      () => server.api('GET', '/v1/fixtures/whoami'),
      (r) => r.headers['concurrency-limit-remaining'] === '0',
    )
    assert.equal(response.status, 200)
    assert.equal(response.headers['concurrency-limit-remaining'], '0')
    state.release()
    assert.equal((await parked).status, 200)
  })

  test('a client that disconnects frees its slot', async () => {
    const { request: rawRequest } = await import('node:http')
    const token = await server.token()
    const requests = [0, 1].map(() => {
      const req = rawRequest(`${server.url}/v1/fixtures/wait`, { headers: { authorization: `Bearer ${token}` }, agent: false })
      req.on('error', () => {})
      req.end()
      return req
    })
    const refused = await until(
      () => server.api('GET', '/v1/fixtures/whoami'),
      (r) => r.status === 429,
    )
    assert.equal(refused.status, 429)
    for (const req of requests) req.destroy()
    const after = await until(
      () => server.api('GET', '/v1/fixtures/whoami'),
      (r) => r.status === 200 && r.headers['concurrency-limit-remaining'] === '1',
    )
    assert.equal(after.status, 200)
    assert.equal(after.headers['concurrency-limit-remaining'], '1')
    state.release()
  })
})
