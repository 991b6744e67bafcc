// Data Query result-file throughput:
//   node bench/query-output.ts [--rows 500000] [--runs 3] [--backend postgres|embedded ...] [--no-db]
//
// 1. In memory: ROWS generated rows of ten mixed columns through each pipeline (rows made
//    beforehand, so only the pipeline is timed: a pool of 100,000 rows used in turn, as a
//    driver's batches die young where 500,000 retained rows would load the collector), next
//    to node:zlib gzip of a buffer of the same size as the CSV text, at our level (1) and at
//    gzip's default (6).
// 2. Per database backend: `COPY (query) TO STDOUT | gzip` (the gzip program, level 6) against
//    the same query read by a cursor (FETCH 5000, text values) through CSV + GZIP.
// Each figure is the best of --runs: the machine may be shared.
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { createGzip } from 'node:zlib'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { startCluster, type Cluster } from '../scripts/pg-cluster.ts'
import { loadConfig } from '../src/config.ts'
import { RAW_TEXT_TYPES, resultColumnsOf, type ResultRow } from '../src/query/output/columns.ts'
import { openResultFile, type ResultFileOptions } from '../src/query/output/result-file.ts'
import { openDatabase } from '../src/storage/db.ts'
import { JOB_ID, MIXED_COLUMNS, mixedRows } from '../test/query/output-helpers.ts'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '3' },
    backend: { type: 'string', multiple: true, default: ['postgres', 'embedded'] },
    'no-db': { type: 'boolean', default: false },
  },
})
const ROWS = Number(values.rows)
const RUNS = Number(values.runs)
const BATCH = 5000
const MB = 1024 * 1024

/** A sink that counts and drops what it gets. */
function discard(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink.bytes += chunk.length
      done()
    },
  }) as Writable & { bytes: number }
  sink.bytes = 0
  return sink
}

async function best(run: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
  let ms = Infinity
  let bytes = 0
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    bytes = await run()
    ms = Math.min(ms, performance.now() - started)
  }
  return { ms, bytes }
}

function report(label: string, result: { ms: number; bytes: number }, textBytes: number, reference?: number): void {
  const ratio = reference ? `  ${(result.ms / reference).toFixed(2)}x` : ''
  console.log(
    `${label.padEnd(44)} ${result.ms.toFixed(0).padStart(6)} ms  ${((textBytes / MB / result.ms) * 1000).toFixed(0).padStart(4)} MB/s of text  ` +
      `${((ROWS / result.ms) * 1000 / 1000).toFixed(0).padStart(5)}k rows/s  out ${(result.bytes / MB).toFixed(1)} MB${ratio}`,
  )
}

async function throughPipeline(options: Omit<ResultFileOptions, 'jobId'>, batches: ResultRow[][]): Promise<number> {
  const file = openResultFile({ jobId: JOB_ID, ...options })
  const sink = discard()
  const stored = pipeline(file.stream, sink)
  file.writeHeader(MIXED_COLUMNS)
  for (const batch of batches) await file.writeRows(batch)
  await file.end()
  await stored
  return sink.bytes
}

async function gzipBuffer(text: Buffer, level: number): Promise<number> {
  const sink = discard()
  const chunks = function* () {
    for (let at = 0; at < text.length; at += 64 * 1024) yield text.subarray(at, at + 64 * 1024)
  }
  await pipeline(Readable.from(chunks()), createGzip({ level }), sink)
  return sink.bytes
}

async function inMemory(): Promise<void> {
  console.log(`# ${ROWS} rows x 10 mixed columns, in memory (node ${process.version})`)
  const pool: ResultRow[][] = []
  for (let at = 0; at < Math.min(ROWS, 100_000); at += BATCH) pool.push(mixedRows(at, Math.min(BATCH, ROWS - at)))
  const batches: ResultRow[][] = []
  for (let at = 0, n = 0; at < ROWS; at += BATCH, n++) batches.push(pool[n % pool.length].slice(0, Math.min(BATCH, ROWS - at)))
  const textBytes = await throughPipeline({ format: 'CSV', compression: 'NONE' }, batches)
  const text = Buffer.alloc(textBytes)
  {
    // The CSV text itself, for gzip of an equal-size (and equally compressible) buffer.
    const file = openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'NONE' })
    let at = 0
    file.stream.on('data', (chunk: Buffer) => (at += chunk.copy(text, at)))
    file.writeHeader(MIXED_COLUMNS)
    for (const batch of batches) await file.writeRows(batch)
    await file.end()
  }
  const key = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  const gzip1 = await best(() => gzipBuffer(text, 1))
  report('node:zlib gzip level 1 of the CSV text', gzip1, textBytes)
  report('node:zlib gzip level 6 of the CSV text', await best(() => gzipBuffer(text, 6)), textBytes)
  report('CSV, NONE (formatting only)', await best(() => throughPipeline({ format: 'CSV', compression: 'NONE' }, batches)), textBytes)
  report('CSV, GZIP', await best(() => throughPipeline({ format: 'CSV', compression: 'GZIP' }, batches)), textBytes, gzip1.ms)
  report('CSV, GZIP, encrypted', await best(() => throughPipeline({ format: 'CSV', compression: 'GZIP', encryptionKey: key }, batches)), textBytes, gzip1.ms)
  report('CSV, ZIP', await best(() => throughPipeline({ format: 'CSV', compression: 'ZIP' }, batches)), textBytes, gzip1.ms)
  report('JSON Lines, GZIP', await best(() => throughPipeline({ format: 'JSON', compression: 'GZIP' }, batches)), textBytes, gzip1.ms)
  console.log('  (ratios: against node:zlib gzip level 1 of the CSV text; MB/s: CSV text bytes per second)')
}

