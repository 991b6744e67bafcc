// The sandbox plane of a real `zjobs start`: its CLI verbs (zjobs sandbox ...) against the
// running server, and a restart that keeps each tenant's clock and policies and a held job.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from '../helpers/http.ts'
import { freePort, killAll, runZjobs, startZjobs, type ZjobsProcess } from '../helpers/process.ts'
import { ADMIN_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, issueToken } from '../helpers/server.ts'
import { processSettings } from './helpers.ts'

const READY = /zjobs listening on/



describe('the sandbox plane of a running server', () => {
  let database: Awaited<ReturnType<typeof processSettings>>["database"]
  let env: NodeJS.ProcessEnv
  let server: ZjobsProcess
  let url: string
  let jobId: string
  const cli = async (...args: string[]) => {
    const run = await runZjobs(['sandbox', ...args], env)
    assert.equal(run.code, 0, `zjobs sandbox ${args.join(' ')}: ${run.stderr}`)
    assert.equal(run.stderr, '')
    return JSON.parse(run.stdout)
  }
  const adminGet = async (path: string) => {
    const response = await request(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    assert.equal(response.status, 200, response.text)
    return response.json()
  }

  before(async () => {
    ;({ database, url, env } = await processSettings())
    server = await startZjobs('start', env, READY)
  })
  after(async () => {
    killAll()
    await database.drop()
  })

  test('zjobs sandbox sets the clock and the policies, shows and advances a job, and says what it refuses', async () => {
    assert.equal((await cli('clock')).mode, 'real')
    assert.deepEqual(await cli('clock', 'freeze', '2025-01-01T00:00:00Z'), { tenantId: '10000', mode: 'frozen', now: '2025-01-01T00:00:00.000Z' })
    assert.equal((await cli('clock', 'advance', '1d')).now, '2025-01-02T00:00:00.000Z')
    assert.equal((await cli('lifecycle', 'set', 'dataQuery', 'manual')).dataQuery.progression, 'manual')
    const policies = await cli('--tenant', '10000', 'lifecycle', 'set', 'customObjectBulk', 'time', '1m')
    assert.deepEqual([policies.dataQuery, policies.customObjectBulk], [{ progression: 'manual' }, { progression: 'time', seconds: 60 }])

    const token = await issueToken(url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    const submitted = await request(`${url}/query/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: { query: 'SELECT 1 AS one', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } },
    })
    assert.equal(submitted.status, 200, submitted.text)
    jobId = submitted.json().data.id
    assert.equal(submitted.json().data.createdOn, '2025-01-02T00:00:00.000Z')
    const shown = await cli('lifecycle', 'job', jobId)
    assert.deepEqual([shown.status, shown.held, shown.policy], ['accepted', true, { progression: 'manual' }])
    assert.equal((await cli('advance', jobId)).status, 'in_progress')

    const refused = await runZjobs(['sandbox', 'advance', jobId, '--to', 'Stopping'], env)
    assert.equal(refused.code, 3, refused.stderr)
    assert.match(refused.stderr, /^zjobs: HTTP 400: to: 'Stopping' is not a state a dataQuery job .* \(\d{6}20\)\n$/)
    const badPolicy = await runZjobs(['sandbox', 'lifecycle', 'set', 'dataQuery', 'sometimes'], env)
    assert.equal(badPolicy.code, 3)
    assert.match(badPolicy.stderr, /HTTP 400: body\.dataQuery\.progression/)
    const badDuration = await runZjobs(['sandbox', 'clock', 'advance', 'soon'], env)
    assert.equal(badDuration.code, 2)
    assert.match(badDuration.stderr, /soon is not a duration/)
    const nowhere = await runZjobs(['sandbox', '--url', `http://127.0.0.1:${await freePort()}`, 'clock'], env)
    assert.equal(nowhere.code, 4)
    assert.match(nowhere.stderr, /no zjobs server at/)
    assert.equal((await cli('clock')).now, '2025-01-02T00:00:00.000Z', 'nothing refused changed anything')
  })

  test('a restart keeps each tenant\'s clock, its policies and a held job\'s state', async () => {
    const exit = await server.stop('SIGTERM')
    assert.equal(exit.code, 0)
    server = await startZjobs('start', env, READY)
    assert.deepEqual(await adminGet('/admin/tenants/10000/clock'), { tenantId: '10000', mode: 'frozen', now: '2025-01-02T00:00:00.000Z' })
    const policies = await adminGet('/admin/tenants/10000/lifecycle')
    assert.deepEqual([policies.dataQuery, policies.customObjectBulk], [{ progression: 'manual' }, { progression: 'time', seconds: 60 }])
    const job = await adminGet(`/admin/tenants/10000/jobs/${jobId}/lifecycle`)
    assert.deepEqual([job.status, job.held], ['in_progress', true])

    assert.equal((await cli('advance', jobId, '--to', 'completed')).held, false)
    const token = await issueToken(url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    for (let poll = 0; ; poll++) {
      const read = await request(`${url}/query/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(read.status, 200, read.text)
      const data = read.json().data
      if (data.queryStatus === 'completed') {
        assert.deepEqual([data.createdOn, data.updatedOn, data.outputRows], ['2025-01-02T00:00:00.000Z', '2025-01-02T00:00:00.000Z', 1])
        break
      }
      assert.equal(data.queryStatus, 'in_progress')
      assert.ok(poll < 600, 'the released job ends')
      await sleep(100)
    }
  })
})
