// Idempotency-Key on POST and PATCH (spec §7.9).
import assert from 'node:assert/strict'
import { assertV1Error, category } from '../helpers/envelopes.ts'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { startMaintenance } from '../../src/platform/maintenance.ts'
import { fixtures, type FixtureState } from '../helpers/fixtures.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'

const newKey = () => `key-${randomBytes(8).toString('hex')}`

describe('Idempotency-Key', () => {
  let server: TestServer
  const state: FixtureState = { calls: 0, release: () => {} }
  before(async () => {
    server = await startTestServer({}, { routes: [fixtures(state)] })
  })
  after(() => server.close())

  const post = (path: string, key: string | undefined, body: unknown = { n: 1 }, token?: string) =>
    server.api('POST', path, { body, token, headers: { 'idempotency-key': key } })

  const storedRow = async (key: string) => {
    const { rows } = await server.server.db.query<{
      tenant_id: string
      method: string
      url: string
      status_code: number | null
      headers: Record<string, string> | null
      body: Buffer | null
    }>('SELECT tenant_id, method, url, status_code, headers, body FROM idempotency_keys WHERE idem_key = $1', [key])
    return rows[0]
  }

  test('the first response is replayed for the same key without running the handler again', async () => {
    const key = newKey()
    const first = await post('/v1/fixtures/counter', key, { order: 'first' })
    assert.equal(first.status, 200, first.text)
    assert.equal(first.headers['idempotent-replayed'], undefined)
    const calls = state.calls
    assert.deepEqual(first.json(), { call: calls, body: { order: 'first' } })

    // Same key, even with another body: the stored result.
    for (const body of [{ order: 'first' }, { order: 'second' }]) {
      const again = await post('/v1/fixtures/counter', key, body)
      assert.equal(again.status, 200)
      assert.equal(again.headers['idempotent-replayed'], 'true')
      assert.equal(again.text, first.text)
      assert.equal(again.headers['content-type'], first.headers['content-type'])
      assert.match(String(again.headers['zuora-request-id']), /^[0-9a-f-]{36}$/)
      assert.notEqual(again.headers['zuora-request-id'], first.headers['zuora-request-id'])
    }
    assert.equal(state.calls, calls, 'the handler ran once')

    // Without the key, the handler runs every time.
    const plain = await post('/v1/fixtures/counter', undefined)
    assert.equal(plain.json().call, calls + 1)
  })

  test('the stored response is kept in the database with its status, headers and body', async () => {
    const key = newKey()
    const first = await post('/v1/fixtures/counter', key, { stored: true })
    assert.equal(first.status, 200)
    const row = await storedRow(key)
    assert.ok(row)
    assert.equal(String(row.tenant_id), server.server.bootstrap.tenant.id)
    assert.equal(row.method, 'POST')
    assert.equal(row.url, '/v1/fixtures/counter')
    assert.equal(row.status_code, 200)
    assert.equal(row.body?.toString(), first.text)
    assert.equal(row.headers?.['content-type'], first.headers['content-type'])
    assert.equal(row.headers?.['zuora-request-id'], undefined, 'per-exchange headers are not kept')
  })

  test('a failed first response is replayed too', async () => {
    const key = newKey()
    const first = await post('/v1/fixtures/counter?fail=1', key)
    const body = assertV1Error(first, 400, category('20'))
    const calls = state.calls
    assert.equal(body.reasons[0].message, `fixture failure ${calls}`)
    assert.equal((await storedRow(key))?.status_code, 400)

    const again = await post('/v1/fixtures/counter?fail=1', key)
    assert.equal(again.status, 400)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.text, first.text)
    assert.match(String(again.headers['content-type']), /^application\/json/)
    assert.equal(state.calls, calls, 'the failing handler ran once')
  })

  test('a PATCH is replayed as a POST is', async () => {
    const key = newKey()
    const first = await server.api('PATCH', '/v1/fixtures/counter', { body: { p: 1 }, headers: { 'idempotency-key': key } })
    assert.equal(first.status, 200)
    const calls = state.calls
    const again = await server.api('PATCH', '/v1/fixtures/counter', { body: { p: 1 }, headers: { 'idempotency-key': key } })
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.text, first.text)
    assert.equal(state.calls, calls)
  })

  test('the same key on another URL gets 422', async () => {
    const key = newKey()
    assert.equal((await post('/v1/fixtures/counter', key)).status, 200)
    const calls = state.calls
    const other = await post('/v1/fixtures/other-counter', key)
    const body = assertV1Error(other, 422, category('20'))
    assert.match(body.reasons[0].message, /Idempotency-Key/)
    assert.equal(other.headers['idempotent-replayed'], undefined)
    const otherQuery = await post('/v1/fixtures/counter?fail=1', key)
    assertV1Error(otherQuery, 422, category('20'))
    assert.equal(state.calls, calls, 'no handler ran')
  })

  test('the same key with PATCH after POST gets 422', async () => {
    const key = newKey()
    assert.equal((await post('/v1/fixtures/counter', key)).status, 200)
    const calls = state.calls
    const patch = await server.api('PATCH', '/v1/fixtures/counter', { body: { n: 1 }, headers: { 'idempotency-key': key } })
    assertV1Error(patch, 422, category('20'))
    assert.equal(state.calls, calls)
  })

  test("the same key from another tenant gets 422 and never sees the first tenant's response", async () => {
    const key = newKey()
    const secret = `private-${randomBytes(6).toString('hex')}`
    const first = await post('/v1/fixtures/counter', key, { secret })
    assert.equal(first.status, 200)
    assert.ok(first.text.includes(secret))
    const calls = state.calls

    const other = await createTenantWithClient(server)
    const response = await post('/v1/fixtures/counter', key, { secret: 'mine' }, other.token)
    assertV1Error(response, 422, category('20'))
    assert.ok(!response.text.includes(secret))
    assert.equal(response.headers['idempotent-replayed'], undefined)
    assert.equal(state.calls, calls)

    // The first tenant still gets its replay.
    const replay = await post('/v1/fixtures/counter', key, { secret })
    assert.equal(replay.text, first.text)
    assert.equal(String((await storedRow(key))?.tenant_id), server.server.bootstrap.tenant.id)
  })

  test('a duplicate while the first request is still running gets 409', async () => {
    const key = newKey()
    const path = '/v1/fixtures/counter?park=1'
    const callsBefore = state.calls
    const firstPromise = post(path, key, { slow: true })
    // The first has claimed the key and its handler runs, parked: it has not answered.
    const deadline = Date.now() + 30_000
    while (state.calls === callsBefore || !(await storedRow(key))) {
      if (Date.now() > deadline) assert.fail('the first request never reached its handler')
      await sleep(10)
    }
    assert.equal((await storedRow(key))?.status_code, null)
    const calls = state.calls

    const duplicate = await post(path, key, { slow: true })
    const body = assertV1Error(duplicate, 409, category('50'))
    assert.match(body.reasons[0].message, /in progress/)
    assert.equal(state.calls, calls, 'the duplicate did not run the handler')

    state.release()
    const first = await firstPromise
    assert.equal(first.status, 200)
    assert.deepEqual(first.json().body, { slow: true })

    const replay = await post(path, key, { slow: true })
    assert.equal(replay.headers['idempotent-replayed'], 'true')
    assert.equal(replay.text, first.text)
    assert.equal(state.calls, calls)
  })

  test('a key longer than 255 characters gets 400; 255 is accepted', async () => {
    const calls = state.calls
    const tooLong = await post('/v1/fixtures/counter', 'k'.repeat(256))
    const body = assertV1Error(tooLong, 400, category('20'))
    assert.match(body.reasons[0].message, /Idempotency-Key/)
    assert.equal(state.calls, calls)
    assert.equal(await storedRow('k'.repeat(256)), undefined)

    const longest = `${randomBytes(4).toString('hex')}${'k'.repeat(247)}`
    assert.equal(longest.length, 255)
    const first = await post('/v1/fixtures/counter', longest)
    assert.equal(first.status, 200)
    const again = await post('/v1/fixtures/counter', longest)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.text, first.text)
  })

  test('the header on GET is ignored', async () => {
    const key = newKey()
    for (let i = 0; i < 2; i++) {
      const response = await server.api('GET', '/v1/fixtures/whoami', { headers: { 'idempotency-key': key } })
      assert.equal(response.status, 200)
      assert.equal(response.headers['idempotent-replayed'], undefined)
    }
    assert.equal(await storedRow(key), undefined)
    const invalid = await server.api('GET', '/v1/fixtures/whoami', { headers: { 'idempotency-key': 'k'.repeat(300) } })
    assert.equal(invalid.status, 200)
  })

  test('a key expires after the configured time', async () => {
    assert.equal(server.config.idempotencyTtlHours, 24)
    const key = newKey()
    const first = await post('/v1/fixtures/counter', key, { round: 1 })
    assert.equal(first.status, 200)
    const firstCall = first.json().call

    // Just inside the time: still replayed.
    await server.server.db.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '23 hours 59 minutes' WHERE idem_key = $1`,
      [key],
    )
    const replay = await post('/v1/fixtures/counter', key, { round: 2 })
    assert.equal(replay.headers['idempotent-replayed'], 'true')
    assert.equal(replay.json().call, firstCall)

    // Past it: the key is free again and the request runs afresh.
    await server.server.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idem_key = $1`, [
      key,
    ])
    const fresh = await post('/v1/fixtures/counter', key, { round: 3 })
    assert.equal(fresh.status, 200)
    assert.equal(fresh.headers['idempotent-replayed'], undefined)
    assert.deepEqual(fresh.json(), { call: state.calls, body: { round: 3 } })
    assert.ok(fresh.json().call > firstCall)
    assert.equal((await storedRow(key))?.body?.toString(), fresh.text)

    // An expired key can also be taken by another tenant, or by another URL.
    await server.server.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idem_key = $1`, [
      key,
    ])
    const other = await createTenantWithClient(server)
    const otherTenant = await post('/v1/fixtures/other-counter', key, { round: 4 }, other.token)
    assert.equal(otherTenant.status, 200, otherTenant.text)
    assert.equal(otherTenant.headers['idempotent-replayed'], undefined)
    assert.equal(String((await storedRow(key))?.tenant_id), other.tenant.id)
  })

  test('maintenance removes expired keys and keeps fresh ones', async () => {
    const expired = newKey()
    const fresh = newKey()
    assert.equal((await post('/v1/fixtures/counter', expired)).status, 200)
    assert.equal((await post('/v1/fixtures/counter', fresh)).status, 200)
    await server.server.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idem_key = $1`, [
      expired,
    ])
    const maintenance = startMaintenance(server.server.db, pino({ level: 'silent' }), { idempotencyTtlHours: 24, intervalMs: 3_600_000 })
    try {
      await maintenance.run()
    } finally {
      maintenance.stop()
    }
    assert.equal(await storedRow(expired), undefined)
    assert.equal((await storedRow(fresh))?.status_code, 200)
  })
})
