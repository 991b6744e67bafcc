// The vendor schemas the tests check responses against are kept in the repository
// (test/fixtures/vendor-openapi.json), derived from Zuora's file by scripts/vendor-schemas.ts:
// the fixture must stay that derivation, and hold no prose.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { deriveFixture, FIXTURE_FILE, VENDOR_FILE } from '../scripts/vendor-schemas.ts'
import { checkVendorAnswer } from './helpers/vendor.ts'

test('the vendor fixture is the derivation of the vendor file', { skip: existsSync(VENDOR_FILE) ? undefined : 'no vendor file beside the project' }, () => {
  assert.equal(readFileSync(FIXTURE_FILE, 'utf8'), deriveFixture(readFileSync(VENDOR_FILE, 'utf8')))
})

test('the vendor fixture keeps the facts (20 operations paths, their schemas) and no prose', () => {
  const fixture = JSON.parse(readFileSync(FIXTURE_FILE, 'utf8'))
  assert.equal(Object.keys(fixture.paths).length, 20)
  assert.ok(fixture.components.schemas.DataQueryJob.allOf[1].properties.queryStatus.enum.includes('in_progress'))
  const prose: string[] = []
  const walk = (value: unknown, path: string, inProperties: boolean) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}/${i}`, false))
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (!inProperties && ['description', 'summary', 'example', 'examples'].includes(key)) prose.push(`${path}/${key}`)
        walk(item, `${path}/${key}`, key === 'properties' && !inProperties)
      }
    }
  }
  walk(fixture, '', false)
  assert.deepEqual(prose, [])
})

test('every answer of a vendor operation read through a test server is checked against its schema', () => {
  const job = { id: '5948abde-8a7c-4b4a-9a3e-1b1d2c3e4f50', queryStatus: 'in_progress' }
  // The concrete path finds its template; a body that breaks the schema fails, one that keeps it passes.
  assert.throws(() => checkVendorAnswer('GET', '/query/jobs/5948abde-8a7c-4b4a-9a3e-1b1d2c3e4f50', 200, 'application/json', () => ({ data: { ...job, queryStatus: 'running' } })), /vendor schema/)
  assert.throws(() => checkVendorAnswer('GET', '/v1/uno/data-backfill/jobs/RatePlanCharge/template', 400, 'application/json; charset=utf-8', () => ({ success: 'no' })), /vendor schema/)
  // What the vendor does not describe is left to the test: an unknown path, status or content type.
  checkVendorAnswer('GET', '/admin/tenants', 200, 'application/json', () => ({ anything: true }))
  checkVendorAnswer('GET', '/v1/uno/data-backfill/jobs/RatePlanCharge/template', 200, 'text/csv', () => 'not json')
})
