// One-call test tenants (issue 15, item 4): POST /admin/tenants with withClient answers the
// tenant with an admin user's OAuth client and a token, ready to call; with seed, its billing
// data is there too.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { issueToken, startTestServer, type TestServer } from '../helpers/server.ts'
import { admin, assertAdminError } from './helpers.ts'

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(() => server?.close())

test('a tenant with a client and a token in one call', async () => {
  const tenant = await admin(server, 'POST', '/admin/tenants', { name: 'suite', withClient: true }, 201)
  assert.match(tenant.id, /^\d+$/)
  assert.equal(tenant.name, 'suite')
  assert.match(tenant.client_id, /^[0-9a-f-]{36}$/)
  assert.ok(tenant.client_secret.length >= 32)
  assert.equal(tenant.token_type, 'bearer')
  assert.equal((await server.api('GET', '/query/jobs', { token: tenant.access_token })).status, 200)
  // The credentials are a client's like any other.
  const token = await issueToken(server.url, tenant.client_id, tenant.client_secret)
  assert.equal((await server.api('GET', '/objects/definitions/default', { token })).status, 200)
  const users = await admin(server, 'GET', `/admin/tenants/${tenant.id}/users`)
  assert.deepEqual(users.users.map((user: { id: string; admin: boolean }) => [user.id, user.admin]), [[tenant.userId, true]])
  // Without it, the answer is the tenant alone, as before.
  const plain = await admin(server, 'POST', '/admin/tenants', { name: 'plain' }, 201)
  assert.equal(plain.client_id, undefined)
})

test('a tenant seeded in the same call', async () => {
  const tenant = await admin(server, 'POST', '/admin/tenants', { name: 'seeded', withClient: true, seed: { accounts: 3, seed: 7 } }, 201)
  assert.equal(tenant.seeded.accounts, 3)
  assert.ok(tenant.seeded.rows > 3)
  const { rows } = await server.server.db.query('SELECT count(*)::int AS n FROM billing.account WHERE tenant_id = $1', [tenant.id])
  assert.equal(rows[0].n, 3)
  assertAdminError(await server.admin('POST', '/admin/tenants', { name: 'big', seed: { accounts: 10_001 } }), 400, '20', /accounts/)
  assertAdminError(await server.admin('POST', '/admin/tenants', { name: 'odd', withClient: 'yes' }), 400, '20', /withClient/)
})
