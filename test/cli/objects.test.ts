// `zjobs objects define|import|records` as child processes against a running server: the
// bulk job's counts, its error file and exit code 5, delete jobs, record listings.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { getBulkJob, listRecords } from '../../src/client/objects.ts'
import { expectError, expectExit, json, runZjobs, startCliServer, type CliServer } from './helpers.ts'
import { SMALL_VEHICLE } from '../objects/helpers.ts'

const VEHICLE = SMALL_VEHICLE

describe('zjobs objects', () => {
  let cli: CliServer
  const zjobs = (...args: string[]) => runZjobs(args, cli.env(), cli.dir)
  const file = (name: string) => join(cli.dir, name)
  before(async () => {
    cli = await startCliServer()
    writeFileSync(file('vehicle.json'), JSON.stringify({ definitions: { Vehicle: VEHICLE } }))
    const defined = await zjobs('objects', 'define', 'vehicle.json')
    expectExit(defined, 0)
    assert.equal(defined.stdout, 'defined 1 custom object: Vehicle\n')
  })
  after(() => cli.close())

  test('define takes one definition alone too, prints JSON with --json, and a refusal exits 3', async () => {
    writeFileSync(file('truck.json'), JSON.stringify({ ...VEHICLE, object: 'Truck' }))
    const result = await zjobs('objects', 'define', 'truck.json', '--json')
    expectExit(result, 0)
    const body = json(result)
    assert.equal(body.count, 1)
    assert.deepEqual(Object.keys(body.definitions), ['Truck'])
    const again = await zjobs('objects', 'define', 'truck.json')
    expectError(again, 3, /^zjobs: \d{8}: .*Truck.* \(HTTP 400, POST \/objects\/definitions\/default, request [0-9a-f-]{36}\)$/)
    writeFileSync(file('broken.json'), '{"definitions":')
    expectError(await zjobs('objects', 'define', 'broken.json'), 2, /broken\.json is not JSON/)
  })

  test('import uploads the file, follows the job and prints the counts', async () => {
    writeFileSync(file('good.csv'), 'VIN__c,make__c,seats__c\nG1,Volvo,5\nG2,Saab,4\nG3,Audi,2\n')
    const result = await zjobs('objects', 'import', 'Vehicle', 'good.csv')
    expectExit(result, 0)
    assert.match(result.stdout, /^created 3 Vehicle records in [\d.]+ s \(job [0-9a-f-]{36}\)\n$/)
    assert.match(result.stderr, /^zjobs: bulk create job [0-9a-f-]{36} submitted\nzjobs: uploaded good\.csv \(\d+ B\)\n$/)
    assert.ok(!existsSync(file('good.errors.csv')), 'no error file without refused rows')
    const { records } = await listRecords(cli.client, 'Vehicle', { q: 'make__c:Saab' })
    assert.deepEqual(records.map((r) => [r.VIN__c, r.seats__c]), [['G2', 4]])
  })

  test('refused rows go to the error file, and the exit code is 5; --json gives the job and the counts', async () => {
    writeFileSync(file('mixed.csv'), 'VIN__c,make__c,seats__c\nM1,Volvo,5\nM2,Saab,12\nM3,"Audi, AG",4\nM1,Dup,3\n')
    const result = await zjobs('objects', 'import', 'Vehicle', 'mixed.csv', '--json')
    expectError(result, 5, /^zjobs: 2 rows refused: see .*mixed\.errors\.csv$/)
    const body = json(result)
    assert.deepEqual(Object.keys(body).sort(), ['errorFile', 'errors', 'job'])
    assert.equal(body.errors, 2)
    assert.equal(body.errorFile, 'mixed.errors.csv')
    assert.equal(body.job.status, 'completed')
    assert.equal(body.job.recordsProcessed, 4)
    assert.equal((await getBulkJob(cli.client, body.job.Id)).status, 'completed')
    const rows = parse(readFileSync(file('mixed.errors.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    assert.deepEqual(
      rows.map((r) => [r.row, r.VIN__c, r.make__c, r.seats__c]),
      [
        ['3', 'M2', 'Saab', '12'],
        ['5', 'M1', 'Dup', '3'],
      ],
    )
    assert.match(rows[0].code, /^\d{8}$/)
    assert.match(rows[0].message, /maximum/)
    assert.match(rows[1].message, /unique/)

    // --errors names the file; text output prints the counts.
    const named = await zjobs('objects', 'import', 'Vehicle', 'mixed.csv', '--errors', 'refused.csv')
    expectError(named, 5, /see refused\.csv$/)
    assert.match(named.stdout, /^created 0 Vehicle records, 4 rows refused in/)
    assert.equal(parse(readFileSync(file('refused.csv'), 'utf8'), { columns: true }).length, 4)
  })

  test('update and delete jobs; delete takes --where and no file', async () => {
    const { records } = await listRecords(cli.client, 'Vehicle', { q: 'VIN__c:G3' })
    writeFileSync(file('update.csv'), `Id,VIN__c,make__c,seats__c\n${records[0].Id},G3,Audi,7\n`)
    const updated = await zjobs('objects', 'import', 'Vehicle', 'update.csv', '--operation', 'update', '-q')
    expectExit(updated, 0)
    assert.equal(updated.stderr, '')
    assert.match(updated.stdout, /^updated 1 Vehicle record in/)
    assert.equal((await listRecords(cli.client, 'Vehicle', { q: 'VIN__c:G3' })).records[0].seats__c, 7)

    const deleted = await zjobs('objects', 'import', 'Vehicle', '--operation', 'delete', '--where', 'seats__c GE 7')
    expectExit(deleted, 0)
    assert.match(deleted.stdout, /^deleted 1 Vehicle record in/)
    assert.equal((await listRecords(cli.client, 'Vehicle', { q: 'VIN__c:G3' })).count, 0)

    const misuse = await Promise.all([
      zjobs('objects', 'import', 'Vehicle', 'update.csv', '--operation', 'delete'),
      zjobs('objects', 'import', 'Vehicle'),
      zjobs('objects', 'import', 'Vehicle', '--operation', 'delete', '--where', 'seats__c ABOUT 3'),
      zjobs('objects', 'import', 'Vehicle', 'missing.csv'),
    ])
    expectError(misuse[0], 2, /a delete job takes no file/)
    expectError(misuse[1], 2, /a create job needs its CSV file/)
    expectError(misuse[2], 2, /--where takes "FIELD OP VALUE"/)
    expectError(misuse[3], 2, /cannot read missing\.csv: ENOENT/)
    expectError(await zjobs('objects', 'import', 'Nope', 'update.csv'), 3, /^zjobs: 71013020: .*Nope/)
  })

  test('records: a table (tab-separated off a terminal), --q, --limit, --fields; JSON Lines with --json', async () => {
    const table = await zjobs('objects', 'records', 'Vehicle', '--q', 'seats__c:>=4', '--fields', 'VIN__c,seats__c')
    expectExit(table, 0)
    const lines = table.stdout.trim().split('\n')
    assert.equal(lines[0], 'VIN__c\tseats__c')
    assert.deepEqual(lines.slice(1).sort(), ['G1\t5', 'G2\t4', 'M1\t5', 'M3\t4'].sort())

    const limited = await zjobs('objects', 'records', 'Vehicle', '--limit', '2')
    expectExit(limited, 0)
    assert.equal(limited.stdout.trim().split('\n').length, 3)
    assert.match(limited.stdout.split('\n')[0], /^Id\tVIN__c\tmake__c\tseats__c$/)
    assert.match(limited.stderr, /2 of \d+ records shown \(--limit\)/)

    const jsonl = await zjobs('objects', 'records', 'Vehicle', '--json', '--limit', 'all')
    expectExit(jsonl, 0)
    const records = jsonl.stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.equal(records.length, (await listRecords(cli.client, 'Vehicle')).count)
    assert.ok(records.every((r) => /^[0-9a-f-]{36}$/.test(r.Id) && typeof r.VIN__c === 'string'))
    expectError(await zjobs('objects', 'records', 'Vehicle', '--q', 'colour__c:red'), 3, /^zjobs: 71012721: /)
  })
})
