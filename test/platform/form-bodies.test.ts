// Form bodies: /oauth/token takes application/x-www-form-urlencoded (RFC 6749, and Zuora's own
// samples); every other route takes JSON (or its file's type), as Zuora's API does, and a form
// sent to it is refused with the family's 415, in its envelope, changing nothing
// (docs/decisions.md, "Form bodies on the token route only").
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { ADMIN_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, startTestServer, type TestServer } from '../helpers/server.ts'
import { changed, envelopeProblem, fillPath, fingerprint, operationName, operations, sampleOf, type Operation } from '../reliability/routes.ts'

const FORM = 'application/x-www-form-urlencoded'

/** The form a careless client would send for the operation's JSON body. */
function formOf(op: Operation): string {
  const sample = sampleOf(op.bodySchema)
  const fields = sample && typeof sample === 'object' && !Array.isArray(sample) ? Object.entries(sample) : []
  const form = new URLSearchParams(fields.map(([name, value]): [string, string] => [name, typeof value === 'object' ? JSON.stringify(value) : String(value)]))
  return form.toString() || 'a=b'
}

describe('form bodies', () => {
  let server: TestServer
  let token: string
  let tenantId: string

  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    token = await server.token()
    tenantId = String(server.server.bootstrap.tenant.id)
  })
  after(() => server?.close())

  test('/oauth/token takes a form', async () => {
    const response = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      form: { client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'client_credentials' },
    })
    assert.equal(response.status, 200, response.text)
    assert.ok(response.json().access_token)
  })

  test("every JSON route refuses a form with its family's 415, in its envelope, and changes nothing", async () => {
    const ops = (await operations(server)).filter((op) => op.bodyTypes.includes('application/json') && op.path !== '/oauth/token')
    assert.ok(ops.length >= 20, `JSON operations: ${ops.length}`)
    const problems: string[] = []
    for (const op of ops) {
      // Ids that need not exist: the body's type is refused before anything is looked up.
      const path = fillPath(op.path, Object.fromEntries(op.pathParams.map((name) => [name, name === 'tenantId' ? tenantId : name === 'object' ? 'Vehicle' : '00000000000000000000000000000001'])))
      const admin = op.path.startsWith('/admin')
      const before = await fingerprint(server)
      const response = await request(`${server.url}${path}`, {
        method: op.method,
        body: formOf(op),
        headers: { authorization: `Bearer ${admin ? ADMIN_TOKEN : token}`, 'content-type': FORM },
      })
      const touched = changed(before, await fingerprint(server))
      const envelope = envelopeProblem(path, response)
      if (response.status !== 415 || envelope || touched.length > 0) {
        problems.push(`${operationName(op)} -> ${response.status}${envelope ? ` ${envelope}` : ''}${touched.length ? ` changed ${touched.join(', ')}` : ''} ${response.text.slice(0, 200)}`)
      }
    }
    console.log(`# form bodies: ${ops.length} JSON operations refused a form`)
    assert.deepEqual(problems, [])
  })

  test("each family's 415 is its documented one", async () => {
    const form = { authorization: `Bearer ${token}`, 'content-type': FORM }
    const query = await request(`${server.url}/query/jobs`, { method: 'POST', body: 'query=SELECT+1&outputFormat=CSV', headers: form })
    assert.equal(query.status, 415)
    assert.deepEqual([query.json().code, query.json().message], [415, 'HTTP 415 Unsupported Media Type'])
    const objects = await request(`${server.url}/objects/jobs`, { method: 'POST', body: 'namespace=default&object=Vehicle&operation=create', headers: form })
    assert.equal(objects.status, 415, objects.text)
    assert.equal(objects.json().code, 71000045)
    const backfill = await request(`${server.url}/v1/uno/data-backfill/propagation/jobs`, { method: 'POST', body: 'type=RatePlanCharge', headers: form })
    assert.equal(backfill.status, 415, backfill.text)
    assert.equal(backfill.json().success, false)
    const admin = await request(`${server.url}/admin/tenants`, { method: 'POST', body: 'name=Acme', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': FORM } })
    assert.equal(admin.status, 415, admin.text)
    assert.match(admin.json().reasons[0].code, /^800000\d\d$/)
    // Not only forms: a definition sent as XML was handed over as a stream, and refused with a
    // 400 naming the stream's internals (body._readableState is not a known field).
    const text = await request(`${server.url}/objects/definitions/default`, { method: 'POST', body: '<definitions/>', headers: { ...form, 'content-type': 'application/xml' } })
    assert.equal(text.status, 415, text.text)
    assert.doesNotMatch(text.text, /_readableState|socket/)
    // The same bodies as JSON are taken.
    assert.equal((await server.admin('POST', '/admin/tenants', { name: 'Acme' })).status, 201)
  })
})
