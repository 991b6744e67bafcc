// What the access log keeps of a request: its method and path, never a signature, token or
// secret (whoever reads logs must not be able to download results or call the API); and a
// signed link is checked on its exact text.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { createLogger } from '../../src/log.ts'
import { request } from '../helpers/http.ts'
import { waitForQueryJob } from '../helpers/query-jobs.ts'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, startTestServer, type TestServer } from '../helpers/server.ts'

describe('secrets in logs, and signed links', () => {
  let server: TestServer
  const lines: string[] = []
  let dataFile: string

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''))
        done()
      },
    })
    server = await startTestServer({}, { logger: createLogger({ logLevel: 'info' }, sink) })
    const submitted = await server.api('POST', '/query/jobs', {
      body: { query: 'SELECT 1 AS one', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } },
    })
    assert.equal(submitted.status, 200, submitted.text)
    const job = await waitForQueryJob(server, submitted.json().data.id)
    assert.equal(job.queryStatus, 'completed')
    dataFile = job.dataFile!.replace('//localhost:', '//127.0.0.1:')
  })
  after(() => server.close())

  test('the log keeps the paths of signed downloads, token calls and queries, without signatures, tokens or secrets', async () => {
    const download = await request(dataFile)
    assert.equal(download.status, 200, download.text)
    const signature = new URL(dataFile).searchParams.get('signature')!
    const token = await server.token()
    const oauth = await request(`${server.url}/oauth/token?client_secret=${DEFAULT_CLIENT_SECRET}`, {
      method: 'POST',
      form: { client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'client_credentials' },
    })
    assert.equal(oauth.status, 200, oauth.text)
    const issued = oauth.json().access_token
    await server.api('GET', `/query/jobs?pageSize=5&access_token=${issued}&token=${token}`)

    const log = lines.join('\n')
    assert.ok(lines.some((line) => JSON.parse(line).msg === 'incoming request'), 'requests are logged')
    for (const secret of [signature, token, issued, DEFAULT_CLIENT_SECRET]) {
      assert.ok(!log.includes(secret), `the log holds a secret: ${secret}`)
    }
    // The paths stay, and the harmless parameters with them.
    const urls = lines.map((line) => JSON.parse(line).req?.url).filter(Boolean)
    const fileId = new URL(dataFile).pathname.split('/').pop()
    assert.ok(urls.some((url: string) => url.startsWith(`/files/${fileId}?`) && url.includes('signature=[redacted]')), urls.join('\n'))
    assert.ok(urls.some((url: string) => url.startsWith('/query/jobs?pageSize=5&')), urls.join('\n'))
  })

  test('a signature is checked on its exact text: an expiry written another way is refused', async () => {
    const link = new URL(dataFile)
    const expires = link.searchParams.get('expires')!
    for (const variant of [`0${expires}`, `00${expires}`, `${expires}.0`, ` ${expires}`]) {
      const altered = new URL(link)
      altered.searchParams.set('expires', variant)
      const response = await request(altered.toString())
      assert.equal(response.status, 403, `expires=${variant}: ${response.text}`)
      assert.deepEqual(response.json(), { message: 'Forbidden' })
    }
    const tenant = link.searchParams.get('tenant')!
    const altered = new URL(link)
    altered.searchParams.set('tenant', `0${tenant}`)
    assert.equal((await request(altered.toString())).status, 403)
    assert.equal((await request(link.toString())).status, 200, 'the link as signed still works')
  })
})
