import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from '../helpers/http.ts'
import { fixtures } from '../helpers/fixtures.ts'
import {
  createTenantWithClient,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  issueToken,
  startTestServer,
  type TestServer,
} from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'

describe('POST /oauth/token', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({}, { routes: [fixtures()] })
  })
  after(() => server.close())

  const tokenRequest = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    request(`${server.url}/oauth/token`, { method: 'POST', form, headers })

  test('issues a bearer token for valid client credentials', async () => {
    const response = await tokenRequest({
      client_id: DEFAULT_CLIENT_ID,
      client_secret: DEFAULT_CLIENT_SECRET,
      grant_type: 'client_credentials',
    })
    assert.equal(response.status, 200)
    const body = response.json()
    assertVendorResponse('POST', '/oauth/token', 200, body)
    assert.equal(body.token_type, 'bearer')
    assert.equal(body.expires_in, 3599)
    assert.match(body.access_token, /^[0-9a-f]{32}$/)
    assert.match(body.jti, /^[0-9a-f]{32}$/)
    assert.match(body.scope, /^user\.[0-9a-f]{32} tenant\.\d+$/)
    assert.equal(response.headers['x-ratelimit-limit-minute'], '100')
    assert.match(String(response.headers['x-ratelimit-remaining-minute']), /^\d+$/)
    assert.match(String(response.headers['zuora-request-id']), /^[0-9a-f-]{36}$/)
    assert.equal(response.headers['cache-control'], 'no-store')

    const whoami = await server.api('GET', '/v1/fixtures/whoami', { token: body.access_token })
    assert.equal(whoami.status, 200)
    assert.equal(whoami.json().tenantId, server.server.bootstrap.tenant.id)
  })

  test('accepts the client credentials as HTTP Basic authentication', async () => {
    const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString('base64')
    const response = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` })
    assert.equal(response.status, 200)
    assert.equal(response.json().token_type, 'bearer')
  })

  test('refuses a wrong secret and an unknown client alike, with invalid_client', async () => {
    for (const [clientId, secret] of [
      [DEFAULT_CLIENT_ID, 'wrong-secret'],
      ['00000000-0000-0000-0000-000000000000', DEFAULT_CLIENT_SECRET],
    ]) {
      const response = await tokenRequest({ client_id: clientId, client_secret: secret, grant_type: 'client_credentials' })
      assert.equal(response.status, 401)
      assert.deepEqual(response.json(), { error: 'invalid_client', error_description: 'Invalid client_id or client_secret' })
      assert.match(String(response.headers['zuora-request-id']), /^[0-9a-f-]{36}$/)
    }
  })

  test('refuses another grant type with unsupported_grant_type', async () => {
    const response = await tokenRequest({ client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'password' })
    assert.equal(response.status, 400)
    assert.equal(response.json().error, 'unsupported_grant_type')
  })

  test('refuses a request without grant_type or credentials with invalid_request', async () => {
    const noGrant = await tokenRequest({ client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET })
    assert.equal(noGrant.status, 400)
    assert.equal(noGrant.json().error, 'invalid_request')
    const noSecret = await tokenRequest({ client_id: DEFAULT_CLIENT_ID, grant_type: 'client_credentials' })
    assert.equal(noSecret.status, 400)
    assert.equal(noSecret.json().error, 'invalid_request')
  })

  test('refuses a JSON body: the token endpoint takes a form', async () => {
    const response = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      body: { client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'client_credentials' },
    })
    assert.equal(response.status, 400)
    assert.deepEqual(response.json(), {
      error: 'invalid_request',
      error_description: 'Content-Type must be application/x-www-form-urlencoded',
    })
  })

  test('refuses an unknown content type in the OAuth error shape', async () => {
    const response = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      body: '<token/>',
      headers: { 'content-type': 'application/xml' },
    })
    assert.equal(response.status, 415)
    assert.equal(response.json().error, 'invalid_request')
  })

  test('narrows a token to the entity named in Zuora-Entity-Ids', async () => {
    const multi = await createTenantWithClient(server, { name: 'multi', entities: ['Global', 'Europe'] })
    const europe = multi.tenant.entities.find((e: { name: string }) => e.name === 'Europe')
    const response = await tokenRequest(
      { client_id: multi.clientId, client_secret: multi.clientSecret, grant_type: 'client_credentials' },
      { 'zuora-entity-ids': europe.id },
    )
    assert.equal(response.status, 200)
    const grant = response.json()
    assert.equal(grant.scope, `user.${multi.user.id} entity.${europe.id} tenant.${multi.tenant.id}`)
    const whoami = await server.api('GET', '/v1/fixtures/whoami', { token: grant.access_token })
    assert.equal(whoami.json().entityId, europe.id)

    const unknown = await tokenRequest(
      { client_id: multi.clientId, client_secret: multi.clientSecret, grant_type: 'client_credentials' },
      { 'zuora-entity-ids': '11e643f4-a3ee-8bad-b061-0025904c756d' },
    )
    assert.equal(unknown.status, 400)
    assert.equal(unknown.json().error, 'invalid_request')
  })
})

describe('bearer tokens on API routes', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ tokenTtlSeconds: 2 }, { routes: [fixtures()] })
  })
  after(() => server.close())

  const expectAuthenticationError = (response: { status: number; json(): unknown; headers: Record<string, unknown> }) => {
    assert.equal(response.status, 401)
    assert.deepEqual(response.json(), { message: 'Authentication error' })
    assert.equal(response.headers['www-authenticate'], 'Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API')
    assert.match(String(response.headers['zuora-request-id']), /^[0-9a-f-]{36}$/)
  }

  test('a missing, malformed or unknown token gets 401 Authentication error', async () => {
    expectAuthenticationError(await request(`${server.url}/v1/fixtures/whoami`))
    expectAuthenticationError(await request(`${server.url}/v1/fixtures/whoami`, { headers: { authorization: 'Bearer' } }))
    expectAuthenticationError(await request(`${server.url}/v1/fixtures/whoami`, { headers: { authorization: 'Basic abc' } }))
    expectAuthenticationError(
      await request(`${server.url}/v1/fixtures/whoami`, { headers: { authorization: `Bearer ${'0'.repeat(32)}` } }),
    )
    for (const family of ['/query', '/objects']) {
      expectAuthenticationError(await request(`${server.url}${family}/fixtures/boom`))
    }
  })

  test('an expired token gets 401: accepted for its whole lifetime (2 s here), refused from then on', async () => {
    const issuedAt = Date.now()
    const token = await issueToken(server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    assert.equal((await server.api('GET', '/v1/fixtures/whoami', { token })).status, 200)
    // Waits for the refusal itself (no fixed sleep racing the expiry), then checks when it came.
    let refusedAt: number | undefined
    while (refusedAt === undefined) {
      const response = await server.api('GET', '/v1/fixtures/whoami', { token })
      if (response.status === 401) {
        expectAuthenticationError(response)
        refusedAt = Date.now()
      } else {
        assert.equal(response.status, 200, response.text)
        if (Date.now() - issuedAt > 30_000) assert.fail('the token never expired')
        await sleep(25)
      }
    }
    assert.ok(refusedAt - issuedAt >= 2000, `refused ${refusedAt - issuedAt} ms after it was issued, before its 2 s were up`)
    // And it stays refused.
    expectAuthenticationError(await server.api('GET', '/v1/fixtures/whoami', { token }))
  })

  test("a deleted tenant's token stops working at once", async () => {
    const other = await createTenantWithClient(server)
    assert.equal((await server.api('GET', '/v1/fixtures/whoami', { token: other.token })).status, 200)
    assert.equal((await server.admin('DELETE', `/admin/tenants/${other.tenant.id}`)).status, 200)
    expectAuthenticationError(await server.api('GET', '/v1/fixtures/whoami', { token: other.token }))
  })
})
