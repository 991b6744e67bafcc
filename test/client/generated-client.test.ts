// A client generated from zjobs' /openapi.json (openapi-typescript's types, openapi-fetch's
// client, no hand-written types) runs a Data Query, a custom-object bulk job and a Data
// Backfill file job. The types are checked in (test/client/generated/openapi-types.ts) and
// type-checked with the suite; the first test fails when they differ from what the running
// server's document generates (ZJOBS_UPDATE_OPENAPI_TYPES=1 rewrites them).
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import createClient from 'openapi-fetch'
import { openapiTypes, TYPES_FILE } from '../../scripts/openapi-types.ts'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, startTestServer, type TestServer } from '../helpers/server.ts'
import type { paths } from './generated/openapi-types.ts'

/** Polls `read` until `done` says so (or a minute passes). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await read()
    if (done(value)) return value
    assert.ok(Date.now() < deadline, `still waiting: ${JSON.stringify(value)}`)
    await sleep(50)
  }
}

describe('a client generated from /openapi.json', () => {
  let server: TestServer
  let client: ReturnType<typeof createClient<paths>>
  before(async () => {
    server = await startTestServer()
    const anonymous = createClient<paths>({ baseUrl: server.url })
    const { data: token, error } = await anonymous.POST('/oauth/token', {
      body: { client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, grant_type: 'client_credentials' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.ok(token, JSON.stringify(error))
    client = createClient<paths>({ baseUrl: server.url, headers: { Authorization: `Bearer ${token.access_token}` } })
  })
  after(() => server?.close())

  test('its checked-in types are what the running server document generates', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> }
    const generated = await openapiTypes(document)
    if (process.env.ZJOBS_UPDATE_OPENAPI_TYPES === '1') writeFileSync(TYPES_FILE, generated)
    assert.equal(readFileSync(TYPES_FILE, 'utf8'), generated, 'test/client/generated/openapi-types.ts is out of date: run this test with ZJOBS_UPDATE_OPENAPI_TYPES=1')
  })

  test('runs a Data Query to its result file', async () => {
    const { data: submitted, error } = await client.POST('/query/jobs', {
      body: { query: 'SELECT 1 AS one, 2 AS two', outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } },
    })
    assert.ok(submitted, JSON.stringify(error))
    const jobId = submitted.data.id
    const job = await until(
      async () => (await client.GET('/query/jobs/{jobId}', { params: { path: { jobId } } })).data!.data,
      (job) => ['completed', 'failed', 'cancelled'].includes(job.queryStatus),
    )
    assert.equal(job.queryStatus, 'completed', job.errorMessage)
    assert.equal(job.outputRows, 1)
    const file = await fetch(job.dataFile!)
    assert.equal((await file.text()).trim(), 'one,two\n1,2')
    const { data: list } = await client.GET('/query/jobs', { params: { query: { queryStatus: 'completed', pageSize: 20 } } })
    assert.ok(list!.data.some((listed) => listed.id === jobId))
  })

  test('runs a custom-object bulk create job from a CSV upload', async () => {
    const { error: defineError } = await client.POST('/objects/definitions/default', {
      body: {
        definitions: {
          Gadget: {
            object: 'Gadget',
            label: 'Gadget',
            properties: { serial__c: { type: 'string', label: 'Serial', maxLength: 32 } },
            required: ['serial__c'],
            filterable: ['serial__c'],
          },
        },
      },
    })
    assert.equal(defineError, undefined)
    const { data: job } = await client.POST('/objects/jobs', { body: { namespace: 'default', object: 'Gadget', operation: 'create' } })
    assert.equal(job!.status, 'pending')
    const { data: uploaded, error } = await client.POST('/objects/jobs/{id}/files', {
      params: { path: { id: job!.Id } },
      body: 'serial__c\nG-1\nG-2\nG-3\n',
      bodySerializer: (body) => body as string,
      headers: { 'content-type': 'text/csv' },
    })
    assert.ok(uploaded, JSON.stringify(error))
    const done = await until(
      async () => (await client.GET('/objects/jobs/{id}', { params: { path: { id: job!.Id } } })).data!,
      (current) => ['completed', 'failed', 'cancelled'].includes(current.status),
    )
    assert.equal(done.status, 'completed')
    assert.equal(done.recordsProcessed, 3)
    const { data: errors } = await client.GET('/objects/jobs/{id}/errors', { params: { path: { id: job!.Id } } })
    assert.deepEqual(errors!.errors, [])
    const { data: records } = await client.GET('/objects/records/default/{object}', { params: { path: { object: 'Gadget' }, query: { pageSize: 20 } } })
    assert.equal(records!.count, 3)
  })

  test('runs a Data Backfill file job from its template', async () => {
    const { data: template } = await client.GET('/v1/uno/data-backfill/jobs/{type}/template', { params: { path: { type: 'RatePlanCharge' } }, parseAs: 'text' })
    assert.match(String(template), /^Id,/)
    const form = new FormData()
    form.append('type', 'RatePlanCharge')
    form.append('file', new Blob([`${String(template).trimEnd()}\n`], { type: 'text/csv' }), 'charges.csv')
    const { data: created, error } = await client.POST('/v1/uno/data-backfill/jobs', {
      // The generated type says string for the binary part; a browser's or Node's FormData is what is sent.
      body: form as unknown as { type: string; file: string },
      bodySerializer: (body) => body as unknown as FormData,
    })
    assert.ok(created, JSON.stringify(error))
    assert.equal(created.success, true)
    const jobId = created.jobId
    const job = await until(
      async () => (await client.GET('/v1/uno/data-backfill/jobs/{jobId}', { params: { path: { jobId } } })).data!.job,
      (current) => ['Completed', 'Failed', 'Stopped', 'Canceled'].includes(current.status),
    )
    assert.equal(job.status, 'Completed', job.failureMessage)
    const { data: list } = await client.GET('/v1/uno/data-backfill/listjobs')
    assert.ok(list!.jobs.some((listed) => listed.id === jobId))
  })
})
