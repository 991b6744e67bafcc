// A job submission with an Idempotency-Key whose answer was lost: the job committed, then the
// process died before the answer was kept (its key left without a status). After the key stops
// blocking (120 s), the retry finds the job it submitted instead of submitting a second one; once
// the key has expired (24 hours), the same key submits anew.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { submitFile } from '../backfill/helpers.ts'
import { define, SMALL_VEHICLE } from '../objects/helpers.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

describe('a submission whose answer was lost with its process', () => {
  let server: TestServer
  let tenantId: string
  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    tenantId = server.server.bootstrap.tenant.id
    await define(server, { Vehicle: SMALL_VEHICLE })
  })
  after(() => server.close())

  const jobs = async () => (await server.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1', [tenantId])).rows[0]!.n
  /** What the process left when it died after the job's commit: the key claimed, no answer kept. */
  const loseAnswer = (key: string, age = '10 minutes') =>
    server.server.db.query(
      `UPDATE idempotency_keys SET status_code = NULL, headers = NULL, body = NULL, created_at = now() - $2::interval WHERE idem_key = $1`,
      [key, age],
    )

  const submissions: [string, (key: string) => Promise<string>][] = [
    [
      'a Data Query',
      async (key) => {
        const body = { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }
        const response = await server.api('POST', '/query/jobs', { body, headers: { 'idempotency-key': key } })
        assert.equal(response.status, 200, response.text)
        assert.equal(response.headers['idempotent-replayed'], undefined)
        return response.json().data.id
      },
    ],
    [
      'a custom object bulk job',
      async (key) => {
        const body = { namespace: 'default', object: 'Vehicle', operation: 'create' }
        const response = await server.api('POST', '/objects/jobs', { body, headers: { 'idempotency-key': key } })
        assert.equal(response.status, 200, response.text)
        return response.json().Id
      },
    ],
    [
      'a Data Backfill file job',
      (key) => submitFile(server, 'RatePlanCharge', 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Once\n', { headers: { 'idempotency-key': key } }),
    ],
    [
      'an auto backfill',
      async (key) => {
        const response = await server.api('POST', '/v1/uno/data-backfill/propagation/jobs', { body: { type: 'RatePlanCharge' }, headers: { 'idempotency-key': key } })
        assert.equal(response.status, 200, response.text)
        return response.json().jobId
      },
    ],
  ]

  for (const [what, submit] of submissions) {
    test(`${what}: the retry answers the job the lost answer named, and submits nothing`, async () => {
      const key = `lost-${what}`
      const first = await submit(key)
      const count = await jobs()
      await loseAnswer(key)
      assert.equal(await submit(key), first, 'the same job')
      assert.equal(await jobs(), count, 'no second job')
      // Its answer is kept now: a further retry is a replay.
      const { rows } = await server.server.db.query('SELECT status_code FROM idempotency_keys WHERE idem_key = $1', [key])
      assert.equal(rows[0]?.status_code, 200)

      // An expired key names no job: the same key submits a new one.
      await loseAnswer(key, '25 hours')
      await server.server.db.query('UPDATE idempotency_keys SET status_code = 200 WHERE idem_key = $1', [key])
      const later = await submit(key)
      assert.notEqual(later, first)
      assert.equal(await jobs(), count + 1)
    })
  }

  test('a file job found again keeps its own upload; the retry\'s upload is not kept', async () => {
    const key = 'lost-upload'
    const first = await submitFile(server, 'RatePlanCharge', 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Once\n', { headers: { 'idempotency-key': key } })
    const files = async () => (await server.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM files WHERE tenant_id = $1', [tenantId])).rows[0]!.n
    const before = await files()
    await loseAnswer(key)
    assert.equal(await submitFile(server, 'RatePlanCharge', 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Twice\n', { headers: { 'idempotency-key': key } }), first)
    assert.equal(await files(), before)
  })
})
