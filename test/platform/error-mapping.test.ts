// Every refusal's status and envelope per family, on its own (src/http/errors.ts): the family a
// path belongs to, the body each family's client reads for an error, what a framework error
// becomes, and what sendError answers, on one inline Fastify without a database. The families'
// routes are tested end to end in test/platform/errors.test.ts and the fuzzer; this file is the
// test list of `npm run mutate -- --scope errors`.
import assert from 'node:assert/strict'
import { request as httpRequest, Agent } from 'node:http'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import {
  ADMIN_RESOURCE,
  ADMIN_WWW_AUTHENTICATE,
  AuthenticationError,
  errorBody,
  familyOf,
  sendError,
  toApiError,
  WWW_AUTHENTICATE,
  type Family,
} from '../../src/http/errors.ts'
import { ApiError, Category } from '../../src/platform/errors.ts'
import { OAuthError } from '../../src/platform/oauth.ts'

test('the family of a path', () => {
  const expected: [string, Family][] = [
    ['/query/jobs', 'dataQuery'],
    ['/query', 'dataQuery'],
    ['/queryx', 'plain'],
    ['/objects/records/default/x', 'customObjects'],
    ['/objects', 'customObjects'],
    ['/objectsx', 'plain'],
    ['/oauth/token', 'oauth'],
    ['/oauth', 'plain'],
    ['/admin', 'admin'],
    ['/admin/tenants', 'admin'],
    ['/files/abc', 'files'],
    ['/files', 'plain'],
    ['/v1/uno/data-backfill/jobs', 'v1'],
    ['/apps/v1/files/x', 'v1'],
    ['/v1', 'plain'],
    ['/apps', 'plain'],
    ['/', 'plain'],
    ['/health', 'plain'],
  ]
  for (const [url, family] of expected) assert.equal(familyOf(url), family, url)
})

const PROCESS_ID = /^[0-9A-F]{16}$/
/** The body with its random process id checked and fixed. */
function body(family: Family, error: ApiError): Record<string, unknown> {
  const answer = errorBody(family, error, 'req-1') as Record<string, unknown>
  if ('processId' in answer) {
    assert.match(String(answer.processId), PROCESS_ID)
    answer.processId = 'P'
  }
  return answer
}

describe('the body of an error, per family', () => {
  const plain = new ApiError(404, Category.notFound, 'No such thing')
  const coded = new ApiError(404, Category.notFound, 'No such query', { code: 1001, resource: 710130, details: { extra: 1 } })
  const listed = new ApiError(400, Category.invalidValue, 'a; b', {
    problems: [
      { category: Category.invalidValue, message: 'a' },
      { category: Category.missingField, message: 'b' },
    ],
  })

  test('Data Query: {code, message}, the status as the code unless the error has its own; its messages for 415 and bad JSON', () => {
    assert.deepEqual(body('dataQuery', plain), { code: 404, message: 'No such thing' })
    assert.deepEqual(body('dataQuery', coded), { code: 1001, message: 'No such query', extra: 1 })
    assert.deepEqual(body('dataQuery', new ApiError(415, Category.unsupportedRequest, 'Unsupported media type: x')), { code: 415, message: 'HTTP 415 Unsupported Media Type' })
    assert.deepEqual(body('dataQuery', new ApiError(400, Category.malformedRequest, 'Request body is not valid JSON')), { code: 400, message: 'Unable to process JSON' })
    assert.deepEqual(body('dataQuery', new ApiError(400, Category.invalidValue, 'bad value')), { code: 400, message: 'bad value' })
  })

  test('Custom Objects: a resource and category code, problems in details', () => {
    assert.deepEqual(body('customObjects', plain), { code: 71000040, message: 'No such thing' })
    assert.deepEqual(body('customObjects', new ApiError(400, Category.invalidValue, 'x', { resource: 710125 })), { code: 71012520, message: 'x' })
    assert.deepEqual(body('customObjects', coded), { code: 1001, message: 'No such query', extra: 1 })
    assert.deepEqual(body('customObjects', listed), {
      code: 71000020,
      message: 'a; b',
      details: [
        { code: 71000020, message: 'a' },
        { code: 71000022, message: 'b' },
      ],
    })
    const withResource = new ApiError(400, Category.invalidValue, 'a', { resource: 710125, problems: [{ category: Category.unknownField, message: 'a' }] })
    assert.deepEqual(body('customObjects', withResource), { code: 71012520, message: 'a', details: [{ code: 71012521, message: 'a' }] })
  })

  test('OAuth: the error of its status', () => {
    assert.deepEqual(body('oauth', new ApiError(401, Category.authentication, 'bad client')), { error: 'invalid_client', error_description: 'bad client' })
    assert.deepEqual(body('oauth', new ApiError(429, Category.limitExceeded, 'slow down')), { error: 'too_many_requests', error_description: 'slow down' })
    assert.deepEqual(body('oauth', new ApiError(400, Category.invalidValue, 'no grant')), { error: 'invalid_request', error_description: 'no grant' })
  })

  test('files: the message', () => {
    assert.deepEqual(body('files', coded), { message: 'No such query' })
  })

  test('admin: its own resource 800000 whatever the error names, every problem a reason', () => {
    assert.equal(ADMIN_RESOURCE, 800000)
    assert.deepEqual(body('admin', coded), { success: false, processId: 'P', reasons: [{ code: '80000040', message: 'No such query' }], requestId: 'req-1', extra: 1 })
    assert.deepEqual(body('admin', listed), {
      success: false,
      processId: 'P',
      reasons: [
        { code: '80000020', message: 'a' },
        { code: '80000022', message: 'b' },
      ],
      requestId: 'req-1',
    })
  })

  test('v1 (and paths of no family): reasons with the resource and category, or the error\'s own code', () => {
    for (const family of ['v1', 'plain'] as Family[]) {
      assert.deepEqual(body(family, plain), { success: false, processId: 'P', reasons: [{ code: '50000040', message: 'No such thing' }], requestId: 'req-1' })
    }
    assert.deepEqual(body('v1', coded), { success: false, processId: 'P', reasons: [{ code: '1001', message: 'No such query' }], requestId: 'req-1', extra: 1 })
    assert.deepEqual(body('v1', new ApiError(400, Category.invalidValue, 'x', { resource: 530000 })).reasons, [{ code: '53000020', message: 'x' }])
    assert.deepEqual(body('v1', listed).reasons, [
      { code: '50000020', message: 'a' },
      { code: '50000022', message: 'b' },
    ])
    const withResource = new ApiError(400, Category.invalidValue, 'a', { resource: 530000, problems: [{ category: Category.unknownField, message: 'a' }] })
    assert.deepEqual(body('v1', withResource).reasons, [{ code: '53000021', message: 'a' }])
  })
})

