// /readyz tells a load balancer whether requests can be served now: it fails while the API
// process cannot get a database connection (all of its pool busy), and recovers after.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type pg from 'pg'
import { request } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

describe('readiness', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  test('/readyz answers 503 while every connection of the API is taken, 200 again once one is free; /healthz stays 200', async () => {
    assert.equal((await request(`${server.url}/readyz`)).status, 200)
    const pool = server.server.db.pool
    const held: pg.PoolClient[] = []
    try {
      for (let i = 0; i < (pool.options.max ?? 10); i++) held.push(await pool.connect())
      const busy = await request(`${server.url}/readyz`)
      assert.equal(busy.status, 503)
      assert.deepEqual(busy.json(), { status: 'unavailable' })
      assert.equal((await request(`${server.url}/healthz`)).status, 200, 'the process itself is up')
    } finally {
      for (const client of held) client.release()
    }
    const ready = await request(`${server.url}/readyz`)
    assert.equal(ready.status, 200)
    assert.deepEqual(ready.json(), { status: 'ready' })
  })
})
