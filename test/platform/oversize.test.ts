// Requests too large to serve, sent as a client sends them (over a plain socket, the whole
// request written at once): a URL over the header limit, a 60 KB header, a body over the
// limit, a request line that is not HTTP. Each gets a readable answer in its family's shape,
// with Zuora-Request-Id, never Node's or Fastify's body and never a reset before the answer.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { define, vehicle } from '../objects/helpers.ts'

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** The socket error seen after the answer (the server closing while the client still wrote), if any. */
  error?: string
}

/**
 * Writes `head` and `body` (in 64 KB pieces, as fast as the socket takes them) and reads the
 * answer: done once the answer is whole and the body written (or the socket closed).
 */
function rawRequest(url: string, head: string, body?: Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    let error: string | undefined
    let written = false
    let settled = false
    const parse = (): RawResponse | undefined => {
      const bytes = Buffer.concat(chunks)
      const split = bytes.indexOf('\r\n\r\n')
      if (split < 0) return undefined
      const [statusLine, ...lines] = bytes.subarray(0, split).toString('latin1').split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim()
      const length = Number(headers['content-length'])
      const rest = bytes.subarray(split + 4)
      if (!(rest.length >= length)) return undefined
      return { status: Number(statusLine.split(' ')[1]), headers, body: rest.subarray(0, length).toString('utf8'), error }
    }
    const settle = (closed: boolean) => {
      if (settled) return
      const response = parse()
      if (response && (written || closed)) {
        settled = true
        socket.destroy()
        resolve({ ...response, error })
      } else if (closed) {
        settled = true
        reject(new Error(`no whole answer (socket error: ${error ?? 'none'}); got ${JSON.stringify(Buffer.concat(chunks).toString('utf8').slice(0, 200))}`))
      }
    }
    socket.on('data', (chunk) => {
      chunks.push(chunk)
      settle(false)
    })
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message))
    socket.on('close', () => settle(true))
    socket.on('connect', async () => {
      socket.write(head)
      for (let at = 0; body && at < body.length && !socket.destroyed; at += 65536) {
        if (!socket.write(body.subarray(at, at + 65536))) {
          await new Promise((next) => {
            socket.once('drain', next)
            socket.once('close', next)
          })
        }
      }
      written = true
      settle(false)
    })
  })
}

function assertNoFrameworkShape(response: RawResponse) {
  const body = JSON.parse(response.body)
  assert.ok(!('statusCode' in body) && !('error' in body), `framework-shaped body: ${response.body}`)
  assert.match(response.headers['zuora-request-id'] ?? '', /^[0-9a-f-]{36}$/, JSON.stringify(response.headers))
  return body
}

