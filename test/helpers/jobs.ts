// A job as the engine's store returns it, for unit tests that need one without a database.
import type { Job } from '../../src/jobs/types.ts'

/** A queued job of tenant 10000 that has not run, created at `at`, with `extra` over it. */
export function aJob(extra: Partial<Job> & Pick<Job, 'id' | 'kind'>, at = new Date('2026-01-01T00:00:00Z')): Job {
  return {
    tenantId: '10000',
    state: 'queued',
    stopRequested: null,
    createdBy: null,
    entityId: null,
    orgIds: null,
    params: {},
    progress: {},
    result: null,
    error: null,
    errorCode: null,
    attempts: 0,
    maxAttempts: 3,
    createdAt: at,
    startedAt: null,
    updatedAt: at,
    finishedAt: null,
    ...extra,
  }
}
