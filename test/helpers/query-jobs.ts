// Data Query jobs as a client follows them: polled until they end, every answer checked
// against Zuora's schema.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TestServer } from './server.ts'
import { assertVendorResponse } from './vendor.ts'

export interface QueryJob {
  id: string
  queryStatus: string
  dataFile?: string
  outputRows?: number
  processingTime?: number
  errorMessage?: string
  remainingRetries: number
  createdBy: string
}

/** Polls `GET /query/jobs/{id}` until the job is completed, failed or cancelled. */
export async function waitForQueryJob(server: TestServer, id: string, token?: string): Promise<QueryJob> {
  const deadline = Date.now() + 120_000
  for (;;) {
    const response = await server.api('GET', `/query/jobs/${id}`, { token })
    assert.equal(response.status, 200, response.text)
    assertVendorResponse('GET', '/query/jobs/{job-id}', 200, response.json())
    const job = response.json().data as QueryJob
    if (['completed', 'failed', 'cancelled'].includes(job.queryStatus)) return job
    if (Date.now() > deadline) assert.fail(`query ${id} still ${job.queryStatus}`)
    await sleep(30)
  }
}
