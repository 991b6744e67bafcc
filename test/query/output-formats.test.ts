// Data Query result files: each format byte for byte, each compression read back with an
// independent reader (zlib's gunzip, yauzl), names and content types, option checks, and the
// pipeline's contract (backpressure, abort, a failing reader).
import assert from 'node:assert/strict'
import { PassThrough, Writable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { gunzipSync } from 'node:zlib'
import type { ResultColumn, ResultRow } from '../../src/query/output/columns.ts'
import { columnTypeOfOid, resultColumnsOf } from '../../src/query/output/columns.ts'
import { OutputOptionsError } from '../../src/query/output/errors.ts'
import { validateOutputOptions, type Compression, type OutputFormat } from '../../src/query/output/options.ts'
import { openResultFile } from '../../src/query/output/result-file.ts'
import { CHUNK_CHARS, delimitedFormatter, jsonKeys, jsonLinesFormatter } from '../../src/query/output/rows.ts'
import { JOB_ID, produce, TRICKY_COLUMNS, TRICKY_CSV, TRICKY_JSONL, TRICKY_ROWS, TRICKY_TSV, unzip } from './output-helpers.ts'

const text = (columns: ResultColumn[], rows: ResultRow[], separator: string) => {
  const formatter = delimitedFormatter(columns, separator)
  return formatter.header + formatter.format(rows).join('')
}
const varchar = (name: string): ResultColumn => ({ name, type: 'varchar' })

describe('delimited formats', () => {
  test('CSV quotes as PostgreSQL COPY does: delimiter, quote, CR, LF, the empty string; NULL is an empty field', () => {
    assert.equal(text(TRICKY_COLUMNS, TRICKY_ROWS, ','), TRICKY_CSV)
  })

  test('TSV: the same rules with a tab (tabs quoted, commas not)', () => {
    assert.equal(text(TRICKY_COLUMNS, TRICKY_ROWS, '\t'), TRICKY_TSV)
  })

  test('DSV quotes whatever holds its separator, numbers and dates too', () => {
    const columns: ResultColumn[] = [varchar('a|b'), { name: 'n', type: 'decimal' }, { name: 'd', type: 'date' }, { name: 'i', type: 'bigint' }]
    const rows: ResultRow[] = [['x|y', '345.400000', '2025-01-31', '-5']]
    assert.equal(text(columns, rows, '|'), '"a|b"|n|d|i\n"x|y"|345.400000|2025-01-31|-5\n')
    assert.equal(text(columns, rows, '.'), 'a|b.n.d.i\nx|y."345.400000".2025-01-31.-5\n')
    assert.equal(text(columns, rows, '-'), 'a|b-n-d-i\nx|y-345.400000-"2025-01-31"-"-5"\n')
    assert.equal(text(columns, rows, '5'), 'a|b5n5d5i\nx|y5"345.400000"5"2025-01-31"5"-5"\n')
    assert.equal(text(columns, rows, ']'), 'a|b]n]d]i\nx|y]345.400000]2025-01-31]-5\n')
    assert.equal(text(columns, [['a🎉b', null, null, null]], '🎉'), 'a|b🎉n🎉d🎉i\n"a🎉b"🎉🎉🎉\n')
  })

  test('booleans are written true/false', () => {
    const columns: ResultColumn[] = [{ name: 'b', type: 'boolean' }]
    assert.equal(text(columns, [['t'], ['f'], [null], ['true']], ','), 'b\ntrue\nfalse\n\ntrue\n')
  })

  test('the header is quoted by the same rules, repeated labels kept', () => {
    assert.equal(text([varchar('a,b'), varchar('say "x"'), varchar(''), varchar('id'), varchar('id')], [], ','), '"a,b","say ""x""","",id,id\n')
  })

  test('a large batch comes in chunks of about CHUNK_CHARS, cut between rows', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => TRICKY_ROWS[i % TRICKY_ROWS.length])
    for (const formatter of [delimitedFormatter(TRICKY_COLUMNS, ','), jsonLinesFormatter(TRICKY_COLUMNS)]) {
      const chunks = formatter.format(rows)
      assert.ok(chunks.length > 5, `${chunks.length} chunks`)
      for (const chunk of chunks) {
        assert.ok(chunk.length < CHUNK_CHARS + 300, `a chunk of ${chunk.length}`)
        assert.ok(chunk.endsWith('\n'))
      }
      assert.equal(chunks.join(''), formatter.format(rows.slice(0, 2500)).join('') + formatter.format(rows.slice(2500)).join(''))
    }
  })

  test('a lone \\. is quoted when it is the only column (COPY end-of-data marker)', () => {
    assert.equal(text([varchar('x')], [['\\.'], ['\\.x'], [''], [null], ['.']], ','), 'x\n"\\."\n\\.x\n""\n\n.\n')
  })
})

