// Test data made quickly: Data Query jobs as zjobs writes them, multiplied in SQL; rate plan
// charges seeded through the API, then multiplied in SQL (seeding 250,000 accounts for a
// million charges would take longer than the scenarios themselves).
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { BILLING_OBJECTS } from '../src/billing/model.ts'
import { tableColumns } from '../src/billing/seed.ts'
import { call, expect, poll, type Reply } from './api.ts'
import type { Zjobs } from './zjobs.ts'

export interface QueryRequest {
  query: string
  outputFormat: 'CSV' | 'JSON'
  compression: 'NONE' | 'GZIP'
}

/** Submits a Data Query job and polls it every `pollMs` until it ends; returns its last state. */
export async function runDataQuery(zjobs: Zjobs, token: string, request: QueryRequest, pollMs: number): Promise<Reply['body']> {
  const submitted = expect(await call(zjobs, 'POST', '/query/jobs', { token, json: { ...request, output: { target: 'S3' } } }), 'submit query', 200)
  const id = submitted.body.data.id
  const final = await poll(
    () => call(zjobs, 'GET', `/query/jobs/${id}`, { token }),
    (reply) => ['completed', 'failed', 'cancelled'].includes(reply.body?.data?.queryStatus),
    pollMs,
    'query job',
  )
  if (final.body.data.queryStatus !== 'completed') throw new Error(`query ${id} ${final.body.data.queryStatus}: ${final.body.data.errorMessage}`)
  return final.body.data
}

/** Adds `copies` copies of job `jobId` (new ids, a second apart, older), as a tenant with a history. */
export async function cloneJob(client: pg.Client, tenantId: string, jobId: string, copies: number): Promise<void> {
  await client.query(
    `INSERT INTO jobs (tenant_id, id, kind, state, stop_requested, created_by, entity_id, org_ids, params, progress, result,
       error, attempts, max_attempts, run_after, created_at, started_at, updated_at, finished_at)
     SELECT tenant_id, gen_random_uuid()::text, kind, state, stop_requested, created_by, entity_id, org_ids, params, progress,
       result, error, attempts, max_attempts, run_after, created_at - g * interval '1 second', started_at - g * interval '1 second',
       updated_at - g * interval '1 second', finished_at - g * interval '1 second'
     FROM jobs, generate_series(1, $3::int) AS g WHERE tenant_id = $1 AND id = $2`,
    [tenantId, jobId, copies],
  )
}

const RATEPLANCHARGE = BILLING_OBJECTS.find((object) => object.name === 'rateplancharge')!
// A copy gets its own id and its own subscription, rate plan and original charge ids, so that
// copies of one charge do not lie side by side in an index's order (and compress unrealistically
// well); it keeps its product rate plan charge (the auto backfill's join).
const VARIED = new Set(['id', 'subscriptionid', 'rateplanid', 'originalid'])

export async function countCharges(client: pg.Client, tenantId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM billing.rateplancharge WHERE tenant_id = $1', [tenantId])
  return Number(rows[0].n)
}

/**
 * Copies the tenant's rate plan charges (new ids, see VARIED) until it holds `total`, all live. Each round at most doubles them.
 */
export async function multiplyCharges(client: pg.Client, tenantId: string, total: number): Promise<void> {
  const names = tableColumns(RATEPLANCHARGE).map((column) => column.name)
  // A salt per call: a later call copies earlier copies, whose ids must not come back.
  const salt = randomBytes(4).toString('hex')
  for (let round = 1; ; round++) {
    const have = await countCharges(client, tenantId)
    if (have >= total) {
      // The seed soft-deletes a few; a query of live rows then sees every one.
      await client.query('UPDATE billing.rateplancharge SET deleted = false WHERE tenant_id = $1 AND deleted', [tenantId])
      // Statistics of the grown table, as autovacuum would take them shortly: both sides then
      // plan against the real size.
      await client.query('ANALYZE billing.rateplancharge')
      return
    }
    if (have === 0) throw new Error(`tenant ${tenantId} has no rate plan charges to multiply`)
    const select = names.map((name) => (VARIED.has(name) ? `md5(${name} || ':${salt}:${round}')` : name)).join(', ')
    await client.query(
      `INSERT INTO billing.rateplancharge (${names.join(', ')})
       SELECT ${select} FROM billing.rateplancharge WHERE tenant_id = $1 LIMIT $2`,
      [tenantId, Math.min(have, total - have)],
    )
  }
}

/** Writes out dirty pages (when the role may), so a measurement does not pay for earlier work. */
export async function checkpoint(client: pg.Client): Promise<void> {
  await client.query('CHECKPOINT').catch(() => {})
}

/** Removes the dead rows an UPDATE left, so the next measurement starts from the same state. */
export async function vacuum(client: pg.Client, table: string): Promise<void> {
  await client.query(`VACUUM ${table}`)
}
