// Property-based fuzzing (fast-check) of every operation /openapi.json documents: hostile path
// parameters, query strings, headers, bodies, media types and content encodings. Whatever
// arrives, the server answers below 500, in the family's envelope (never the framework's),
// a refused request changes nothing in the database, and the health check answers throughout.
//
// Seeded: by default from the commit (test/helpers/seed.ts: the same requests at every run of a
// commit, others at the next); ZJOBS_FUZZ_SEED=<n> replays a run (each failure prints its seed
// and the shrunk request); ZJOBS_FUZZ_RUNS=<n> sets the requests per operation (default 12).
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { request, type HttpResponse } from '../helpers/http.ts'
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts'
import { suiteSeed } from '../helpers/seed.ts'
import { multipart } from '../backfill/helpers.ts'
import { changed, envelopeProblem, fillPath, fingerprint, operationName, operations, sampleOf, type Json, type Operation } from './routes.ts'

const { seed: SEED, source: SEED_SOURCE } = suiteSeed('fuzz', 'ZJOBS_FUZZ_SEED')
const RUNS = Number(process.env.ZJOBS_FUZZ_RUNS ?? 12)

/** Percent-encodes every byte of the text's UTF-8 but the unreserved ones. */
const encode = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('')

/** Path and query text already encoded, as no well-behaved client would send it. */
const RAW_SEGMENTS = [
  '%00', 'a%00b', '%ED%A0%80', '%ED%B0%80', '%FF', '%C0%AF', '%C3', '%25', '%2F', '%2e%2e', '..', '%20', '%0A', '%0D%0A',
  '%E2%80%AE', '%EF%BB%BF', 'null', 'undefined', '-1', '0', '1e309', 'NaN', '99999999999999999999999999',
  '%27%20OR%201%3D1--', '%3Cscript%3E', '__proto__', 'constructor', `${'a'.repeat(600)}`, `${'%41'.repeat(2000)}`,
]
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encode) },
  { weight: 1, arbitrary: fc.uuid().map((id) => (Math.random() < 0.5 ? id : id.replaceAll('-', ''))) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }) },
)

const headerText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }),
  fc.constantFrom('', ' ', '\t', 'x'.repeat(300), 'x'.repeat(17_000), 'ÿé', '00000000-0000-4000-8000-000000000000', '1,2,3', ',,,'),
)

const headers = fc.record(
  {
    'zuora-entity-ids': headerText,
    'zuora-org-ids': headerText,
    'zuora-track-id': headerText,
    'zuora-version': fc.oneof(headerText, fc.constantFrom('211.0', '999.0', '-1', '1.2.3')),
    'idempotency-key': headerText,
    'accept-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity;q=0', '*', 'gzip;q=abc', 'x-unknown'),
    accept: fc.constantFrom('application/json', 'text/csv', '*/*', 'application/xml', 'image/png;q=2'),
    'content-length-lie': fc.constant('yes'),
    range: fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=5-1', 'bytes=abc'),
  },
  { requiredKeys: [] },
)

type Auth = 'valid' | 'none' | 'garbage' | 'basic' | 'empty' | 'other-plane'
const auth = fc.constantFrom<Auth>('valid', 'valid', 'valid', 'valid', 'none', 'garbage', 'basic', 'empty', 'other-plane')

/** Text JSON cannot hold as a value PostgreSQL takes, and other awkward values, JSON-encoded. */
const HOSTILE_VALUES: Json[] = [
  'a\u0000b', '\ud800', '\udc00x', '', ' ', 'x'.repeat(70_000), -1, 0, 1e308, -0, 2 ** 53 + 1, 1.5, true, null, [], {}, [null],
  { $gt: '' }, '1', 'true', 'NaN', '2026-02-30', '9999-12-31T23:59:59Z', '../../etc/passwd', "'; DROP TABLE jobs; --",
]
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...HOSTILE_VALUES))

/** A JSON body near a valid one: the sample of the documented schema with a field changed, removed or added. */
function nearValid(op: Operation): fc.Arbitrary<Json> {
  const sample = sampleOf(op.bodySchema)
  const keys = Object.keys(op.bodySchema?.properties ?? {})
  const key = keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 }), fc.constant('__proto__')) : fc.string({ maxLength: 12 })
  return fc.tuple(fc.constantFrom('set', 'drop', 'asis'), key, jsonish).map(([how, name, value]) => {
    if (!sample || typeof sample !== 'object' || Array.isArray(sample)) return value
    const body = structuredClone(sample)
    if (how === 'set') Object.defineProperty(body, name, { value, enumerable: true, writable: true, configurable: true })
    if (how === 'drop') delete body[name]
    return body
  })
}

const RAW_BODIES = [
  '{', '[', '{"a":', 'nul', '""', '{"a":1,"a":2}', '\uFEFF{}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`, `{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, '{"query":"\\ud800"}', '{"query":"\u0000"}',
  'a,b\n"unterminated\n', 'Id,Name\r\n1,2\r\n', '\u0000\u0001\u0002', 'client_id=a&client_id=b&grant_type=client_credentials',
]