describe('JSON Lines', () => {
  test('one object per row, typed values, numbers verbatim, json raw on one line', () => {
    const formatter = jsonLinesFormatter(TRICKY_COLUMNS)
    const written = formatter.header + formatter.format(TRICKY_ROWS).join('')
    assert.equal(written, TRICKY_JSONL)
    const lines = written.split('\n').slice(0, -1)
    assert.equal(lines.length, TRICKY_ROWS.length)
    for (const line of lines) JSON.parse(line)
  })

  test('repeated labels are suffixed _2, _3..., skipping labels in use', () => {
    assert.deepEqual(jsonKeys(['id', 'id', 'id_2', 'id', 'name']), ['id', 'id_3', 'id_2', 'id_4', 'name'])
    const formatter = jsonLinesFormatter([varchar('id'), { name: 'id', type: 'bigint' }])
    assert.deepEqual(formatter.format([['a', '1']]), ['{"id":"a","id_2":1}\n'])
  })

  test('labels are escaped; a result without columns gives empty objects', () => {
    assert.deepEqual(jsonLinesFormatter([varchar('say "x"\n')]).format([['v']]), ['{"say \\"x\\"\\n":"v"}\n'])
    assert.deepEqual(jsonLinesFormatter([]).format([[], []]), ['{}\n{}\n'])
  })
})

describe('PostgreSQL type OIDs', () => {
  test('map to the writers column types', () => {
    assert.equal(columnTypeOfOid(16), 'boolean')
    assert.equal(columnTypeOfOid(20), 'bigint')
    assert.equal(columnTypeOfOid(1700), 'decimal')
    assert.equal(columnTypeOfOid(1184), 'timestamp')
    assert.equal(columnTypeOfOid(3802), 'json')
    assert.equal(columnTypeOfOid(25), 'varchar')
    assert.equal(columnTypeOfOid(2950), 'other') // uuid
    assert.deepEqual(resultColumnsOf([{ name: 'n', dataTypeID: 1082 }]), [{ name: 'n', type: 'date', oid: 1082 }])
  })
})

