// Result files against the database of the run (the embedded PostgreSQL server or an external one): the
// delimited writers must produce exactly what `COPY (query) TO STDOUT WITH (FORMAT csv,
// HEADER, NULL '')` produces for the same rows, fed as node-postgres hands them over (text,
// rowMode array); and a result file goes through the FileStore as the job will store it.
import assert from 'node:assert/strict'
import { createSecretKey, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { after, before, describe, test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { loadConfig } from '../../src/config.ts'
import { createTenant } from '../../src/platform/tenants.ts'
import { RAW_TEXT_TYPES, resultColumnsOf } from '../../src/query/output/columns.ts'
import { openResultFile } from '../../src/query/output/result-file.ts'
import { openDatabase, type Db } from '../../src/storage/db.ts'
import { LocalBlobStore } from '../../src/storage/files/local.ts'
import { FileStore } from '../../src/storage/files/store.ts'
import { migrate } from '../../src/storage/migrate.ts'
import { testDatabase } from '../helpers/server.ts'
import { JOB_ID, produce } from './output-helpers.ts'

const TRICKY_TEXTS: (string | null)[] = [
  'plain',
  'comma, inside',
  'quote " inside',
  '"',
  '""',
  'a"',
  ',',
  'line\nbreak',
  'cr\rreturn',
  'crlf\r\nend',
  '\n',
  '',
  null,
  'NULL',
  ' leading',
  'trailing ',
  '   ',
  'ünï©ødé 中文 🎉 👍🏽',
  'tab\there',
  'semi;colon',
  'pipe|bar',
  'dot.dot',
  'digit0',
  '\\.',
  '\\.\n',
  '.',
  '\\',
  'x\\.y',
  '\u0001ctl',
]

const literal = (value: string | null) => (value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`)

/** Every tricky text in two text columns beside numbers, dates, timestamps and JSON; labels to quote. */
const TRICKY_QUERY = `SELECT id, label AS "a,b", reversed AS "say ""hi""|x", amount, day, at, payload, big
FROM (VALUES ${TRICKY_TEXTS.map(
  (text, i) =>
    `(${i}, ${literal(text)}::text, ${literal(text === null ? null : [...text].reverse().join(''))}::varchar,
      ${i % 4 === 0 ? 'NULL' : `${i * 1234.5 - 7000}`}::numeric(18,6), date '2025-01-01' + ${i},
      timestamptz '2025-01-31 09:47:49.675+00' + ${i} * interval '1 hour 1 second', ${literal(JSON.stringify({ text, n: i }))}::jsonb,
      ${i % 3 === 0 ? 'NULL' : `${-i * 1_000_000_007}`}::bigint)`,
).join(',\n')}) AS t(id, label, reversed, amount, day, at, payload, big)
ORDER BY id`

const SINGLE_COLUMN_QUERY = `SELECT v FROM (VALUES (1, '\\.'), (2, 'x'), (3, NULL), (4, ''), (5, '\\.x')) AS t(i, v) ORDER BY i`

const GENERATED_QUERY = `SELECT g AS id, md5(g::text) AS hash, (g * 1.5 - 900)::numeric(18,6) AS amount,
  date '2025-01-01' + g % 400 AS day, timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute 7 seconds' AS at,
  CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'v, "' || g || '"' ELSE 'line ' || g || E'\\nnext' END AS note
FROM generate_series(1, 20000) AS g`

let db: Db
let client: pg.PoolClient
let drop: () => Promise<void>

before(async () => {
  const database = await testDatabase()
  drop = database.drop
  db = await openDatabase(loadConfig({}, { logLevel: 'silent', ...database.overrides }))
  await migrate(db)
  // One session for COPY and the query alike: the same TimeZone, DateStyle, extra_float_digits.
  client = await db.pool.connect()
})

after(async () => {
  client?.release()
  await db?.close()
  await drop?.()
})

async function copyCsv(query: string, separator: string): Promise<string> {
  const delimiter = separator === '\t' ? "E'\\t'" : literal(separator)
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER, NULL '', DELIMITER ${delimiter})`))
  return (await buffer(stream)).toString('utf8')
}

async function ourFile(query: string, separator: string): Promise<string> {
  const result = await client.query<(string | null)[]>({ text: query, rowMode: 'array', types: RAW_TEXT_TYPES })
  const format = separator === ',' ? 'CSV' : separator === '\t' ? 'TSV' : 'DSV'
  const rows = result.rows
  const batches = [rows.slice(0, 7), rows.slice(7, 8), rows.slice(8)]
  const { bytes } = await produce({ format, compression: 'NONE', columnSeparator: separator }, resultColumnsOf(result.fields), batches)
  return bytes.toString('utf8')
}

