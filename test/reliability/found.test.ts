// Defects the reliability suites found (fuzzing, the isolation matrix, the crash harness),
// each pinned by the smallest request that showed it.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { envelopeProblem } from './routes.ts'

describe('found by the reliability suites', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
  })
  after(() => server?.close())

  test("the records routes answer a missing or bad token with the gateway's 401, not a 500", async () => {
    // Their documented 401 body wants a code; the gateway's has none, and serializing it threw.
    for (const path of ['/objects/records/default/Vehicle', '/objects/records/default/Vehicle/00000000-0000-4000-8000-000000000000']) {
      for (const authorization of [undefined, 'Basic YTpi', 'Bearer not-a-token']) {
        const response = await request(`${server.url}${path}`, { headers: { authorization } })
        assert.equal(response.status, 401, `${path} ${authorization}: ${response.text}`)
        assert.deepEqual(response.json(), { message: 'Authentication error' })
        assert.equal(envelopeProblem(path, response), undefined)
      }
    }
    const post = await request(`${server.url}/objects/batch/default/Vehicle`, { method: 'POST', body: { action: { type: 'delete', ids: [] } } })
    assert.equal(post.status, 401, post.text)
  })
})