const EXPECTED: Record<OutputFormat, { text: string; extension: string; contentType: string }> = {
  JSON: { text: TRICKY_JSONL, extension: 'jsonl', contentType: 'application/x-ndjson' },
  CSV: { text: TRICKY_CSV, extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  TSV: { text: TRICKY_TSV, extension: 'tsv', contentType: 'text/tab-separated-values; charset=utf-8' },
  DSV: { text: TRICKY_CSV, extension: 'dsv', contentType: 'text/plain; charset=utf-8' },
}

describe('result files: format × compression', () => {
  for (const format of ['JSON', 'CSV', 'TSV', 'DSV'] as const) {
    for (const compression of ['NONE', 'GZIP', 'ZIP'] as const) {
      test(`${format} ${compression}`, async () => {
        const expected = EXPECTED[format]
        // Rows in batches of 3, 1 and the rest: batch boundaries must not show.
        const batches = [TRICKY_ROWS.slice(0, 3), TRICKY_ROWS.slice(3, 4), [], TRICKY_ROWS.slice(4)]
        const { file, bytes, summary } = await produce({ format, compression, columnSeparator: ',' }, TRICKY_COLUMNS, batches)
        const base = new RegExp(`^${JOB_ID}_[1-9]\\d{15}\\.${expected.extension}`)
        assert.deepEqual(summary, { rows: TRICKY_ROWS.length, bytes: bytes.length })
        if (compression === 'NONE') {
          assert.match(file.fileName, new RegExp(`${base.source}$`))
          assert.equal(file.contentType, expected.contentType)
          assert.equal(bytes.toString('utf8'), expected.text)
        } else if (compression === 'GZIP') {
          assert.match(file.fileName, new RegExp(`${base.source}\\.gz$`))
          assert.equal(file.contentType, 'application/gzip')
          assert.equal(gunzipSync(bytes).toString('utf8'), expected.text)
        } else {
          assert.match(file.fileName, new RegExp(`${base.source}\\.zip$`))
          assert.equal(file.contentType, 'application/zip')
          const entries = await unzip(bytes)
          assert.deepEqual(
            entries.map((entry) => entry.name),
            [file.fileName.replace(/\.zip$/, '')],
          )
          assert.equal(entries[0].content.toString('utf8'), expected.text)
        }
      })
    }
  }

  test('no rows: the header alone (delimited), an empty file (JSON Lines)', async () => {
    assert.equal((await produce({ format: 'CSV', compression: 'NONE' }, TRICKY_COLUMNS, [])).bytes.toString(), `${TRICKY_CSV.split('\n')[0]}\n`)
    assert.equal((await produce({ format: 'JSON', compression: 'NONE' }, TRICKY_COLUMNS, [])).bytes.length, 0)
    const zipped = await produce({ format: 'JSON', compression: 'ZIP' }, TRICKY_COLUMNS, [])
    assert.equal((await unzip(zipped.bytes))[0].content.length, 0)
    // As COPY: a result without columns has an empty header line.
    assert.equal(gunzipSync((await produce({ format: 'TSV', compression: 'GZIP' }, [], [])).bytes).toString(), '\n')
  })

  test('a DSV file uses its columnSeparator; CSV and TSV ignore one', async () => {
    const columns = [varchar('a'), varchar('b')]
    const dsv = await produce({ format: 'DSV', compression: 'NONE', columnSeparator: ';' }, columns, [[['1;2', '3']]])
    assert.equal(dsv.bytes.toString(), 'a;b\n"1;2";3\n')
    const csv = await produce({ format: 'CSV', compression: 'NONE', columnSeparator: ';' }, columns, [[['1;2', '3']]])
    assert.equal(csv.bytes.toString(), 'a,b\n1;2,3\n')
  })

  test('file names are unique per file', async () => {
    const names = new Set<string>()
    for (let i = 0; i < 50; i++) names.add(openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'NONE' }).fileName)
    assert.equal(names.size, 50)
  })
})

