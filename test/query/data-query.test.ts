// /query/jobs end to end, as a Zuora client drives it: submit, poll, download the signed
// result without a token, cancel; every answer checked against Zuora's schemas and every
// result file against the database.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { Readable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import yauzl from 'yauzl'
import { seedTenant } from '../../src/billing/seed.ts'
import { decryptResult } from '../../src/query/output/encryption.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { waitForQueryJob, type QueryJob } from '../helpers/query-jobs.ts'
import { createTenantWithClient, issueToken, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'


const submitBody = (query: string, extra: Record<string, unknown> = {}) => ({
  query,
  outputFormat: 'CSV',
  compression: 'NONE',
  output: { target: 'S3' },
  ...extra,
})

/** The server listens on 127.0.0.1; its links say localhost. */
const local = (url: string) => url.replace('//localhost:', '//127.0.0.1:')

function unzipOne(buffer: Buffer): Promise<{ name: string; content: Buffer }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error)
      zip.readEntry()
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError)
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => chunks.push(chunk))
          stream.on('end', () => resolve({ name: entry.fileName, content: Buffer.concat(chunks) }))
        })
      })
    })
  })
}

describe('Data Query', () => {
  let server: TestServer
  let tenantId: string

  const submit = async (query: string, extra: Record<string, unknown> = {}, token?: string) => {
    const response = await server.api('POST', '/query/jobs', { body: submitBody(query, extra), token })
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('POST', '/query/jobs', 200, response.json())
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8')
    return response.json().data as QueryJob
  }

  const waitFor = (id: string, token?: string) => waitForQueryJob(server, id, token)

  const run = async (query: string, extra: Record<string, unknown> = {}, token?: string) =>
    waitFor((await submit(query, extra, token)).id, token)

  const download = async (job: QueryJob): Promise<HttpResponse> => {
    assert.ok(job.dataFile, `a completed job has a dataFile: ${JSON.stringify(job)}`)
    const response = await request(local(job.dataFile)) // no Authorization header
    assert.equal(response.status, 200, response.text)
    return response
  }

  /** The same rows straight from the database, as the application reads them. */
  const expected = async (sql: string) => (await server.server.db.query(sql, [tenantId])).rows

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    tenantId = server.server.bootstrap.tenant.id
    await seedTenant(server.server.db, tenantId, { accounts: 40, seed: 3 })
  })
  after(() => server.close())

  test('a CSV export holds exactly the rows of the database, with a header row', async () => {
    const started = Date.now()
    const job = await run('SELECT accountnumber, name, balance, status FROM Account ORDER BY accountnumber')
    const elapsed = Date.now() - started
    assert.equal(job.queryStatus, 'completed')
    // Milliseconds the job ran: some (parsing, the query, the file), and no more than the wait.
    assert.ok(Number.isInteger(job.processingTime) && job.processingTime! >= 1 && job.processingTime! <= elapsed, `processingTime ${job.processingTime} within ${elapsed} ms`)
    assert.equal(job.remainingRetries, 3)
    const rows = await expected(
      'SELECT accountnumber, name, balance::text AS balance, status FROM billing.account WHERE tenant_id = $1 AND NOT deleted ORDER BY accountnumber',
    )
    assert.equal(job.outputRows, rows.length)
    assert.ok(rows.length > 30)
    const file = (await download(job)).text
    const lines = file.trimEnd().split('\n')
    assert.equal(lines[0], 'accountnumber,name,balance,status')
    assert.equal(lines.length, rows.length + 1)
    for (const [i, row] of rows.entries()) {
      const name = /[",\n]/.test(row.name) ? `"${row.name.replaceAll('"', '""')}"` : row.name
      assert.equal(lines[i + 1], `${row.accountnumber},${name},${row.balance},${row.status}`)
    }
  })

  test("columns without an alias are named as Trino names them: a column keeps its name, anything else is _col<N>", async () => {
    const header = async (query: string) => (await download(await run(query))).text.split('\n')[0]
    assert.equal(
      await header('SELECT count(*), status, 1 + 1 AS two, upper(status), CAST(balance AS varchar), a.name FROM Account a GROUP BY status, balance, a.name LIMIT 1'),
      '_col0,status,two,_col3,_col4,name',
    )
    assert.equal(await header('SELECT 1 UNION ALL SELECT 2'), '_col0', 'a set operation takes the names of its first SELECT')
    assert.equal(await header('SELECT max(balance) FROM (SELECT balance FROM Account) t'), '_col0', 'inner queries keep their names; only the output is renamed')
    const [json] = (await download(await run('SELECT count(*) FROM Account', { outputFormat: 'JSON' }))).text.trim().split('\n')
    assert.deepEqual(Object.keys(JSON.parse(json!)), ['_col0'])
  })

  test('JSON Lines, TSV and DSV carry the same rows; GZIP and ZIP compress them', async () => {
    const query = 'SELECT accountnumber, balance, autopay FROM account ORDER BY accountnumber LIMIT 10'
    const rows = await expected(
      'SELECT accountnumber, balance::text AS balance, autopay FROM billing.account WHERE tenant_id = $1 AND NOT deleted ORDER BY accountnumber LIMIT 10',
    )
    const json = (await download(await run(query, { outputFormat: 'JSON' }))).text
    const parsed = json.trimEnd().split('\n').map((line) => JSON.parse(line))
    assert.deepEqual(
      parsed.map((row) => [row.accountnumber, row.autopay]),
      rows.map((row) => [row.accountnumber, row.autopay]),
    )
    // Decimals are written as PostgreSQL prints them, as JSON numbers.
    assert.match(json, /"balance":-?\d+\.\d{6}[,}]/)

    const tsv = (await download(await run(query, { outputFormat: 'TSV' }))).text.trimEnd().split('\n')
    assert.equal(tsv[0], 'accountnumber\tbalance\tautopay')
    assert.equal(tsv[1], `${rows[0].accountnumber}\t${rows[0].balance}\t${rows[0].autopay}`)

    const dsv = (await download(await run(query, { outputFormat: 'DSV', columnSeparator: '|' }))).text.trimEnd().split('\n')
    assert.equal(dsv[0], 'accountnumber|balance|autopay')
    assert.equal(dsv.length, 11)

    const csvPlain = (await download(await run(query))).body
    const gzipped = await download(await run(query, { compression: 'GZIP' }))
    assert.deepEqual(gunzipSync(gzipped.body), csvPlain)
    const zipped = await unzipOne((await download(await run(query, { compression: 'ZIP' }))).body)
    assert.deepEqual(zipped.content, csvPlain)
    assert.match(zipped.name, /\.csv$/)
  })

  test('an encryptionKey encrypts the file for the holder of the private key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const key = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
    const query = 'SELECT accountnumber FROM account ORDER BY accountnumber LIMIT 5'
    const plain = (await download(await run(query, { compression: 'GZIP' }))).body
    const encrypted = (await download(await run(query, { compression: 'GZIP', encryptionKey: key }))).body
    assert.notDeepEqual(encrypted, plain)
    assert.deepEqual(gunzipSync(await decryptToBuffer(privateKey, encrypted)), gunzipSync(plain))
  })

  test('SHOW TABLES, DESCRIBE, SHOW COLUMNS and SHOW FUNCTIONS answer in Zuora\'s shapes', async () => {
    const tables = (await download(await run('SHOW TABLES', { outputFormat: 'JSON' }))).text.trimEnd().split('\n').map((l) => JSON.parse(l))
    assert.ok(tables.some((row) => row.Table === 'account'))
    assert.ok(tables.some((row) => row.Table === 'rateplancharge'))
    for (const statement of ['DESCRIBE account', 'SHOW COLUMNS FROM Account', 'desc account']) {
      const columns = (await download(await run(statement, { outputFormat: 'JSON' }))).text.trimEnd().split('\n').map((l) => JSON.parse(l))
      assert.deepEqual(
        columns.find((row) => row.Column === 'accountnumber'),
        { Column: 'accountnumber', Type: 'varchar', Extra: '', Comment: 'AccountNumber' },
      )
      assert.ok(columns.some((row) => row.Column === 'balance' && row.Type === 'decimal(18,6)'))
    }
    const functions = (await download(await run('SHOW FUNCTIONS'))).text.split('\n')
    assert.equal(functions[0], 'Function,Return Type,Argument Types,Function Type,Deterministic,Description')
    assert.ok(functions.some((line) => line.startsWith('to_uuid32,')))
  })

  test('readDeleted and the deleted column', async () => {
    const { rows } = await server.server.db.query<{ live: number; deleted: number }>(
      'SELECT count(*) FILTER (WHERE NOT deleted)::int AS live, count(*) FILTER (WHERE deleted)::int AS deleted FROM billing.account WHERE tenant_id = $1',
      [tenantId],
    )
    assert.ok(rows[0].deleted > 0, 'the seed soft-deletes some accounts')
    assert.equal((await run('SELECT id FROM account')).outputRows, rows[0].live)
    assert.equal((await run('SELECT id FROM account', { readDeleted: true })).outputRows, rows[0].deleted)
    assert.equal((await run('SELECT id, deleted FROM account')).outputRows, rows[0].live + rows[0].deleted)
  })

  test('Trino functions: to_uuid36 and to_uuid32', async () => {
    const job = await run("SELECT to_uuid36('2c92c0f967bb659c0167be58d878735f') AS a, to_uuid32('2c92c0f9-67bb-659c-0167-be58d878735f') AS b", {
      outputFormat: 'JSON',
    })
    assert.deepEqual(JSON.parse((await download(job)).text), {
      a: '2c92c0f9-67bb-659c-0167-be58d878735f',
      b: '2c92c0f967bb659c0167be58d878735f',
    })
  })

  test('a SQL error fails the job with a message saying what is wrong', async () => {
    const unknownColumn = await run('SELECT region_c FROM account')
    assert.equal(unknownColumn.queryStatus, 'failed')
    assert.equal(unknownColumn.errorMessage, "Column 'region_c' cannot be resolved")
    assert.equal(unknownColumn.remainingRetries, 3)
    assert.equal(unknownColumn.dataFile, undefined)
    const unknownTable = await run('SELECT * FROM nosuchtable')
    assert.equal(unknownTable.errorMessage, 'Table owl.data.nosuchtable does not exist')
    const syntax = await run('SELEC 1')
    assert.equal(syntax.queryStatus, 'failed')
    assert.match(syntax.errorMessage!, /syntax error/i)
  })

  test('admins see every job of the tenant; other users only their own (1009)', async () => {
    const analyst = await createTenantUser({ username: 'analyst', permissions: ['dataQuery'] })
    const own = await submit('SELECT 1 AS one', {}, analyst)
    const admins = await submit('SELECT 2 AS two')
    const forbidden = await server.api('GET', `/query/jobs/${admins.id}`, { token: analyst })
    assert.equal(forbidden.status, 403)
    assertVendorResponse('GET', '/query/jobs/{job-id}', 403, forbidden.json())
    assert.deepEqual(forbidden.json(), { code: 1009, message: `Access denied for restricted job ${admins.id}` })
    assert.equal((await server.api('GET', `/query/jobs/${own.id}`)).status, 200, 'the admin reads the analyst job')
    const listed = await server.api('GET', '/query/jobs?pageSize=100', { token: analyst })
    assertVendorResponse('GET', '/query/jobs', 200, listed.json())
    assert.deepEqual(
      listed.json().data.map((job: QueryJob) => job.id),
      [own.id],
    )
    const all = (await server.api('GET', '/query/jobs?pageSize=1000')).json().data.map((job: QueryJob) => job.id)
    assert.ok(all.includes(own.id) && all.includes(admins.id))
    assert.equal(all.indexOf(admins.id) < all.indexOf(own.id), true, 'newest first')

    const noPermission = await createTenantUser({ username: 'billing-clerk', permissions: ['dataBackfill'] })
    const refused = await server.api('POST', '/query/jobs', { body: submitBody('SELECT 1'), token: noPermission })
    assert.equal(refused.status, 403)
    assert.equal(refused.json().code, 403)
  })

  test('list filters by queryStatus and limits with pageSize', async () => {
    await run('SELECT 3 AS three')
    const completed = await server.api('GET', '/query/jobs?queryStatus=completed&pageSize=2')
    assert.equal(completed.status, 200)
    assertVendorResponse('GET', '/query/jobs', 200, completed.json())
    assert.equal(completed.json().data.length, 2)
    assert.ok(completed.json().data.every((job: QueryJob) => job.queryStatus === 'completed'))
    const failed = (await server.api('GET', '/query/jobs?queryStatus=failed&pageSize=1000')).json().data
    await run('SELECT nosuchcolumn FROM account')
    const failedNow = (await server.api('GET', '/query/jobs?queryStatus=failed&pageSize=1000')).json().data
    assert.equal(failedNow.length, failed.length + 1, 'a failed job is listed')
    assert.ok(failedNow.every((job: QueryJob) => job.queryStatus === 'failed'))
    assert.equal((await server.api('GET', '/query/jobs?queryStatus=done')).status, 400)
    assert.equal((await server.api('GET', '/query/jobs?pageSize=1001')).status, 400)
  })

  test('unknown ids, finished jobs and bad requests get Data Query errors', async () => {
    const unknown = '1e8e8586-5366-4cdf-a01d-fae3b2cf8427'
    const missing = await server.api('GET', `/query/jobs/${unknown}`)
    assert.equal(missing.status, 404)
    assertVendorResponse('GET', '/query/jobs/{job-id}', 404, missing.json())
    assert.deepEqual(missing.json(), { code: 1001, message: `No such query: ${unknown}` })
    assert.equal((await server.api('GET', '/query/jobs/not-a-uuid')).json().code, 1001)

    const done = await run('SELECT 4 AS four')
    const cancel = await server.api('DELETE', `/query/jobs/${done.id}`)
    assert.equal(cancel.status, 400)
    assertVendorResponse('DELETE', '/query/jobs/{job-id}', 400, cancel.json())
    assert.deepEqual(cancel.json(), { code: 1003, message: `Query job ${done.id} is not in accepted or in_progress status` })

    const noType = await server.api('POST', '/query/jobs', { body: JSON.stringify(submitBody('SELECT 1')), headers: { 'content-type': 'text/plain' } })
    assert.equal(noType.status, 415)
    assertVendorResponse('POST', '/query/jobs', 415, noType.json())
    assert.deepEqual(noType.json(), { code: 415, message: 'HTTP 415 Unsupported Media Type' })
    const malformed = await server.api('POST', '/query/jobs', { body: '{"query": ', headers: { 'content-type': 'application/json' } })
    assert.equal(malformed.status, 400)
    assert.deepEqual(malformed.json(), { code: 400, message: 'Unable to process JSON' })
    for (const body of [
      { ...submitBody('SELECT 1'), outputFormat: 'XML' },
      { ...submitBody('SELECT 1'), compression: 'BZIP2' },
      { ...submitBody('SELECT 1'), output: { target: 'GCS' } },
      { ...submitBody('SELECT 1'), sourceData: 'DATAHUB' },
      { outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } },
      { ...submitBody('x'.repeat(1_000_001)) },
      { ...submitBody('SELECT 1'), outputFormat: 'DSV', columnSeparator: '||' },
      { ...submitBody('SELECT 1'), encryptionKey: 'not a key' },
    ]) {
      const response = await server.api('POST', '/query/jobs', { body })
      assert.equal(response.status, 400, JSON.stringify(body).slice(0, 200))
      assertVendorResponse('POST', '/query/jobs', 400, response.json())
    }
  })

  test("another tenant's job is not found: GET and DELETE answer 1001 and the job runs on untouched", async () => {
    const other = await createTenantWithClient(server, { name: 'dq-neighbour' })
    // A job that waits (the other tenant's LIVE jobs may not run), so a cancel would show.
    await server.server.db.query(`UPDATE tenants SET job_limits = '{"data_query.live": 0}' WHERE id = $1`, [other.tenant.id])
    const theirs = await submit('SELECT 1 AS one', {}, other.token)
    assert.equal(theirs.queryStatus, 'accepted')
    for (const method of ['GET', 'DELETE']) {
      const response = await server.api(method, `/query/jobs/${theirs.id}`)
      assert.equal(response.status, 404, `${method}: ${response.text}`)
      if (method === 'GET') assertVendorResponse(method, '/query/jobs/{job-id}', 404, response.json())
      assert.deepEqual(response.json(), { code: 1001, message: `No such query: ${theirs.id}` })
    }
    const listed = (await server.api('GET', '/query/jobs?pageSize=1000')).json().data.map((job: QueryJob) => job.id)
    assert.ok(listed.length > 0 && !listed.includes(theirs.id))
    const still = await server.api('GET', `/query/jobs/${theirs.id}`, { token: other.token })
    assert.equal(still.json().data.queryStatus, 'accepted', 'not cancelled by the other tenant')
    const { rows } = await server.server.db.query('SELECT state, stop_requested FROM jobs WHERE tenant_id = $1 AND id = $2', [other.tenant.id, theirs.id])
    assert.deepEqual(rows, [{ state: 'queued', stop_requested: null }])
  })

  async function createTenantUser(user: Record<string, unknown>): Promise<string> {
    const created = await server.admin('POST', `/admin/tenants/${tenantId}/users`, user)
    const client = await server.admin('POST', `/admin/tenants/${tenantId}/oauth-clients`, { userId: created.json().id })
    const token = await request(`${server.url}/oauth/token`, {
      method: 'POST',
      form: { client_id: client.json().client_id, client_secret: client.json().client_secret, grant_type: 'client_credentials' },
    })
    return token.json().access_token
  }
})

