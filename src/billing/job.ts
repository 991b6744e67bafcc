// Seeding as a durable job (POST /admin/tenants/{id}/seed): one batch of accounts per
// commit, so a job interrupted at any point resumes after its last committed batch and
// never inserts a batch twice.
import { ApiError } from '../platform/errors.ts'
import { JobFailure, type JobKind } from '../jobs/types.ts'
import { seedBatch, type SeedPlan } from './seed.ts'

export const SEED_JOB_KIND = 'billing.seed'

export interface SeedJobParams {
  plan: SeedPlan
}

export interface SeedJobProgress {
  batchesDone?: number
  accountsDone?: number
  /** Rows inserted so far, per table. */
  rows?: Record<string, number>
}

export const seedJobKind: JobKind<SeedJobParams, SeedJobProgress, SeedJobProgress> = {
  kind: SEED_JOB_KIND,
  // Seeding is heavy and rare: one at a time per tenant.
  maxRunningPerTenant: 1,
  async run(context) {
    const { plan } = context.job.params
    for (;;) {
      const progress = context.job.progress
      const index = progress.batchesDone ?? 0
      if (index >= plan.batches.length) return { state: 'completed', result: progress }
      const next = await context.commit(async (tx) => {
        let counts: Record<string, number>
        try {
          counts = await seedBatch(tx, plan, index)
        } catch (error) {
          // A conflict (the tenant already holds these ids) cannot be fixed by retrying.
          if (error instanceof ApiError) throw new JobFailure(error.message)
          throw error
        }
        const rows = { ...progress.rows }
        for (const [table, count] of Object.entries(counts)) rows[table] = (rows[table] ?? 0) + count
        const batch = plan.batches[index]
        return {
          batchesDone: index + 1,
          accountsDone: (progress.accountsDone ?? 0) + (batch.kind === 'accounts' ? batch.accounts : 0),
          rows,
        }
      })
      if (next !== 'continue') return { state: next === 'stop' ? 'stopped' : 'cancelled', result: context.job.progress }
    }
  },
}
