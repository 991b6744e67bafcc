// What the job commands do when the server is busy or out of reach: a 429 retried after its
// Retry-After (and said so), a Retry-After beyond the bound or retries spent ending in exit 4,
// a dropped connection and an expired token retried, an unreachable server. A small proxy in
// front of the real server misbehaves on cue.
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { freePort } from '../helpers/process.ts'
import { expectError, expectExit, runZjobs, startCliServer, type CliServer } from './helpers.ts'

interface Hit {
  method: string
  path: string
  at: number
  status: number
  idempotencyKey?: string
}

/** Answers a request itself (a status and headers), or undefined to pass it to the server. */
type Rule = (request: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string } | 'drop' | undefined

describe('zjobs job commands when the server is busy or away', () => {
  let cli: CliServer
  let proxy: Server
  let proxyUrl: string
  let rule: Rule = () => undefined
  let hits: Hit[] = []

  before(async () => {
    cli = await startCliServer()
    const upstream = new URL(cli.server.url)
    proxy = createServer((request: IncomingMessage, response: ServerResponse) => {
      const hit: Hit = {
        method: request.method!,
        path: request.url!.split('?')[0],
        at: Date.now(),
        status: 0,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
      }
      hits.push(hit)
      const answer = rule(request)
      if (answer === 'drop') {
        request.socket.destroy()
        return
      }
      if (answer) {
        hit.status = answer.status
        request.resume()
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        response.end(answer.body ?? JSON.stringify({ code: answer.status, message: 'Too many requests' }))
        return
      }
      const forwarded = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers },
        (reply) => {
          hit.status = reply.statusCode!
          response.writeHead(reply.statusCode!, reply.headers)
          reply.pipe(response)
        },
      )
      request.pipe(forwarded)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })
  after(async () => {
    await new Promise((resolve) => proxy.close(resolve))
    await cli.close()
  })

  const zjobs = (...args: string[]) => runZjobs(args, cli.env({ ZJOBS_URL: proxyUrl }), cli.dir)
  const once = (match: (request: IncomingMessage) => boolean, answer: ReturnType<Rule>): Rule => {
    let used = false
    return (request) => {
      if (used || !match(request)) return undefined
      used = true
      return answer
    }
  }
  const isSubmit = (request: IncomingMessage) => request.method === 'POST' && request.url === '/query/jobs'

  test('a 429 is retried after its Retry-After, and the command says so', async () => {
    hits = []
    rule = once(isSubmit, { status: 429, headers: { 'retry-after': '1' } })
    const result = await zjobs('query', 'SELECT 1 AS one')
    expectExit(result, 0)
    assert.equal(result.stdout, 'one\n1\n')
    assert.match(result.stderr, /^zjobs: HTTP 429 from POST \/query\/jobs: retry 1 of 4 in 1\.0 s \(its Retry-After\)$/m)
    const submits = hits.filter((hit) => hit.method === 'POST' && hit.path === '/query/jobs')
    assert.deepEqual(submits.map((hit) => hit.status), [429, 200])
    assert.ok(submits[1].at - submits[0].at >= 1000, `retried after ${submits[1].at - submits[0].at} ms`)
    // The refused attempt was not acted on: the retry is a new request, with a new key.
    assert.ok(submits[0].idempotencyKey && submits[1].idempotencyKey && submits[0].idempotencyKey !== submits[1].idempotencyKey)
  })

  test('a dropped connection is retried with the same Idempotency-Key; so is a 503 without Retry-After', async () => {
    hits = []
    let dropped = false
    let unavailable = false
    rule = (request) => {
      if (isSubmit(request) && !dropped) {
        dropped = true
        return 'drop'
      }
      if (request.method === 'GET' && request.url?.startsWith('/query/jobs/') && !unavailable) {
        unavailable = true
        return { status: 503, body: 'Service Unavailable' }
      }
      return undefined
    }
    const result = await zjobs('query', 'SELECT 1 AS one')
    expectExit(result, 0)
    assert.equal(result.stdout, 'one\n1\n')
    assert.match(result.stderr, /from POST \/query\/jobs: retry 1 of 4 in [\d.]+ s\n/)
    assert.match(result.stderr, /HTTP 503 from GET \/query\/jobs\/\{jobId\}: retry 1 of 4 in [\d.]+ s\n/)
    const submits = hits.filter((hit) => hit.method === 'POST' && hit.path === '/query/jobs')
    assert.equal(submits.length, 2)
    assert.equal(submits[0].idempotencyKey, submits[1].idempotencyKey, 'a retry after a lost answer replays, not resubmits')
  })

  test('a Retry-After beyond the bound fails at once with exit 4; so do retries spent', async () => {
    hits = []
    rule = (request) => (isSubmit(request) ? { status: 429, headers: { 'retry-after': '3600' } } : undefined)
    const started = Date.now()
    const tooLong = await zjobs('query', 'SELECT 1')
    assert.ok(Date.now() - started < 20_000)
    expectError(tooLong, 4, /^zjobs: 429: Too many requests \(the server asks to retry after 3600 s, longer than the 60 s this client waits\) \(HTTP 429, POST \/query\/jobs\)$/)
    assert.equal(hits.filter((hit) => hit.path === '/query/jobs').length, 1)

    hits = []
    rule = (request) => (isSubmit(request) ? { status: 429, headers: { 'retry-after': '0' } } : undefined)
    const spent = await zjobs('query', 'SELECT 1')
    expectError(spent, 4, /\(gave up after 4 retries\)/)
    assert.equal(hits.filter((hit) => hit.path === '/query/jobs').length, 5)
    assert.equal((spent.stderr.match(/retry \d of 4/g) ?? []).length, 4)
  })

  test('a 401 on a call gets one new token and one more try', async () => {
    hits = []
    rule = once((request) => request.method === 'GET' && Boolean(request.url?.startsWith('/query/jobs/')), {
      status: 401,
      body: JSON.stringify({ message: 'Authentication error' }),
    })
    const result = await zjobs('query', 'SELECT 1 AS one', '-q')
    expectExit(result, 0)
    assert.equal(hits.filter((hit) => hit.path === '/oauth/token').length, 2)
  })

  test('an unreachable server exits 4 after the retries, naming it', async () => {
    rule = () => undefined
    const port = await freePort()
    const result = await runZjobs(['jobs', 'ls'], cli.env({ ZJOBS_URL: `http://127.0.0.1:${port}` }), cli.dir)
    expectError(result, 4, new RegExp(`^zjobs: cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED.* \\(after 4 retries\\)`))
    assert.equal((result.stderr.match(/ECONNREFUSED.*from POST \/oauth\/token: retry \d of 4/g) ?? []).length, 4)
  })
})