describe('what a thrown error becomes', () => {
  const as = (error: ApiError) => [error.status, error.category, error.message]

  test('an ApiError is itself', () => {
    const error = new ApiError(409, Category.ruleRestriction, 'no')
    assert.equal(toApiError(error), error)
  })

  test("the framework's errors: media type, size, empty or bad JSON, bad gzip", () => {
    const framework = (code: string, message = 'm') => Object.assign(new Error(message), { code })
    assert.deepEqual(as(toApiError(framework('FST_ERR_CTP_INVALID_MEDIA_TYPE', 'text/x'))), [415, Category.unsupportedRequest, 'Unsupported media type: text/x'])
    assert.deepEqual(as(toApiError(framework('FST_CP_ERR_INVALID_CONTENT_ENCODING', 'br'))), [415, Category.unsupportedRequest, 'Unsupported media type: br'])
    assert.deepEqual(as(toApiError(framework('FST_ERR_CTP_BODY_TOO_LARGE'))), [413, Category.limitExceeded, 'Request body is too large'])
    assert.deepEqual(as(toApiError(framework('FST_ERR_CTP_EMPTY_JSON_BODY'))), [400, Category.malformedRequest, 'Request body must not be empty'])
    assert.deepEqual(as(toApiError(framework('FST_ERR_CTP_INVALID_JSON_BODY'))), [400, Category.malformedRequest, 'Request body is not valid JSON'])
    assert.deepEqual(as(toApiError(framework('FST_CP_ERR_INVALID_CONTENT'))), [400, Category.malformedRequest, 'Request body is not valid gzip data'])
    assert.deepEqual(as(toApiError(Object.assign(new Error('zlib'), { decompressError: new Error('x') }))), [400, Category.malformedRequest, 'Request body is not valid gzip data'])
  })

  test('a JSON syntax error of the parser is 400; any other 4xx keeps its status; anything else is 500', () => {
    assert.deepEqual(as(toApiError(Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 }))), [400, Category.malformedRequest, 'Request body is not valid JSON'])
    assert.deepEqual(as(toApiError(new SyntaxError('in our code'))), [500, Category.internal, 'internal server error'])
    assert.deepEqual(as(toApiError(Object.assign(new SyntaxError('Unexpected'), { statusCode: 500 }))), [500, Category.internal, 'internal server error'])
    assert.deepEqual(as(toApiError(Object.assign(new Error('gone'), { statusCode: 410 }))), [410, Category.invalidValue, 'gone'])
    assert.deepEqual(as(toApiError(Object.assign(new Error('teapot'), { status: 418 }))), [418, Category.invalidValue, 'teapot'])
    assert.deepEqual(as(toApiError(Object.assign(new Error(''), { statusCode: 400 }))), [400, Category.invalidValue, 'Bad request'])
    assert.deepEqual(as(toApiError(Object.assign(new Error('edge'), { statusCode: 499 }))), [499, Category.invalidValue, 'edge'])
    for (const status of [399, 500, 503]) {
      assert.deepEqual(as(toApiError(Object.assign(new Error('x'), { statusCode: status }))), [500, Category.internal, 'internal server error'], String(status))
    }
    assert.deepEqual(as(toApiError(Object.assign(new Error('x'), { statusCode: '404' }))), [500, Category.internal, 'internal server error'])
    assert.deepEqual(as(toApiError(new TypeError('undefined is not a function'))), [500, Category.internal, 'internal server error'])
    assert.deepEqual(as(toApiError('a string')), [500, Category.internal, 'internal server error'])
  })

  test('a validation error names every problem; one the describer cannot read keeps the framework\'s message', () => {
    const validation = (errors: unknown[]) => Object.assign(new Error('body/n must be integer'), { validation: errors, validationContext: 'body' })
    assert.deepEqual(as(toApiError(validation([]))), [400, Category.invalidValue, 'body/n must be integer'])
    const error = toApiError(
      validation([
        { instancePath: '/n', schemaPath: '#/properties/n/type', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' },
        { instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'q' }, message: "must have required property 'q'" },
      ]),
    )
    assert.equal(error.status, 400)
    const problems = error.options.problems!
    assert.equal(problems.length, 2)
    assert.equal(error.category, problems[0].category)
    assert.equal(error.message, problems.map((p) => p.message).join('; '))
    assert.notEqual(problems[0].category, problems[1].category, 'each problem its own category')
    assert.match(problems[0].message, /^body\.n /, 'named in the part of the request it is in')
    const partless = toApiError(
      Object.assign(new Error('x'), {
        validation: [{ instancePath: '/n', schemaPath: '#/properties/n/type', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' }],
      }),
    )
    assert.match(partless.message, /^request\.n /, 'a part the framework does not name is the request')
  })
})

