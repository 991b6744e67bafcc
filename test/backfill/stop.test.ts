// Stopping and resuming Data Backfill jobs, made deterministic: the family's job kinds run
// with a hook that parks a job before a chosen batch (or fails it there once), so a test
// stops or interrupts it at a known point and then checks, in the database and the result
// file, that exactly the finished batches were applied.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { batchJobKinds } from '../../src/backfill/batch/job.ts'
import { fileJobKind, type BackfillHooks } from '../../src/backfill/files/job.ts'
import { NOT_PROCESSED } from '../../src/backfill/files/result-file.ts'
import { seedTenant } from '../../src/billing/seed.ts'
import type { FileStore } from '../../src/storage/files/store.ts'
import type { JobKind } from '../../src/jobs/types.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { assertV1Error, getBatchJob, getFileJob, resultRows, submitFile, waitForBatchJob, waitForFileJob } from './helpers.ts'

const PROPAGATION = '/v1/uno/data-backfill/propagation/jobs'
const BOOKING = '/v1/uno/data-backfill/bookingdate/jobs'

/** Parks the next job that reaches batch `batch` until released. */
class Pause {
  readonly reached = Promise.withResolvers<string>()
  readonly released = Promise.withResolvers<void>()
  readonly batch: number
  constructor(batch: number) {
    this.batch = batch
  }
  release() {
    this.released.resolve()
  }
}

