// The console's own logic, without a browser: addresses, job filters and types, CSV and result
// previews (gzip and ZIP, as zjobs writes them), links on the page's origin, formats, the
// stored sign-in, what the API's refusals hide, and a seed job's progress.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { ZipFile } from 'yazl'
import { summarizeBatchJob, summarizeBulkJob, summarizeFileJob, summarizeQuery, type JobSummary } from '../../src/client/jobs.ts'
import type { BatchJob, FileJob } from '../../src/client/backfill.ts'
import { ZuoraError } from '../../src/client/errors.ts'
import type { BulkJob } from '../../src/client/objects.ts'
import { bulkTemplate } from '../../src/client/objects.ts'
import type { QueryJob } from '../../src/client/query.ts'
import { seedProgress } from '../../console/src/lib/admin.ts'
import { familiesAllowed, isRefusal } from '../../console/src/lib/capabilities.ts'
import { describeColumns, tableNames } from '../../console/src/lib/catalog.ts'
import { formatRow, parseDelimited } from '../../console/src/lib/csv.ts'
import { formatAgo, formatBytes, formatDuration, parseDuration } from '../../console/src/lib/format.ts'
import { endVerb, fieldsOf, filterJobs, listPollDelay, percentOf, typeOf } from '../../console/src/lib/jobs.ts'
import { onOrigin } from '../../console/src/lib/links.ts'
import { firstZipEntry, formatOfFile, guessSeparator, readPreview } from '../../console/src/lib/preview.ts'
import { parseFilters, parseRoute, routePath, type Route } from '../../console/src/lib/routes.ts'
import { defaultUser, keepToken, keptToken, loadSignIn, saveSignIn, STORAGE_KEY, TOKEN_KEY } from '../../console/src/lib/session.ts'

const streamOf = (bytes: Uint8Array | string, chunk = 7): ReadableStream<Uint8Array> => {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes
  let at = 0
  return new ReadableStream({
    pull(controller) {
      if (at >= data.length) return controller.close()
      controller.enqueue(data.slice(at, at + chunk))
      at += chunk
    },
  })
}