describe('parity with PostgreSQL COPY CSV', () => {
  for (const separator of [',', '\t', '|', ';', '.', '0', 'x']) {
    test(`tricky values, delimiter ${JSON.stringify(separator)}`, async () => {
      const expected = await copyCsv(TRICKY_QUERY, separator)
      assert.equal(await ourFile(TRICKY_QUERY, separator), expected)
    })
  }

  test('a lone \\. in a single-column result is quoted as COPY quotes it', async () => {
    const expected = await copyCsv(SINGLE_COLUMN_QUERY, ',')
    assert.ok(expected.includes('"\\."'), expected)
    assert.equal(await ourFile(SINGLE_COLUMN_QUERY, ','), expected)
  })

  test('20,000 generated rows', async () => {
    for (const separator of [',', '\t']) assert.equal(await ourFile(GENERATED_QUERY, separator), await copyCsv(GENERATED_QUERY, separator))
  })
})

describe('JSON Lines from the database', () => {
  test('values keep their text, typed: numbers verbatim, booleans, NULL, jsonb raw', async () => {
    const query = `SELECT 345.4::numeric(18,6) AS amount, 9007199254740993::bigint AS big, true AS yes, false AS no,
      NULL::text AS nothing, date '2025-01-31' AS day, '{"b": [1, "x,y"]}'::jsonb AS payload, 'q"\\'::text AS text,
      'NaN'::numeric AS nan, 1.5::float8 AS float, '7c9e6679-7425-40de-944b-e07fc1f90ae7'::uuid AS uuid`
    const result = await client.query<(string | null)[]>({ text: query, rowMode: 'array', types: RAW_TEXT_TYPES })
    const { bytes } = await produce({ format: 'JSON', compression: 'NONE' }, resultColumnsOf(result.fields), [result.rows])
    assert.equal(
      bytes.toString(),
      '{"amount":345.400000,"big":9007199254740993,"yes":true,"no":false,"nothing":null,"day":"2025-01-31",' +
        '"payload":{"b": [1, "x,y"]},"text":"q\\"\\\\","nan":"NaN","float":1.5,"uuid":"7c9e6679-7425-40de-944b-e07fc1f90ae7"}\n',
    )
  })
})

describe('through the file store', () => {
  let root: string
  let files: FileStore
  let tenantId: string
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'zjobs-result-files-'))
    files = new FileStore({ db, blobs: new LocalBlobStore(root), signingKey: createSecretKey(randomBytes(32)), baseUrl: () => 'http://localhost' })
    tenantId = (await createTenant(db, { name: `output-${randomBytes(3).toString('hex')}` })).id
  })
  after(() => rmSync(root, { recursive: true, force: true }))

  test('a result is stored while it is written, as the job does it', async () => {
    const result = await client.query<(string | null)[]>({ text: GENERATED_QUERY, rowMode: 'array', types: RAW_TEXT_TYPES })
    const file = openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'GZIP' })
    const stored = files.put(tenantId, { name: file.fileName, contentType: file.contentType, stream: file.stream })
    file.writeHeader(resultColumnsOf(result.fields))
    const rows = result.rows
    for (let at = 0; at < rows.length; at += 1000) await file.writeRows(rows.slice(at, at + 1000))
    const summary = await file.end()
    const meta = await stored
    assert.equal(meta.name, file.fileName)
    assert.equal(meta.contentType, 'application/gzip')
    assert.equal(meta.size, summary.bytes)
    assert.equal(summary.rows, 20000)
    const read = await files.read(tenantId, meta.id)
    assert.ok(read)
    assert.equal(gunzipSync(await buffer(read.stream)).toString('utf8'), await copyCsv(GENERATED_QUERY, ','))
  })

  test('an aborted result leaves no file, no blob', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM files WHERE tenant_id = $1', [tenantId])).rows[0].n
    const file = openResultFile({ jobId: JOB_ID, format: 'JSON', compression: 'ZIP' })
    const stored = files.put(tenantId, { name: file.fileName, contentType: file.contentType, stream: file.stream })
    file.writeHeader([{ name: 'v', type: 'varchar' }])
    for (let i = 0; i < 50; i++) await file.writeRows(Array.from({ length: 1000 }, (_, n) => [`row ${i}-${n}`]))
    file.abort(new Error('Query exceeded the maximum time limit of 3600.00s'))
    await assert.rejects(stored, /maximum time limit/)
    await assert.rejects(file.end(), /maximum time limit/)
    const after = (await db.query('SELECT count(*)::int AS n FROM files WHERE tenant_id = $1', [tenantId])).rows[0].n
    assert.equal(after, before)
    const folder = join(root, tenantId)
    const blobs = existsSync(folder) ? readdirSync(folder).filter((name) => !name.startsWith('.')) : []
    assert.equal(blobs.length, before)
  })
})
