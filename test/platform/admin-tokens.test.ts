// POST /admin/tenants/{id}/users/{userId}/token: a token of a tenant's user minted by the admin
// plane (the console's admin sign-in acts in a tenant with it). The token is the user's: it
// carries the user's permissions and entities, no more.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

describe('admin: tokens of a tenant\'s users', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  const newTenant = async (body: Record<string, unknown>) => {
    const created = await server.admin('POST', '/admin/tenants', body)
    assert.equal(created.status, 201, created.text)
    return created.json()
  }
  const newUser = async (tenantId: string, body: Record<string, unknown>) => {
    const created = await server.admin('POST', `/admin/tenants/${tenantId}/users`, body)
    assert.equal(created.status, 201, created.text)
    return created.json()
  }

  test("the token acts as the user, with the user's permissions only", async () => {
    const tenant = await newTenant({ name: `tokens-${process.pid}` })
    const analyst = await newUser(tenant.id, { username: 'analyst', permissions: ['dataQuery'] })
    const minted = await server.admin('POST', `/admin/tenants/${tenant.id}/users/${analyst.id}/token`)
    assert.equal(minted.status, 200, minted.text)
    const grant = minted.json()
    assert.match(grant.access_token, /^[0-9a-f]{32}$/)
    assert.equal(grant.token_type, 'bearer')
    assert.ok(grant.expires_in > 0)
    assert.equal(minted.headers['cache-control'], 'no-store')

    const queries = await server.api('GET', '/query/jobs', { token: grant.access_token })
    assert.equal(queries.status, 200, queries.text)
    // Another of the tenant's families: the user lacks dataBackfill.
    const backfills = await server.api('GET', '/v1/uno/data-backfill/listjobs', { token: grant.access_token })
    assert.equal(backfills.status, 403, backfills.text)

    // A second token goes through the same client (the first one made for the user).
    const again = await server.admin('POST', `/admin/tenants/${tenant.id}/users/${analyst.id}/token`, {})
    assert.equal(again.status, 200, again.text)
    assert.notEqual(again.json().access_token, grant.access_token)
  })

  test('narrowed to one entity of a multi-entity tenant; an entity the user may not use is refused', async () => {
    const tenant = await newTenant({ name: `tokens-me-${process.pid}`, entities: ['Global', 'Europe'] })
    const [global, europe] = tenant.entities
    const user = await newUser(tenant.id, { username: 'eu', entityIds: [europe.id] })
    const narrowed = await server.admin('POST', `/admin/tenants/${tenant.id}/users/${user.id}/token`, { entityId: europe.id })
    assert.equal(narrowed.status, 200, narrowed.text)
    assert.match(narrowed.json().scope, new RegExp(`entity\\.${europe.id}`))
    const refused = await server.admin('POST', `/admin/tenants/${tenant.id}/users/${user.id}/token`, { entityId: global.id })
    assert.equal(refused.status, 400, refused.text)
    assert.equal(refused.json().reasons[0].code, '80000020')
  })

  test('unknown tenant or user: 404; no admin token: 401; an unknown field: 400', async () => {
    const unknownTenant = await server.admin('POST', '/admin/tenants/99999/users/abc/token')
    assert.equal(unknownTenant.status, 404, unknownTenant.text)
    assert.equal(unknownTenant.json().reasons[0].code, '80000040')
    const unknownUser = await server.admin('POST', '/admin/tenants/10000/users/0123456789abcdef0123456789abcdef/token')
    assert.equal(unknownUser.status, 404, unknownUser.text)
    assert.equal(unknownUser.json().reasons[0].code, '80000040')
    const anonymous = await request(`${server.url}/admin/tenants/10000/users/abc/token`, { method: 'POST' })
    assert.equal(anonymous.status, 401, anonymous.text)
    const users = (await server.admin('GET', '/admin/tenants/10000/users')).json().users
    const unknownField = await server.admin('POST', `/admin/tenants/10000/users/${users[0].id}/token`, { tenant: 'x' })
    assert.equal(unknownField.status, 400, unknownField.text)
    assert.equal(unknownField.json().reasons[0].code, '80000021')
  })
})
