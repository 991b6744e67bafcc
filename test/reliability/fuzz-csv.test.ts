// Fuzzing CSV uploads (fast-check): custom-object bulk create files and Data Backfill file jobs,
// generated as rows a model knows the fate of (good, a value of the wrong type, too long, too
// few or too many cells, an unknown or malformed id, a huge cell) and written with every
// spelling a file may have: quotes where needed or everywhere, doubled quotes, commas and line
// ends inside quoted cells, LF, CRLF or CR line ends, a UTF-8 byte order mark, non-ASCII text;
// and some files in another encoding (Latin-1, UTF-16). Whatever arrives: never a 5xx, a
// refusal in the family's envelope changing nothing, the job ends in one legal state, every
// accepted row applied exactly once with its values, every refused row reported with its row
// number (bulk: /errors, header = row 1; backfill: the result file, row by row).
//
// Seeded: ZJOBS_FUZZ_SEED=<n> replays a run; ZJOBS_FUZZ_RUNS=<n> scales it (default 12: 12
// files of each kind).
import assert from 'node:assert/strict'
import { isUtf8 } from 'node:buffer'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { parse } from 'csv-parse/sync'
import { seedTenant } from '../../src/billing/seed.ts'
import { request, type HttpResponse } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { multipart, unzip } from '../backfill/helpers.ts'
import { envelopeProblem, type Json } from './routes.ts'
import { suiteSeed } from '../helpers/seed.ts'

const ASTRAL = /[\u{10000}-\u{10FFFF}]/u
// The commit's seed (test/helpers/seed.ts: the same at every run of a commit), or ZJOBS_FUZZ_SEED's.
const { seed: SEED, source: SEED_SOURCE } = suiteSeed('fuzz-csv', 'ZJOBS_FUZZ_SEED')
const RUNS = Number(process.env.ZJOBS_FUZZ_RUNS ?? 12)

// ---- cells and files ----

/** Text a cell may hold: separators, quotes and line ends included. */
const TEXTS = ['plain', 'a,b', 'say "hi"', '"', '""', 'two\nlines', 'cr\rhere', 'crlf\r\nin', ' padded ', 'ümlaut', '日本語', '😀', "it's", '#hash', '=1+2', '\t tab']
const text = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TEXTS) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) })

type LineEnd = '\n' | '\r\n' | '\r'
interface Style {
  lineEnd: LineEnd
  bom: boolean
  quoteAll: boolean
  finalLineEnd: boolean
}
const style = fc.record({ lineEnd: fc.constantFrom<LineEnd>('\n', '\r\n', '\r'), bom: fc.boolean(), quoteAll: fc.boolean(), finalLineEnd: fc.boolean() })

/** A cell as CSV writes it: quoted when it must be (or always), quotes doubled. */
const cell = (value: string, s: Style) => (s.quoteAll || /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)
const csvOf = (rows: string[][], s: Style) => (s.bom ? '\ufeff' : '') + rows.map((row) => row.map((value) => cell(value, s)).join(',')).join(s.lineEnd) + (s.finalLineEnd ? s.lineEnd : '')

type Encoding = 'utf8' | 'latin1' | 'utf16le'
const encoding = fc.constantFrom<Encoding>('utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'latin1', 'utf16le')
/**
 * The file's bytes, and the encoding they really are in. Latin-1 holds only the characters up to
 * U+00FF, and some of its byte runs are also UTF-8 (`Ã©` is `é`): a text it cannot hold, or whose
 * bytes read as other UTF-8 text, goes as UTF-8, so what a file says is what the test expects.
 */
function encoded(csv: string, wanted: Encoding): { body: Buffer; how: Encoding } {
  if (wanted === 'utf16le') return { body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv.replace(/^\ufeff/, ''), 'utf16le')]), how: wanted }
  const latin1 = Buffer.from(csv, 'latin1')
  const faithful = wanted === 'latin1' && !/[^\x00-\xff]/.test(csv) && (!/[^\x00-\x7f]/.test(csv) || !isUtf8(latin1))
  return faithful ? { body: latin1, how: 'latin1' } : { body: Buffer.from(csv, 'utf8'), how: 'utf8' }
}

// ---- helpers ----