interface Body {
  payload?: Buffer
  contentType?: string
  encoding?: string
}

const contentType = fc.constantFrom(
  'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16',
  'text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', 'multipart/form-data',
  'application/xml', 'application/octet-stream', '', 'application/json;;', 'a/b/c',
)
const encoding = fc.constantFrom(undefined, undefined, undefined, undefined, 'gzip', 'gzip-lie', 'deflate', 'br', 'x-unknown', 'gzip, gzip', 'identity')

function bodyOf(op: Operation): fc.Arbitrary<Body> {
  const csvText = fc.array(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '""', '"a,b"', '\r', '\n', '\r\n', ',', '\u0000', '\ufeff')), { maxLength: 5 }), { maxLength: 6 })
    .map((rows) => rows.map((row) => row.join(',')).join(Math.random() < 0.5 ? '\n' : '\r\n'))
  const texts = fc.oneof(
    { weight: 4, arbitrary: op.bodySchema ? nearValid(op).map((value) => JSON.stringify(value) ?? 'null') : jsonish.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: jsonish.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 2, arbitrary: csvText },
  )
  const payload = fc.oneof(
    { weight: 6, arbitrary: texts.map((text) => Buffer.from(text, 'utf8')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('type', 'file', 'checksum', 'x', ''), fc.oneof(fc.constantFrom('RatePlanCharge', 'OrderLineItem', 'Id,Product Class\n'), fc.string({ maxLength: 30 })), csvText, fc.boolean())
        .map(([name, value, csv, withFile]) => {
          const parts = [{ name, value }]
          if (withFile) parts.push({ name: 'file', value: csv, filename: 'f.csv', contentType: 'text/csv' } as never)
          const built = multipart(parts)
          return Object.assign(built.body, { multipartType: built.contentType })
        }),
    },
  )
  const withBody = fc.tuple(payload, contentType, encoding).map(([bytes, type, enc]): Body => {
    const multipartType = (bytes as Buffer & { multipartType?: string }).multipartType
    let body = bytes
    if (enc === 'gzip') body = gzipSync(bytes)
    return { payload: body, contentType: multipartType && Math.random() < 0.8 ? multipartType : type, encoding: enc === 'gzip-lie' ? 'gzip' : enc }
  })
  return op.bodyTypes.length > 0 ? fc.oneof({ weight: 8, arbitrary: withBody }, { weight: 1, arbitrary: fc.constant({}) }) : fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: withBody })
}

interface Fixtures {
  tenantToken: string
  /** Values that name something real, per path parameter name. */
  real: Record<string, string[]>
}

function requestOf(op: Operation, fixtures: Fixtures) {
  const params: Record<string, fc.Arbitrary<string>> = {}
  for (const name of op.pathParams) {
    // Real ids reach deeper; never on DELETE, which would take the fixtures away.
    const real = op.method === 'DELETE' ? [] : (fixtures.real[name] ?? [])
    params[name] = real.length > 0 ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...real) }, { weight: 3, arbitrary: segment }) : segment
  }
  const queryName = fc.oneof(fc.constantFrom(...op.queryParams, 'q', 'pageSize', 'cursor', 'page', 'ids'), fc.string({ maxLength: 8 }).map(encode), fc.constantFrom(...RAW_SEGMENTS))
  const queryValue = fc.oneof(segment, fc.constantFrom('1', '0', '-5', '1000000', 'abc', '', 'true', 'completed', 'RatePlanCharge', 'Account', 'make__c%3A%27x%27'))
  const query = fc.array(fc.tuple(queryName, queryValue), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'))
  return fc.record({ params: fc.record(params), query, headers, auth, body: bodyOf(op) })
}

function headersOf(op: Operation, req: { headers: Record<string, string>; auth: Auth; body: Body }, fixtures: Fixtures): Record<string, string> {
  const admin = op.path.startsWith('/admin')
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) if (name !== 'content-length-lie') out[name] = value
  const token = admin ? ADMIN_TOKEN : fixtures.tenantToken
  const other = admin ? fixtures.tenantToken : ADMIN_TOKEN
  const authorization = { valid: `Bearer ${token}`, none: undefined, garbage: 'Bearer zz', basic: 'Basic YTpi', empty: 'Bearer ', 'other-plane': `Bearer ${other}` }[req.auth]
  if (authorization) out.authorization = authorization
  if (req.body.contentType !== undefined && req.body.payload) out['content-type'] = req.body.contentType
  if (req.body.encoding && req.body.payload) out['content-encoding'] = req.body.encoding
  return out
}

async function send(server: TestServer, method: string, path: string, headers: Record<string, string>, payload?: Buffer): Promise<HttpResponse> {
  return request(`${server.url}${path}`, { method, headers, body: payload })
}

