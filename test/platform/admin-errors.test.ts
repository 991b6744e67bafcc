// The admin plane's own error codes, in the v1 envelope ({success: false, processId, reasons:
// [{code, message}], requestId}): resource 800000 and Zuora's two-digit categories, as the
// README's admin section lists them. Never Data Backfill's 500000 codes, never another shape.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertV1Error } from '../helpers/envelopes.ts'
import { fixtures } from '../helpers/fixtures.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts'

const README = new URL('../../README.md', import.meta.url)

describe('admin plane error codes', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ importMaxBytes: 1024 }, { workers: 'none', routes: [fixtures()] })
  })
  after(() => server.close())

  const admin = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; token?: string | null } = {}) =>
    request(`${server.url}${path}`, {
      method,
      body: options.body,
      headers: { ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}` }), ...options.headers },
    })
  const tenants = async () => (await server.server.db.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n

  /** The envelope with exactly `code`, and the reason's message matching `message`. */
  const assertAdminError = (response: HttpResponse, status: number, code: string, message?: RegExp) => {
    const body = assertV1Error(response, status, code)
    if (message) assert.match(body.reasons[0].message, message)
  }

  test('no admin token, or a wrong one: 401 with 80000011', async () => {
    const before = await tenants()
    for (const token of [null, 'wrong-token']) {
      const response = await admin('POST', '/admin/tenants', { body: { name: 'x' }, token })
      assertAdminError(response, 401, '80000011', /admin token/)
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="zjobs admin"')
    }
    assert.equal(await tenants(), before)
  })

  test('request errors: 80000020 invalid, 80000021 unknown field, 80000022 missing, 80000090 malformed, 80000045 media type', async () => {
    const before = await tenants()
    assertAdminError(await admin('POST', '/admin/tenants', { body: { name: 'x', timeZone: 'Mars/Olympus' } }), 400, '80000020', /time zone/i)
    assertAdminError(await admin('POST', '/admin/tenants', { body: { name: 'x', colour: 'red' } }), 400, '80000021', /colour/)
    assertAdminError(await admin('POST', '/admin/tenants', { body: {} }), 400, '80000022', /name/)
    assertAdminError(await admin('POST', '/admin/tenants', { body: '{"name":', headers: { 'content-type': 'application/json' } }), 400, '80000090')
    assertAdminError(await admin('POST', '/admin/tenants', { body: 'name=x', headers: { 'content-type': 'text/xml' } }), 415, '80000045')
    assert.equal(await tenants(), before)
  })

  test('not found: 80000040 for an unknown tenant, user, job or route', async () => {
    assertAdminError(await admin('GET', '/admin/tenants/99999999'), 404, '80000040', /99999999/)
    assertAdminError(await admin('POST', '/admin/tenants/99999999/users', { body: { username: 'x' } }), 404, '80000040')
    const tenantId = server.server.bootstrap.tenant.id
    assertAdminError(await admin('GET', `/admin/tenants/${tenantId}/jobs/0123456789abcdef0123456789abcdef`), 404, '80000040')
    assertAdminError(await admin('GET', '/admin/no-such-thing'), 404, '80000040')
  })

  test('a rule: 80000030 (a username taken in the tenant)', async () => {
    const tenantId = server.server.bootstrap.tenant.id
    const first = await admin('POST', `/admin/tenants/${tenantId}/users`, { body: { username: 'twice' } })
    assert.equal(first.status, 201, first.text)
    assertAdminError(await admin('POST', `/admin/tenants/${tenantId}/users`, { body: { username: 'twice' } }), 409, '80000030', /twice/)
  })

  test('a limit: 80000070 (an import over ZJOBS_IMPORT_MAX_BYTES)', async () => {
    const tenantId = server.server.bootstrap.tenant.id
    const response = await admin('POST', `/admin/tenants/${tenantId}/import?object=Account`, {
      body: `id,name\n${'2c92c0f8632999a2016352a457cf2b44,Acme\n'.repeat(100)}`,
      headers: { 'content-type': 'text/csv' },
    })
    assertAdminError(response, 413, '80000070')
  })

  test('an unexpected failure: 500 with 80000060 in the same envelope, no detail', async () => {
    const response = await admin('GET', '/admin/fixtures/boom')
    assertAdminError(response, 500, '80000060', /^internal server error$/)
    assert.ok(!response.text.includes('secret internal detail'))
  })

  test("the README's admin section documents every code the tests see", async () => {
    const { readFileSync } = await import('node:fs')
    const text = readFileSync(README, 'utf8')
    const section = text.slice(text.indexOf('## Admin plane'), text.indexOf('\n## ', text.indexOf('## Admin plane') + 1))
    for (const code of ['80000011', '80000020', '80000021', '80000022', '80000030', '80000040', '80000045', '80000060', '80000070', '80000090']) {
      assert.ok(section.includes(`\`${code}\``), `README admin section lacks ${code}`)
    }
  })
})