function zipOf(name: string, content: string): Promise<Buffer> {
  const zip = new ZipFile()
  // A stream entry, as zjobs writes its results: the size only in the central directory.
  zip.addReadStream(Readable.from([Buffer.from(content)]), name)
  zip.end()
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

describe('console: addresses', () => {
  const routes: Route[] = [
    { page: 'jobs', filters: {} },
    { page: 'jobs', filters: { family: 'objects', state: 'failed', type: 'create', since: '24h', limit: 100 } },
    { page: 'job', family: 'backfill', id: '0123456789abcdef0123456789abcdef' },
    { page: 'query' },
    { page: 'query', jobId: 'a b' },
    { page: 'upload', kind: 'objects' },
    { page: 'upload', kind: 'backfill' },
    { page: 'objects' },
    { page: 'objects', object: 'Vehicle' },
    { page: 'backfill' },
    { page: 'admin' },
    { page: 'tenant', tenantId: '10001', tab: 'users' },
    { page: 'tenant', tenantId: '10001', tab: 'sandbox' },
    { page: 'sign-in', next: '/console/jobs?family=query' },
  ]
  test('every view has a path that reads back as itself', () => {
    for (const route of routes) {
      const path = routePath(route)
      const [pathname, search = ''] = path.split('?')
      assert.deepEqual(parseRoute(pathname, search ? `?${search}` : ''), route, path)
    }
  })
  test('the console root is the jobs list; trailing slashes and encoded ids are read', () => {
    assert.deepEqual(parseRoute('/console/'), { page: 'jobs', filters: {} })
    assert.deepEqual(parseRoute('/console'), { page: 'jobs', filters: {} })
    assert.deepEqual(parseRoute('/console/objects/My%20Object/'), { page: 'objects', object: 'My Object' })
  })
  test('unknown paths, families, tabs and values are not found or dropped', () => {
    assert.equal(parseRoute('/elsewhere').page, 'not-found')
    assert.equal(parseRoute('/console/nope').page, 'not-found')
    assert.equal(parseRoute('/console/jobs/nofamily/x').page, 'not-found')
    assert.equal(parseRoute('/console/admin/tenants/1/nope').page, 'not-found')
    assert.deepEqual(parseFilters('?family=x&state=maybe&since=1y&limit=-3'), {})
    assert.deepEqual(parseFilters('?limit=999999'), { limit: 1000 })
  })
  test('sign-in returns only to a console path, never to another site', () => {
    assert.deepEqual(parseRoute('/console/sign-in', '?next=https://evil.example/'), { page: 'sign-in' })
    assert.deepEqual(parseRoute('/console/sign-in', '?next=//evil.example/console/'), { page: 'sign-in' })
    assert.deepEqual(parseRoute('/console/sign-in', '?next=/console/query'), { page: 'sign-in', next: '/console/query' })
  })
})

const queryJob = (over: Partial<QueryJob> = {}): QueryJob => ({
  id: '11111111-1111-4111-8111-111111111111',
  query: 'SELECT 1',
  queryStatus: 'completed',
  sourceData: 'LIVE',
  useIndexJoin: false,
  remainingRetries: 3,
  retries: 3,
  createdOn: '2026-01-31T10:00:00.000Z',
  updatedOn: '2026-01-31T10:00:01.000Z',
  outputRows: 1,
  ...over,
})
const bulkJob = (over: Partial<BulkJob> = {}): BulkJob => ({
  Id: '22222222-2222-4222-8222-222222222222',
  CreatedById: 'u',
  CreatedDate: '2026-01-31T09:00:00.000Z',
  UpdatedById: 'u',
  UpdatedDate: '2026-01-31T09:00:00.000Z',
  namespace: 'default',
  object: 'Vehicle',
  operation: 'update',
  status: 'in_progress',
  processingTime: 0,
  recordsProcessed: 10,
  ...over,
})
const fileJob = (over: Partial<FileJob> = {}): FileJob => ({
  id: '3'.repeat(32),
  importType: 'InvoiceDetail',
  status: 'Processing',
  uploadedFileName: 'a.csv',
  uploadedFileUrl: 'http://localhost:8080/apps/v1/files/x',
  uploadedOn: '2026-01-31T00:00:00.000Z',
  totalCount: 10,
  processedCount: 4,
  successCount: 4,
  failedCount: 0,
  completedPercentage: 40,
  remainingTime: 3,
  remainingTimeText: '3 seconds',
  failureMessage: '',
  ...over,
})
const batchJob = (over: Partial<BatchJob> = {}): BatchJob => ({
  id: '4'.repeat(32),
  type: 'OrderLineItem',
  status: 'COMPLETED',
  createdOn: Date.parse('2026-01-05T00:00:00Z'),
  updatedOn: Date.parse('2026-01-05T00:01:00Z'),
  updatedByUsername: 'admin',
  batchSentCount: 4,
  batchFinishedCount: 4,
  errorCount: 0,
  progress: '100.00%',
  ...over,
})

describe('console: the jobs list', () => {
  const jobs: JobSummary[] = [
    summarizeQuery(queryJob()),
    summarizeBulkJob(bulkJob()),
    summarizeFileJob(fileJob()),
    summarizeBatchJob(batchJob()),
    summarizeBatchJob(batchJob({ type: 'BookingDate', id: '5'.repeat(32), status: 'PROCESSING', progress: '12.50%' })),
  ]
  const now = Date.parse('2026-01-31T10:30:00Z')

  test('a job type per family', () => {
    assert.deepEqual(jobs.map(typeOf), ['LIVE', 'update', 'InvoiceDetail', 'OrderLineItem', 'BookingDate'])
  })
  test('filters by family, state, type and time', () => {
    const ids = (filters: Parameters<typeof filterJobs>[1]) => filterJobs(jobs, filters, now).map((job) => job.family)
    assert.deepEqual(ids({}), ['query', 'objects', 'backfill', 'auto', 'bookingdate'])
    assert.deepEqual(ids({ state: 'running' }), ['objects', 'backfill', 'bookingdate'])
    assert.deepEqual(ids({ type: 'update' }), ['objects'])
    assert.deepEqual(ids({ family: 'auto', type: 'BookingDate' }), [])
    assert.deepEqual(ids({ since: '1h' }), ['query'])
    assert.deepEqual(ids({ since: '24h' }), ['query', 'objects', 'backfill'])
    assert.deepEqual(ids({ since: '30d' }), ['query', 'objects', 'backfill', 'auto', 'bookingdate'])
  })
  test('read again soon while a job moves, slowly when none does', () => {
    assert.equal(listPollDelay(jobs), 1500)
    assert.equal(listPollDelay(jobs.filter((job) => job.state === 'completed')), 10_000)
    assert.equal(listPollDelay([]), 10_000)
  })
  test('Cancel for Data Query and bulk jobs, Stop for backfills; percentages where the family gives them', () => {
    assert.deepEqual(['query', 'objects', 'backfill', 'auto', 'bookingdate'].map((family) => endVerb(family as never)), ['Cancel', 'Cancel', 'Stop', 'Stop', 'Stop'])
    assert.deepEqual(jobs.map(percentOf), [undefined, undefined, 40, 100, 12.5])
  })
  test("a job's fields, nested ones flattened", () => {
    assert.deepEqual(fieldsOf({ a: 1, b: { c: 'x', d: null }, e: [1, 2], f: {} }), [
      ['a', 1],
      ['b.c', 'x'],
      ['b.d', null],
      ['e', [1, 2]],
      ['f', '{}'],
    ])
  })
})

describe('console: CSV and result previews', () => {
  test('quoted cells, doubled quotes, line breaks in cells, CRLF, any separator, a BOM', () => {
    assert.deepEqual(parseDelimited('\ufeffa,b\r\n"x,1","he said ""hi"""\n"two\nlines",\n'), [
      ['a', 'b'],
      ['x,1', 'he said "hi"'],
      ['two\nlines', ''],
    ])
    assert.deepEqual(parseDelimited('a|b\n1|2', '|'), [
      ['a', 'b'],
      ['1', '2'],
    ])
    assert.deepEqual(parseDelimited('a\tb\n1\t"2', '\t', false), [['a', 'b']], 'a cut last row is left out of a prefix')
    assert.equal(formatRow(['a', 'b,c', 'd"e']), 'a,"b,c","d""e"')
  })
  test('a custom-object template names the custom fields (Id first for an update)', () => {
    const definition = { Id: 'x', type: 'Vehicle', schema: { object: 'Vehicle', properties: { Id: {}, CreatedDate: {}, VIN__c: {}, make__c: {} } } }
    assert.equal(bulkTemplate(definition), 'VIN__c,make__c\n')
    assert.equal(bulkTemplate(definition, 'update'), 'Id,VIN__c,make__c\n')
  })
  test('the first rows of CSV, TSV, DSV (separator guessed) and JSON lines; more rows than asked is truncated', async () => {
    const csv = 'id,name\n1,"a,b"\n2,c\n3,d\n'
    assert.deepEqual(await readPreview(streamOf(csv), { format: 'CSV', compression: 'NONE' }), {
      columns: ['id', 'name'],
      rows: [['1', 'a,b'], ['2', 'c'], ['3', 'd']],
      truncated: false,
    })
    const two = await readPreview(streamOf(csv), { format: 'CSV', compression: 'NONE', maxRows: 2 })
    assert.deepEqual(two.rows, [['1', 'a,b'], ['2', 'c']])
    assert.equal(two.truncated, true)
    assert.deepEqual((await readPreview(streamOf('Column\tType\nid\t""\n'), { format: 'TSV', compression: 'NONE' })).rows, [['id', '']])
    assert.deepEqual((await readPreview(streamOf('a;b;c\n1;2;3\n'), { format: 'DSV', compression: 'NONE' })).columns, ['a', 'b', 'c'])
    const json = await readPreview(streamOf('{"a":1,"b":"x"}\n{"a":2,"c":{"d":true}}\n'), { format: 'JSON', compression: 'NONE' })
    assert.deepEqual(json, { columns: ['a', 'b', 'c'], rows: [['1', 'x', ''], ['2', '', '{"d":true}']], truncated: false })
  })
  test('a gzip result is read as it arrives, and only its start: the body is cancelled once the rows are in', async () => {
    // Rows that do not compress away (a few MB of gzip), sent in small chunks.
    const lines = ['n', ...Array.from({ length: 200_000 }, (_, i) => `${i},${randomBytes(16).toString('hex')}`)].join('\n')
    const gz = gzipSync(lines)
    let at = 0
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= gz.length) return controller.close()
        controller.enqueue(new Uint8Array(gz.subarray(at, at + 4096)))
        at += 4096
      },
      cancel() {
        cancelled = true
      },
    })
    const preview = await readPreview(body, { format: 'CSV', compression: 'GZIP', maxRows: 10 })
    assert.deepEqual(preview.rows.map((row) => row[0]), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    assert.equal(preview.truncated, true)
    assert.ok(at < gz.length / 4, `${at} of ${gz.length} bytes read`)
    // The cancel travels up the pipe asynchronously.
    for (let i = 0; i < 50 && !cancelled; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(cancelled, 'the rest of the file is not downloaded')
  })
  test("a ZIP result's first entry, stored as zjobs stores it (a data descriptor); not a ZIP is an error", async () => {
    const zip = await zipOf('job_1.csv', 'a,b\n1,2\n3,4\n')
    assert.deepEqual(await readPreview(streamOf(new Uint8Array(zip), 100), { format: 'CSV', compression: 'ZIP' }), {
      columns: ['a', 'b'],
      rows: [['1', '2'], ['3', '4']],
      truncated: false,
    })
    await assert.rejects(firstZipEntry(streamOf('not a zip at all, really not')), /not a ZIP archive/)
    await assert.rejects(firstZipEntry(streamOf(new Uint8Array(zip)), 10), /over/)
  })
  test("a result's format from its file name", () => {
    assert.deepEqual(formatOfFile('j_1.csv'), { format: 'CSV', compression: 'NONE', encrypted: false })
    assert.deepEqual(formatOfFile('j_1.tsv.gz'), { format: 'TSV', compression: 'GZIP', encrypted: false })
    assert.deepEqual(formatOfFile('j_1.jsonl.zip'), { format: 'JSON', compression: 'ZIP', encrypted: false })
    assert.deepEqual(formatOfFile('j_1.dsv.gz.enc'), { format: 'DSV', compression: 'GZIP', encrypted: true })
    assert.equal(guessSeparator('a|b|c'), '|')
    assert.equal(guessSeparator('"a b";c;d'), ';')
  })
  test('SHOW TABLES and DESCRIBE results', () => {
    assert.deepEqual(tableNames([['default__vehicle'], ['invoice'], ['account']]), ['account', 'invoice', 'default__vehicle'])
    assert.deepEqual(describeColumns({ columns: ['Column', 'Type', 'Extra', 'Comment'], rows: [['id', 'varchar', '', 'Id']] }), [{ name: 'id', type: 'varchar', comment: 'Id' }])
  })
})

