// Scenario 3: a custom-object bulk create job, from the upload of its CSV to `completed`.
// Baseline: the same rows loaded into the same storage (bench/storage-copy.ts). Also part of
// scenario 8: the job at x1 (a quarter of the file) and x4, each in a fresh process.
import { call, createTenant } from '../api.ts'
import { withClient, type Context } from '../context.ts'
import { measured, notLanded, type Row } from '../results.ts'
import { checkpoint } from '../data.ts'
import { copyIntoLikeTable, grownTable, tableSizes } from '../storage-copy.ts'
import { bulkCreate, defineBenchObject, recordsCsv } from './objects.ts'

export async function bulkCreateScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const mb = `${(sizes.bulkBytes / 1e6).toFixed(sizes.bulkBytes < 1e6 ? 2 : 0)} MB`
  const scenario = `3. bulk create, ${mb} custom-object CSV`
  const memory = `8. memory: bulk create, x4 (${mb}) vs x1 peak RSS`
  const tenant = await createTenant(zjobs, 'bench bulk create')
  const probe = await call(zjobs, 'GET', '/objects/definitions/default', { token: tenant.token })
  if (probe.status === 404) return [notLanded(scenario, 'Custom Objects answer 404'), notLanded(memory, 'Custom Objects answer 404')]
  await defineBenchObject(context, tenant)
  // x1 in a tenant of its own, so that the records tenant holds exactly the x4 file's.
  const smallTenant = await createTenant(zjobs, 'bench bulk create x1')
  await defineBenchObject(context, smallTenant)
  // Earlier scenarios' dead rows (the auto backfill rewrote a million) are reclaimed first, so
  // that autovacuum does not take a core from either side during the measurement.
  await withClient(context, (client) => client.query('VACUUM'))
  const small = recordsCsv(sizes.bulkBytes / 4)
  const large = recordsCsv(sizes.bulkBytes)
  const lines = large.toString('latin1').split('\n').length - 2

  await zjobs.restart()
  zjobs.resetPeak()
  await bulkCreate(context, smallTenant, small)
  const x1Peak = zjobs.peakRssMb()
  const before = await withClient(context, tableSizes)
  await zjobs.restart()
  // Earlier scenarios' dirty pages are written out first, not during the measurement.
  await withClient(context, checkpoint)
  zjobs.resetPeak()
  const { ms, uploadMs } = await bulkCreate(context, tenant, large)
  const peakRssMb = zjobs.peakRssMb()

  const load = await withClient(context, async (client) => {
    const table = grownTable(before, await tableSizes(client))
    context.log(`  bulk create: the records are in ${table}`)
    await checkpoint(client)
    return copyIntoLikeTable(client, table, tenant.id, context.backend.name === 'embedded')
  })
  if (load.rows !== lines) throw new Error(`the records table holds ${load.rows} of the tenant's rows, the file ${lines}`)
  context.log(`  bulk create ${lines} records: zjobs ${(ms / 1000).toFixed(1)} s (upload ${(uploadMs / 1000).toFixed(1)} s), load ${(load.ms / 1000).toFixed(1)} s`)
  const how = context.backend.name === 'embedded' ? 'unnest INSERT (no COPY FROM STDIN embedded)' : 'COPY FROM'
  return [
    measured(scenario, ms / 1000, load.ms / 1000, 's', {
      target: { kind: 'max', ratio: 2 },
      peakRssMb,
      note: `${lines} records; baseline: ${how} into a copy of the records table`,
    }),
    measured(memory, peakRssMb, x1Peak, 'MB', { target: { kind: 'max', ratio: 1.3 }, peakRssMb, note: 'each in a fresh zjobs process' }),
  ]
}
