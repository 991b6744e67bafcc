// The admin plane (/admin): tenants, users and OAuth clients, authorised by the admin token.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startServer } from '../../src/main.ts'
import { fixtures } from '../helpers/fixtures.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import {
  ADMIN_TOKEN,
  backend,
  createTenantWithClient,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  issueToken,
  startTestServer,
  testConfig,
  testDatabase,
  type TestServer,
} from '../helpers/server.ts'

const PERMISSIONS = ['viewCustomObjects', 'editCustomObjects', 'deleteCustomObjects', 'dataQuery', 'dataBackfill']
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const HEX32 = /^[0-9a-f]{32}$/

let counter = 0
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`

/** The API gateway's 401, for a tenant API call. */
function expectAuthenticationError(response: HttpResponse): void {
  assert.equal(response.status, 401, response.text)
  assert.deepEqual(response.json(), { message: 'Authentication error' })
  assert.equal(response.headers['www-authenticate'], 'Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API')
  assert.match(String(response.headers['zuora-request-id']), UUID)
}

/** The admin plane's 401: its envelope with 80000011 (README, admin section). */
function expectAdminAuthenticationError(response: HttpResponse): void {
  assert.equal(response.status, 401, response.text)
  const body = response.json()
  assert.equal(body.success, false)
  assert.deepEqual(body.reasons.map((reason: { code: string }) => reason.code), ['80000011'])
  assert.equal(response.headers['www-authenticate'], 'Bearer realm="zjobs admin"')
  assert.match(String(response.headers['zuora-request-id']), UUID)
}

/** The v1 CommonResponse error envelope, with one reason whose message matches `message`. */
function expectV1Error(response: HttpResponse, status: number, message: RegExp, category?: string): void {
  assert.equal(response.status, status, response.text)
  assert.match(String(response.headers['content-type']), /^application\/json/)
  const body = response.json()
  assert.equal(body.success, false)
  assert.match(body.processId, /^[0-9A-F]{16}$/)
  assert.equal(body.requestId, response.headers['zuora-request-id'])
  assert.ok(Array.isArray(body.reasons) && body.reasons.length === 1, response.text)
  assert.equal(typeof body.reasons[0].code, 'string')
  assert.match(body.reasons[0].code, /^\d{8}$/)
  if (category) assert.equal(body.reasons[0].code.slice(-2), category, response.text)
  assert.match(body.reasons[0].message, message)
  assert.doesNotMatch(response.text, /\.ts:\d+|at [A-Za-z.]+ \(/, 'no stack trace in an error body')
}

describe('admin plane', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({}, { routes: [fixtures()] })
  })
  after(() => server.close())

  const tenantCount = async () => (await server.admin('GET', '/admin/tenants')).json().tenants.length
  const createTenant = async (body: Record<string, unknown>) => {
    const response = await server.admin('POST', '/admin/tenants', body)
    assert.equal(response.status, 201, response.text)
    return response.json()
  }
  const createUser = async (tenantId: string, body: Record<string, unknown>) => {
    const response = await server.admin('POST', `/admin/tenants/${tenantId}/users`, body)
    assert.equal(response.status, 201, response.text)
    return response.json()
  }

  describe('authorisation', () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/admin/tenants'],
      ['POST', '/admin/tenants', { name: 'sneaky' }],
      ['GET', '/admin/tenants/10000'],
      ['DELETE', '/admin/tenants/10000'],
      ['GET', '/admin/tenants/10000/users'],
      ['POST', '/admin/tenants/10000/users', { username: 'sneaky' }],
      ['POST', '/admin/tenants/10000/oauth-clients', { userId: '0'.repeat(32) }],
    ]

    test('every admin call without the admin token gets 401 (80000011), and changes nothing', async () => {
      const before = (await server.admin('GET', '/admin/tenants')).json()
      const tenantToken = await server.token()
      for (const [method, path, body] of calls) {
        for (const authorization of [
          undefined,
          'Bearer',
          `Bearer ${ADMIN_TOKEN}x`,
          `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
          `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`,
          ADMIN_TOKEN,
          // A tenant's OAuth token, even the default admin user's, is not the admin token.
          `Bearer ${tenantToken}`,
        ]) {
          const response = await request(`${server.url}${path}`, { method, body, headers: { authorization } })
          expectAdminAuthenticationError(response)
        }
      }
      // An invalid body does not get past authentication either: 401, not 400.
      expectAdminAuthenticationError(await request(`${server.url}/admin/tenants`, { method: 'POST', body: { bogus: true } }))
      assert.deepEqual((await server.admin('GET', '/admin/tenants')).json(), before)
      assert.equal((await server.admin('GET', `/admin/tenants/${server.server.bootstrap.tenant.id}`)).status, 200)
    })

    test('the admin token is accepted case-insensitively as a Bearer scheme, but is no API token', async () => {
      const lower = await request(`${server.url}/admin/tenants`, { headers: { authorization: `bearer ${ADMIN_TOKEN}` } })
      assert.equal(lower.status, 200)
      expectAuthenticationError(await server.api('GET', '/v1/fixtures/whoami', { token: ADMIN_TOKEN }))
    })
  })

  describe('the default tenant', () => {
    test('exists at start with an admin user and the configured client credentials', async () => {
      const { bootstrap } = server.server
      assert.equal(bootstrap.tenant.isDefault, true)
      assert.equal(bootstrap.tenant.name, 'Default')
      assert.equal(bootstrap.clientId, DEFAULT_CLIENT_ID)
      assert.equal(bootstrap.clientSecret, DEFAULT_CLIENT_SECRET)
      assert.equal(bootstrap.adminToken, ADMIN_TOKEN)
      assert.equal(bootstrap.adminTokenGenerated, false)

      const tenant = await server.admin('GET', `/admin/tenants/${bootstrap.tenant.id}`)
      assert.equal(tenant.status, 200)
      assert.equal(tenant.json().isDefault, true)
      const listed = (await server.admin('GET', '/admin/tenants')).json().tenants
      assert.deepEqual(
        listed.filter((t: { isDefault: boolean }) => t.isDefault).map((t: { id: string }) => t.id),
        [bootstrap.tenant.id],
      )

      const users = (await server.admin('GET', `/admin/tenants/${bootstrap.tenant.id}/users`)).json().users
      const admin = users.find((u: { username: string }) => u.username === 'admin')
      assert.ok(admin, 'the default tenant has a user named admin')
      assert.equal(admin.id, bootstrap.user.id)
      assert.equal(admin.admin, true)
      assert.deepEqual(admin.permissions, PERMISSIONS)

      const token = await issueToken(server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
      const whoami = (await server.api('GET', '/v1/fixtures/whoami', { token })).json()
      assert.equal(whoami.tenantId, bootstrap.tenant.id)
      assert.equal(whoami.userId, bootstrap.user.id)
    })
  })

  describe('tenants', () => {
    test('POST /admin/tenants creates a tenant with defaults: numeric id, UTC, no entities or orgs', async () => {
      const name = uniqueName('plain')
      const response = await server.admin('POST', '/admin/tenants', { name })
      assert.equal(response.status, 201, response.text)
      assert.match(String(response.headers['content-type']), /^application\/json/)
      assert.match(String(response.headers['zuora-request-id']), UUID)
      const tenant = response.json()
      assert.equal(typeof tenant.id, 'string')
      assert.match(tenant.id, /^[1-9]\d*$/)
      assert.notEqual(tenant.id, server.server.bootstrap.tenant.id)
      assert.equal(tenant.name, name)
      assert.equal(tenant.timeZone, 'UTC')
      assert.equal(tenant.isDefault, false)
      assert.equal(tenant.defaultZuoraVersion, '186.0')
      assert.deepEqual(tenant.entities, [])
      assert.deepEqual(tenant.orgs, [])
      assert.ok(!Number.isNaN(Date.parse(tenant.createdAt)))
      assert.equal(new Date(tenant.createdAt).toISOString(), tenant.createdAt)
      assert.ok(Math.abs(Date.parse(tenant.createdAt) - Date.now()) < 5 * 60_000, 'createdAt is now')

      const fetched = await server.admin('GET', `/admin/tenants/${tenant.id}`)
      assert.equal(fetched.status, 200)
      assert.deepEqual(fetched.json(), tenant)
    })

    test('trims the name and keeps the given IANA time zone', async () => {
      const name = uniqueName('zoned')
      const tenant = await createTenant({ name: `  ${name}  `, timeZone: 'Asia/Shanghai' })
      assert.equal(tenant.name, name)
      assert.equal(tenant.timeZone, 'Asia/Shanghai')
      assert.equal((await server.admin('GET', `/admin/tenants/${tenant.id}`)).json().timeZone, 'Asia/Shanghai')
    })

    test('gives entities 36-character UUIDs, from names or {name, displayName?, id?}', async () => {
      const givenId = '4F1C2D3E-5A6B-4C7D-8E9F-0A1B2C3D4E5F'
      const tenant = await createTenant({
        name: uniqueName('multi-entity'),
        entities: ['Global', { name: 'Europe', displayName: 'Europe (EU)' }, { name: 'Asia', id: givenId }],
      })
      assert.equal(tenant.entities.length, 3)
      const byName = Object.fromEntries(tenant.entities.map((e: { name: string }) => [e.name, e]))
      for (const entity of tenant.entities) {
        assert.equal(entity.id.length, 36)
        assert.match(entity.id, UUID)
        assert.deepEqual(Object.keys(entity).sort(), ['displayName', 'id', 'name'])
      }
      assert.equal(byName.Global.displayName, 'Global')
      assert.equal(byName.Europe.displayName, 'Europe (EU)')
      assert.equal(byName.Asia.id, givenId.toLowerCase())
      assert.equal(new Set(tenant.entities.map((e: { id: string }) => e.id)).size, 3)
      assert.deepEqual((await server.admin('GET', `/admin/tenants/${tenant.id}`)).json().entities, tenant.entities)
    })

    test('gives orgs 32-hex ids, from names or {name, id?}', async () => {
      const givenId = 'ABCDEF0123456789ABCDEF0123456789'
      const tenant = await createTenant({ name: uniqueName('multi-org'), orgs: ['North', { name: 'South', id: givenId }] })
      assert.equal(tenant.orgs.length, 2)
      for (const org of tenant.orgs) {
        assert.match(org.id, HEX32)
        assert.deepEqual(Object.keys(org).sort(), ['id', 'name'])
      }
      const south = tenant.orgs.find((o: { name: string }) => o.name === 'South')
      assert.equal(south.id, givenId.toLowerCase())
      assert.deepEqual(tenant.entities, [])
    })

    test('refuses invalid tenants with 400 in the v1 envelope, creating nothing', async () => {
      const count = await tenantCount()
      const cases: [unknown, RegExp][] = [
        [{ name: uniqueName('tz'), timeZone: 'Mars/Olympus_Mons' }, /time ?zone/i],
        [{ name: uniqueName('tz'), timeZone: '' }, /time ?zone/i],
        // An offset is not an IANA time zone (and PostgreSQL would read "+08:00" as 8 hours west).
        [{ name: uniqueName('tz'), timeZone: '+08:00' }, /time ?zone/i],
        [{ name: '' }, /name/],
        [{ name: '   ' }, /name/],
        [{}, /name/],
        [{ name: { first: 'x' } }, /name/],
        [{ name: uniqueName('dup'), entities: ['Global', 'Global'] }, /Global/],
        [{ name: uniqueName('dup'), entities: ['Global', { name: ' Global ' }] }, /Global/],
        [{ name: uniqueName('dup'), orgs: ['North', 'North'] }, /North/],
        [{ name: uniqueName('bad-id'), entities: [{ name: 'A', id: 'not-a-uuid-but-exactly-36-characters' }] }, /id/],
        [{ name: uniqueName('bad-id'), entities: [{ name: 'A', id: '1234' }] }, /entities/],
        [{ name: uniqueName('bad-id'), orgs: [{ name: 'A', id: 'z'.repeat(32) }] }, /id/],
        [{ name: uniqueName('bad-entity'), entities: [''] }, /entit|name/],
        [{ name: uniqueName('unknown'), color: 'blue' }, /color|additional|propert/i],
        [{ name: uniqueName('unknown'), entities: [{ name: 'A', region: 'eu' }] }, /entit|additional|propert|match/i],
        [{ name: uniqueName('unknown'), orgs: [{ name: 'A', region: 'eu' }] }, /org|additional|propert|match/i],
      ]
      for (const [body, message] of cases) {
        const response = await server.admin('POST', '/admin/tenants', body)
        expectV1Error(response, 400, message)
      }
      // Not JSON at all.
      const broken = await request(`${server.url}/admin/tenants`, {
        method: 'POST',
        body: '{"name":',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      })
      expectV1Error(broken, 400, /JSON/)
      assert.equal(await tenantCount(), count)
    })

    test('duplicate-name errors name the invalid value category (20)', async () => {
      const response = await server.admin('POST', '/admin/tenants', { name: uniqueName('dup'), entities: ['X', 'X'] })
      expectV1Error(response, 400, /X/, '20')
    })

    test('GET /admin/tenants lists every tenant, the default one included, in id order', async () => {
      const a = await createTenant({ name: uniqueName('list-a') })
      const b = await createTenant({ name: uniqueName('list-b'), entities: ['E'] })
      const response = await server.admin('GET', '/admin/tenants')
      assert.equal(response.status, 200)
      const { tenants } = response.json()
      assert.ok(Array.isArray(tenants))
      const ids = tenants.map((t: { id: string }) => t.id)
      assert.ok(ids.includes(server.server.bootstrap.tenant.id))
      assert.deepEqual(
        tenants.find((t: { id: string }) => t.id === a.id),
        a,
      )
      assert.deepEqual(
        tenants.find((t: { id: string }) => t.id === b.id),
        b,
      )
      assert.deepEqual(
        ids,
        [...ids].sort((x: string, y: string) => Number(x) - Number(y)),
      )
      assert.equal(new Set(ids).size, ids.length)
    })

    test('an unknown or non-numeric tenant id is 404 on every tenant route', async () => {
      for (const id of ['987654321', 'abc', '0', '-1', '10000abc', '1e5', '99999999999999999999999', '%20']) {
        for (const [method, path, body] of [
          ['GET', `/admin/tenants/${id}`],
          ['DELETE', `/admin/tenants/${id}`],
          ['GET', `/admin/tenants/${id}/users`],
          ['POST', `/admin/tenants/${id}/users`, { username: 'nobody' }],
          ['POST', `/admin/tenants/${id}/oauth-clients`, { userId: server.server.bootstrap.user.id }],
        ] as [string, string, unknown?][]) {
          const response = await server.admin(method, path, body)
          expectV1Error(response, 404, /./, '40')
        }
      }
    })
  })

  describe('users', () => {
    test('POST users creates a user with a 32-hex id and every permission by default', async () => {
      const tenant = await createTenant({ name: uniqueName('users') })
      const response = await server.admin('POST', `/admin/tenants/${tenant.id}/users`, { username: 'alice' })
      assert.equal(response.status, 201, response.text)
      const user = response.json()
      assert.match(user.id, HEX32)
      assert.deepEqual(user, {
        id: user.id,
        tenantId: tenant.id,
        username: 'alice',
        email: null,
        admin: false,
        permissions: PERMISSIONS,
        entityIds: null,
        orgIds: null,
      })
    })

    test('keeps email, admin, the given permissions (once each) and the entity and org restrictions', async () => {
      const tenant = await createTenant({ name: uniqueName('scoped'), entities: ['Global', 'Europe'], orgs: ['North', 'South'] })
      const europe = tenant.entities.find((e: { name: string }) => e.name === 'Europe')
      const north = tenant.orgs.find((o: { name: string }) => o.name === 'North')
      const user = await createUser(tenant.id, {
        username: 'bob',
        email: 'bob@example.com',
        admin: true,
        permissions: ['dataQuery', 'dataBackfill', 'dataQuery'],
        entityIds: [europe.id.toUpperCase()],
        orgIds: [north.id],
      })
      assert.equal(user.email, 'bob@example.com')
      assert.equal(user.admin, true)
      assert.deepEqual([...user.permissions].sort(), ['dataBackfill', 'dataQuery'])
      assert.deepEqual(user.entityIds, [europe.id])
      assert.deepEqual(user.orgIds, [north.id])

      // The restriction is what the user's tokens can do: only Europe.
      const client = await server.admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, { userId: user.id })
      const { client_id, client_secret } = client.json()
      const grant = await request(`${server.url}/oauth/token`, {
        method: 'POST',
        form: { client_id, client_secret, grant_type: 'client_credentials' },
      })
      assert.equal(grant.status, 200)
      assert.equal(grant.json().scope, `user.${user.id} entity.${europe.id} tenant.${tenant.id}`)
      const whoami = await server.api('GET', '/v1/fixtures/whoami', { token: grant.json().access_token })
      assert.equal(whoami.status, 200)
      assert.deepEqual(whoami.json().entityId, europe.id)
      assert.deepEqual(whoami.json().orgIds, [north.id])
    })

    test('refuses unknown permissions, foreign entity or org ids, bad emails and unknown fields with 400', async () => {
      const tenant = await createTenant({ name: uniqueName('strict'), entities: ['Global'], orgs: ['North'] })
      const other = await createTenant({ name: uniqueName('other'), entities: ['Global'], orgs: ['North'] })
      const cases: [unknown, RegExp][] = [
        [{ username: 'u1', permissions: ['dataQuery', 'superpower'] }, /permission/i],
        [{ username: 'u2', permissions: ['dataquery'] }, /permission/i],
        [{ username: 'u3', entityIds: [other.entities[0].id] }, /entit/i],
        [{ username: 'u4', entityIds: ['not-an-entity'] }, /entit/i],
        [{ username: 'u5', orgIds: [other.orgs[0].id] }, /org/i],
        [{ username: 'u6', email: 'not an email' }, /email/i],
        [{ username: '' }, /username/],
        [{ username: '   ' }, /username/],
        [{}, /username/],
        [{ username: 'u7', role: 'owner' }, /role|additional|propert/i],
        [{ username: 'u8', admin: 'very' }, /admin/],
      ]
      for (const [body, message] of cases) {
        expectV1Error(await server.admin('POST', `/admin/tenants/${tenant.id}/users`, body), 400, message)
      }
      // A tenant without entities or orgs has none to grant.
      const flat = await createTenant({ name: uniqueName('flat') })
      expectV1Error(
        await server.admin('POST', `/admin/tenants/${flat.id}/users`, { username: 'x', entityIds: [tenant.entities[0].id] }),
        400,
        /entit/i,
      )
      expectV1Error(
        await server.admin('POST', `/admin/tenants/${flat.id}/users`, { username: 'x', orgIds: [tenant.orgs[0].id] }),
        400,
        /org/i,
      )
      assert.deepEqual((await server.admin('GET', `/admin/tenants/${tenant.id}/users`)).json(), { users: [] })
      assert.deepEqual((await server.admin('GET', `/admin/tenants/${flat.id}/users`)).json(), { users: [] })
    })

    test('a duplicate username in the same tenant is 409; another tenant may reuse it', async () => {
      const tenant = await createTenant({ name: uniqueName('dup-user') })
      const first = await createUser(tenant.id, { username: 'carol' })
      for (const username of ['carol', ' carol ']) {
        expectV1Error(await server.admin('POST', `/admin/tenants/${tenant.id}/users`, { username }), 409, /carol/)
      }
      const users = (await server.admin('GET', `/admin/tenants/${tenant.id}/users`)).json().users
      assert.deepEqual(users, [first])

      const other = await createTenant({ name: uniqueName('dup-user-other') })
      const again = await createUser(other.id, { username: 'carol' })
      assert.equal(again.tenantId, other.id)
      assert.notEqual(again.id, first.id)
    })

    test('GET users lists the tenant’s users in creation order, and only them', async () => {
      const tenant = await createTenant({ name: uniqueName('listing') })
      const other = await createTenant({ name: uniqueName('listing-other') })
      const created = []
      for (const username of ['zed', 'amy', 'mo']) created.push(await createUser(tenant.id, { username }))
      await createUser(other.id, { username: 'stranger' })
      const response = await server.admin('GET', `/admin/tenants/${tenant.id}/users`)
      assert.equal(response.status, 200)
      assert.deepEqual(response.json(), { users: created })
    })
  })

  describe('OAuth clients', () => {
    test('POST oauth-clients returns working credentials for the user', async () => {
      const tenant = await createTenant({ name: uniqueName('clients') })
      const user = await createUser(tenant.id, { username: 'dave' })
      const response = await server.admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, { userId: user.id })
      assert.equal(response.status, 201, response.text)
      const credentials = response.json()
      assert.deepEqual(Object.keys(credentials).sort(), ['client_id', 'client_secret'])
      assert.equal(credentials.client_id.length, 36)
      assert.match(credentials.client_id, UUID)
      assert.equal(typeof credentials.client_secret, 'string')
      assert.ok(credentials.client_secret.length > 0 && credentials.client_secret.length <= 42)

      const grant = await request(`${server.url}/oauth/token`, {
        method: 'POST',
        form: { ...credentials, grant_type: 'client_credentials' },
      })
      assert.equal(grant.status, 200, grant.text)
      assert.equal(grant.json().scope, `user.${user.id} tenant.${tenant.id}`)
      const whoami = await server.api('GET', '/v1/fixtures/whoami', { token: grant.json().access_token })
      assert.deepEqual(
        { tenantId: whoami.json().tenantId, userId: whoami.json().userId },
        { tenantId: tenant.id, userId: user.id },
      )

      // A second client for the same user is distinct, and both work.
      const second = (await server.admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, { userId: user.id })).json()
      assert.notEqual(second.client_id, credentials.client_id)
      assert.notEqual(second.client_secret, credentials.client_secret)
      await issueToken(server.url, second.client_id, second.client_secret)
      await issueToken(server.url, credentials.client_id, credentials.client_secret)
      // Secrets are not interchangeable.
      const crossed = await request(`${server.url}/oauth/token`, {
        method: 'POST',
        form: { client_id: credentials.client_id, client_secret: second.client_secret, grant_type: 'client_credentials' },
      })
      assert.equal(crossed.status, 401)
    })

    test('an unknown user, or a user of another tenant, is 404; a missing userId 400', async () => {
      const tenant = await createTenant({ name: uniqueName('no-user') })
      const other = await createTenant({ name: uniqueName('no-user-other') })
      const stranger = await createUser(other.id, { username: 'stranger' })
      for (const userId of ['0'.repeat(32), stranger.id, 'nope']) {
        expectV1Error(await server.admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, { userId }), 404, /./, '40')
      }
      expectV1Error(await server.admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, {}), 400, /userId/)
      expectV1Error(await server.admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, { userId: '' }), 400, /userId/)
      const { rows } = await server.server.db.query('SELECT count(*)::int AS n FROM oauth_clients WHERE tenant_id = $1', [tenant.id])
      assert.equal(rows[0].n, 0)
    })

    test('secrets and tokens are stored hashed, never as given', async () => {
      const created = await createTenantWithClient(server, { name: uniqueName('hashed') })
      const { rows } = await server.server.db.query<{ client_id: string; secret_hash: string }>(
        'SELECT client_id, secret_hash FROM oauth_clients',
      )
      const secrets = [DEFAULT_CLIENT_SECRET, created.clientSecret]
      for (const row of rows) {
        for (const secret of secrets) assert.ok(!row.secret_hash.includes(secret), `secret of ${row.client_id} stored in clear`)
        assert.match(row.secret_hash, /^scrypt\$/)
      }
      const mine = rows.find((row) => row.client_id === created.clientId)
      assert.ok(mine, 'the new client is stored')

      const tokens = await server.server.db.query<{ as_text: string }>(
        `SELECT encode(token_hash, 'hex') || ' ' || encode(token_hash, 'escape') AS as_text FROM oauth_tokens`,
      )
      assert.ok(tokens.rows.length > 0)
      for (const row of tokens.rows) assert.ok(!row.as_text.includes(created.token), 'token stored in clear')
    })
  })

  describe('deleting a tenant', () => {
    /** Every table of every schema with a tenant_id column, as "schema"."table". */
    async function tenantTables(): Promise<string[]> {
      const { rows } = await server.server.db.query<{ table_schema: string; table_name: string }>(
        `SELECT DISTINCT c.table_schema, c.table_name
           FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
          WHERE c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
            AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
          ORDER BY 1, 2`,
      )
      return rows.map((row) => (row.table_schema === 'public' ? row.table_name : `${row.table_schema}.${row.table_name}`))
    }

    const quoted = (table: string) =>
      table
        .split('.')
        .map((part) => `"${part}"`)
        .join('.')

    async function rowsOf(tenantId: string): Promise<Record<string, number>> {
      const counts: Record<string, number> = {}
      for (const table of await tenantTables()) {
        const { rows } = await server.server.db.query(`SELECT count(*)::int AS n FROM ${quoted(table)} WHERE tenant_id = $1`, [
          tenantId,
        ])
        counts[table] = rows[0].n
      }
      const { rows } = await server.server.db.query('SELECT count(*)::int AS n FROM tenants WHERE id = $1', [tenantId])
      counts.tenants = rows[0].n
      return counts
    }

    test('removes the tenant with its users, clients, tokens and every row it owns', async () => {
      const doomed = await createTenantWithClient(
        server,
        { name: uniqueName('doomed'), entities: ['Global', 'Europe'], orgs: ['North'] },
        { username: 'victim' },
      )
      const survivor = await createTenantWithClient(server, { name: uniqueName('survivor') })
      await createUser(doomed.tenant.id, { username: 'second' })
      const europe = doomed.tenant.entities.find((e: { name: string }) => e.name === 'Europe')
      const headers = { 'zuora-entity-ids': europe.id }
      // Rows in the tables that hang off the tenant: an idempotency record among them.
      const idem = await server.api('POST', '/v1/fixtures/counter', {
        token: doomed.token,
        headers: { ...headers, 'idempotency-key': `delete-me-${process.pid}` },
        body: { x: 1 },
      })
      assert.equal(idem.status, 200, idem.text)
      // The token is in use (and cached) before the delete.
      assert.equal((await server.api('GET', '/v1/fixtures/whoami', { token: doomed.token, headers })).status, 200)

      const tables = await tenantTables()
      for (const table of ['entities', 'orgs', 'users', 'oauth_clients', 'oauth_tokens', 'idempotency_keys']) {
        assert.ok(tables.includes(table), `${table} has a tenant_id column`)
      }
      const before = await rowsOf(doomed.tenant.id)
      for (const table of ['tenants', 'entities', 'orgs', 'users', 'oauth_clients', 'oauth_tokens', 'idempotency_keys']) {
        assert.ok(before[table] > 0, `the doomed tenant has rows in ${table} before the delete`)
      }
      const survivorBefore = await rowsOf(survivor.tenant.id)

      const response = await server.admin('DELETE', `/admin/tenants/${doomed.tenant.id}`)
      assert.equal(response.status, 200, response.text)
      assert.deepEqual(response.json(), { id: doomed.tenant.id, deleted: true })

      const after = await rowsOf(doomed.tenant.id)
      for (const [table, count] of Object.entries(after)) assert.equal(count, 0, `${table} still has rows of the deleted tenant`)
      // The survivor's request journal is written in batches after its requests: it may grow meanwhile.
      const { request_journal: _journalAfter, ...survivorAfter } = await rowsOf(survivor.tenant.id)
      const { request_journal: _journalBefore, ...survivorRows } = survivorBefore
      assert.deepEqual(survivorAfter, survivorRows)

      expectV1Error(await server.admin('GET', `/admin/tenants/${doomed.tenant.id}`), 404, new RegExp(doomed.tenant.id), '40')
      expectV1Error(await server.admin('GET', `/admin/tenants/${doomed.tenant.id}/users`), 404, /./, '40')
      const listed = (await server.admin('GET', '/admin/tenants')).json().tenants.map((t: { id: string }) => t.id)
      assert.ok(!listed.includes(doomed.tenant.id))
      assert.ok(listed.includes(survivor.tenant.id))

      expectAuthenticationError(await server.api('GET', '/v1/fixtures/whoami', { token: doomed.token, headers }))
      const grant = await request(`${server.url}/oauth/token`, {
        method: 'POST',
        form: { client_id: doomed.clientId, client_secret: doomed.clientSecret, grant_type: 'client_credentials' },
      })
      assert.equal(grant.status, 401)
      assert.equal(grant.json().error, 'invalid_client')

      // The other tenant is untouched.
      const whoami = await server.api('GET', '/v1/fixtures/whoami', { token: survivor.token })
      assert.equal(whoami.status, 200)
      assert.equal(whoami.json().tenantId, survivor.tenant.id)

      // A second delete finds nothing.
      expectV1Error(await server.admin('DELETE', `/admin/tenants/${doomed.tenant.id}`), 404, /./, '40')
    })
  })
})