describe('stopping and resuming backfill jobs', () => {
  let server: TestServer
  let tenantId: string
  let pause: Pause | undefined
  /** The batch before which the next job fails once, as a crashed attempt would. */
  let failAt: number | undefined
  const deps = { files: undefined as unknown as FileStore }
  const hooks: BackfillHooks = {
    fileBatchRows: 10,
    async beforeBatch(jobId, batch) {
      if (failAt !== undefined && batch === failAt) {
        failAt = undefined
        throw new Error('simulated crash')
      }
      const current = pause
      if (current && batch === current.batch) {
        pause = undefined
        current.reached.resolve(jobId)
        await current.released.promise
      }
    },
  }
  const q = async (sql: string, values: unknown[] = [tenantId]) => (await server.server.db.query(sql, values)).rows
  const stop = (path: string) => server.api('PUT', path, { body: { status: 'Stopping' } })

  before(async () => {
    server = await startTestServer({}, { workers: 'inline', jobKinds: [fileJobKind(deps, hooks) as JobKind, ...(batchJobKinds(hooks) as JobKind[])] })
    deps.files = server.server.files
    tenantId = server.server.bootstrap.tenant.id
    await seedTenant(server.server.db, tenantId, { accounts: 30, seed: 8 })
  })
  after(() => server.close())

  test('a file job stopped after its first batch: Stopping, then Stopped with exactly that batch applied', async () => {
    const ids = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 35')).map((r) => r.id)
    const csv = `Id,Product Family\n${ids.map((id) => `${id},Stop Test`).join('\n')}\n`
    const parked = (pause = new Pause(1))
    const jobId = await submitFile(server, 'RatePlanCharge', csv, { filename: 'stop.csv' })
    assert.equal(await parked.reached.promise, jobId)
    const running = await getFileJob(server, jobId)
    assert.deepEqual([running.status, running.totalCount, running.processedCount, running.completedPercentage], ['Processing', 35, 10, 28])
    assert.equal(running.resultFileId, undefined)

    const first = await stop(`/v1/uno/data-backfill/jobs/${jobId}`)
    assert.equal(first.status, 200, first.text)
    assertVendorResponse('PUT', '/v1/uno/data-backfill/jobs/{jobId}', 200, first.json())
    assert.equal(first.json().success, true)
    assert.equal((await getFileJob(server, jobId)).status, 'Stopping')
    const second = await stop(`/v1/uno/data-backfill/jobs/${jobId}`)
    assertV1Error(second, 409, '50000030', /already stopping/)

    parked.release()
    const job = await waitForFileJob(server, jobId)
    assert.deepEqual([job.status, job.processedCount, job.successCount, job.failedCount, job.totalCount], ['Stopped', 10, 10, 0, 35])
    assert.match(job.completedOn, /^\d{13}$/)
    const result = await resultRows(server, job)
    assert.equal(result.rows.length, 36)
    for (const [i, row] of result.rows.slice(1).entries()) {
      assert.equal(row[0], ids[i])
      assert.deepEqual(row.slice(2), i < 10 ? ['true', ''] : ['false', NOT_PROCESSED])
    }
    const changed = await q("SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND productfamily = 'Stop Test' ORDER BY id")
    assert.deepEqual(changed.map((r) => r.id), ids.slice(0, 10))
    assertV1Error(await stop(`/v1/uno/data-backfill/jobs/${jobId}`), 409, '50000030', /it is stopped/)
  })

  test('an interrupted file job resumes after its last committed batch: no row twice, every outcome in the result', async () => {
    const ids = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id OFFSET 40 LIMIT 25')).map((r) => r.id)
    // Rows 3 and 14 fail (in the first and second batch), row 24 in the third.
    const lines = ids.map((id, i) => (i === 2 ? `${id},maybe` : i === 13 ? 'nope,true' : i === 23 ? `${id},later` : `${id},true`))
    failAt = 2
    const jobId = await submitFile(server, 'RatePlanCharge', `Id,Is Unbilled\n${lines.join('\n')}\n`, { filename: 'resume.csv' })
    const job = await waitForFileJob(server, jobId)
    assert.equal(failAt, undefined, 'the first attempt failed before its third batch')
    assert.deepEqual([job.status, job.totalCount, job.processedCount, job.successCount, job.failedCount], ['Completed', 25, 25, 22, 3])
    const result = await resultRows(server, job)
    const outcomes = result.rows.slice(1).map((row) => row[2])
    assert.deepEqual(outcomes.flatMap((ok, i) => (ok === 'false' ? [i + 1] : [])), [3, 14, 24])
    assert.match(result.rows[3][3], /Is Unbilled: 'maybe' is not a boolean/)
    assert.match(result.rows[14][3], /Id 'nope' is not a Zuora id/)
    assert.match(result.rows[24][3], /Is Unbilled: 'later' is not a boolean/)
    const errors = await q('SELECT row_number FROM data_backfill_row_errors WHERE tenant_id = $1 AND job_id = $2 ORDER BY 1', [tenantId, jobId])
    assert.deepEqual(errors.map((r) => r.row_number), [3, 14, 24], 'each outcome recorded once')
  })

  test('a job waiting behind another stops at once, without running', async () => {
    const ids = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id DESC LIMIT 5')).map((r) => r.id)
    const parked = (pause = new Pause(0))
    const first = await submitFile(server, 'RatePlanCharge', `Id,Product Line\n${ids.map((id) => `${id},First`).join('\n')}\n`)
    await parked.reached.promise
    const waiting = await submitFile(server, 'RatePlanCharge', `Id,Product Line\n${ids.map((id) => `${id},Never`).join('\n')}\n`)
    const pending = await getFileJob(server, waiting)
    assert.equal(pending.status, 'Pending')
    assert.equal(pending.startedProcessingOn, undefined)
    assert.equal((await stop(`/v1/uno/data-backfill/jobs/${waiting}`)).status, 200)
    const stopped = await getFileJob(server, waiting)
    assert.deepEqual([stopped.status, stopped.processedCount, stopped.resultFileId], ['Stopped', 0, undefined])
    parked.release()
    assert.equal((await waitForFileJob(server, first)).status, 'Completed')
    assert.equal((await q("SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND productline = 'Never'"))[0].n, 0)
  })

  test('an auto backfill stopped mid-run keeps exactly batchFinishedCount x batchSize changed rows', async () => {
    await q("UPDATE billing.rateplancharge SET productfamily = 'SENTINEL' WHERE tenant_id = $1")
    const targets = (await q('SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted'))[0].n
    assert.ok(targets > 60, `enough targets: ${targets}`)
    const parked = (pause = new Pause(3))
    const created = await server.api('POST', PROPAGATION, { body: { type: 'RatePlanCharge', batchSize: 5 } })
    assert.equal(created.status, 200, created.text)
    const jobId = created.json().jobId
    await parked.reached.promise
    const running = await getBatchJob(server, PROPAGATION, jobId)
    assert.deepEqual(
      [running.status, running.batchFinishedCount, running.batchSentCount, running.progress],
      ['PROCESSING', 3, Math.ceil(targets / 5), `${((3 * 100) / Math.ceil(targets / 5)).toFixed(2)}%`],
    )
    const stopped = await stop(`${PROPAGATION}/${jobId}`)
    assert.equal(stopped.status, 200, stopped.text)
    assertVendorResponse('PUT', `${PROPAGATION}/{jobId}`, 200, stopped.json())
    // Zuora's statuses have no STOPPING: the job says PROCESSING until its batch ends.
    assert.equal((await getBatchJob(server, PROPAGATION, jobId)).status, 'PROCESSING')
    assertV1Error(await stop(`${PROPAGATION}/${jobId}`), 409, '50000030', /already stopping/)
    parked.release()
    const job = await waitForBatchJob(server, PROPAGATION, jobId)
    assert.equal(job.status, 'STOPPED')
    assert.equal(job.batchFinishedCount, 3)
    assert.equal(job.errorCount, 0)
    const changed = (await q("SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND productfamily <> 'SENTINEL'"))[0].n
    assert.equal(changed, job.batchFinishedCount * 5)
    // They are the first rows by id: the batches walk the ids in order.
    const first = await q("SELECT id, productfamily <> 'SENTINEL' AS done FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id")
    assert.ok(first.length > 15, 'rows were left after the stop')
    assert.ok(first.slice(0, 15).every((r) => r.done) && first.slice(15).every((r) => !r.done))
    assertV1Error(await stop(`${PROPAGATION}/${jobId}`), 409, '50000030', /it is stopped/)
  })

  test('an auto backfill touches only rows that existed when it was submitted', async () => {
    await q("UPDATE billing.rateplancharge SET productfamily = 'SENTINEL' WHERE tenant_id = $1")
    const [prpc] = await q('SELECT id FROM billing.productrateplancharge WHERE tenant_id = $1 AND NOT deleted LIMIT 1')
    const parked = (pause = new Pause(0))
    const created = await server.api('POST', PROPAGATION, { body: { type: 'RatePlanCharge' } })
    const jobId = created.json().jobId
    await parked.reached.promise
    const late = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeee01'
    await q(
      "INSERT INTO billing.rateplancharge (tenant_id, id, productrateplanchargeid, productfamily, createddate) VALUES ($1, $2, $3, 'SENTINEL', now())",
      [tenantId, late, prpc.id],
    )
    parked.release()
    const job = await waitForBatchJob(server, PROPAGATION, jobId)
    assert.equal(job.status, 'COMPLETED')
    assert.equal((await q('SELECT productfamily FROM billing.rateplancharge WHERE tenant_id = $1 AND id = $2', [tenantId, late]))[0].productfamily, 'SENTINEL')
    assert.equal((await q("SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND productfamily = 'SENTINEL'"))[0].n, 1)
  })

  test('a booking date job stops between batches too (here before its first: nothing changes)', async () => {
    await q('UPDATE billing.rateplancharge SET bookingdate = NULL WHERE tenant_id = $1')
    const parked = (pause = new Pause(0))
    const created = await server.api('POST', BOOKING)
    assert.equal(created.status, 200, created.text)
    const jobId = created.json().jobId
    await parked.reached.promise
    assert.equal((await stop(`${BOOKING}/${jobId}`)).status, 200)
    parked.release()
    const job = await waitForBatchJob(server, BOOKING, jobId)
    // One batch of 1,000 planned (the tenant has fewer charges), none finished.
    assert.deepEqual([job.status, job.type, job.batchSentCount, job.batchFinishedCount, job.progress], ['STOPPED', 'BookingDate', 1, 0, '0.00%'])
    assert.equal((await q('SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND bookingdate IS NOT NULL'))[0].n, 0)
  })
})