describe('Data Query lifecycle and limits', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dataQueryLiveQueued: 2 }, { workers: 'none' })
  })
  after(() => server.close())

  test('a job waits as accepted; cancelling it makes it cancelled; the queue limit refuses more', async () => {
    const body = submitBody('SELECT 1 AS one')
    const first = (await server.api('POST', '/query/jobs', { body })).json().data
    assert.equal(first.queryStatus, 'accepted')
    assert.equal(first.remainingRetries, 3)
    const second = (await server.api('POST', '/query/jobs', { body })).json().data
    const refused = await server.api('POST', '/query/jobs', { body })
    assert.equal(refused.status, 429)
    assert.equal(refused.json().code, 429)
    assert.match(refused.json().message, /queue of LIVE queries is full/)
    assert.ok(refused.headers['retry-after'])
    // WAREHOUSE has its own queue.
    assert.equal((await server.api('POST', '/query/jobs', { body: { ...body, sourceData: 'WAREHOUSE' } })).status, 200)

    const cancelled = await server.api('DELETE', `/query/jobs/${first.id}`)
    assert.equal(cancelled.status, 200)
    assertVendorResponse('DELETE', '/query/jobs/{job-id}', 200, cancelled.json())
    assert.equal(cancelled.json().data.queryStatus, 'cancelled')
    assert.equal((await server.api('GET', `/query/jobs/${first.id}`)).json().data.queryStatus, 'cancelled')
    assert.equal((await server.api('DELETE', `/query/jobs/${first.id}`)).json().code, 1003)
    // The cancelled job freed a place in the queue.
    assert.equal((await server.api('POST', '/query/jobs', { body })).status, 200)
    void second
  })

  test('a submission refused because the queue is full is not kept for its Idempotency-Key: the retry it asks for runs', async () => {
    const body = submitBody('SELECT 2 AS two')
    const headers = { 'idempotency-key': 'retry-when-the-queue-frees' }
    const waiting = (await server.api('GET', '/query/jobs?queryStatus=accepted&pageSize=100')).json().data as { id: string; query: string }[]
    const live = waiting.filter((job) => job.query !== 'SELECT 5 AS five')
    for (let i = live.length; i < 2; i++) live.push((await server.api('POST', '/query/jobs', { body })).json().data)
    const refused = await server.api('POST', '/query/jobs', { body, headers })
    assert.equal(refused.status, 429, refused.text)
    const kept = await server.server.db.query('SELECT 1 FROM idempotency_keys WHERE idem_key = $1', [headers['idempotency-key']])
    assert.equal(kept.rowCount, 0, 'the key is released')
    assert.equal((await server.api('DELETE', `/query/jobs/${live[0]!.id}`)).status, 200)
    const retried = await server.api('POST', '/query/jobs', { body, headers })
    assert.equal(retried.status, 200, retried.text)
    assert.equal(retried.headers['idempotent-replayed'], undefined, 'it ran')
    const replayed = await server.api('POST', '/query/jobs', { body, headers })
    assert.equal(replayed.headers['idempotent-replayed'], 'true', 'the success is kept')
    assert.equal(replayed.json().data.id, retried.json().data.id)
  })

  test('Idempotency-Key replays a submission instead of queueing it twice', async () => {
    const body = submitBody('SELECT 5 AS five', { sourceData: 'WAREHOUSE' })
    const headers = { 'idempotency-key': 'nightly-export-1' }
    const first = await server.api('POST', '/query/jobs', { body, headers })
    const again = await server.api('POST', '/query/jobs', { body, headers })
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.json().data.id, first.json().data.id)
  })
})

