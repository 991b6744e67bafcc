// Scenario 4: a data backfill of a RatePlanCharge file (the type's template columns, each
// charge given its product rate plan charge's values where the catalogue has the field, else
// its own), from the multipart upload to the downloaded result zip. Baseline: the same
// values written by one UPDATE ... FROM unnest(...), rolled back; VACUUM around it.
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import type pg from 'pg'
import { BILLING_OBJECTS } from '../../src/billing/model.ts'
import { call, download, expect, poll, token, type BenchTenant } from '../api.ts'
import { withClient, type Context } from '../context.ts'
import { vacuum } from '../data.ts'
import { measured, notLanded, type Row } from '../results.ts'
import { chargesTenant } from './charges.ts'

const PATH = '/v1/uno/data-backfill/jobs'
const asText = { getTypeParser: () => (value: string) => value }
const columnsOf = (name: string) => BILLING_OBJECTS.find((object) => object.name === name)!.columns.map((column) => column.name)
const normalise = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '')

/** Each template column's rateplancharge column ('#' reference columns and unknown ones: null). */
function mapColumns(header: string[]): (string | null)[] {
  const charge = columnsOf('rateplancharge')
  return header.map((name) => {
    if (name.trim().startsWith('#')) return null
    const key = normalise(name)
    const exact = charge.find((column) => column === key)
    const prefixed = charge.filter((column) => column.startsWith(key))
    return exact ?? (prefixed.length === 1 ? prefixed[0] : null)
  })
}

const csvCell = (value: string | null) => (value === null ? '' : /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)

interface BackfillFile {
  csv: Buffer
  columns: string[]
  /** Per row: the id, then each mapped column's value. */
  rows: (string | null)[][]
}

async function backfillFile(client: pg.Client, tenant: BenchTenant, header: string[], bytes: number): Promise<BackfillFile> {
  const mapped = mapColumns(header)
  const catalogue = new Set(columnsOf('productrateplancharge'))
  const columns = [...new Set(mapped.filter((column): column is string => column !== null && column !== 'id'))]
  const values = columns.map((column) => (catalogue.has(column) ? `coalesce(p.${column}::text, r.${column}::text)` : `r.${column}::text`))
  const { rows } = await client.query<(string | null)[]>({
    text: `SELECT r.id, ${values.join(', ')} FROM billing.rateplancharge r
      LEFT JOIN billing.productrateplancharge p ON p.tenant_id = r.tenant_id AND p.id = r.productrateplanchargeid
      WHERE r.tenant_id = $1 ORDER BY r.id LIMIT $2`,
    values: [tenant.id, Math.ceil(bytes / 20)],
    rowMode: 'array',
    types: asText,
  })
  const lines = [header.map(csvCell).join(',')]
  let size = lines[0].length + 1
  const kept: (string | null)[][] = []
  for (const row of rows) {
    const cells = row.map((value) => (value === 't' ? 'true' : value === 'f' ? 'false' : value))
    const line = mapped.map((column) => (column === null ? '' : csvCell(cells[column === 'id' ? 0 : columns.indexOf(column) + 1]))).join(',')
    if (size + line.length + 1 > bytes) break
    lines.push(line)
    size += line.length + 1
    kept.push(cells)
  }
  return { csv: Buffer.from(`${lines.join('\n')}\n`), columns, rows: kept }
}

async function updateFrom(client: pg.Client, tenantId: string, file: BackfillFile): Promise<number> {
  const { rows: types } = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = 'billing.rateplancharge'::regclass AND attnum > 0 AND NOT attisdropped`,
  )
  const typeOf = new Map(types.map((row) => [row.name, row.type]))
  const sets = file.columns.map((column, c) => `${column} = u.c${c + 1}::${typeOf.get(column)}`).join(', ')
  const arrays = ['$2::text[]', ...file.columns.map((_, c) => `$${c + 3}::text[]`)].join(', ')
  const aliases = ['id', ...file.columns.map((_, c) => `c${c + 1}`)].join(', ')
  const params = [tenantId, ...[0, ...file.columns.map((_, c) => c + 1)].map((c) => file.rows.map((row) => (row[c] === '' ? null : row[c])))]
  const started = performance.now()
  await client.query('BEGIN')
  await client.query(`UPDATE billing.rateplancharge t SET ${sets} FROM unnest(${arrays}) AS u(${aliases}) WHERE t.tenant_id = $1 AND t.id = u.id`, params)
  await client.query('ROLLBACK')
  return performance.now() - started
}

export async function dataBackfillScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const scenario = `4. data backfill, ${(sizes.backfillBytes / 1e6).toFixed(1)} MB RatePlanCharge file`
  const template = await call(zjobs, 'GET', `${PATH}/RatePlanCharge/template`, { token: await token(zjobs) })
  if (template.status === 404) return [notLanded(scenario, 'Data Backfill answers 404')]
  expect(template, 'template', 200)
  const header = (parse(String(template.body), { to_line: 1, bom: true }) as string[][])[0]
  const tenant = await chargesTenant(context, 'charges', sizes.exportRows)
  const file = await withClient(context, (client) => backfillFile(client, tenant, header, sizes.backfillBytes))

  zjobs.resetPeak()
  const started = performance.now()
  const form = new FormData()
  form.append('type', 'RatePlanCharge')
  form.append('file', new Blob([file.csv], { type: 'text/csv' }), 'rateplancharges.csv')
  const { jobId } = expect(await call(zjobs, 'POST', PATH, { token: tenant.token, body: form }), 'data backfill', 200).body
  const final = await poll(
    () => call(zjobs, 'GET', `${PATH}/${jobId}`, { token: tenant.token }),
    (reply) => ['Completed', 'Failed', 'Stopped', 'Canceled'].includes(reply.body?.job?.status),
    100,
    'data backfill',
  )
  if (final.body.job.status !== 'Completed') throw new Error(`data backfill ${final.body.job.status}: ${final.body.job.failureMessage}`)
  const resultUrl = new URL(final.body.job.resultFileUrl)
  await download(`${zjobs.url}${resultUrl.pathname}${resultUrl.search}`, join(context.workDir, 'backfill-result.zip'), { authorization: `Bearer ${tenant.token}` })
  const ms = performance.now() - started
  const peakRssMb = zjobs.peakRssMb()

  const baselineMs = await withClient(context, async (client) => {
    await vacuum(client, 'billing.rateplancharge')
    const elapsed = await updateFrom(client, tenant.id, file)
    await vacuum(client, 'billing.rateplancharge')
    return elapsed
  })
  const failedRows = final.body.job.failedCount
  context.log(`  data backfill ${file.rows.length} rows (${failedRows} failed): zjobs ${(ms / 1000).toFixed(1)} s, UPDATE ... FROM ${(baselineMs / 1000).toFixed(2)} s`)
  return [
    measured(scenario, ms / 1000, baselineMs / 1000, 's', {
      target: { kind: 'max', ratio: 2 },
      peakRssMb,
      note: `${file.rows.length} rows, ${file.columns.length} columns${failedRows ? `, ${failedRows} failed` : ''}; baseline: one UPDATE ... FROM unnest, rolled back`,
    }),
  ]
}