describe('output options', () => {
  const check = (outputFormat: string, compression: string, columnSeparator?: string | null) =>
    validateOutputOptions({ outputFormat, compression, columnSeparator })

  test('valid combinations pass', () => {
    for (const format of ['JSON', 'CSV', 'TSV'] as const) {
      for (const compression of ['NONE', 'GZIP', 'ZIP'] as Compression[]) assert.equal(check(format, compression), undefined)
    }
    for (const separator of ['|', ';', '\t', ' ', 'x', '¦', '🎉', ',']) assert.equal(check('DSV', 'NONE', separator), undefined)
  })

  test('DSV separators: required, one character, never a quote or a line break', () => {
    assert.equal(check('DSV', 'NONE'), 'columnSeparator is required when outputFormat is DSV')
    assert.equal(check('DSV', 'NONE', ''), 'columnSeparator is required when outputFormat is DSV')
    assert.equal(check('DSV', 'NONE', null), 'columnSeparator is required when outputFormat is DSV')
    assert.equal(check('DSV', 'NONE', '||'), 'columnSeparator must be a single character, got "||"')
    assert.equal(check('DSV', 'NONE', 'ab'), 'columnSeparator must be a single character, got "ab"')
    for (const separator of ['"', '\n', '\r']) {
      assert.equal(check('DSV', 'NONE', separator), 'columnSeparator cannot be a double quote, a carriage return or a line feed')
    }
    // Only DSV reads the separator.
    assert.equal(check('CSV', 'NONE', '||'), undefined)
  })

  test('unknown formats and compressions are named', () => {
    assert.equal(check('XML', 'NONE'), 'outputFormat must be one of JSON, CSV, TSV, DSV, got "XML"')
    assert.equal(check('CSV', 'BZIP2'), 'compression must be one of NONE, GZIP, ZIP, got "BZIP2"')
  })

  test('openResultFile refuses invalid options with OutputOptionsError', () => {
    assert.throws(() => openResultFile({ jobId: JOB_ID, format: 'DSV', compression: 'NONE', columnSeparator: '||' }), OutputOptionsError)
    assert.throws(() => openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'NONE', encryptionKey: 'nope' }), OutputOptionsError)
    assert.throws(() => openResultFile({ jobId: '../etc', format: 'CSV', compression: 'NONE' }), /not a job id/)
  })
})

describe('the pipeline', () => {
  const columns = [varchar('v')]
  const batch = (size: number): ResultRow[] => Array.from({ length: size }, (_, i) => [`value number ${i} `.repeat(4)])

  test('writeRows waits while nobody reads, and goes on once the stream is read', async () => {
    const file = openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'NONE' })
    file.writeHeader(columns)
    let waiting: Promise<void> | undefined
    for (let i = 0; i < 100 && !waiting; i++) {
      const write = file.writeRows(batch(1000))
      const state = await Promise.race([write.then(() => 'done'), sleep(50).then(() => 'pending')])
      if (state === 'pending') waiting = write
    }
    assert.ok(waiting, 'writeRows never waited for a reader')
    const read = buffer(file.stream)
    await waiting
    await file.writeRows(batch(10))
    const summary = await file.end()
    assert.equal(summary.bytes, (await read).length)
  })

  test('abort fails the stream with the error, and later writes and end', async () => {
    const file = openResultFile({ jobId: JOB_ID, format: 'JSON', compression: 'GZIP' })
    const read = buffer(file.stream)
    file.writeHeader(columns)
    await file.writeRows(batch(10))
    const error = new Error('query failed')
    file.abort(error)
    await assert.rejects(read, error)
    await assert.rejects(file.writeRows(batch(1)), error)
    await assert.rejects(file.end(), error)
  })

  test('a reader that fails makes writeRows reject (the file store gave up)', async () => {
    const file = openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'ZIP' })
    file.writeHeader(columns)
    const failing = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('disk full'))
      },
    })
    file.stream.pipe(failing)
    failing.on('error', (error) => file.stream.destroy(error))
    await assert.rejects(async () => {
      for (let i = 0; i < 1000; i++) await file.writeRows(batch(1000))
    }, /disk full/)
    await assert.rejects(file.end(), /disk full/)
  })

  test('misuse is refused: rows before the header, a second header, rows after end', async () => {
    const file = openResultFile({ jobId: JOB_ID, format: 'CSV', compression: 'NONE' })
    file.stream.pipe(new PassThrough()).resume()
    await assert.rejects(file.writeRows([['x']]), /writeHeader must be called before writeRows/)
    file.writeHeader(columns)
    assert.throws(() => file.writeHeader(columns), /twice/)
    await file.end()
    await assert.rejects(file.writeRows([['x']]), /after end/)
  })
})
