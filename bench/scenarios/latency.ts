// Scenario 7: submit-to-completed of a one-row query (SELECT 1), one job at a time, the
// client polling every 5 ms: median and p99 of the runs. Baseline: the same SELECT as one
// synchronous request to the bare Fastify server, so the ratio is what asynchrony costs.
import { createTenant } from '../api.ts'
import { startBaselineServer } from '../baseline-server.ts'
import { API_POOL_SIZE, type Context } from '../context.ts'
import { runDataQuery } from '../data.ts'
import { measured, type Row } from '../results.ts'

const POLL_MS = 5

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

export async function latencyScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const tenant = await createTenant(zjobs, 'bench latency')
  const request = { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE' } as const
  await runDataQuery(zjobs, tenant.token, request, POLL_MS) // warm-up
  zjobs.resetPeak()
  const ours: number[] = []
  for (let i = 0; i < sizes.latencyRuns; i++) {
    const started = performance.now()
    await runDataQuery(zjobs, tenant.token, request, POLL_MS)
    ours.push(performance.now() - started)
  }
  const peakRssMb = zjobs.peakRssMb()

  const baseline = await startBaselineServer({ connection: context.backend.connection(), poolMax: API_POOL_SIZE, tenantId: tenant.id })
  const theirs: number[] = []
  try {
    for (let i = 0; i <= sizes.latencyRuns; i++) {
      const started = performance.now()
      const response = await fetch(`${baseline.url}/select-one`, { method: 'POST' })
      await response.text()
      if (i > 0) theirs.push(performance.now() - started) // the first is a warm-up
    }
  } finally {
    await baseline.stop()
  }
  const note = `${sizes.latencyRuns} jobs one after another, polled every ${POLL_MS} ms; baseline: SELECT 1 in one synchronous request`
  return [
    measured('7. latency SELECT 1, submit to completed: median', percentile(ours, 50), percentile(theirs, 50), 'ms', { peakRssMb, note }),
    measured('7. latency SELECT 1, submit to completed: p99', percentile(ours, 99), percentile(theirs, 99), 'ms', { note }),
  ]
}