describe('console: links, formats, sign-in, permissions, seed progress', () => {
  test("zjobs' localhost links are read on the page's own origin (127.0.0.1); other links stay", () => {
    const link = 'http://localhost:8080/files/abc?tenant=1&expires=2&signature=ff'
    assert.equal(onOrigin(link, 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080/files/abc?tenant=1&expires=2&signature=ff')
    assert.equal(onOrigin(link, 'http://localhost:8080'), link)
    assert.equal(onOrigin(link, 'http://127.0.0.1:9090'), link, 'another port is another server')
    assert.equal(onOrigin('https://bucket.s3.amazonaws.com/x?X-Amz-Signature=1', 'http://127.0.0.1:8080'), 'https://bucket.s3.amazonaws.com/x?X-Amz-Signature=1')
    assert.equal(onOrigin('::not a url', 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080/::not%20a%20url')
  })
  test('sizes, durations, times ago, durations typed in', () => {
    assert.deepEqual([0, 1023, 1536, 15 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.5 KB', '15 MB', '3.0 GB'])
    assert.deepEqual([850, 12_300, 245_000, 7_380_000].map(formatDuration), ['850 ms', '12.3 s', '4 min 05 s', '2 h 03 min'])
    const now = Date.parse('2026-01-31T10:00:00Z')
    assert.equal(formatAgo('2026-01-31T09:59:57Z', now), '3 s ago')
    assert.equal(formatAgo('2026-01-31T08:00:00Z', now), '2 h ago')
    assert.equal(formatAgo('2026-01-31T10:05:00Z', now), 'in 5 min')
    assert.deepEqual(['90', '90s', '15m', '2h', '31d', '1d12h30m', 'soon', ''].map(parseDuration), [90, 90, 900, 7200, 2_678_400, 131_400, undefined, undefined])
  })
  test('the stored sign-in: both kinds read back; anything else is no sign-in', () => {
    const store = new Map<string, string>()
    const storage = { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => void store.set(key, value), removeItem: (key: string) => void store.delete(key) }
    saveSignIn(storage, { kind: 'client', clientId: 'c', clientSecret: 's' })
    assert.deepEqual(loadSignIn(storage), { kind: 'client', clientId: 'c', clientSecret: 's', entityId: undefined })
    saveSignIn(storage, { kind: 'admin', adminToken: 't', tenantId: '10000', userId: 'u' })
    assert.deepEqual(loadSignIn(storage), { kind: 'admin', adminToken: 't', tenantId: '10000', userId: 'u', entityId: undefined })
    for (const bad of ['{', '{"kind":"client","clientId":"c"}', '{"kind":"admin","adminToken":""}', '[]', '"x"']) {
      store.set(STORAGE_KEY, bad)
      assert.equal(loadSignIn(storage), undefined, bad)
    }
    // The token kept is the sign-in's own, while it lasts; signing out drops it.
    const client = { kind: 'client' as const, clientId: 'c', clientSecret: 's' }
    const now = Date.parse('2026-01-31T10:00:00Z')
    keepToken(storage, client, { value: 'tok', expires: now + 3_600_000 })
    assert.deepEqual(keptToken(storage, client, now), { value: 'tok', expires: now + 3_600_000 })
    assert.equal(keptToken(storage, { ...client, clientId: 'other' }, now), undefined)
    assert.equal(keptToken(storage, { ...client, entityId: 'e' }, now), undefined)
    assert.equal(keptToken(storage, client, now + 3_560_000), undefined, 'within a minute of its expiry')
    saveSignIn(storage, client)
    assert.ok(keptToken(storage, client, now), 'signing in keeps the token the sign-in got')
    saveSignIn(storage, undefined)
    assert.equal(store.has(STORAGE_KEY), false)
    assert.equal(store.has(TOKEN_KEY), false)
    assert.equal(defaultUser([{ admin: false, id: 'a' }, { admin: true, id: 'b' }])?.id, 'b')
    assert.equal(defaultUser([{ admin: false, id: 'a' }])?.id, 'a')
  })
  test("the API's refusals (403, records' 401) hide families; other errors do not", () => {
    assert.equal(isRefusal(new ZuoraError('refused', 'no', { status: 403 })), true)
    assert.equal(isRefusal(new ZuoraError('refused', 'no', { status: 401 })), true)
    assert.equal(isRefusal(new ZuoraError('unavailable', 'busy', { status: 503 })), false)
    assert.equal(isRefusal(new Error('x')), false)
    assert.deepEqual(familiesAllowed({ query: true, bulk: false, objects: true, backfill: true }), ['query', 'backfill', 'auto', 'bookingdate'])
    assert.deepEqual(familiesAllowed({ query: false, bulk: true, objects: false, backfill: false }), ['objects'])
  })
  test("a seed job's progress in accounts", () => {
    const job = { id: 'j', kind: 'seed', state: 'running', stopRequested: null, result: null, error: null, attempts: 1, maxAttempts: 5, createdAt: '', startedAt: null, updatedAt: '', finishedAt: null }
    assert.deepEqual(seedProgress({ ...job, progress: { accountsDone: 40, rows: { account: 40, contact: 80 } } }, 100), { done: 40, total: 100, text: '40 of 100 accounts, 120 rows' })
    assert.deepEqual(seedProgress({ ...job, progress: {} }, 100), { done: 0, total: 100, text: '0 of 100 accounts' })
    assert.equal(seedProgress({ ...job, state: 'completed', progress: null }, 7).done, 7)
  })
})
