// The server's own OpenAPI document (/openapi.json) and its browsable form (/docs).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { request } from '../helpers/http.ts'
import { createTenantWithClient, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, startTestServer, type TestServer } from '../helpers/server.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** The platform routes the document must describe, with their methods. */
const REQUIRED: Record<string, string[]> = {
  '/oauth/token': ['post'],
  '/admin/tenants': ['get', 'post'],
  '/admin/tenants/{tenantId}': ['delete', 'get'],
  '/admin/tenants/{tenantId}/users': ['get', 'post'],
  '/admin/tenants/{tenantId}/oauth-clients': ['post'],
}

describe('GET /openapi.json', () => {
  let server: TestServer
  let doc: Json
  before(async () => {
    server = await startTestServer()
    const response = await request(`${server.url}/openapi.json`)
    assert.equal(response.status, 200, response.text)
    doc = response.json()
  })
  after(() => server.close())

  const operations = (): [string, string, Json][] =>
    Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Json>)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, operation]): [string, string, Json] => [path, method, operation]),
    )

  /** The response schema the document gives for `method path status` (application/json). */
  const responseSchema = (path: string, method: string, status: number): Json => {
    const schema = doc.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema
    assert.ok(schema, `the document has a ${status} JSON response for ${method.toUpperCase()} ${path}`)
    return schema
  }

  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }))
  const assertMatches = (schema: Json, value: unknown, what: string) => {
    const validate = ajv.compile(schema)
    assert.ok(validate(value), `${what} does not match its documented schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`)
  }

  test('needs no token and is an OpenAPI 3 document', async () => {
    for (const authorization of [undefined, 'Bearer not-a-token']) {
      const response = await request(`${server.url}/openapi.json`, { headers: { authorization } })
      assert.equal(response.status, 200)
      assert.match(String(response.headers['content-type']), /^application\/json/)
      assert.match(String(response.headers['zuora-request-id']), /^[0-9a-f-]{36}$/)
    }
    assert.match(doc.openapi, /^3\.\d+\.\d+$/)
    assert.equal(typeof doc.info?.title, 'string')
    assert.equal(typeof doc.info?.version, 'string')
    assert.equal(typeof doc.paths, 'object')
    for (const path of Object.keys(doc.paths)) {
      assert.match(path, /^\//, `path ${path} starts with /`)
      assert.doesNotMatch(path, /\/:/, `path ${path} uses OpenAPI {param} templates, not :param`)
    }
  })

  test('describes /oauth/token and every /admin route with their methods', () => {
    for (const [path, methods] of Object.entries(REQUIRED)) {
      assert.ok(doc.paths[path], `the document has ${path}`)
      for (const method of methods) assert.ok(doc.paths[path][method], `the document has ${method.toUpperCase()} ${path}`)
    }
  })

  test('every documented /admin operation is a real route guarded by the admin token', async () => {
    const tenantId = server.server.bootstrap.tenant.id
    const adminOperations = operations().filter(([path]) => path.startsWith('/admin'))
    assert.ok(adminOperations.length >= 7)
    assert.ok(doc.components?.securitySchemes?.adminToken, 'an adminToken security scheme')
    assert.equal(doc.components.securitySchemes.adminToken.type, 'http')
    assert.equal(doc.components.securitySchemes.adminToken.scheme, 'bearer')
    for (const [path, method, operation] of adminOperations) {
      assert.deepEqual(operation.security, [{ adminToken: [] }], `${method.toUpperCase()} ${path} needs the admin token`)
      // Without a token the route answers 401 (an undocumented or misspelt path would be 404).
      const url = path.replaceAll('{tenantId}', tenantId).replace(/\{[^}]+\}/g, 'x')
      const response = await request(`${server.url}${url}`, { method: method.toUpperCase() })
      assert.equal(response.status, 401, `${method.toUpperCase()} ${url}: ${response.text}`)
    }
  })

  test('/oauth/token and the health checks are documented as needing no bearer token', () => {
    assert.equal(doc.components?.securitySchemes?.bearerAuth?.scheme, 'bearer')
    for (const [path, method] of [
      ['/oauth/token', 'post'],
      ['/healthz', 'get'],
      ['/readyz', 'get'],
    ]) {
      const operation = doc.paths[path]?.[method]
      assert.ok(operation, `${method.toUpperCase()} ${path} is documented`)
      // An operation without its own security inherits the document's bearerAuth.
      assert.deepEqual(operation.security, [], `${method.toUpperCase()} ${path} declares no security requirement`)
    }
  })

  test('every operation is well formed: responses with descriptions, declared path parameters, resolvable $refs', () => {
    for (const [path, method, operation] of operations()) {
      const where = `${method.toUpperCase()} ${path}`
      assert.ok(operation.responses && Object.keys(operation.responses).length > 0, `${where} has responses`)
      for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
        assert.match(status, /^([1-5]\d\d|[1-5]XX|default)$/, `${where} response key ${status}`)
        assert.equal(typeof response.description, 'string', `${where} ${status} has a description`)
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1])
      const declared = [...(doc.paths[path].parameters ?? []), ...(operation.parameters ?? [])]
        .filter((parameter: Json) => parameter.in === 'path')
        .map((parameter: Json) => {
          assert.equal(parameter.required, true, `${where} path parameter ${parameter.name} is required`)
          return parameter.name
        })
      assert.deepEqual(declared.sort(), templated.sort(), `${where} declares its path parameters`)
    }
    const refs: string[] = []
    const walk = (node: Json) => {
      if (Array.isArray(node)) node.forEach(walk)
      else if (node && typeof node === 'object') {
        if (typeof node.$ref === 'string') refs.push(node.$ref)
        Object.values(node).forEach(walk)
      }
    }
    walk(doc)
    for (const ref of refs) {
      assert.match(ref, /^#\//, `${ref} is local`)
      const target = ref
        .slice(2)
        .split('/')
        .reduce((node: Json, part) => node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc)
      assert.ok(target !== undefined, `${ref} resolves`)
    }
  })

  test('the documented request and response schemas describe what the server does', async () => {
    const create = doc.paths['/admin/tenants'].post.requestBody?.content?.['application/json']?.schema
    assert.ok(create, 'POST /admin/tenants documents its JSON body')
    assert.deepEqual(create.required, ['name'])
    for (const field of ['name', 'timeZone', 'entities', 'orgs']) assert.ok(create.properties[field], `body field ${field}`)
    const newUser = doc.paths['/admin/tenants/{tenantId}/users'].post.requestBody?.content?.['application/json']?.schema
    assert.ok(newUser?.properties?.permissions, 'POST users documents permissions')
    assert.deepEqual(doc.paths['/admin/tenants/{tenantId}/oauth-clients'].post.requestBody?.content?.['application/json']?.schema?.required, [
      'userId',
    ])

    const body = { name: 'Documented', timeZone: 'Europe/Paris', entities: ['Global', { name: 'EU', displayName: 'Europe' }], orgs: ['North'] }
    assertMatches(create, body, 'the example body')
    const created = await createTenantWithClient(server, body, { username: 'doc-user', permissions: ['dataQuery'] })
    assertMatches(responseSchema('/admin/tenants', 'post', 201), created.tenant, 'POST /admin/tenants 201')
    assertMatches(responseSchema('/admin/tenants/{tenantId}/users', 'post', 201), created.user, 'POST users 201')
    assertMatches(
      responseSchema('/admin/tenants/{tenantId}/oauth-clients', 'post', 201),
      { client_id: created.clientId, client_secret: created.clientSecret },
      'POST oauth-clients 201',
    )
    assertMatches(
      responseSchema('/admin/tenants', 'get', 200),
      (await server.admin('GET', '/admin/tenants')).json(),
      'GET /admin/tenants 200',
    )
    assertMatches(
      responseSchema('/admin/tenants/{tenantId}', 'get', 200),
      (await server.admin('GET', `/admin/tenants/${created.tenant.id}`)).json(),
      'GET /admin/tenants/{tenantId} 200',
    )
    assertMatches(
      responseSchema('/admin/tenants/{tenantId}/users', 'get', 200),
      (await server.admin('GET', `/admin/tenants/${created.tenant.id}/users`)).json(),
      'GET users 200',
    )

    const grant = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      form: { client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'client_credentials' },
    })
    assertMatches(responseSchema('/oauth/token', 'post', 200), grant.json(), 'POST /oauth/token 200')
    const denied = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      form: { client_id: DEFAULT_CLIENT_ID, client_secret: 'wrong', grant_type: 'client_credentials' },
    })
    assert.equal(denied.status, 401)
    assertMatches(responseSchema('/oauth/token', 'post', 401), denied.json(), 'POST /oauth/token 401')

    const deleted = await server.admin('DELETE', `/admin/tenants/${created.tenant.id}`)
    assertMatches(responseSchema('/admin/tenants/{tenantId}', 'delete', 200), deleted.json(), 'DELETE tenant 200')
    assertMatches(responseSchema('/healthz', 'get', 200), (await request(`${server.url}/healthz`)).json(), 'GET /healthz 200')
  })

  test('GET /docs serves the browsable documentation as HTML, without a token', async () => {
    for (const path of ['/docs', '/docs/']) {
      const response = await request(`${server.url}${path}`)
      assert.equal(response.status, 200, `${path}: ${response.status}`)
      assert.match(String(response.headers['content-type']), /^text\/html/)
      assert.match(response.text, /<html/i)
      assert.match(response.text, /swagger/i)
    }
    // The UI loads /openapi.json: its own ./json sends it there.
    const json = await request(`${server.url}/docs/json`)
    assert.equal(json.status, 302)
    assert.equal(json.headers.location, '/openapi.json')
  })
})
