// GET /apps/v1/files/{id}: a file is readable by whom its job is readable, with the
// permission its family requires. A user without the permission gets 403; a user with it
// who may not see the job (another user's Data Query, another entity's job) gets the same 404
// as an unknown id. Tenant admins read every file of the tenant, and files that belong to no
// job only they read.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { submitFile, waitForFileJob } from '../backfill/helpers.ts'
import { assertV1Error } from '../helpers/envelopes.ts'
import type { HttpResponse } from '../helpers/http.ts'
import { waitForQueryJob } from '../helpers/query-jobs.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { define, runFileJob, userWith, vehicle } from '../objects/helpers.ts'

describe('who reads a file', () => {
  let server: TestServer
  let tenantId: string
  const tokens: Record<string, string> = {}

  before(async () => {
    server = await startTestServer()
    tenantId = server.server.bootstrap.tenant.id
    tokens.admin = await server.token()
    tokens.none = await userWith(server, tenantId, 'no-permission', [])
    tokens.analyst = await userWith(server, tenantId, 'analyst', ['dataQuery'])
    tokens.otherAnalyst = await userWith(server, tenantId, 'other-analyst', ['dataQuery'])
    tokens.backfiller = await userWith(server, tenantId, 'backfiller', ['dataBackfill'])
    tokens.otherBackfiller = await userWith(server, tenantId, 'other-backfiller', ['dataBackfill'])
    tokens.objects = await userWith(server, tenantId, 'objects', ['viewCustomObjects', 'editCustomObjects'])
    tokens.editor = await userWith(server, tenantId, 'objects-editor', ['editCustomObjects'])
  })
  after(() => server.close())

  const get = (path: string, who: string, method = 'GET', headers: Record<string, string> = {}) =>
    server.api(method, path, { token: tokens[who], headers })
  const filePath = (url: string) => {
    const id = /\/files\/([0-9a-f]{32})/.exec(url)?.[1]
    assert.ok(id, url)
    return `/apps/v1/files/${id}`
  }

  /** Each of `who` reads the file (GET and HEAD alike), is refused it (403), or does not find it (404). */
  async function assertReaders(path: string, expected: Record<string, 200 | 403 | 404>) {
    for (const [who, status] of Object.entries(expected)) {
      for (const method of ['GET', 'HEAD']) {
        const response: HttpResponse = await get(path, who, method)
        assert.equal(response.status, status, `${method} ${path} as ${who}: ${response.text}`)
        if (method === 'HEAD') continue
        if (status === 403) assertV1Error(response, 403, '50000010')
        if (status === 404) {
          assertV1Error(response, 404, '50000040')
          assert.equal(response.json().reasons[0].message, `File ${path.split('/').pop()} does not exist`)
        }
      }
    }
  }

  test("a Data Query result: its submitter and admins, not another analyst, not users without Data Query", async () => {
    const submitted = await server.api('POST', '/query/jobs', {
      token: tokens.analyst,
      body: { query: 'SELECT 1 AS one', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } },
    })
    assert.equal(submitted.status, 200, submitted.text)
    const job = await waitForQueryJob(server, submitted.json().data.id, tokens.analyst)
    assert.equal(job.queryStatus, 'completed')
    // The other analyst cannot read the job either.
    assert.equal((await get(`/query/jobs/${job.id}`, 'otherAnalyst')).status, 403)
    await assertReaders(filePath(job.dataFile!), { analyst: 200, admin: 200, otherAnalyst: 404, none: 403, backfiller: 403, objects: 403 })
  })

  test('a backfill upload and its result zip: users with Data Backfill and admins, nobody else', async () => {
    const jobId = await submitFile(server, 'RatePlanCharge', 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Once\n', {
      token: tokens.backfiller,
    })
    const job = await waitForFileJob(server, jobId, tokens.backfiller)
    assert.ok(job.resultFileUrl, JSON.stringify(job))
    const readers = { backfiller: 200, otherBackfiller: 200, admin: 200, none: 403, analyst: 403, objects: 403 } as const
    await assertReaders(filePath(job.uploadedFileUrl), readers)
    await assertReaders(filePath(job.resultFileUrl), readers)
  })

  test("a custom-object bulk job's upload: users who may view custom objects and admins", async () => {
    await define(server, { Vehicle: vehicle() })
    const { job } = await runFileJob(server, 'Vehicle', 'create', 'VIN__c,make__c\n1HGCM82633A004352,Honda\n', tokens.objects)
    const { rows } = await server.server.db.query("SELECT params->>'fileId' AS file_id FROM jobs WHERE id = $1", [job.Id])
    assert.match(rows[0].file_id, /^[0-9a-f]{32}$/)
    await assertReaders(`/apps/v1/files/${rows[0].file_id}`, { objects: 200, admin: 200, editor: 403, none: 403, analyst: 403, backfiller: 403 })
  })

  test("a file of another entity's job is not found from this entity", async () => {
    const me = await createTenantWithClient(server, { name: 'Files by entity', entities: ['Global', 'Europe'] }, { username: 'backfill-user', permissions: ['dataBackfill'] })
    const [global, europe] = me.tenant.entities.map((entity: { id: string }) => entity.id)
    const headers = { 'zuora-entity-ids': global }
    const jobId = await submitFile(server, 'RatePlanCharge', 'Id,Product Class\n2c92c0f8632999a2016352a457cf2b44,Once\n', { token: me.token, headers })
    const response = await server.api('GET', `/v1/uno/data-backfill/jobs/${jobId}`, { token: me.token, headers })
    assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{jobId}', 200, response.json())
    const path = filePath(response.json().job.uploadedFileUrl)
    assert.equal((await server.api('GET', path, { token: me.token, headers })).status, 200)
    assertV1Error(await server.api('GET', path, { token: me.token, headers: { 'zuora-entity-ids': europe } }), 404, '50000040')
  })

  test("the migration gives files stored before it their job, from the jobs' params and results", async () => {
    const { rows: before } = await server.server.db.query('SELECT id, job_id FROM files WHERE job_id IS NOT NULL ORDER BY id')
    assert.ok(before.length >= 4, 'the tests above stored files of jobs')
    const sql = readFileSync(new URL('../../src/storage/migrations/0012_files_job.sql', import.meta.url), 'utf8')
    const update = sql.slice(sql.indexOf('UPDATE files'))
    await server.server.db.query('UPDATE files SET job_id = NULL')
    await server.server.db.query(update)
    const { rows: after } = await server.server.db.query('SELECT id, job_id FROM files WHERE job_id IS NOT NULL ORDER BY id')
    assert.deepEqual(after, before)
  })

  test('a file that belongs to no job: tenant admins only', async () => {
    const { Readable } = await import('node:stream')
    const meta = await server.server.files.put(tenantId, { name: 'loose.txt', contentType: 'text/plain', stream: Readable.from([Buffer.from('x')]) })
    await assertReaders(`/apps/v1/files/${meta.id}`, { admin: 200, analyst: 404, backfiller: 404, none: 404 })
  })
})