describe('requests too large to serve', () => {
  let server: TestServer
  let token: string
  before(async () => {
    server = await startTestServer({ maxBodyBytes: 64 * 1024 }, { workers: 'none' })
    token = await server.token()
    await define(server, { Vehicle: vehicle() })
  })
  after(() => server.close())

  test('a URL over 16 KB: 414 in the family shape', async () => {
    const long = 'a'.repeat(20_000)
    const query = await rawRequest(server.url, `GET /query/jobs/${long} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`)
    assert.equal(query.status, 414, query.body)
    const body = assertNoFrameworkShape(query)
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message'])
    assert.equal(body.code, 414)

    const objects = await rawRequest(server.url, `GET /objects/records/default/Vehicle?q=${long} HTTP/1.1\r\nHost: x\r\n\r\n`)
    assert.equal(objects.status, 414, objects.body)
    assert.match(String(assertNoFrameworkShape(objects).code), /^71\d{4}70$/)

    const v1 = await rawRequest(server.url, `GET /v1/uno/data-backfill/jobs?x=${long} HTTP/1.1\r\nHost: x\r\n\r\n`)
    assert.equal(v1.status, 414, v1.body)
    const envelope = assertNoFrameworkShape(v1)
    assert.equal(envelope.success, false)
    assert.match(envelope.reasons[0].code, /^\d{6}70$/)
  })

  test('a 60 KB header: 431 in the family shape', async () => {
    const big = `X-Big: ${'b'.repeat(60_000)}\r\n`
    const v1 = await rawRequest(server.url, `GET /v1/uno/data-backfill/jobs HTTP/1.1\r\nHost: x\r\n${big}\r\n`)
    assert.equal(v1.status, 431, v1.body)
    const envelope = assertNoFrameworkShape(v1)
    assert.equal(envelope.success, false)
    assert.match(envelope.reasons[0].code, /^\d{6}70$/)
    assert.equal(envelope.requestId, v1.headers['zuora-request-id'])

    const query = await rawRequest(server.url, `POST /query/jobs HTTP/1.1\r\nHost: x\r\n${big}Content-Length: 2\r\n\r\n{}`)
    assert.equal(query.status, 431, query.body)
    assert.equal(assertNoFrameworkShape(query).code, 431)
  })

  test('a request that is not HTTP: 400 in the v1 shape', async () => {
    const response = await rawRequest(server.url, 'NOT HTTP AT ALL\r\n\r\n')
    assert.equal(response.status, 400, response.body)
    assert.equal(assertNoFrameworkShape(response).success, false)
  })

  test('a body over the limit: a readable 413 in the family shape, every time, and the server takes the next request', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 'x')
    for (let round = 0; round < 8; round++) {
      const path = round % 2 === 0 ? '/objects/records/default/Vehicle' : '/query/jobs'
      const response = await rawRequest(
        server.url,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
      )
      assert.equal(response.status, 413, `round ${round}: ${response.body}`)
      // The server read what the client sent instead of resetting the connection under it.
      assert.equal(response.error, undefined, `round ${round}: the connection was reset`)
      const json = assertNoFrameworkShape(response)
      if (path === '/query/jobs') assert.equal(json.code, 413)
      else assert.match(String(json.code), /^71\d{4}70$/)
    }
    // Uploads over their own limits: a bulk job's 15 MB CSV, a backfill file's 4 MB.
    const job = await server.api('POST', '/objects/jobs', { body: { namespace: 'default', object: 'Vehicle', operation: 'create' } })
    assert.equal(job.status, 200, job.text)
    const csv = Buffer.concat([Buffer.from('VIN__c,make__c\n'), Buffer.alloc(16 * 1024 * 1024, 'x')])
    const bulk = await rawRequest(
      server.url,
      `POST /objects/jobs/${job.json().Id}/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/csv\r\nContent-Length: ${csv.length}\r\n\r\n`,
      csv,
    )
    // Custom Objects answers a file over its limit as an invalid file (400, 71013620).
    assert.equal(bulk.status, 400, bulk.body)
    assert.equal(bulk.error, undefined, 'the bulk upload was reset')
    assert.equal(assertNoFrameworkShape(bulk).code, 71013620)
    const boundary = 'zjobs-oversize'
    const multipart = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nRatePlanCharge\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nId,Product Class\n`),
      Buffer.alloc(5 * 1024 * 1024, 'x'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    const backfill = await rawRequest(
      server.url,
      `POST /v1/uno/data-backfill/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${multipart.length}\r\n\r\n`,
      multipart,
    )
    assert.equal(backfill.status, 413, backfill.body)
    assert.equal(backfill.error, undefined, 'the backfill upload was reset')
    assert.equal(assertNoFrameworkShape(backfill).success, false)

    // Chunked, with no Content-Length: the limit is found while reading.
    const chunked = await rawRequest(
      server.url,
      `POST /objects/records/default/Vehicle HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      Buffer.concat([Buffer.from(`${(4 * 1024 * 1024).toString(16)}\r\n`), Buffer.alloc(4 * 1024 * 1024, 'x'), Buffer.from('\r\n0\r\n\r\n')]),
    )
    assert.equal(chunked.status, 413, chunked.body)
    assertNoFrameworkShape(chunked)
    const health = await server.api('GET', '/query/jobs')
    assert.equal(health.status, 200)
  })
})