let server: TestServer
let token: string
let tenantId: string

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  request(`${server.url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } })

/** Waits for a job to reach one of `ends` (no timed assertion: a deadline only against a hang). */
async function waitFor(path: string, statusOf: (body: Json) => string, ends: string[]): Promise<Json> {
  const deadline = Date.now() + 180_000
  for (;;) {
    const response = await call('GET', path)
    assert.equal(response.status, 200, response.text)
    const body = response.json()
    if (ends.includes(statusOf(body))) return body
    if (Date.now() > deadline) assert.fail(`${path} still ${statusOf(body)}`)
    await sleep(30)
  }
}

function checkAnswer(path: string, response: HttpResponse, what: string) {
  const problem = envelopeProblem(path, response)
  if (problem) assert.fail(`${what}: ${problem}`)
}

// ---- custom-object bulk jobs ----

type BulkRow =
  | { kind: 'good'; code: string; n: number; note: string }
  | { kind: 'badInteger'; code: string; note: string }
  | { kind: 'tooLong'; code: string; note: string }
  | { kind: 'short'; code: string }
  | { kind: 'long'; code: string; note: string }
  | { kind: 'huge'; code: string }

const NOTE_MAX = 2000
const bulkRow = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('good' as const), n: fc.integer({ min: 0, max: 100 }), note: text }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badInteger' as const), note: text }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tooLong' as const), note: text }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('short' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('long' as const), note: text }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const) }) },
)
const bulkFile = fc.record({ rows: fc.array(bulkRow, { minLength: 1, maxLength: 25 }), style, encoding })

describe('fuzzing CSV uploads', () => {
  let rateplancharges: string[] = []

  before(async () => {
    console.log(`# fuzz-csv seed ${SEED} from ${SEED_SOURCE} (ZJOBS_FUZZ_SEED=${SEED} replays it), ${RUNS} files of each kind`)
    server = await startTestServer({}, { workers: 'inline' })
    token = await server.token()
    tenantId = String(server.server.bootstrap.tenant.id)
    const defined = await call('POST', '/objects/definitions/default', {
      definitions: {
        Item: {
          object: 'Item',
          label: 'Item',
          properties: { code__c: { type: 'string', label: 'Code', maxLength: 40 }, n__c: { type: 'integer', label: 'N' }, note__c: { type: 'string', label: 'Note', maxLength: NOTE_MAX } },
          required: ['code__c'],
          filterable: ['code__c'],
          unique: ['code__c'],
        },
      },
    })
    assert.equal(defined.status, 200, defined.text)
    await seedTenant(server.server.db, tenantId, { accounts: 10, seed: 11 })
    const { rows } = await server.server.db.query<{ id: string }>('SELECT id FROM billing.rateplancharge WHERE tenant_id = $1 AND NOT deleted ORDER BY id', [tenantId])
    rateplancharges = rows.map((row) => row.id)
    assert.ok(rateplancharges.length >= 10)
  })
  after(() => server?.close())

  test('bulk create files: never a 5xx, a legal end, good rows stored once, refused rows reported by row number', async () => {
    let file = 0
    const tally = { files: 0, refusedUploads: 0, rows: 0, stored: 0, refusedRows: 0 }
    await fc.assert(
      fc.asyncProperty(bulkFile, async ({ rows, style: s, encoding: wanted }) => {
        file += 1
        const prefix = `F${SEED % 100000}-${file}-`
        // Each row's code is unique in the file: its fate is its own.
        const coded = rows.map((row, index) => ({ ...row, code: `${prefix}${index}` }) as BulkRow)
        const cellsOf = (row: BulkRow): string[] => {
          switch (row.kind) {
            case 'good':
              return [row.code, String(row.n), row.note]
            case 'badInteger':
              return [row.code, 'many', row.note]
            case 'tooLong':
              return [row.code, '1', 'x'.repeat(NOTE_MAX + 1)]
            case 'short':
              return [row.code, '1']
            case 'long':
              return [row.code, '1', row.note, 'extra']
            case 'huge':
              return [row.code, '1', `${'y'.repeat(200_000)}"`]
          }
        }
        const csv = csvOf([['code__c', 'n__c', 'note__c'], ...coded.map(cellsOf)], s)
        const { body, how } = encoded(csv, wanted)
        tally.files += 1
        const job = await call('POST', '/objects/jobs', { namespace: 'default', object: 'Item', operation: 'create' })
        assert.equal(job.status, 200, job.text)
        const id = job.json().Id
        const uploaded = await call('POST', `/objects/jobs/${id}/files`, body, { 'content-type': 'text/csv' })
        checkAnswer(`/objects/jobs/${id}/files`, uploaded, `upload ${JSON.stringify(csv.slice(0, 200))}`)
        const stored = async () =>
          (await server.server.db.query<{ code: string; n: number | null; note: string | null }>(
            `SELECT data->>'code__c' AS code, (data->>'n__c')::int AS n, data->>'note__c' AS note FROM custom_object_records WHERE tenant_id = $1 AND data->>'code__c' LIKE $2 || '%'`,
            [tenantId, prefix],
          )).rows
        // A UTF-16 file, or one whose bytes are not UTF-8, is refused whole; the job waits for a file.
        const notUtf8 = !isUtf8(body)
        if (notUtf8 || uploaded.status !== 200) {
          assert.ok(notUtf8, `upload refused: ${uploaded.status} ${uploaded.text.slice(0, 300)} for ${JSON.stringify(csv.slice(0, 300))}`)
          assert.equal(uploaded.status, 400, uploaded.text)
          tally.refusedUploads += 1
          assert.deepEqual(await stored(), [], 'a refused upload stores nothing')
          assert.equal((await call('GET', `/objects/jobs/${id}`)).json().status, 'pending')
          assert.equal((await call('PATCH', `/objects/jobs/${id}/cancel`)).status, 200)
          return
        }
        const done = await waitFor(`/objects/jobs/${id}`, (j) => j.status, ['completed', 'failed', 'cancelled'])
        assert.equal(done.status, 'completed', JSON.stringify(done))
        assert.equal(done.recordsProcessed, coded.length)
        const errors = (await call('GET', `/objects/jobs/${id}/errors`)).json().errors as Json[]
        const good = coded.flatMap((row, index) => (row.kind === 'good' ? [{ row, number: index + 2 }] : []))
        const refused = coded.flatMap((row, index) => (row.kind === 'good' ? [] : [index + 2]))
        assert.deepEqual(errors.map((error) => error.row).sort((a, b) => a - b), refused, `refused rows of ${JSON.stringify(csv.slice(0, 400))}: ${JSON.stringify(errors.map((e) => [e.row, e.message]))}`)
        for (const error of errors) assert.ok(typeof error.message === 'string' && error.message.length > 0 && typeof error.code === 'number')
        const records = await stored()
        assert.equal(records.length, good.length, 'each good row stored once')
        const byCode = new Map(records.map((record) => [record.code, record]))
        for (const { row } of good) {
          const record = byCode.get(row.code)
          assert.ok(record, `row ${row.code} stored`)
          assert.deepEqual([record.n, record.note], [(row as { n: number }).n, (row as { note: string }).note], `values of ${row.code}`)
        }
        tally.rows += coded.length
        tally.stored += good.length
        tally.refusedRows += refused.length
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
    console.log(`# fuzz-csv bulk: ${tally.files} files (${tally.refusedUploads} refused whole), ${tally.rows} rows, ${tally.stored} stored, ${tally.refusedRows} refused`)
  })

  // ---- Data Backfill file jobs (RatePlanCharge) ----

  type BackfillRow =
    | { kind: 'good'; family: string; code: string }
    | { kind: 'badBoolean'; family: string }
    | { kind: 'unknownId' }
    | { kind: 'malformedId' }
    | { kind: 'short' }
    | { kind: 'huge'; size: number }

  const backfillRow = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('good' as const), family: text, code: text }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('badBoolean' as const), family: text }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknownId' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('malformedId' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('short' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 10_000, max: 100_000 }) }) },
  )
  const backfillFile = fc.record({ rows: fc.array(backfillRow, { minLength: 1, maxLength: 10 }), style, encoding, zipped: fc.constant(false) })

  test('Data Backfill files: never a 5xx, a legal end, good rows applied once, refused rows reported in their row of the result', async () => {
    const tally = { files: 0, refusedUploads: 0, rows: 0, applied: 0, refusedRows: 0 }
    let file = 0
    await fc.assert(
      fc.asyncProperty(backfillFile, async ({ rows, style: s, encoding: wanted }) => {
        file += 1
        // One charge per row (a repeated id: the later row wins, not what this checks).
        const used = rows.slice(0, rateplancharges.length)
        const cellsOf = (row: BackfillRow, index: number): string[] => {
          const id = rateplancharges[(file * 7 + index) % rateplancharges.length]
          switch (row.kind) {
            case 'good':
              return [id, row.family, 'true', row.code, `row ${index}`]
            case 'badBoolean':
              return [id, row.family, 'maybe', 'X', 'bad boolean']
            case 'unknownId':
              return ['ffffffffffffffffffffffffffffffff', 'F', 'true', 'X', 'unknown']
            case 'malformedId':
              return ['not-an-id', 'F', 'true', 'X', 'malformed']
            case 'short':
              return [id, 'F']
            case 'huge':
              return [id, 'h'.repeat(row.size), 'false', 'H', 'huge']
          }
        }
        const table = [['Id', 'Product Family', 'Is Unbilled', 'Deferred Revenue Accounting Code', '# Note'], ...used.map(cellsOf)]
        const csv = csvOf(table, s)
        const { body, how } = encoded(csv, wanted)
        const before = (await server.server.db.query(`SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) AS d FROM billing.rateplancharge t WHERE tenant_id = $1`, [tenantId])).rows[0].d
        const { body: form, contentType } = multipart([
          { name: 'type', value: 'RatePlanCharge' },
          { name: 'file', value: body, filename: `f${file}.csv`, contentType: 'text/csv' },
        ])
        tally.files += 1
        const uploaded = await call('POST', '/v1/uno/data-backfill/jobs', form, { 'content-type': contentType })
        checkAnswer('/v1/uno/data-backfill/jobs', uploaded, `upload ${JSON.stringify(csv.slice(0, 200))}`)
        // Records end at LF or CRLF: a file of CR line ends is one line (its header), and a
        // UTF-16 or Latin-1 file has no header Zuora's templates name.
        if (uploaded.status !== 200) {
          assert.equal(uploaded.status, 400, uploaded.text)
          assert.ok(s.lineEnd === '\r' || how !== 'utf8', `a UTF-8 file of ${JSON.stringify(s.lineEnd)} line ends refused: ${uploaded.text.slice(0, 300)} ${JSON.stringify(csv.slice(0, 300))}`)
          tally.refusedUploads += 1
          const after = (await server.server.db.query(`SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) AS d FROM billing.rateplancharge t WHERE tenant_id = $1`, [tenantId])).rows[0].d
          assert.equal(after, before, 'a refused upload changes nothing')
          return
        }
        const jobId = uploaded.json().jobId
        const job = (await waitFor(`/v1/uno/data-backfill/jobs/${jobId}`, (b) => b.job.status, ['Completed', 'Failed', 'Stopped', 'Canceled'])).job
        if (how !== 'utf8' || s.lineEnd === '\r') {
          // Taken anyway (a Latin-1 file of ASCII text is UTF-8): whatever it did, it ended legally.
          assert.ok(['Completed', 'Failed'].includes(job.status), JSON.stringify(job))
          if (how !== 'utf8' && /[^\x00-\x7f]/.test(csv)) return
        }
        assert.equal(job.status, 'Completed', JSON.stringify(job))
        assert.equal(job.totalCount, used.length)
        const zipFile = await request(`${server.url}${new URL(job.resultFileUrl).pathname}`, { headers: { authorization: `Bearer ${token}` } })
        assert.equal(zipFile.status, 200)
        const [entry] = await unzip(zipFile.body)
        const result = parse(entry.content, { relax_column_count: true, bom: true }) as string[][]
        assert.equal(result.length, used.length + 1, 'a result row per row')
        const successColumn = result[0].indexOf('Success')
        const messageColumn = result[0].indexOf('Error Message')
        let applied = 0
        for (const [index, row] of used.entries()) {
          const outcome = result[index + 1]
          // Data Backfill refuses text over 255 characters and characters outside the Basic
          // Multilingual Plane (4-byte UTF-8), as Zuora does (docs/data-backfill.md).
          const good = row.kind === 'good' && !ASTRAL.test(row.family + row.code)
          assert.equal(outcome[successColumn], String(good), `row ${index + 2} (${row.kind}): ${outcome[messageColumn]}`)
          assert.equal(outcome[0], table[index + 1][0], `row ${index + 2} of the result is row ${index + 2} of the file`)
          if (!good) assert.ok(outcome[messageColumn].length > 0)
          else applied += 1
          if (good) {
            const id = table[index + 1][0]
            const stored = (await server.server.db.query(`SELECT productfamily, deferredrevenueaccountingcode FROM billing.rateplancharge WHERE tenant_id = $1 AND id = $2`, [tenantId, id])).rows[0]
            assert.deepEqual([stored.productfamily, stored.deferredrevenueaccountingcode], [table[index + 1][1] || null, table[index + 1][3] || null], `row ${index + 2} applied`)
          }
        }
        assert.deepEqual([job.successCount, job.failedCount], [applied, used.length - applied])
        tally.rows += used.length
        tally.applied += applied
        tally.refusedRows += used.length - applied
      }),
      { seed: SEED + 1, numRuns: RUNS, endOnFailure: true },
    )
    console.log(`# fuzz-csv backfill: ${tally.files} files (${tally.refusedUploads} refused whole), ${tally.rows} rows, ${tally.applied} applied, ${tally.refusedRows} refused`)
  })
})
