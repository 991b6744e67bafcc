// Zuora-Entity-Ids (multi-entity, spec §7.4) and Zuora-Org-Ids (multi-org, spec §7.5): the
// entity and orgs a request acts in, and isolation between tenants.
import assert from 'node:assert/strict'
import { assertV1Error } from '../helpers/envelopes.ts'
import { after, before, describe, test } from 'node:test'
import { fixtures } from '../helpers/fixtures.ts'
import { createTenantWithClient, issueToken, startTestServer, type TestServer } from '../helpers/server.ts'

const v1Message = (...args: Parameters<typeof assertV1Error>): string => assertV1Error(...args).reasons[0].message

interface Named {
  id: string
  name: string
}

const byName = (list: Named[], name: string) => {
  const found = list.find((item) => item.name === name)
  assert.ok(found, `no ${name}`)
  return found.id
}

describe('request scope', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({}, { routes: [fixtures()] })
  })
  after(() => server.close())

  const whoami = (token: string, headers: Record<string, string> = {}) =>
    server.api('GET', '/v1/fixtures/whoami', { token, headers })

  describe('Zuora-Entity-Ids', () => {
    let multi: Awaited<ReturnType<typeof createTenantWithClient>>
    let globalId: string
    let europeId: string
    let foreignEntityId: string
    before(async () => {
      multi = await createTenantWithClient(server, { name: 'multi-entity', entities: ['Global', 'Europe'] })
      globalId = byName(multi.tenant.entities, 'Global')
      europeId = byName(multi.tenant.entities, 'Europe')
      const foreign = await createTenantWithClient(server, { name: 'other-multi-entity', entities: ['Global', 'Asia'] })
      foreignEntityId = byName(foreign.tenant.entities, 'Asia')
    })

    test('a token for several entities must name one: no header gets 400 (category 23)', async () => {
      const message = v1Message(await whoami(multi.token), 400, '50000023')
      assert.match(message, /Zuora-Entity-Ids/)
      // An empty header is no choice either.
      v1Message(await whoami(multi.token, { 'zuora-entity-ids': '' }), 400, '50000023')
    })

    test('the header chooses the entity the request acts in', async () => {
      for (const [id, headerValue] of [
        [europeId, europeId],
        [globalId, globalId],
        [europeId, europeId.toUpperCase()],
      ]) {
        const response = await whoami(multi.token, { 'zuora-entity-ids': headerValue })
        assert.equal(response.status, 200, response.text)
        const body = response.json()
        assert.equal(body.entityId, id)
        assert.equal(body.tenantId, multi.tenant.id)
        assert.equal(body.orgIds, null)
      }
    })

    test("an entity of another tenant or an unknown entity gets 403 (category 10)", async () => {
      for (const id of [foreignEntityId, '11e643f4-a3ee-8bad-b061-0025904c756d']) {
        const message = v1Message(await whoami(multi.token, { 'zuora-entity-ids': id }), 403, '50000010')
        assert.match(message, new RegExp(id))
      }
    })

    test('a value that is not one 36-character entity id gets 400', async () => {
      for (const value of ['Europe', '12345', `${globalId},${europeId}`, europeId.replaceAll('-', '')]) {
        const response = await whoami(multi.token, { 'zuora-entity-ids': value })
        assert.equal(response.status, 400, `${value}: ${response.text}`)
        assert.equal(response.json().reasons[0].code.slice(-2), '20')
      }
    })

    test('a user restricted to one entity needs no header, and cannot reach the other entity', async () => {
      const userResponse = await server.admin('POST', `/admin/tenants/${multi.tenant.id}/users`, {
        username: 'global-only',
        entityIds: [globalId],
      })
      assert.equal(userResponse.status, 201, userResponse.text)
      const client = await server.admin('POST', `/admin/tenants/${multi.tenant.id}/oauth-clients`, {
        userId: userResponse.json().id,
      })
      assert.equal(client.status, 201)
      const { client_id, client_secret } = client.json()
      const token = await issueToken(server.url, client_id, client_secret)

      const implicit = await whoami(token)
      assert.equal(implicit.status, 200, implicit.text)
      assert.equal(implicit.json().entityId, globalId)
      assert.equal(implicit.json().userId, userResponse.json().id)

      const explicit = await whoami(token, { 'zuora-entity-ids': globalId })
      assert.equal(explicit.status, 200)
      assert.equal(explicit.json().entityId, globalId)

      v1Message(await whoami(token, { 'zuora-entity-ids': europeId }), 403, '50000010')
    })

    test('a token minted with Zuora-Entity-Ids covers that one entity', async () => {
      const token = await issueToken(server.url, multi.clientId, multi.clientSecret, { 'zuora-entity-ids': europeId })

      const implicit = await whoami(token)
      assert.equal(implicit.status, 200, implicit.text)
      assert.equal(implicit.json().entityId, europeId)
      const explicit = await whoami(token, { 'zuora-entity-ids': europeId })
      assert.equal(explicit.json().entityId, europeId)
      v1Message(await whoami(token, { 'zuora-entity-ids': globalId }), 403, '50000010')

      // The unrestricted token of the same client still covers both.
      assert.equal((await whoami(multi.token, { 'zuora-entity-ids': globalId })).json().entityId, globalId)
    })

    test('a tenant without entities refuses the header with 400', async () => {
      const plain = await createTenantWithClient(server, { name: 'single-entity' })
      const without = await whoami(plain.token)
      assert.equal(without.status, 200)
      assert.equal(without.json().entityId, null)
      const message = v1Message(await whoami(plain.token, { 'zuora-entity-ids': europeId }), 400, '50000020')
      assert.match(message, /Zuora-Entity-Ids/)
      // The default tenant has no entities either.
      v1Message(await whoami(await server.token(), { 'zuora-entity-ids': globalId }), 400, '50000020')
    })

    test('the scope errors keep the family shape on /query and /objects', async () => {
      const query = await server.api('GET', '/query/fixtures/boom', { token: multi.token })
      assert.equal(query.status, 400)
      assert.equal(query.json().code, 400)
      const objects = await server.api('GET', '/objects/fixtures/boom', {
        token: multi.token,
        headers: { 'zuora-entity-ids': foreignEntityId },
      })
      assert.equal(objects.status, 403)
      assert.deepEqual(Object.keys(objects.json()).sort(), ['code', 'message'])
      assert.equal(objects.json().code, 71000010)
    })
  })

  describe('Zuora-Org-Ids', () => {
    let multi: Awaited<ReturnType<typeof createTenantWithClient>>
    let a: string
    let b: string
    let c: string
    before(async () => {
      const created = await server.admin('POST', '/admin/tenants', { name: 'multi-org', orgs: ['A', 'B', 'C'] })
      assert.equal(created.status, 201, created.text)
      const orgs = created.json().orgs
      a = byName(orgs, 'A')
      b = byName(orgs, 'B')
      c = byName(orgs, 'C')
      // createTenantWithClient makes its own tenant; this one needs a user limited to A and B.
      const tenantId = created.json().id
      const user = await server.admin('POST', `/admin/tenants/${tenantId}/users`, { username: 'ab', orgIds: [a, b] })
      assert.equal(user.status, 201, user.text)
      const client = await server.admin('POST', `/admin/tenants/${tenantId}/oauth-clients`, { userId: user.json().id })
      const { client_id, client_secret } = client.json()
      multi = {
        tenant: created.json(),
        user: user.json(),
        clientId: client_id,
        clientSecret: client_secret,
        token: await issueToken(server.url, client_id, client_secret),
      }
    })

    const orgsOf = async (headers: Record<string, string>) => {
      const response = await whoami(multi.token, headers)
      assert.equal(response.status, 200, response.text)
      const body = response.json()
      assert.equal(body.entityId, null)
      return [...body.orgIds].sort()
    }

    test("without the header the request acts in every org the user can access", async () => {
      assert.deepEqual(await orgsOf({}), [a, b].sort())
    })

    test('the header narrows the request to the orgs named', async () => {
      assert.deepEqual(await orgsOf({ 'zuora-org-ids': a }), [a])
      assert.deepEqual(await orgsOf({ 'zuora-org-ids': `${b},${a}` }), [a, b].sort())
      assert.deepEqual(await orgsOf({ 'zuora-org-ids': ` ${a} , ${a}` }), [a])
      assert.deepEqual(await orgsOf({ 'zuora-org-ids': a.toUpperCase() }), [a])
    })

    test('an org the user cannot access gets 403, even beside accessible ones', async () => {
      for (const value of [`${a},${c}`, c, '0123456789abcdef0123456789abcdef', 'not-an-org']) {
        const message = v1Message(await whoami(multi.token, { 'zuora-org-ids': value }), 403, '50000010')
        assert.match(message, /Org/)
      }
      v1Message(await whoami(multi.token, { 'zuora-org-ids': `${a},` }), 403, '50000010')
    })

    test('a user without an org list reaches every org of the tenant', async () => {
      const user = await server.admin('POST', `/admin/tenants/${multi.tenant.id}/users`, { username: 'everything' })
      const client = await server.admin('POST', `/admin/tenants/${multi.tenant.id}/oauth-clients`, { userId: user.json().id })
      const token = await issueToken(server.url, client.json().client_id, client.json().client_secret)
      const all = await whoami(token)
      assert.deepEqual([...all.json().orgIds].sort(), [a, b, c].sort())
      assert.deepEqual((await whoami(token, { 'zuora-org-ids': `${a},${c}` })).json().orgIds.sort(), [a, c].sort())
    })

    test('a tenant without orgs refuses the header with 400', async () => {
      const plain = await createTenantWithClient(server, { name: 'single-org' })
      const without = await whoami(plain.token)
      assert.equal(without.status, 200)
      assert.equal(without.json().orgIds, null)
      const message = v1Message(await whoami(plain.token, { 'zuora-org-ids': a }), 400, '50000020')
      assert.match(message, /Zuora-Org-Ids/)
    })
  })

  describe('tenant isolation', () => {
    test("a token always acts for its own tenant and user, whatever the headers say", async () => {
      const x = await createTenantWithClient(server, { name: 'tenant-x', entities: ['Only'] })
      const y = await createTenantWithClient(server, { name: 'tenant-y', entities: ['Main', 'Side'], orgs: ['O'] })
      const xEntity = byName(x.tenant.entities, 'Only')
      const yEntity = byName(y.tenant.entities, 'Main')
      const yOrg = byName(y.tenant.orgs, 'O')

      const requests: [typeof x, Record<string, string>][] = [
        [x, {}],
        [y, { 'zuora-entity-ids': yEntity }],
        [x, { 'zuora-entity-ids': xEntity }],
        [y, { 'zuora-entity-ids': yEntity, 'zuora-org-ids': yOrg }],
        [x, {}],
      ]
      const responses = await Promise.all(requests.map(([who, headers]) => whoami(who.token, headers)))
      responses.forEach((response, i) => {
        const [who] = requests[i]
        assert.equal(response.status, 200, response.text)
        assert.equal(response.json().tenantId, who.tenant.id)
        assert.equal(response.json().userId, who.user.id)
      })
      assert.equal(responses[0].json().entityId, xEntity)
      assert.equal(responses[1].json().entityId, yEntity)
      assert.deepEqual(responses[3].json().orgIds, [yOrg])

      // Another tenant's entity or org never switches the token's tenant.
      v1Message(await whoami(x.token, { 'zuora-entity-ids': yEntity }), 403, '50000010')
      v1Message(await whoami(y.token, { 'zuora-entity-ids': xEntity }), 403, '50000010')
      v1Message(await whoami(x.token, { 'zuora-org-ids': yOrg }), 400, '50000020')

      const defaultTenant = await whoami(await server.token())
      assert.equal(defaultTenant.json().tenantId, server.server.bootstrap.tenant.id)
      assert.notEqual(defaultTenant.json().tenantId, x.tenant.id)
    })
  })
})
