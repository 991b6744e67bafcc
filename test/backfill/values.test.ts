// The small pieces of the Data Backfill family: sizes, readable times, progress, cell and
// header checks. No server.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { humanSize, progressText, readableTime } from '../../src/backfill/format.ts'
import { planColumns, TYPE_SPECS } from '../../src/backfill/files/templates.ts'
import { convertCell, convertId } from '../../src/backfill/files/values.ts'
import { sniffFormat } from '../../src/backfill/files/csv-source.ts'

test('sizes: bytes below 1 KB as Zuora writes them, then KB, MB, GB with two decimals', () => {
  assert.equal(humanSize(0), '0Byte')
  assert.equal(humanSize(798), '798Byte')
  assert.equal(humanSize(1023), '1023Byte')
  assert.equal(humanSize(1024), '1.00KB')
  assert.equal(humanSize(1536), '1.50KB')
  assert.equal(humanSize(4 * 1024 * 1024), '4.00MB')
  assert.equal(humanSize(3 * 1024 ** 3 + 1024 ** 3 / 4), '3.25GB')
})

test('readable times: yyyy-MM-ddTHH:mm:ss and the zone offset as +HHMM', () => {
  const date = new Date(1702541006000) // Zuora's example: 2023-12-14T16:03:26+0800
  assert.equal(readableTime(date, 'Asia/Shanghai'), '2023-12-14T16:03:26+0800')
  assert.equal(readableTime(date, 'UTC'), '2023-12-14T08:03:26+0000')
  assert.equal(readableTime(date, 'America/St_Johns'), '2023-12-14T04:33:26-0330')
  assert.equal(readableTime(new Date('2024-01-01T00:00:00Z'), 'Asia/Kolkata'), '2024-01-01T05:30:00+0530')
  assert.equal(readableTime(new Date('2024-07-01T12:00:00Z'), 'Europe/London'), '2024-07-01T13:00:00+0100')
})

test('progress: finished over planned batches with two decimals', () => {
  assert.equal(progressText(1, 4, false), '25.00%')
  assert.equal(progressText(1, 3, false), '33.33%')
  assert.equal(progressText(3, 3, true), '100.00%')
  assert.equal(progressText(0, 0, false), '0.00%')
  assert.equal(progressText(0, 0, true), '100.00%')
})

test('cells: booleans, dates, choices and text are checked; empty is null', () => {
  const field = (column: string) => TYPE_SPECS.RatePlanCharge.fields.find((f) => f.column === column)!
  assert.deepEqual(convertCell(field('isunbilled'), 'TRUE'), { value: true })
  assert.deepEqual(convertCell(field('isunbilled'), 'false'), { value: false })
  assert.deepEqual(convertCell(field('isunbilled'), ''), { value: null })
  assert.ok('error' in convertCell(field('isunbilled'), 'yes'))
  assert.deepEqual(convertCell(field('bookingdate'), '2024-02-29'), { value: '2024-02-29' })
  assert.ok('error' in convertCell(field('bookingdate'), '2023-02-29'))
  assert.ok('error' in convertCell(field('bookingdate'), '02/01/2024'))
  assert.deepEqual(convertCell(field('revenueamortizationmethod'), 'immediate'), { value: 'Immediate' })
  assert.ok('error' in convertCell(field('revenueamortizationmethod'), 'Later'))
  assert.deepEqual(convertCell(field('productfamily'), ' kept as is '), { value: ' kept as is ' })
  assert.ok('error' in convertCell(field('productfamily'), 'x'.repeat(256)))
  assert.ok('error' in convertCell(field('productfamily'), 'emoji 😀'))
  assert.deepEqual(convertId('8A28B6A18F2E4B0C018F2E7D11AA0042'), { id: '8a28b6a18f2e4b0c018f2e7d11aa0042' })
  assert.deepEqual(convertId('8a28b6a1-8f2e-4b0c-018f-2e7d11aa0042'), { id: '8a28b6a18f2e4b0c018f2e7d11aa0042' })
  assert.ok('error' in convertId('8a28b6a18f2e4b0c'))
})

test('headers: labels or column names in any case; # columns ignored; unknown, repeated and missing columns refused', () => {
  const spec = TYPE_SPECS.RatePlanCharge
  const plan = planColumns(spec, ['# Note', 'ID', 'product_family', 'Booking Date', '#x'])
  assert.ok(!('error' in plan))
  assert.equal(plan.idIndex, 1)
  assert.deepEqual(plan.fields.map((f) => [f.index, f.field.column]), [[2, 'productfamily'], [3, 'bookingdate']])
  assert.equal((planColumns(spec, ['Id', 'Colour']) as { reason: string }).reason, 'unknown')
  assert.equal((planColumns(spec, ['Id', 'Product Family', 'productfamily']) as { reason: string }).reason, 'invalid')
  assert.equal((planColumns(spec, ['Product Family']) as { reason: string }).reason, 'missing')
  assert.equal((planColumns(TYPE_SPECS.InvoiceDetail, ['Id', 'Booking Date']) as { reason: string }).reason, 'unknown')
})

test('uploads are told apart by their first bytes: zip, text, or neither', () => {
  assert.equal(sniffFormat(Buffer.from('PK\x03\x04rest', 'latin1')), 'zip')
  assert.equal(sniffFormat(Buffer.from('Id,Product Family\n')), 'csv')
  assert.equal(sniffFormat(Buffer.from('Id,Famille\nx,é')), 'csv')
  assert.equal(sniffFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1])), undefined)
  assert.equal(sniffFormat(Buffer.from([0x41, 0xff, 0xfe, 0x41])), undefined)
})