describe('Data Query scope: entities and orgs', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
  })
  after(() => server.close())

  /** The rows of a JSON Lines result, for `token` with `headers`. */
  const rows = async (query: string, token: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) => {
    const submitted = await server.api('POST', '/query/jobs', { body: submitBody(query, { outputFormat: 'JSON', ...extra }), token, headers })
    assert.equal(submitted.status, 200, submitted.text)
    const job = await waitForQueryJob(server, submitted.json().data.id, token)
    assert.equal(job.queryStatus, 'completed', job.errorMessage)
    const file = await request(local(job.dataFile!))
    return file.text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line))
  }
  const ids = async (sql: string, params: unknown[]) => (await server.server.db.query(sql, params)).rows.map((row) => row.id).sort()

  test("a multi-entity tenant's query sees the rows of its request's entity only", async () => {
    const me = await createTenantWithClient(server, { name: 'dq-entities', entities: ['Global', 'Europe'] }, { username: 'dq-admin', admin: true })
    await seedTenant(server.server.db, me.tenant.id, { accounts: 12, seed: 4 })
    const entities = me.tenant.entities.map((entity: { id: string }) => entity.id)
    const seen: string[][] = []
    for (const entity of entities) {
      const expected = await ids('SELECT id FROM billing.account WHERE tenant_id = $1 AND entity_id = $2 AND NOT deleted', [me.tenant.id, entity])
      assert.ok(expected.length > 0, 'the seed gave each entity accounts')
      // A token asked for with Zuora-Entity-Ids covers that entity only.
      const token = await issueToken(server.url, me.clientId, me.clientSecret, { 'zuora-entity-ids': entity })
      const got = (await rows('SELECT id FROM account', token)).map((row) => String(row.id).replaceAll('-', '')).sort()
      assert.deepEqual(got, expected)
      seen.push(got)
    }
    assert.equal(seen[0].filter((id) => seen[1].includes(id)).length, 0, 'no account in both entities')
  })

  test("a multi-org tenant's LIVE query sees the rows of the request's orgs only; WAREHOUSE does not filter by org", async () => {
    const created = await server.admin('POST', '/admin/tenants', { name: 'dq-orgs', orgs: ['North', 'South', 'West'] })
    assert.equal(created.status, 201, created.text)
    const tenant = created.json()
    await seedTenant(server.server.db, tenant.id, { accounts: 15, seed: 5 })
    const [north, south] = tenant.orgs.map((org: { id: string }) => org.id)
    const user = await server.admin('POST', `/admin/tenants/${tenant.id}/users`, { username: 'north-south', permissions: ['dataQuery'], orgIds: [north, south] })
    const client = await server.admin('POST', `/admin/tenants/${tenant.id}/oauth-clients`, { userId: user.json().id })
    const token = await issueToken(server.url, client.json().client_id, client.json().client_secret)
    const accountsIn = (orgs: string[]) => ids('SELECT id FROM billing.account WHERE tenant_id = $1 AND org_id = ANY($2) AND NOT deleted', [tenant.id, orgs])
    const all = await ids('SELECT id FROM billing.account WHERE tenant_id = $1 AND NOT deleted', [tenant.id])
    const got = async (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
      (await rows('SELECT id FROM account', token, headers, extra)).map((row) => String(row.id).replaceAll('-', '')).sort()

    const northOnly = await accountsIn([north])
    const both = await accountsIn([north, south])
    assert.ok(northOnly.length > 0 && both.length > northOnly.length && all.length > both.length, 'the seed spread accounts over the three orgs')
    assert.deepEqual(await got({}), both, "without the header: every org the user may access")
    assert.deepEqual(await got({ 'zuora-org-ids': north }), northOnly)
    // Zuora's warehouse has no multi-org filtering (spec §2.7).
    assert.deepEqual(await got({ 'zuora-org-ids': north }, { sourceData: 'WAREHOUSE' }), all)
  })
})

async function decryptToBuffer(privateKey: Parameters<typeof decryptResult>[0], encrypted: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of decryptResult(privateKey, Readable.from([encrypted]))) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}
