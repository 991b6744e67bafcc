// Data backfill file jobs end to end, as a Zuora client drives them: templates, uploads
// (CSV and zip, with and without checksum), polling, the result zip, lists; every answer
// checked against Zuora's schemas, every effect against the database.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { seedTenant } from '../../src/billing/seed.ts'
import { TYPE_SPECS } from '../../src/backfill/files/templates.ts'
import { createTenantWithClient, startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import {
  ALL_BACKFILL_TABLES,
  assertV1Error,
  digest,
  download,
  md5,
  resultRows,
  submitFile,
  upload,
  waitForFileJob,
  zip,
} from './helpers.ts'

const TYPES = ['ProductRatePlanCharge', 'RatePlanCharge', 'InvoiceDetail', 'MemoDetail', 'InvoiceItemAdjustment']

describe('Data backfill file jobs', () => {
  let server: TestServer
  let tenantId: string
  let other: Awaited<ReturnType<typeof createTenantWithClient>>
  const q = async (sql: string, values: unknown[] = [tenantId]) => (await server.server.db.query(sql, values)).rows

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    tenantId = server.server.bootstrap.tenant.id
    await seedTenant(server.server.db, tenantId, { accounts: 30, seed: 3 })
    other = await createTenantWithClient(server)
    await seedTenant(server.server.db, other.tenant.id, { accounts: 5, seed: 4 })
  })
  after(() => server.close())

  test('each type has a template: a header row of Id, the fields and # reference columns, at both paths', async () => {
    for (const type of TYPES) {
      const response = await server.api('GET', `/v1/uno/data-backfill/jobs/${type}/template`)
      assert.equal(response.status, 200, response.text)
      assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8')
      assert.equal(response.headers['content-disposition'], `attachment; filename="${type}_template.csv"`)
      assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{type}/template', 200, response.text, 'text/csv')
      const header = response.text.trimEnd().split(',')
      assert.equal(response.text.split('\n').length, 2, 'one header line')
      assert.equal(header[0], 'Id')
      const spec = TYPE_SPECS[type as keyof typeof TYPE_SPECS]
      assert.deepEqual(header.slice(1, 1 + spec.fields.length), spec.fields.map((f) => f.label))
      const references = header.slice(1 + spec.fields.length)
      assert.ok(references.length > 0 && references.every((h) => h.startsWith('# ')), `${type}: ${header}`)
      const legacy = await server.api('GET', `/v1/uno/back-fill/jobs/${type}/template`)
      assert.equal(legacy.status, 200)
      assert.equal(legacy.text, response.text)
    }
    const rpc = (await server.api('GET', '/v1/uno/data-backfill/jobs/RatePlanCharge/template')).text
    for (const label of ['Product Family', 'Revenue Recognition Timing', 'Booking Date', 'Deferred Revenue Accounting Code']) {
      assert.ok(rpc.includes(label), label)
    }
    const unknown = await server.api('GET', '/v1/uno/data-backfill/jobs/Account/template')
    assertV1Error(unknown, 400, '50000020', /Invalid type 'Account'/)
    assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{type}/template', 400, unknown.json())
  })

  test('a RatePlanCharge file: valid rows applied, bad rows reported row by row, nothing else changed', async () => {
    const ids = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 5')).map((r) => r.id)
    const [foreign] = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 LIMIT 1', [other.tenant.id])).map((r) => r.id)
    assert.equal((await q('SELECT count(*)::int AS n FROM billing.rateplancharge WHERE tenant_id = $1 AND id = $2', [tenantId, foreign]))[0].n, 0)
    const before = (await q('SELECT * FROM billing.rateplancharge WHERE tenant_id = $1 ORDER BY id')) as Record<string, unknown>[]
    const otherBefore = await digest(server.server.db, other.tenant.id, ALL_BACKFILL_TABLES)

    const csv = [
      'Id,Product Family,Is Unbilled,Revenue Recognition Timing,Booking Date,Deferred Revenue Accounting Code,# Charge Name',
      `${ids[0]},"Family, Inc.",true,upon order activation date,2024-02-29,DR-1,first`,
      `${ids[1]},,FALSE,,,,"emptied ""fields"""`,
      `${ids[2]},F,maybe,Sometimes,2023-02-30,DR-2,bad values`,
      'ffffffffffffffffffffffffffffffff,F,true,,,,unknown id',
      `${foreign},F,true,,,,another tenant's`,
      'not-an-id,F,true,,,,malformed id',
      `${ids[3]},F,true`,
      `${ids[4].toUpperCase()},Upper,false,UPON BILLING DOCUMENT POSTING DATE,,DR-4,upper-case id`,
      `${ids[0]},Second,true,Upon Order Activation Date,2024-02-29,DR-1,repeat`,
    ].join('\r\n')
    const jobId = await submitFile(server, 'RatePlanCharge', csv, { filename: 'rpc.csv' })
    const job = await waitForFileJob(server, jobId)

    assert.equal(job.status, 'Completed', JSON.stringify(job))
    assert.equal(job.importType, 'RatePlanCharge')
    assert.equal(job.totalCount, 9)
    assert.equal(job.processedCount, 9)
    assert.equal(job.successCount, 4)
    assert.equal(job.failedCount, 5)
    assert.equal(job.completedPercentage, 100)
    assert.equal(job.failureMessage, '')
    assert.equal(job.remainingTime, 0)
    assert.equal(job.uploadedFileName, 'rpc.csv')
    assert.equal(job.inputFileSize, Buffer.byteLength(csv))
    assert.equal(job.uploadedFileSize, `${Buffer.byteLength(csv)}Byte`)
    assert.equal(job.uploadedBy, 'admin@example.com')
    assert.equal(job.outputType, '(url:.csv.zip)')
    assert.equal(job.resultFileName, 'rpc.csv_result.zip')
    assert.match(job.uploadedOn, /^\d{13}$/)
    assert.ok(Number(job.uploadedOn) <= Number(job.startedProcessingOn))
    assert.ok(Number(job.startedProcessingOn) <= Number(job.completedOn))
    assert.equal(job.outputSize, `${job.outputFileSize}Byte`)
    assert.equal((await download(server, job.uploadedFileUrl)).text, csv)

    const result = await resultRows(server, job)
    assert.equal(result.name, 'rpc_result.csv')
    assert.deepEqual(result.rows[0], [
      'Id', 'Product Family', 'Is Unbilled', 'Revenue Recognition Timing', 'Booking Date', 'Deferred Revenue Accounting Code', '# Charge Name',
      'Success', 'Error Message',
    ])
    const outcome = result.rows.slice(1).map((row) => [row[7], row[8]])
    assert.deepEqual(outcome.map(([success]) => success), ['true', 'true', 'false', 'false', 'false', 'false', 'false', 'true', 'true'])
    assert.equal(result.rows[1][1], 'Family, Inc.')
    assert.equal(result.rows[2][6], 'emptied "fields"')
    assert.match(outcome[2][1], /Is Unbilled: 'maybe' is not a boolean/)
    assert.match(outcome[2][1], /Revenue Recognition Timing: 'Sometimes' is not one of/)
    assert.match(outcome[2][1], /Booking Date: '2023-02-30' is not a date/)
    assert.equal(outcome[3][1], 'No rate plan charge with id ffffffffffffffffffffffffffffffff exists')
    assert.equal(outcome[4][1], `No rate plan charge with id ${foreign} exists`)
    assert.match(outcome[5][1], /Id 'not-an-id' is not a Zuora id/)
    assert.equal(outcome[6][1], 'The row has 3 cells; the header has 7')
    assert.deepEqual([outcome[0][1], outcome[1][1], outcome[7][1], outcome[8][1]], ['', '', '', ''])
    assert.deepEqual(result.rows[7].slice(0, 3), [ids[3], 'F', 'true'], 'a short row is padded, its cells kept')

    const after = (await q('SELECT * FROM billing.rateplancharge WHERE tenant_id = $1 ORDER BY id')) as Record<string, unknown>[]
    const byId = (rows: Record<string, unknown>[], id: string) => rows.find((row) => row.id === id)!
    const adminId = server.server.bootstrap.user.id
    const r0 = byId(after, ids[0])
    assert.equal(r0.productfamily, 'Second', 'the later row of a repeated id wins')
    assert.equal(r0.isunbilled, true)
    assert.equal(r0.revenuerecognitiontiming, 'Upon Order Activation Date')
    assert.equal(r0.deferredrevenueaccountingcode, 'DR-1')
    assert.equal((await q('SELECT bookingdate::text AS d FROM billing.rateplancharge WHERE tenant_id = $1 AND id = $2', [tenantId, ids[0]]))[0].d, '2024-02-29')
    assert.equal(r0.updatedbyid, adminId)
    assert.equal(r0.productcategory, byId(before, ids[0]).productcategory, 'a column not in the file is kept')
    const r1 = byId(after, ids[1])
    for (const column of ['productfamily', 'revenuerecognitiontiming', 'bookingdate', 'deferredrevenueaccountingcode']) {
      assert.equal(r1[column], null, `an empty cell sets ${column} to null`)
    }
    assert.equal(r1.isunbilled, false)
    const r4 = byId(after, ids[4])
    assert.equal(r4.productfamily, 'Upper')
    assert.equal(r4.revenuerecognitiontiming, 'Upon Billing Document Posting Date')
    // Every other row is exactly as it was, in this tenant and the other.
    const changed = new Set([ids[0], ids[1], ids[4]])
    assert.equal(after.length, before.length)
    for (const row of before) if (!changed.has(row.id as string)) assert.deepEqual(byId(after, row.id as string), row)
    assert.equal(await digest(server.server.db, other.tenant.id, ALL_BACKFILL_TABLES), otherBefore)

    for (const path of ['/v1/uno/data-backfill/listjobs', '/v1/uno/date-backfill/listjobs']) {
      const list = await server.api('GET', path)
      assert.equal(list.status, 200, list.text)
      assertVendorResponse('GET', '/v1/uno/data-backfill/listjobs', 200, list.json())
      const listed = list.json().jobs.find((j: { id: string }) => j.id === jobId)
      assert.equal(listed.type, 'RatePlanCharge')
      assert.equal(listed.importType, 'RatePlanCharge')
      assert.equal(listed.successCount, 4)
    }
  })

  test('a zipped MemoDetail file with its checksum updates credit and debit memo items', async () => {
    const [credit] = (await q('SELECT id FROM billing.creditmemoitem WHERE tenant_id = $1 AND NOT deleted LIMIT 1')).map((r) => r.id)
    const debit = 'dddddddddddddddddddddddddddddd01'
    await q('INSERT INTO billing.debitmemoitem (tenant_id, id, chargename, amount) VALUES ($1, $2, $3, 10)', [tenantId, debit, 'Fee'])
    const csv = `Id,Revenue Recognition Rule Name,Exclude Item Billing From Revenue Accounting,Recognized Revenue Accounting Code\n${credit},Recognize upon invoicing,true,RR-C\n${debit},,false,RR-D\n`
    const archive = await zip([{ name: 'memo.csv', content: csv }])
    const jobId = await submitFile(server, 'MemoDetail', archive, { filename: 'memo.zip', checksum: md5(archive).toUpperCase() })
    const job = await waitForFileJob(server, jobId)
    assert.equal(job.status, 'Completed')
    assert.deepEqual([job.successCount, job.failedCount], [2, 0])
    assert.equal(job.resultFileName, 'memo.zip_result.zip')
    const result = await resultRows(server, job)
    assert.equal(result.name, 'memo_result.csv')
    assert.deepEqual(result.rows.map((row) => row.at(-2)), ['Success', 'true', 'true'])
    const [c] = await q('SELECT revenuerecognitionrulename, excludeitembillingfromrevenueaccounting AS x, recognizedrevenueaccountingcode AS rr FROM billing.creditmemoitem WHERE tenant_id = $1 AND id = $2', [tenantId, credit])
    assert.deepEqual(c, { revenuerecognitionrulename: 'Recognize upon invoicing', x: true, rr: 'RR-C' })
    const [d] = await q('SELECT revenuerecognitionrulename, excludeitembillingfromrevenueaccounting AS x, recognizedrevenueaccountingcode AS rr FROM billing.debitmemoitem WHERE tenant_id = $1 AND id = $2', [tenantId, debit])
    assert.deepEqual(d, { revenuerecognitionrulename: null, x: false, rr: 'RR-D' })
  })

  test('ProductRatePlanCharge, InvoiceDetail and InvoiceItemAdjustment files update their objects', async () => {
    const cases = [
      { type: 'ProductRatePlanCharge', table: 'productrateplancharge', header: 'Id,Product Line,Is Allocation Eligible,# Product Rate Plan Charge Name' },
      { type: 'InvoiceDetail', table: 'invoiceitem', header: 'Id,Product Line,# Charge Name' },
      { type: 'InvoiceItemAdjustment', table: 'invoiceitemadjustment', header: 'id,adjustment_revenue_accounting_code,# Invoice Number' },
    ]
    for (const { type, table, header } of cases) {
      const [row] = await q(`SELECT id FROM billing.${table} WHERE tenant_id = $1 AND NOT deleted ORDER BY id LIMIT 1`)
      const csv = type === 'ProductRatePlanCharge' ? `${header}\n${row.id},Line X,false,ref\n` : `${header}\n${row.id},Value X,ref\n`
      const response = await upload(server, type, csv)
      if (type === 'InvoiceDetail') {
        // Invoice items have no Product Line: the column is refused.
        assertV1Error(response, 400, '50000021', /Unknown column in the InvoiceDetail file: Product Line/)
        const fixed = await submitFile(server, type, `Id,Accounting Code,# Charge Name\n${row.id},AC-X,ref\n`)
        assert.equal((await waitForFileJob(server, fixed)).successCount, 1)
        assert.equal((await q(`SELECT accountingcode FROM billing.${table} WHERE tenant_id = $1 AND id = $2`, [tenantId, row.id]))[0].accountingcode, 'AC-X')
        continue
      }
      assert.equal(response.status, 200, response.text)
      const job = await waitForFileJob(server, response.json().jobId)
      assert.deepEqual([job.status, job.successCount, job.failedCount], ['Completed', 1, 0])
    }
    const [prpc] = await q('SELECT productline, isallocationeligible FROM billing.productrateplancharge WHERE tenant_id = $1 AND productline = $2', [tenantId, 'Line X'])
    assert.deepEqual(prpc, { productline: 'Line X', isallocationeligible: false })
    assert.equal((await q('SELECT count(*)::int AS n FROM billing.invoiceitemadjustment WHERE tenant_id = $1 AND adjustmentrevenueaccountingcode = $2', [tenantId, 'Value X']))[0].n, 1)
  })

  test('bad uploads get a clear v1 error and change nothing', async () => {
    const [rpc] = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 LIMIT 1')).map((r) => r.id)
    const good = `Id,Product Family\n${rpc},Changed\n`
    const jobsBefore = (await server.api('GET', '/v1/uno/data-backfill/listjobs')).json().jobs.length
    const filesBefore = (await q('SELECT count(*)::int AS n FROM files WHERE tenant_id = $1'))[0].n
    const dataBefore = await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES)
    const post = (body: Buffer | string, contentType: string) =>
      server.api('POST', '/v1/uno/data-backfill/jobs', { body, headers: { 'content-type': contentType } })
    const twoFiles = await zip([{ name: 'a.csv', content: good }, { name: 'b.csv', content: good }])
    const notCsv = await zip([{ name: 'a.xlsx', content: good }])
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(200, 7)])
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 'a')
    const { multipart } = await import('./helpers.ts')
    const onlyFile = multipart([{ name: 'file', value: good, filename: 'a.csv' }])
    const onlyType = multipart([{ name: 'type', value: 'RatePlanCharge' }])
    const cases: [string, () => Promise<import('../helpers/http.ts').HttpResponse>, number, string, RegExp][] = [
      ['a binary file', () => upload(server, 'RatePlanCharge', png, { filename: 'a.png' }), 400, '50000020', /neither a CSV file nor a zip/],
      ['a file over 4 MB', () => upload(server, 'RatePlanCharge', big), 413, '50000020', /larger than 4 MB/],
      ['a wrong checksum', () => upload(server, 'RatePlanCharge', good, { checksum: md5('other') }), 400, '50000020', /Checksum mismatch/],
      ['a malformed checksum', () => upload(server, 'RatePlanCharge', good, { checksum: 'abc' }), 400, '50000020', /Invalid checksum/],
      ['no file part', () => post(onlyType.body, onlyType.contentType), 400, '50000022', /'file' is required/],
      ['no type part', () => post(onlyFile.body, onlyFile.contentType), 400, '50000022', /'type' is required/],
      ['an unknown type', () => upload(server, 'OrderLineItem', good), 400, '50000020', /Invalid type 'OrderLineItem'/],
      ['an unknown column', () => upload(server, 'RatePlanCharge', `Id,Colour\n${rpc},red\n`), 400, '50000021', /Unknown column in the RatePlanCharge file: Colour/],
      ['no Id column', () => upload(server, 'RatePlanCharge', 'Product Family\nX\n'), 400, '50000022', /has no Id column/],
      ['no field column', () => upload(server, 'RatePlanCharge', `Id,# Note\n${rpc},x\n`), 400, '50000020', /updates no field/],
      ['an empty file', () => upload(server, 'RatePlanCharge', ''), 400, '50000020', /The file is empty/],
      ['a zip of two files', () => upload(server, 'RatePlanCharge', twoFiles, { filename: 'a.zip' }), 400, '50000020', /exactly one CSV file/],
      ['a zip without a CSV', () => upload(server, 'RatePlanCharge', notCsv, { filename: 'a.zip' }), 400, '50000020', /not a \.csv file/],
      ['a JSON body', () => server.api('POST', '/v1/uno/data-backfill/jobs', { body: { type: 'RatePlanCharge' } }), 415, '50000045', /multipart\/form-data/],
    ]
    for (const [what, send, status, code, message] of cases) {
      const response = await send()
      assert.equal(response.status, status, `${what}: ${response.text}`)
      assertV1Error(response, status, code, message)
      assertVendorResponse('POST', '/v1/uno/data-backfill/jobs', status, response.json())
    }
    assert.equal((await server.api('GET', '/v1/uno/data-backfill/listjobs')).json().jobs.length, jobsBefore, 'no job was made')
    assert.equal((await q('SELECT count(*)::int AS n FROM files WHERE tenant_id = $1'))[0].n, filesBefore, 'no upload was kept')
    assert.equal(await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES), dataBefore)
  })

  test('a malformed CSV is refused at upload, plain or zipped, before any row is applied', async () => {
    const ids = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 ORDER BY id DESC LIMIT 2')).map((r) => r.id)
    const before = await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES)
    const unclosed = `Id,Product Family\n${ids[0]},Good\n${ids[1]},"unclosed\n`
    assertV1Error(await upload(server, 'RatePlanCharge', unclosed), 400, '50000020', /not a valid CSV file: a quoted field is not closed \(line 4\)/)
    const stray = `Id,Product Family\n${ids[0]},Go"od\n`
    const zipped = await zip([{ name: 'bad.csv', content: stray }])
    assertV1Error(await upload(server, 'RatePlanCharge', zipped, { filename: 'bad.zip' }), 400, '50000020', /a quote appears inside an unquoted field \(line 2\)/)
    assert.equal(await digest(server.server.db, tenantId, ALL_BACKFILL_TABLES), before)
  })

  test('the type part may be quoted, as curl sends -F \'type="X"\'', async () => {
    const [rpc] = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1')).map((r) => r.id)
    const jobId = await submitFile(server, '"RatePlanCharge"', `Id,Product Class\n${rpc},Quoted\n`)
    assert.equal((await waitForFileJob(server, jobId)).successCount, 1)
  })

  test('job ids: malformed or not 32 characters is 400, unknown or another tenant\'s is 404', async () => {
    const [job] = (await server.api('GET', '/v1/uno/data-backfill/listjobs')).json().jobs
    const cases: [string, number, string, RegExp][] = [
      ['abc', 400, '50000020', /exactly 32 characters, not 3/],
      ['z'.repeat(32), 400, '50000020', /32 hexadecimal characters/],
      [`${job.id}0`, 400, '50000020', /not 33/],
      ['0'.repeat(32), 404, '50000040', /No data backfill job with id 0{32} exists/],
    ]
    for (const [id, status, code, message] of cases) {
      const read = await server.api('GET', `/v1/uno/data-backfill/jobs/${id}`)
      assertV1Error(read, status, code, message)
      assertVendorResponse('GET', '/v1/uno/data-backfill/jobs/{jobId}', status, read.json())
      const stop = await server.api('PUT', `/v1/uno/data-backfill/jobs/${id}`, { body: { status: 'Stopping' } })
      assertV1Error(stop, status, code, message)
      assertVendorResponse('PUT', '/v1/uno/data-backfill/jobs/{jobId}', status, stop.json())
    }
    const foreign = await server.api('GET', `/v1/uno/data-backfill/jobs/${job.id}`, { token: other.token })
    assertV1Error(foreign, 404, '50000040')
    assert.equal((await server.api('GET', '/v1/uno/data-backfill/listjobs', { token: other.token })).json().jobs.length, 0)
  })

  test('stopping a finished job is refused; the stop body must say Stopping', async () => {
    const [job] = (await server.api('GET', '/v1/uno/data-backfill/listjobs')).json().jobs
    const stop = await server.api('PUT', `/v1/uno/data-backfill/jobs/${job.id}`, { body: { status: 'Stopping' } })
    assertV1Error(stop, 409, '50000030', /cannot be stopped: it is (completed|failed)/)
    assertVendorResponse('PUT', '/v1/uno/data-backfill/jobs/{jobId}', 409, stop.json())
    assertV1Error(await server.api('PUT', `/v1/uno/data-backfill/jobs/${job.id}`, { body: { status: 'Stopped' } }), 400, '50000020', /only value accepted is Stopping/)
    assertV1Error(await server.api('PUT', `/v1/uno/data-backfill/jobs/${job.id}`, { body: {} }), 400, '50000022')
  })

  test('Idempotency-Key on the upload replays the first answer: one job', async () => {
    const [rpc] = (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1')).map((r) => r.id)
    const csv = `Id,Product Class\n${rpc},Once\n`
    const count = async () => (await server.api('GET', '/v1/uno/data-backfill/listjobs')).json().jobs.length
    const before = await count()
    const first = await upload(server, 'RatePlanCharge', csv, { headers: { 'idempotency-key': 'backfill-upload-1' } })
    const second = await upload(server, 'RatePlanCharge', csv, { headers: { 'idempotency-key': 'backfill-upload-1' } })
    assert.equal(first.status, 200, first.text)
    assert.equal(second.status, 200)
    assert.equal(second.headers['idempotent-replayed'], 'true')
    assert.equal(second.json().jobId, first.json().jobId)
    assert.equal(await count(), before + 1)
  })

  test('without the dataBackfill permission every operation is 403', async () => {
    const user = await server.admin('POST', `/admin/tenants/${tenantId}/users`, { username: 'analyst', permissions: ['dataQuery'] })
    const client = await server.admin('POST', `/admin/tenants/${tenantId}/oauth-clients`, { userId: user.json().id })
    const { issueToken } = await import('../helpers/server.ts')
    const token = await issueToken(server.url, client.json().client_id, client.json().client_secret)
    const id = 'a'.repeat(32)
    for (const [method, path] of [
      ['GET', '/v1/uno/data-backfill/listjobs'],
      ['GET', `/v1/uno/data-backfill/jobs/${id}`],
      ['GET', '/v1/uno/data-backfill/jobs/RatePlanCharge/template'],
      ['POST', '/v1/uno/data-backfill/propagation/jobs'],
      ['GET', '/v1/uno/data-backfill/bookingdate/jobs'],
    ]) {
      const response = await server.api(method, path, { token, body: method === 'POST' ? { type: 'RatePlanCharge' } : undefined })
      assertV1Error(response, 403, '50000010', /permission to use Data Backfill/)
    }
    const denied = await upload(server, 'RatePlanCharge', 'Id,Product Class\n', { token })
    assertV1Error(denied, 403, '50000010')
  })

  test('on a multi-entity tenant a file changes only records of the request\'s entity', async () => {
    const me = await createTenantWithClient(server, { name: 'Multi', entities: ['Global', 'Europe'] }, { username: 'me-admin', admin: true })
    await seedTenant(server.server.db, me.tenant.id, { accounts: 6, seed: 5 })
    const [global, europe] = me.tenant.entities.map((e: { id: string }) => e.id)
    const pick = async (entity: string) =>
      (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND entity_id = $2 LIMIT 1', [me.tenant.id, entity]))[0].id
    const [mine, theirs] = [await pick(global), await pick(europe)]
    const headers = { 'zuora-entity-ids': global }
    const jobId = await submitFile(server, 'RatePlanCharge', `Id,Product Family\n${mine},G\n${theirs},E\n`, { token: me.token, headers })
    const poll = async () => {
      for (;;) {
        const response = await server.api('GET', `/v1/uno/data-backfill/jobs/${jobId}`, { token: me.token, headers })
        if (['Completed', 'Failed'].includes(response.json().job.status)) return response.json().job
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }
    const job = await poll()
    assert.deepEqual([job.successCount, job.failedCount], [1, 1])
    const families = await q('SELECT id, productfamily FROM billing.rateplancharge WHERE tenant_id = $1 AND id = ANY($2)', [me.tenant.id, [mine, theirs]])
    assert.equal(families.find((r) => r.id === mine).productfamily, 'G')
    assert.notEqual(families.find((r) => r.id === theirs).productfamily, 'E')
    const elsewhere = await server.api('GET', `/v1/uno/data-backfill/jobs/${jobId}`, { token: me.token, headers: { 'zuora-entity-ids': europe } })
    assertV1Error(elsewhere, 404, '50000040')
  })

  test('a zip bomb is refused: a CSV entry over 64 MB unzipped, declared or not, gets 400 and leaves nothing stored', async () => {
    const counts = async () => (await q('SELECT (SELECT count(*) FROM jobs WHERE tenant_id = $1)::int AS jobs, (SELECT count(*) FROM files WHERE tenant_id = $1)::int AS files'))[0]
    const before = await counts()
    // 65 MB of one row repeated: about 65 KB zipped, well under the 4 MB upload limit.
    const row = '2c92c0f8632999a2016352a457cf2b44,Once\n'
    const big = Buffer.alloc(65 * 1024 * 1024 + row.length * 2, row)
    const honest = await zip([{ name: 'big.csv', content: Buffer.concat([Buffer.from('Id,Product Class\n'), big]) }])
    assert.ok(honest.length < 1024 * 1024, `${honest.length} bytes zipped`)
    const declared = await upload(server, 'RatePlanCharge', honest, { filename: 'big.zip' })
    assertV1Error(declared, 400, '50000020', /larger than 64 MB/)
    // The same archive claiming 1 KB in its central directory: the inflated bytes give it away.
    const lying = Buffer.from(honest)
    const central = lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    assert.ok(central > 0)
    lying.writeUInt32LE(1024, central + 24)
    const inflated = await upload(server, 'RatePlanCharge', lying, { filename: 'lying.zip' })
    assertV1Error(inflated, 400, '50000020', /zip archive/)
    assert.deepEqual(await counts(), before, 'no job and no stored upload')
  })

  test("on a multi-org tenant a file changes only records of the request's orgs: the user's, narrowed by Zuora-Org-Ids", async () => {
    const me = await createTenantWithClient(server, { name: 'Multi-org', orgs: ['North', 'South', 'West'] }, { username: 'me-orgs', admin: true })
    await seedTenant(server.server.db, me.tenant.id, { accounts: 9, seed: 6 })
    const [north, south, west] = me.tenant.orgs.map((org: { id: string }) => org.id)
    const pick = async (org: string) =>
      (await q('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND org_id = $2 AND NOT deleted ORDER BY id LIMIT 1', [me.tenant.id, org]))[0].id
    const rows = { north: await pick(north), south: await pick(south), west: await pick(west) }
    const families = async () =>
      Object.fromEntries(
        (await q('SELECT id, productfamily FROM billing.rateplancharge WHERE tenant_id = $1 AND id = ANY($2)', [me.tenant.id, Object.values(rows)])).map(
          (row) => [row.id, row.productfamily],
        ),
      )
    const before = await families()
    const csv = `Id,Product Family\n${rows.north},N\n${rows.south},S\n${rows.west},W\n`
    const headers = { 'zuora-org-ids': `${north},${south}` }
    const jobId = await submitFile(server, 'RatePlanCharge', csv, { token: me.token, headers })
    const job = await waitForFileJob(server, jobId, me.token)
    assert.deepEqual([job.successCount, job.failedCount], [2, 1])
    const after = await families()
    assert.equal(after[rows.north], 'N')
    assert.equal(after[rows.south], 'S')
    assert.equal(after[rows.west], before[rows.west], "another org's record is not changed")
    const result = await resultRows(server, job, me.token)
    const outcome = Object.fromEntries(result.rows.slice(1).map((row) => [row[0], row[2]]))
    assert.deepEqual(outcome, { [rows.north]: 'true', [rows.south]: 'true', [rows.west]: 'false' }, 'the row of the other org is reported as failed')
  })
})
