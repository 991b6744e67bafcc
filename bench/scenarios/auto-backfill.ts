// Scenario 5: an auto backfill (propagation) of RatePlanCharge over a tenant's rate plan
// charges, from submission to COMPLETED. Baseline: the equivalent single UPDATE ... FROM
// (every charge takes the ten revenue fields of its product rate plan charge), run first and
// rolled back, so zjobs then finds the data unchanged; VACUUM between the two.
import { AUTO_BACKFILL_COLUMNS } from '../../src/billing/model.ts'
import { call, expect, poll, token } from '../api.ts'
import { withClient, type Context } from '../context.ts'
import { vacuum } from '../data.ts'
import { measured, notLanded, type Row } from '../results.ts'
import { chargesTenant } from './charges.ts'

const PATH = '/v1/uno/data-backfill/propagation/jobs'

export async function autoBackfillScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const scenario = `5. auto backfill, ${sizes.autoRows.toLocaleString('en-US')} rate plan charges`
  const probe = await call(zjobs, 'GET', PATH, { token: await token(zjobs) })
  if (probe.status === 404) return [notLanded(scenario, 'Data Backfill answers 404')]
  const tenant = await chargesTenant(context, 'charges', sizes.autoRows)

  const sets = Object.entries(AUTO_BACKFILL_COLUMNS.rateplancharge)
    .map(([field, column]) => `${column} = p.${AUTO_BACKFILL_COLUMNS.productrateplancharge[field]}`)
    .join(', ')
  const baseline = await withClient(context, async (client) => {
    const started = performance.now()
    await client.query('BEGIN')
    const result = await client.query(
      `UPDATE billing.rateplancharge r SET ${sets} FROM billing.productrateplancharge p
       WHERE r.tenant_id = $1 AND p.tenant_id = r.tenant_id AND p.id = r.productrateplanchargeid`,
      [tenant.id],
    )
    await client.query('ROLLBACK')
    const ms = performance.now() - started
    await vacuum(client, 'billing.rateplancharge')
    return { ms, rows: result.rowCount ?? 0 }
  })

  zjobs.resetPeak()
  const started = performance.now()
  const { jobId } = expect(await call(zjobs, 'POST', PATH, { token: tenant.token, json: { type: 'RatePlanCharge' } }), 'auto backfill', 200).body
  const final = await poll(
    () => call(zjobs, 'GET', `${PATH}/${jobId}`, { token: tenant.token }),
    (reply) => ['COMPLETED', 'FAILED', 'STOPPED'].includes(reply.body?.job?.status),
    100,
    'auto backfill',
  )
  const ms = performance.now() - started
  const peakRssMb = zjobs.peakRssMb()
  if (final.body.job.status !== 'COMPLETED') throw new Error(`auto backfill ${final.body.job.status}: ${JSON.stringify(final.body.job)}`)
  await withClient(context, (client) => vacuum(client, 'billing.rateplancharge'))
  context.log(`  auto backfill: zjobs ${(ms / 1000).toFixed(1)} s, UPDATE ... FROM ${(baseline.ms / 1000).toFixed(1)} s (${baseline.rows} rows)`)
  return [
    measured(scenario, ms / 1000, baseline.ms / 1000, 's', {
      target: { kind: 'max', ratio: 2 },
      peakRssMb,
      note: `baseline: one UPDATE ... FROM of ${baseline.rows} rows, rolled back`,
    }),
  ]
}