const TABLE_SQL = `CREATE TABLE bench_output AS
SELECT md5(g::text) AS id, 'A' || lpad(g::text, 8, '0') AS accountnumber,
  (ARRAY['Acme Corp', 'Globex, Inc.', 'Initech', 'Umbrella "Holdings"'])[g % 4 + 1] || ' ' || g AS name,
  ((g % 100000) - 500 + (g % 1000000) / 1000000.0)::numeric(18,6) AS balance, (1 + g % 28)::bigint AS billcycleday,
  g % 2 = 0 AS autopay, timestamptz '2025-01-01 00:00:00+08' + g * interval '67 seconds' AS createddate,
  CASE WHEN g % 5 = 0 THEN NULL ELSE date '2026-01-01' + g % 300 END AS lastinvoicedate,
  (ARRAY['Active', 'Draft', 'Canceled'])[g % 3 + 1] AS status,
  CASE WHEN g % 7 = 0 THEN 'note ' || g || ', with a comma' WHEN g % 11 = 0 THEN '' END AS notes
FROM generate_series(1, $ROWS) AS g`
const QUERY = 'SELECT * FROM bench_output'

/** `COPY (query) TO STDOUT | gzip`: the COPY stream piped through the gzip program. */
async function copyGzip(client: pg.PoolClient): Promise<number> {
  const gzip = spawn('gzip', ['-c'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const sink = discard()
  const compressed = pipeline(gzip.stdout, sink)
  await pipeline(client.query(copyTo(`COPY (${QUERY}) TO STDOUT WITH (FORMAT csv, HEADER, NULL '')`)), gzip.stdin)
  await compressed
  return sink.bytes
}

/** What a Data Query job does: a cursor's batches, as text, through CSV + GZIP. */
async function cursorCsvGzip(client: pg.PoolClient): Promise<number> {
  const file = openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'GZIP' })
  const sink = discard()
  const stored = pipeline(file.stream, sink)
  await client.query('BEGIN')
  await client.query(`DECLARE bench NO SCROLL CURSOR FOR ${QUERY}`)
  let header = false
  for (;;) {
    const batch = await client.query<(string | null)[]>({ text: `FETCH FORWARD ${BATCH} FROM bench`, rowMode: 'array', types: RAW_TEXT_TYPES })
    if (!header) {
      file.writeHeader(resultColumnsOf(batch.fields))
      header = true
    }
    if (batch.rows.length === 0) break
    await file.writeRows(batch.rows)
  }
  await client.query('COMMIT')
  await file.end()
  await stored
  return sink.bytes
}

async function onDatabase(backend: string): Promise<void> {
  let cluster: Cluster | undefined
  const dataDir = mkdtempSync(join(tmpdir(), 'zjobs-bench-output-'))
  let databaseUrl: string | undefined
  if (backend === 'postgres') {
    databaseUrl = process.env.ZJOBS_TEST_DATABASE_URL
    if (!databaseUrl) {
      cluster = await startCluster()
      databaseUrl = cluster.url
    }
  }
  const db = await openDatabase(loadConfig({}, { logLevel: 'silent', dataDir, databaseUrl }))
  const client = await db.pool.connect()
  try {
    await client.query('DROP TABLE IF EXISTS bench_output')
    await client.query(TABLE_SQL.replace('$ROWS', String(ROWS)))
    console.log(`# ${ROWS} rows x 10 columns from the ${backend} database`)
    const copy = await best(() => copyGzip(client))
    const ours = await best(() => cursorCsvGzip(client))
    const textBytes = (await client.query<{ n: string }>(`SELECT sum(octet_length(t::text))::bigint AS n FROM bench_output t`)).rows[0].n
    report('COPY (query) TO STDOUT | gzip', copy, Number(textBytes))
    report('cursor + CSV, GZIP (a Data Query job)', ours, Number(textBytes), copy.ms)
    await client.query('DROP TABLE bench_output')
  } finally {
    client.release()
    await db.close()
    cluster?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await inMemory()
if (!values['no-db']) for (const backend of values.backend) await onDatabase(backend)
