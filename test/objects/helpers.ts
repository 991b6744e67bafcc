// Shared by the Custom Objects tests: a definition with a field of every kind, calls that
// check every answer against Zuora's schemas, and waiting for bulk jobs.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { HttpResponse, RequestOptions } from '../helpers/http.ts'
import { createTenantWithClient, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'

/** One field of each kind Zuora's UI offers, plus a unique, filterable VIN. */
export const vehicle = (object = 'Vehicle') => ({
  object,
  label: 'Vehicle',
  description: 'Vehicles sold under a subscription',
  properties: {
    VIN__c: { type: 'string', label: 'VIN', maxLength: 17 },
    make__c: { type: 'string', label: 'Make', maxLength: 64, displayName: true },
    notes__c: { type: 'string', label: 'Notes', maxLength: 2000 },
    site__c: { type: 'string', label: 'Site', format: 'url' },
    seats__c: { type: 'integer', label: 'Seats', minimum: 1, maximum: 9 },
    MSRP__c: { type: 'number', label: 'MSRP', minimum: 0 },
    electric__c: { type: 'boolean', label: 'Electric', default: false },
    delivered__c: { type: 'string', label: 'Delivered on', format: 'date' },
    inspected__c: { type: 'string', label: 'Inspected at', format: 'date-time' },
    color__c: { type: 'string', label: 'Color', enum: ['white', 'red', 'black'], default: 'white' },
    extras__c: { type: 'string', label: 'Extras', enum: ['roof', 'hitch', 'tint'], multiselect: true },
    tracker__c: { type: 'string', label: 'Tracker', format: 'uuid' },
    owner__c: { type: 'string', label: 'Owner email', format: 'email' },
  },
  required: ['VIN__c', 'make__c'],
  filterable: ['VIN__c', 'make__c', 'seats__c', 'MSRP__c', 'electric__c', 'delivered__c', 'inspected__c', 'color__c', 'tracker__c'],
  unique: ['VIN__c'],
})

/** A small definition (a unique VIN, a make, seats) for tests of the tools built on the API: the job CLI, the console. */
export const SMALL_VEHICLE = {
  object: 'Vehicle',
  label: 'Vehicle',
  properties: {
    VIN__c: { type: 'string', label: 'VIN', maxLength: 17 },
    make__c: { type: 'string', label: 'Make', maxLength: 64 },
    seats__c: { type: 'integer', label: 'Seats', minimum: 1, maximum: 9 },
  },
  required: ['VIN__c', 'make__c'],
  filterable: ['VIN__c', 'make__c', 'seats__c'],
  unique: ['VIN__c'],
}

/** An answer of a vendor operation: its status checked, its body checked against the schema. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  vendorPath: string | undefined,
  status: number,
  options: RequestOptions & { token?: string } = {},
): Promise<HttpResponse> {
  const response = await server.api(method, path, options)
  assert.equal(response.status, status, `${method} ${path}: ${response.text.slice(0, 1000)}`)
  if (vendorPath) assertVendorResponse(method, vendorPath, status, response.json())
  return response
}

export async function define(server: TestServer, definitions: Record<string, unknown>, token?: string) {
  return (await call(server, 'POST', '/objects/definitions/default', '/objects/definitions/default', 200, { body: { definitions }, token })).json()
}

export const TERMINAL = ['completed', 'failed', 'cancelled']

/** Polls a bulk job until it ends, checking each answer. */
export async function waitForJob(server: TestServer, id: string, token?: string) {
  const deadline = Date.now() + 120_000
  for (;;) {
    const job = (await call(server, 'GET', `/objects/jobs/${id}`, '/objects/jobs/{id}', 200, { token })).json()
    if (TERMINAL.includes(job.status)) return job
    if (Date.now() > deadline) assert.fail(`job ${id} still ${job.status}`)
    await sleep(30)
  }
}

/** Submits a create or update job, uploads `csv`, and waits for the job to end. */
export async function runFileJob(server: TestServer, object: string, operation: 'create' | 'update', csv: string | Buffer, token?: string) {
  const job = (await call(server, 'POST', '/objects/jobs', '/objects/jobs', 200, { body: { namespace: 'default', object, operation }, token })).json()
  assert.equal(job.status, 'pending')
  const uploaded = await call(server, 'POST', `/objects/jobs/${job.Id}/files`, '/objects/jobs/{id}/files', 200, {
    body: csv,
    headers: { 'content-type': 'text/csv' },
    token,
  })
  assert.ok(['in_progress', 'completed'].includes(uploaded.json().status), uploaded.text)
  const done = await waitForJob(server, job.Id, token)
  const errors = (await call(server, 'GET', `/objects/jobs/${job.Id}/errors`, '/objects/jobs/{id}/errors', 200, { token })).json().errors
  return { job: done, errors }
}

/** A user of a new tenant (or of `tenantId`) with these permissions; returns its token. */
export async function userWith(server: TestServer, tenantId: string, username: string, permissions: string[]): Promise<string> {
  const created = await server.admin('POST', `/admin/tenants/${tenantId}/users`, { username, permissions })
  assert.equal(created.status, 201, created.text)
  const client = await server.admin('POST', `/admin/tenants/${tenantId}/oauth-clients`, { userId: created.json().id })
  const { request } = await import('../helpers/http.ts')
  const token = await request(`${server.url}/oauth/token`, {
    method: 'POST',
    form: { client_id: client.json().client_id, client_secret: client.json().client_secret, grant_type: 'client_credentials' },
  })
  return token.json().access_token
}

export { createTenantWithClient }

/** All records of an object straight from the database, as stored. */
export async function storedRecords(server: TestServer, tenantId: string, object: string) {
  const { rows } = await server.server.db.query(
    `SELECT r.id, r.data FROM custom_object_records r JOIN custom_object_definitions d ON d.tenant_id = r.tenant_id AND d.id = r.definition_id
     WHERE r.tenant_id = $1 AND d.object = $2 ORDER BY r.id`,
    [tenantId, object],
  )
  return rows as { id: string; data: Record<string, unknown> }[]
}