describe('what sendError answers', () => {
  let app: FastifyInstance
  const logged: unknown[] = []
  before(async () => {
    app = Fastify({
      bodyLimit: 1024,
      logger: { level: 'error', stream: { write: (line: string) => logged.push(JSON.parse(line)) } },
    })
    app.setErrorHandler((error, request, reply) => sendError(request, reply, error))
    const thrower = (make: () => unknown) => async () => {
      throw make()
    }
    for (const prefix of ['/v1', '/admin', '/query', '/objects', '/oauth', '/files', '/apps']) {
      app.get(`${prefix}/unauthenticated`, thrower(() => new AuthenticationError()))
      app.get(`${prefix}/boom`, thrower(() => new TypeError('secret detail')))
      app.get(`${prefix}/limited`, thrower(() => new ApiError(429, Category.limitExceeded, 'slow down', { headers: { 'Retry-After': '7', 'X-Extra': 'y' } })))
      app.post(`${prefix}/upload`, async () => 'read')
    }
    app.get('/v1/as-query', { config: { family: 'dataQuery' } }, thrower(() => new ApiError(404, Category.notFound, 'No such query', { code: 1001 })))
    app.get('/oauth/refused', thrower(() => new OAuthError(401, 'invalid_client', 'Bad credentials')))
    app.get('/oauth/grant', thrower(() => new OAuthError(400, 'unsupported_grant_type', 'Only client_credentials')))
    app.get('/v1/unavailable', thrower(() => new ApiError(503, Category.temporary, 'try later')))
    app.get('/v1/described', {
      schema: { response: { 401: { type: 'object', required: ['code'], properties: { code: { type: 'integer' } } } } },
      handler: thrower(() => new AuthenticationError()),
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
  })
  after(() => app.close())

  const get = (url: string) => app.inject({ method: 'GET', url })

  test("a request without a valid token: the gateway's 401 on every tenant family, whatever the route documents; the admin plane's own", async () => {
    for (const prefix of ['/v1', '/query', '/objects', '/oauth', '/files', '/apps']) {
      const answer = await get(`${prefix}/unauthenticated`)
      assert.equal(answer.statusCode, 401, prefix)
      assert.equal(answer.headers['www-authenticate'], 'Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API')
      assert.match(String(answer.headers['content-type']), /^application\/json; charset=utf-8/)
      assert.equal(answer.body, '{"message":"Authentication error"}')
    }
    const described = await get('/v1/described')
    assert.deepEqual([described.statusCode, described.json()], [401, { message: 'Authentication error' }], 'not the route\'s 401 schema')
    const admin = await get('/admin/unauthenticated')
    assert.equal(admin.statusCode, 401)
    assert.equal(admin.headers['www-authenticate'], 'Bearer realm="zjobs admin"')
    assert.equal(ADMIN_WWW_AUTHENTICATE, admin.headers['www-authenticate'])
    assert.equal(WWW_AUTHENTICATE, 'Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API')
    const adminBody = admin.json()
    assert.match(adminBody.processId, PROCESS_ID)
    assert.deepEqual({ ...adminBody, processId: 'P' }, {
      success: false,
      processId: 'P',
      reasons: [{ code: '80000011', message: 'The admin plane takes the admin token: Authorization: Bearer $ZJOBS_ADMIN_TOKEN' }],
      requestId: admin.json().requestId,
    })
    assert.equal(typeof adminBody.requestId, 'string')
  })

  test("an OAuth error is OAuth's", async () => {
    const answer = await get('/oauth/refused')
    assert.deepEqual([answer.statusCode, answer.json()], [401, { error: 'invalid_client', error_description: 'Bad credentials' }])
    const grant = await get('/oauth/grant')
    assert.deepEqual([grant.statusCode, grant.json()], [400, { error: 'unsupported_grant_type', error_description: 'Only client_credentials' }])
  })

  test('an unexpected failure is logged and answered 500 without its detail, v1 with SystemError', async () => {
    logged.length = 0
    const v1 = await get('/v1/boom')
    assert.deepEqual([v1.statusCode, v1.json()], [500, { reasons: [{ code: 'SystemError', message: 'internal server error' }] }])
    assert.equal(logged.length, 1, 'logged once')
    assert.match(JSON.stringify(logged[0]), /request failed/)
    assert.equal((logged[0] as { err: { message: string } }).err.message, 'secret detail', 'the operator reads the failure in the log')
    const query = await get('/query/boom')
    assert.deepEqual([query.statusCode, query.json()], [500, { code: 500, message: 'internal server error' }])
    const objects = await get('/objects/boom')
    assert.deepEqual([objects.statusCode, objects.json()], [500, { code: 71000060, message: 'internal server error' }])
    assert.equal(logged.length, 3)
    const unavailable = await get('/v1/unavailable')
    assert.deepEqual([unavailable.statusCode, unavailable.json()], [500, { reasons: [{ code: 'SystemError', message: 'internal server error' }] }])
    logged.length = 0
    await get('/v1/limited')
    assert.equal(logged.length, 0, 'a refusal is not an error of the server')
  })

  test("an error's headers are sent; a route may name its family", async () => {
    const limited = await get('/query/limited')
    assert.deepEqual([limited.statusCode, limited.headers['retry-after'], limited.headers['x-extra']], [429, '7', 'y'])
    assert.deepEqual(limited.json(), { code: 429, message: 'slow down' })
    const v1 = await get('/v1/limited')
    assert.equal(v1.json().reasons[0].code, '50000070')
    const named = await get('/v1/as-query')
    assert.deepEqual([named.statusCode, named.json()], [404, { code: 1001, message: 'No such query' }])
  })

  test('a body refused before it was read: the client reads the whole answer and the connection takes the next request', async () => {
    const { port } = app.server.address() as { port: number }
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const sockets = new Set<unknown>()
    const send = (path: string, bytes: number) =>
      new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
        const req = httpRequest({ port, host: '127.0.0.1', path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': bytes } }, (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk) => (text += chunk))
          res.on('end', () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }))
        })
        req.on('socket', (socket) => sockets.add(socket))
        req.on('error', reject)
        // The body in chunks, as a client uploading it does, some of it after the answer.
        const chunk = Buffer.alloc(16 * 1024, 0x20)
        let left = bytes
        const write = () => {
          while (left > 0) {
            const n = Math.min(left, chunk.length)
            left -= n
            if (!req.write(chunk.subarray(0, n))) return void req.once('drain', write)
          }
          req.end()
        }
        write()
      })
    try {
      const refused = await send('/v1/upload', 256 * 1024)
      assert.equal(refused.status, 413)
      assert.equal(JSON.parse(refused.body).reasons[0].code, '50000070')
      assert.notEqual(refused.connection, 'close')
      const next = await send('/v1/upload', 10)
      assert.equal(next.status, 400, 'the next request on the connection is answered')
      assert.equal(sockets.size, 1, 'on the same connection')
    } finally {
      agent.destroy()
    }
  })

})
