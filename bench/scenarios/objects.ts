// Custom Objects as the bench uses them (the documented API, §3 of the wire reference): one
// object definition, a CSV of records of a given size, and a bulk create job run to its end.
import { call, expect, poll, type BenchTenant } from '../api.ts'
import type { Context } from '../context.ts'

export const BENCH_OBJECT = 'BenchItem'

const DEFINITION = {
  object: BENCH_OBJECT,
  label: 'Bench item',
  properties: {
    code__c: { type: 'string', label: 'Code', maxLength: 32 },
    name__c: { type: 'string', label: 'Name', maxLength: 128 },
    amount__c: { type: 'number', label: 'Amount' },
    quantity__c: { type: 'integer', label: 'Quantity' },
    active__c: { type: 'boolean', label: 'Active' },
    start__c: { type: 'string', label: 'Start', format: 'date' },
  },
  required: ['code__c'],
  filterable: ['code__c'],
}

/** Defines the bench object in the tenant (once). */
export async function defineBenchObject(context: Context, tenant: BenchTenant): Promise<void> {
  const existing = await call(context.zjobs, 'GET', `/objects/definitions/default/${BENCH_OBJECT}`, { token: tenant.token })
  if (existing.status === 200) return
  const reply = await call(context.zjobs, 'POST', '/objects/definitions/default', {
    token: tenant.token,
    json: { definitions: { [BENCH_OBJECT]: DEFINITION } },
  })
  expect(reply, 'define object', 200, 201)
}

/** A create file of about `bytes` bytes (never more). */
export function recordsCsv(bytes: number): Buffer {
  const lines = ['code__c,name__c,amount__c,quantity__c,active__c,start__c']
  let size = lines[0].length + 1
  for (let i = 1; ; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0')
    const line = `C${String(i).padStart(9, '0')},"Item ${i}, a bench record",${(i % 100000) / 100},${i % 1000},${i % 2 === 0},2026-0${1 + (i % 9)}-${day}`
    if (size + line.length + 1 > bytes) break
    lines.push(line)
    size += line.length + 1
  }
  return Buffer.from(`${lines.join('\n')}\n`)
}

/** Submits a create job, uploads `csv`, and polls until the job ends: ms from upload to completed. */
export async function bulkCreate(
  context: Context,
  tenant: BenchTenant,
  csv: Buffer,
): Promise<{ ms: number; uploadMs: number; job: Record<string, unknown> }> {
  const { zjobs } = context
  const submitted = expect(
    await call(zjobs, 'POST', '/objects/jobs', { token: tenant.token, json: { namespace: 'default', object: BENCH_OBJECT, operation: 'create' } }),
    'bulk job',
    200,
    201,
  ).body
  const started = performance.now()
  expect(await call(zjobs, 'POST', `/objects/jobs/${submitted.Id}/files`, { token: tenant.token, body: csv, contentType: 'text/csv' }), 'upload', 200, 201, 202)
  const uploadMs = performance.now() - started
  const final = await poll(
    () => call(zjobs, 'GET', `/objects/jobs/${submitted.Id}`, { token: tenant.token }),
    (reply) => ['completed', 'failed', 'cancelled'].includes(reply.body?.status),
    50,
    'bulk job',
  )
  const ms = performance.now() - started
  if (final.body.status !== 'completed') throw new Error(`bulk job ${final.body.status}: ${JSON.stringify(final.body.error ?? final.body)}`)
  return { ms, uploadMs, job: final.body }
}