describe('fuzzing every route of /openapi.json', () => {
  let server: TestServer
  let ops: Operation[]
  const fixtures: Fixtures = { tenantToken: '', real: {} }

  before(async () => {
    console.log(`# fuzz seed ${SEED} from ${SEED_SOURCE} (ZJOBS_FUZZ_SEED=${SEED} replays it), ${RUNS} requests per operation`)
    // No workers: a job accepted stays as it was, so the only changes are the requests'.
    server = await startTestServer({ dataQueryLiveQueued: 100_000, dataQueryWarehouseQueued: 100_000 }, { workers: 'none' })
    ops = await operations(server)
    fixtures.tenantToken = await server.token()
    const tenantId = String(server.server.bootstrap.tenant.id)
    const ok = async (response: Promise<HttpResponse>) => {
      const answer = await response
      assert.ok(answer.status < 300, answer.text)
      return answer.json()
    }
    await ok(
      server.api('POST', '/objects/definitions/default', {
        body: { definitions: { Vehicle: { object: 'Vehicle', label: 'Vehicle', properties: { VIN__c: { type: 'string', label: 'VIN', maxLength: 17 }, seats__c: { type: 'integer', label: 'Seats' } }, required: ['VIN__c'], filterable: ['VIN__c', 'seats__c'], unique: ['VIN__c'] } } },
      }),
    )
    const record = await ok(server.api('POST', '/objects/records/default/Vehicle', { body: { records: [{ VIN__c: 'V1', seats__c: 4 }] } }))
    const bulk = await ok(server.api('POST', '/objects/jobs', { body: { namespace: 'default', object: 'Vehicle', operation: 'create' } }))
    const query = await ok(server.api('POST', '/query/jobs', { body: { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } } }))
    const { body, contentType } = multipart([
      { name: 'type', value: 'RatePlanCharge' },
      { name: 'file', value: 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Once\n', filename: 'b.csv', contentType: 'text/csv' },
    ])
    const backfill = await ok(server.api('POST', '/v1/uno/data-backfill/jobs', { body, headers: { 'content-type': contentType } }))
    const propagation = await ok(server.api('POST', '/v1/uno/data-backfill/propagation/jobs', { body: { type: 'RatePlanCharge' } }))
    const booking = await ok(server.api('POST', '/v1/uno/data-backfill/bookingdate/jobs'))
    const users = await ok(server.admin('GET', `/admin/tenants/${tenantId}/users`))
    const { rows: files } = await server.server.db.query<{ id: string }>('SELECT id FROM files LIMIT 3')
    const recordId = String(record.records?.[0]?.Id ?? record.records?.[0]?.id ?? '')
    fixtures.real = {
      tenantId: [tenantId],
      userId: (users.data ?? users.users ?? users).map?.((user: Json) => String(user.id)) ?? [],
      jobId: [query.data.id, backfill.jobId, propagation.jobId ?? propagation.job?.id, booking.jobId ?? booking.job?.id].filter(Boolean).map(String),
      id: [bulk.Id, recordId].filter(Boolean).map(String),
      object: ['Vehicle'],
      fileId: files.map((file) => file.id),
      type: ['RatePlanCharge', 'OrderLineItem'],
    }
  })
  after(() => server?.close())

  test('no 5xx, the family envelope, nothing changed after a refusal, on every operation', async () => {
    const failures: string[] = []
    let requests = 0
    let refusals = 0
    let baseline = await fingerprint(server)
    for (const [index, op] of ops.entries()) {
      await fc.assert(
        fc.asyncProperty(requestOf(op, fixtures), async (req) => {
          const path = fillPath(op.path, req.params) + (req.query ? `?${req.query}` : '')
          const response = await send(server, op.method, path, headersOf(op, req, fixtures), req.body.payload)
          requests += 1
          const problem = envelopeProblem(path, response)
          if (problem) throw new Error(`${op.method} ${path.slice(0, 200)}: ${problem}`)
          const now = await fingerprint(server)
          if (response.status >= 400) {
            refusals += 1
            const touched = changed(baseline, now)
            if (touched.length > 0) throw new Error(`${op.method} ${path.slice(0, 200)} refused with ${response.status} but changed ${touched.join(', ')}: ${response.text.slice(0, 200)}`)
          }
          baseline = now
        }),
        { seed: SEED + index, numRuns: RUNS, endOnFailure: true },
      ).catch((error: Error) => {
        const cause = error.cause instanceof Error ? error.cause.message : ''
        const seedLine = error.message.split('\n').find((line) => line.includes('seed:')) ?? ''
        failures.push(`${operationName(op)}: ${cause.slice(0, 1500)} ${seedLine}`)
      })
      const health = await request(`${server.url}/healthz`)
      assert.equal(health.status, 200, `health after ${operationName(op)}`)
      const ready = await request(`${server.url}/readyz`)
      assert.equal(ready.status, 200, `readiness after ${operationName(op)}`)
    }
    console.log(`# fuzz: ${ops.length} operations, ${requests} requests, ${refusals} refused, ${failures.length} failing`)
    assert.deepEqual(failures, [], `seed ${SEED}`)
  })
})
