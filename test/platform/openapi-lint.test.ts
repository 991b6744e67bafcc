// /openapi.json as a first-class artifact (issue 19): Redocly's recommended rules find nothing
// in it (redocly.yaml; @redocly/cli runs offline, telemetry and update checks off), and every
// operation has an operationId, a summary, a 4xx answer and an example; the oauth2
// client-credentials scheme and the servers point at the server the document was read from;
// /docs reads /openapi.json.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

describe('/openapi.json lints clean and serves generated clients', () => {
  let server: TestServer
  let document: Json
  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    document = (await request(`${server.url}/openapi.json`)).json()
  })
  after(() => server?.close())

  test("Redocly's recommended rules: no error, no warning", () => {
    const folder = mkdtempSync(join(tmpdir(), 'zjobs-openapi-'))
    try {
      const file = join(folder, 'openapi.json')
      writeFileSync(file, JSON.stringify(document))
      const cli = new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url).pathname
      const config = new URL('../../redocly.yaml', import.meta.url).pathname
      const result = spawnSync(process.execPath, [cli, 'lint', file, '--config', config, '--format', 'json'], {
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        timeout: 120_000,
      })
      const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))
      const problems = report.problems.map((problem: Json) => `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location?.[0]?.pointer}`)
      assert.deepEqual(problems, [], result.stderr)
      assert.equal(result.status, 0, result.stderr)
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  test('every operation: a unique operationId, a summary, a 4xx answer and an example', () => {
    const ids = new Set<string>()
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const method of HTTP_METHODS.filter((candidate) => item[candidate])) {
        const operation = item[method]
        const where = `${method.toUpperCase()} ${path}`
        assert.match(String(operation.operationId), /^\w+$/, `${where} has an operationId`)
        assert.ok(!ids.has(operation.operationId), `${where}: ${operation.operationId} is unique`)
        ids.add(operation.operationId)
        assert.ok(operation.summary, `${where} has a summary`)
        assert.ok(Object.keys(operation.responses).some((status) => /^4\d\d$/.test(status)), `${where} documents a 4xx answer`)
        const media = [operation.requestBody, ...Object.values(operation.responses)].flatMap((part: Json) => Object.values(part?.content ?? {}))
        assert.ok(media.some((content: Json) => content.example !== undefined || content.examples !== undefined), `${where} has an example`)
      }
    }
  })

  test("Zuora's operationIds on the vendor operations, and the oauth2 scheme and servers of this server", () => {
    assert.equal(document.paths['/query/jobs'].post.operationId, 'POST_DataQueryJob')
    assert.equal(document.paths['/oauth/token'].post.operationId, 'createToken')
    assert.equal(document.paths['/v1/uno/data-backfill/propagation/jobs/{jobId}'].put.operationId, 'PUT_StopAutoBackfillJobById')
    assert.deepEqual(document.servers.map((entry: Json) => entry.url), [server.url.replace('localhost', '127.0.0.1').replace(/\/$/, '')].map((url) => url))
    const oauth2 = document.components.securitySchemes.oauth2
    assert.equal(oauth2.type, 'oauth2')
    assert.equal(oauth2.flows.clientCredentials.tokenUrl, `${document.servers[0].url}/oauth/token`)
    assert.deepEqual(document.security, [{ oauth2: [] }, { bearerAuth: [] }])
    assert.ok(document.tags.every((tag: Json) => tag.description), 'every tag has a description')
  })

  test('a token from the documented tokenUrl, sent as Swagger UI sends it (HTTP Basic), is accepted', async () => {
    const tokenUrl = document.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl
    const { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } = await import('../helpers/server.ts')
    const response = await request(tokenUrl, {
      method: 'POST',
      form: { grant_type: 'client_credentials', scope: '' },
      headers: { authorization: `Basic ${Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString('base64')}` },
    })
    assert.equal(response.status, 200, response.text)
    const listed = await request(`${server.url}/query/jobs`, { headers: { authorization: `Bearer ${response.json().access_token}` } })
    assert.equal(listed.status, 200)
  })

  test('/docs reads /openapi.json', async () => {
    const json = await request(`${server.url}/docs/json`)
    assert.equal(json.status, 302)
    assert.equal(json.headers.location, '/openapi.json')
  })
})
