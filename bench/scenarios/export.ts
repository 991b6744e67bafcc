// Scenario 2: a Data Query export of every rate plan charge of a tenant, CSV+GZIP and JSON
// (JSON Lines, GZIP), from submission to the downloaded file. Baseline: the same statement
// (zjobs' own rewrite of it, in the same sandbox: context row, role, time zone) as
// `COPY (...) TO STDOUT`, through node:zlib gzip at zjobs' level into a file. Also part of
// scenario 8: the CSV export at x1 (a quarter of the rows) and x4, each in a fresh process.
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { to as copyTo } from 'pg-copy-streams'
import { DEFLATE_LEVEL } from '../../src/query/output/compression.ts'
import { prepareStatement } from '../../src/query/sql.ts'
import { call, download, expect, type BenchTenant } from '../api.ts'
import { withClient, type Context } from '../context.ts'
import { runDataQuery } from '../data.ts'
import { measured, type Row } from '../results.ts'
import { chargesTenant } from './charges.ts'

const QUERY = 'SELECT * FROM rateplancharge'
// zjobs' default LIVE output limit, which its statement carries (LIMIT limit + 1).
const LIVE_MAX_ROWS = 500_000

type Format = 'CSV' | 'JSON'

interface Export {
  ms: number
  bytes: number
  rows: number
  peakRssMb: number
}

async function zjobsExport(context: Context, tenant: BenchTenant, format: Format): Promise<Export> {
  const { zjobs } = context
  zjobs.resetPeak()
  const started = performance.now()
  const job = await runDataQuery(zjobs, tenant.token, { query: QUERY, outputFormat: format, compression: 'GZIP' }, 100)
  const bytes = await download(job.dataFile, join(context.workDir, `zjobs-export.${format.toLowerCase()}.gz`))
  return { ms: performance.now() - started, bytes, rows: job.outputRows, peakRssMb: zjobs.peakRssMb() }
}

async function copyExport(context: Context, tenant: BenchTenant, format: Format, level: number): Promise<{ ms: number; bytes: number }> {
  const statement = await prepareStatement(QUERY, { admin: true }, { maxRows: LIVE_MAX_ROWS })
  if (statement.kind !== 'select') throw new Error('not a SELECT')
  const timeZone = expect(await call(context.zjobs, 'GET', `/admin/tenants/${tenant.id}`), 'tenant', 200).body.timeZone ?? 'UTC'
  const copy =
    format === 'CSV'
      ? `COPY (${statement.sql}) TO STDOUT WITH (FORMAT csv, HEADER, NULL '')`
      : `COPY (SELECT row_to_json(q) FROM (${statement.sql}) q) TO STDOUT`
  const path = join(context.workDir, `copy-export.${format.toLowerCase()}.gz`)
  return withClient(context, async (client) => {
    const started = performance.now()
    await client.query('BEGIN')
    await client.query('INSERT INTO dq_context (pid, tenant_id, entity_id, org_ids, deleted) VALUES (pg_backend_pid(), $1, NULL, NULL, false)', [tenant.id])
    await client.query(`SELECT set_config('TimeZone', $1, true), set_config('search_path', 'dataquery, pg_catalog', true)`, [timeZone])
    await client.query('SET LOCAL transaction_read_only = on')
    await client.query('SET LOCAL ROLE zjobs_dq_reader')
    const file = createWriteStream(path)
    await pipeline(client.query(copyTo(copy)), createGzip({ level }), file)
    await client.query('ROLLBACK')
    return { ms: performance.now() - started, bytes: file.bytesWritten }
  })
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

export async function exportScenario(context: Context): Promise<Row[]> {
  const { sizes, zjobs } = context
  const small = await chargesTenant(context, 'export x1', sizes.exportRows / 4)
  const large = await chargesTenant(context, 'charges', sizes.exportRows)
  const rows: Row[] = []
  const label = `${sizes.exportRows.toLocaleString('en-US')} rate plan charges`

  // Fresh processes, so each peak is the export's own.
  await zjobs.restart()
  const x1 = await zjobsExport(context, small, 'CSV')
  await zjobs.restart()
  const csv = await zjobsExport(context, large, 'CSV')
  if (csv.rows !== sizes.exportRows) throw new Error(`the export wrote ${csv.rows} rows, not ${sizes.exportRows}`)
  const copyCsv = await copyExport(context, large, 'CSV', DEFLATE_LEVEL)
  context.log(`  CSV+GZIP: zjobs ${(csv.ms / 1000).toFixed(1)} s ${mb(csv.bytes)}, COPY | gzip -${DEFLATE_LEVEL} ${(copyCsv.ms / 1000).toFixed(1)} s ${mb(copyCsv.bytes)}`)
  rows.push(
    measured(`2. export ${label}, CSV+GZIP`, csv.ms / 1000, copyCsv.ms / 1000, 's', {
      target: { kind: 'max', ratio: 1.5 },
      peakRssMb: csv.peakRssMb,
      note: `COPY | gzip level ${DEFLATE_LEVEL} (zjobs' level); zjobs ${mb(csv.bytes)}, COPY ${mb(copyCsv.bytes)}`,
    }),
  )
  if (sizes.gzip6) {
    const copyCsv6 = await copyExport(context, large, 'CSV', 6)
    rows.push(measured(`2. export ${label}, CSV+GZIP vs gzip level 6`, csv.ms / 1000, copyCsv6.ms / 1000, 's', { note: `COPY ${mb(copyCsv6.bytes)}` }))
  }

  const json = await zjobsExport(context, large, 'JSON')
  const copyJson = await copyExport(context, large, 'JSON', DEFLATE_LEVEL)
  context.log(`  JSON+GZIP: zjobs ${(json.ms / 1000).toFixed(1)} s ${mb(json.bytes)}, COPY row_to_json | gzip ${(copyJson.ms / 1000).toFixed(1)} s ${mb(copyJson.bytes)}`)
  rows.push(
    measured(`2. export ${label}, JSON+GZIP`, json.ms / 1000, copyJson.ms / 1000, 's', {
      target: { kind: 'max', ratio: 1.5 },
      peakRssMb: json.peakRssMb,
      note: `COPY (SELECT row_to_json(q) ...) | gzip level ${DEFLATE_LEVEL}; zjobs ${mb(json.bytes)}, COPY ${mb(copyJson.bytes)}`,
    }),
  )
  rows.push(
    measured(`8. memory: export CSV+GZIP, x4 (${label}) vs x1 peak RSS`, csv.peakRssMb, x1.peakRssMb, 'MB', {
      target: { kind: 'max', ratio: 1.3 },
      peakRssMb: csv.peakRssMb,
      note: `x1: ${(sizes.exportRows / 4).toLocaleString('en-US')} rows, each in a fresh zjobs process`,
    }),
  )
  return rows
}
