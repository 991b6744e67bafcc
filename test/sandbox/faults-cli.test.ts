// Faults and the journal on a real `zjobs start`: the CLI verbs (zjobs sandbox faults ...,
// zjobs sandbox requests ...), a rule that survives a restart with its count, and a second
// API process on the same database that sees a rule added through the first.
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from '../helpers/http.ts'
import { freePort, killAll, runZjobs, startZjobs, type ZjobsProcess } from '../helpers/process.ts'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, issueToken } from '../helpers/server.ts'
import { processSettings } from './helpers.ts'

const READY = /zjobs listening on/


describe('faults and the journal of a running server', () => {
  let database: Awaited<ReturnType<typeof processSettings>>["database"]
  let env: NodeJS.ProcessEnv
  let server: ZjobsProcess
  let url: string
  let folder: string
  const cli = async (...args: string[]) => {
    const run = await runZjobs(['sandbox', ...args], env)
    assert.equal(run.code, 0, `zjobs sandbox ${args.join(' ')}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }
  const list = async (base: string) => {
    const token = await issueToken(base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    return request(`${base}/query/jobs`, { headers: { authorization: `Bearer ${token}` } })
  }

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'zjobs-faults-'))
    ;({ database, url, env } = await processSettings())
    server = await startZjobs('start', env, READY)
  })
  after(async () => {
    killAll()
    await database.drop()
    rmSync(folder, { recursive: true, force: true })
  })

  test('zjobs sandbox faults adds, lists and removes rules; requests lists and clears the journal; bad input exits 2 or 3', async () => {
    const rule = await cli('faults', 'add', '{"match":{"operationId":"GET_DataQueryJobs"},"effect":{"status":503,"retryAfter":2},"times":3}')
    assert.equal(rule.remaining, 3)
    const file = join(folder, 'rule.json')
    writeFileSync(file, JSON.stringify({ job: { type: 'dataQuery', transientFailures: 1 }, times: 1 }))
    const second = await cli('faults', 'add', '--file', file)
    assert.deepEqual((await cli('faults')).faults.map((listed: { id: string }) => listed.id), [rule.id, second.id])
    assert.equal((await cli('faults', 'show', second.id)).job.transientFailures, 1)
    assert.deepEqual(await cli('faults', 'rm', second.id), { id: second.id, deleted: true })

    const refused = await list(url)
    assert.equal(refused.status, 503)
    assert.equal(refused.headers['retry-after'], '2')
    const [entry] = (await cli('requests', '--limit', '1')).requests
    assert.deepEqual([entry.method, entry.path, entry.status, entry.fault.ruleId], ['GET', '/query/jobs', 503, rule.id])
    assert.ok((await cli('requests', 'clear')).deleted >= 1)
    assert.deepEqual((await cli('requests')).requests, [])

    const badJson = await runZjobs(['sandbox', 'faults', 'add', '{nope'], env)
    assert.equal(badJson.code, 2, badJson.stderr)
    const badRule = await runZjobs(['sandbox', 'faults', 'add', '{"match":{"operationId":"GET_Nothing"},"effect":{"status":500}}'], env)
    assert.equal(badRule.code, 3, badRule.stderr)
    assert.match(badRule.stderr, /HTTP 400: match\.operationId: 'GET_Nothing' is not an operation .* \(\d{6}20\)/)
    assert.equal((await cli('faults')).faults.length, 1, 'nothing refused changed anything')
  })

  test('a rule survives a restart with its count, and another API process on the database applies it', async () => {
    const exit = await server.stop('SIGTERM')
    assert.equal(exit.code, 0)
    server = await startZjobs('start', env, READY)
    const [kept] = (await cli('faults')).faults
    assert.deepEqual([kept.fired, kept.remaining], [1, 2])
    assert.equal((await list(url)).status, 503)

    // A second process (its own port, no workers) on the same database.
    const port = await freePort()
    const secondUrl = `http://127.0.0.1:${port}`
    const second = await startZjobs('start', { ...env, PORT: String(port), ZJOBS_WORKER_CONCURRENCY: '0' }, READY)
    try {
      assert.equal((await list(secondUrl)).status, 503, 'the last firing, in the other process')
      assert.equal((await list(url)).status, 200, 'used up: exactly three firings over both processes')
      assert.equal((await list(secondUrl)).status, 200)
      const added = await cli('faults', 'add', '{"match":{"operationId":"GET_DataQueryJobs"},"effect":{"status":500},"times":1}')
      // The other process hears of the new rule within about a second.
      let status = 200
      for (let poll = 0; poll < 100 && status === 200; poll++) {
        status = (await list(secondUrl)).status
        if (status === 200) await sleep(100)
      }
      assert.equal(status, 500)
      assert.equal((await cli('faults', 'show', added.id)).fired, 1)
    } finally {
      await second.stop('SIGTERM')
    }
  })
})