describe('default credentials across restarts', () => {
  const database = testDatabase()
  after(async () => (await database).drop())

  test('ZJOBS_DEFAULT_CLIENT_ID/SECRET keep working on the same database; without them the client stays', async () => {
    const { overrides } = await database
    const config = testConfig({ ...overrides, logLevel: 'silent' })

    const first = await startServer(config, { routes: [fixtures()] })
    let tokenBefore: string
    let tenantId: string
    let created: string
    try {
      tokenBefore = await issueToken(first.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
      tenantId = first.bootstrap.tenant.id
      const response = await request(`${first.url}/admin/tenants`, {
        method: 'POST',
        body: { name: 'made before restart' },
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      assert.equal(response.status, 201)
      created = response.json().id
    } finally {
      await first.close()
    }

    const second = await startServer(config, { routes: [fixtures()] })
    try {
      assert.equal(second.bootstrap.tenant.id, tenantId)
      assert.equal(second.bootstrap.user.id, first.bootstrap.user.id)
      assert.equal(second.bootstrap.clientId, DEFAULT_CLIENT_ID)
      const token = await issueToken(second.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
      for (const bearer of [token, tokenBefore]) {
        const whoami = await request(`${second.url}/v1/fixtures/whoami`, { headers: { authorization: `Bearer ${bearer}` } })
        assert.equal(whoami.status, 200)
        assert.equal(whoami.json().tenantId, tenantId)
      }
      const tenants = await request(`${second.url}/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      const list = tenants.json().tenants
      assert.ok(list.some((t: { id: string; name: string }) => t.id === created && t.name === 'made before restart'))
      assert.equal(list.filter((t: { isDefault: boolean }) => t.isDefault).length, 1, 'still one default tenant')
    } finally {
      await second.close()
    }

    // A new fixed secret for the same client id replaces the old one.
    const rotated = 'rotated-secret-for-the-default-client-00'
    const third = await startServer({ ...config, defaultClientSecret: rotated }, { routes: [fixtures()] })
    try {
      assert.equal(third.bootstrap.clientSecret, rotated)
      await issueToken(third.url, DEFAULT_CLIENT_ID, rotated)
      const old = await request(`${third.url}/oauth/token`, {
        method: 'POST',
        form: { client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'client_credentials' },
      })
      assert.equal(old.status, 401)
    } finally {
      await third.close()
    }

    // Without the settings, the existing default client is kept (its secret is not reprinted).
    const fourth = await startServer(
      { ...config, defaultClientId: undefined, defaultClientSecret: undefined },
      { routes: [fixtures()] },
    )
    try {
      assert.equal(fourth.bootstrap.tenant.id, tenantId)
      assert.equal(fourth.bootstrap.clientId, DEFAULT_CLIENT_ID)
      assert.equal(fourth.bootstrap.clientSecret, undefined)
      await issueToken(fourth.url, DEFAULT_CLIENT_ID, rotated)
      const { rows } = await fourth.db.query('SELECT count(*)::int AS n FROM oauth_clients WHERE tenant_id = $1', [tenantId])
      assert.equal(rows[0].n, 1, 'no extra client was made')
    } finally {
      await fourth.close()
    }
  })
})

describe('servers starting at once on one PostgreSQL database', { skip: backend !== 'postgres' }, () => {
  const database = testDatabase()
  after(async () => (await database).drop())

  test('migrate and set up one default tenant between them', async () => {
    const { overrides } = await database
    const config = testConfig({ ...overrides, logLevel: 'silent' })
    const servers = await Promise.all([startServer(config), startServer(config), startServer(config)])
    try {
      const tenantIds = new Set(servers.map((s) => s.bootstrap.tenant.id))
      assert.equal(tenantIds.size, 1, 'every server found the same default tenant')
      const { rows } = await servers[0].db.query('SELECT count(*)::int AS n FROM tenants WHERE is_default')
      assert.equal(rows[0].n, 1)
      const users = await servers[0].db.query("SELECT count(*)::int AS n FROM users WHERE username = 'admin'")
      assert.equal(users.rows[0].n, 1)
      for (const s of servers) await issueToken(s.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    } finally {
      await Promise.all(servers.map((s) => s.close()))
    }
  })
})
