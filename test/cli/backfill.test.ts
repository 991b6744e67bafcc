// `zjobs backfill run|template|auto|stop` as child processes against a running server with
// seeded billing data: result files downloaded, exit codes, --json shapes.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import yauzl from 'yauzl'
import { seedTenant } from '../../src/billing/seed.ts'
import { createFileJob, getFileJob } from '../../src/client/backfill.ts'
import { expectError, expectExit, json, runZjobs, startCliServer, type CliServer } from './helpers.ts'

/** The one file of a zip archive, as text. */
async function unzip(path: string): Promise<{ name: string; text: string }> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true })
  const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
    zip.once('entry', resolve)
    zip.once('error', reject)
    zip.readEntry()
  })
  const stream = await zip.openReadStreamPromise(entry)
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  zip.close()
  return { name: entry.fileName, text: Buffer.concat(chunks).toString('utf8') }
}

describe('zjobs backfill', () => {
  let cli: CliServer
  let charges: string[]
  const zjobs = (...args: string[]) => runZjobs(args, cli.env(), cli.dir)
  const file = (name: string) => join(cli.dir, name)
  before(async () => {
    cli = await startCliServer()
    const tenantId = cli.server.server.bootstrap.tenant.id
    await seedTenant(cli.server.server.db, tenantId, { accounts: 5, seed: 2 })
    const { rows } = await cli.server.server.db.query<{ id: string }>(
      'SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 3',
      [tenantId],
    )
    charges = rows.map((row) => row.id)
  })
  after(() => cli.close())

  test('template prints the header row, or writes it to --out; an unknown type exits 3', async () => {
    const [printed, saved, unknown] = await Promise.all([
      zjobs('backfill', 'template', 'RatePlanCharge'),
      zjobs('backfill', 'template', 'invoicedetail', '--out', 'items.csv'),
      zjobs('backfill', 'template', 'Widget'),
    ])
    expectExit(printed, 0)
    assert.match(printed.stdout, /^Id,Accounting Code,.*,Booking Date,# Charge Number,# Charge Name\n$/)
    expectExit(saved, 0)
    assert.match(readFileSync(file('items.csv'), 'utf8'), /^Id,Accounting Code,.*# Charge Name\n$/)
    assert.match(saved.stderr, /InvoiceDetail template written to items\.csv/)
    expectError(unknown, 3, /^zjobs: 50000020: Invalid type 'Widget'/)
  })

  test('run uploads the file, follows the job and downloads its result file', async () => {
    writeFileSync(file('rpc.csv'), `Id,Product Family,Is Unbilled\n${charges[0]},Family A,true\n${charges[1]},Family B,false\n`)
    const result = await zjobs('backfill', 'run', 'RatePlanCharge', 'rpc.csv')
    expectExit(result, 0)
    assert.match(result.stdout, /^RatePlanCharge backfill [0-9a-f]{32} completed in [\d.]+ s: 2 of 2 rows applied, 0 failed; result file rpc\.csv_result\.zip\n$/)
    const { name, text } = await unzip(file('rpc.csv_result.zip'))
    assert.equal(name, 'rpc_result.csv')
    const rows = parse(text, { columns: true }) as Record<string, string>[]
    assert.deepEqual(rows.map((r) => [r.Id, r.Success]), [[charges[0], 'true'], [charges[1], 'true']])
    const { rows: applied } = await cli.server.server.db.query('SELECT productfamily FROM billing.rateplancharge WHERE id = $1', [charges[0]])
    assert.equal(applied[0].productfamily, 'Family A')
  })

  test('a file with failing rows exits 5, its result file saying why; --json gives the job and the file', async () => {
    writeFileSync(file('some-bad.csv'), `Id,Is Unbilled\n${charges[2]},true\n${'f'.repeat(32)},true\n${charges[0]},maybe\n`)
    const result = await zjobs('backfill', 'run', 'RatePlanCharge', 'some-bad.csv', '--json', '--out', 'outcome.zip')
    expectError(result, 5, /^zjobs: 2 rows failed: see the result file outcome\.zip$/)
    const body = json(result)
    assert.deepEqual(Object.keys(body).sort(), ['job', 'resultFile'])
    assert.equal(body.resultFile, 'outcome.zip')
    assert.equal(body.job.status, 'Completed')
    assert.deepEqual([body.job.totalCount, body.job.successCount, body.job.failedCount], [3, 1, 2])
    const rows = parse((await unzip(file('outcome.zip'))).text, { columns: true }) as Record<string, string>[]
    assert.deepEqual(rows.map((r) => r.Success), ['true', 'false', 'false'])
    assert.match(rows[1]['Error Message'], /No rate plan charge with id f{32} exists/)
    assert.match(rows[2]['Error Message'], /not a boolean/)
  })

  test('a refused upload exits 3 with the vendor code; bad usage exits 2', async () => {
    writeFileSync(file('colour.csv'), `Id,Colour\n${charges[0]},red\n`)
    const [refused, badType, missing] = await Promise.all([
      zjobs('backfill', 'run', 'RatePlanCharge', 'colour.csv'),
      zjobs('backfill', 'run', 'Widget', 'colour.csv'),
      zjobs('backfill', 'run', 'RatePlanCharge', 'nowhere.csv'),
    ])
    expectError(refused, 3, /^zjobs: 50000021: Unknown column in the RatePlanCharge file: Colour/)
    expectError(badType, 2, /the type must be one of ProductRatePlanCharge, /)
    expectError(missing, 2, /cannot read nowhere\.csv: ENOENT/)
  })

  test('auto follows an auto backfill (and a dry run) to its end; BookingDate runs the booking date job', async () => {
    const dry = await zjobs('backfill', 'auto', '--type', 'RatePlanCharge', '--batch-size', '5', '--dry-run', '--json')
    expectExit(dry, 0)
    const job = json(dry).job
    assert.equal(job.status, 'COMPLETED')
    assert.equal(job.type, 'RatePlanCharge')
    assert.equal(job.progress, '100.00%')
    assert.equal(job.batchFinishedCount, job.batchSentCount)
    assert.match(dry.stderr, /auto backfill job [0-9a-f]{32} submitted \(dry run\)/)

    const [real, booking, bad] = await Promise.all([
      zjobs('backfill', 'auto', '--type', 'OrderLineItem'),
      zjobs('backfill', 'auto', '--type', 'BookingDate'),
      zjobs('backfill', 'auto', '--type', 'RatePlanCharge', '--batch-size', '5000'),
    ])
    expectExit(real, 0)
    assert.match(real.stdout, /^OrderLineItem backfill [0-9a-f]{32} completed in [\d.]+ s: 100\.00%, \d+ of \d+ batches, 0 errors\n$/)
    expectExit(booking, 0)
    assert.match(booking.stdout, /^BookingDate backfill [0-9a-f]{32} completed/)
    expectError(bad, 2, /--batch-size must be an integer from 1 to 1000/)
  })

  test('stop stops a file job and follows it to its end (exit 1: it did not complete); an ended job is only followed', async () => {
    // Long enough to be stopped before it ends: rows of ids that name no charge.
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i.toString(16).padStart(32, '0')},true`)
    writeFileSync(file('long.csv'), `Id,Is Unbilled\n${rows.join('\n')}\n`)
    const { openAsBlob } = await import('node:fs')
    const id = await createFileJob(cli.client, 'RatePlanCharge', await openAsBlob(file('long.csv')), { fileName: 'long.csv' })
    const stopped = await zjobs('backfill', 'stop', id, '--json', '--out', 'long_result.zip')
    expectError(stopped, 1, new RegExp(`^zjobs: data backfill job ${id} ended Stopped: `))
    const job = json(stopped).job
    assert.equal(job.status, 'Stopped')
    assert.equal((await getFileJob(cli.client, id)).status, 'Stopped')
    // A job stopped once it had started has a result file; one stopped before, none.
    assert.equal(existsSync(file('long_result.zip')), Boolean(job.resultFileUrl))

    const again = await zjobs('backfill', 'stop', id)
    expectError(again, 1, /ended Stopped/)
    assert.match(again.stderr, /cannot be stopped/)
    expectError(await zjobs('backfill', 'stop', 'not-an-id'), 2, /not a data backfill job id/)
    expectError(await zjobs('backfill', 'stop', 'a'.repeat(32)), 3, /no job a{32}/)
  })
})
