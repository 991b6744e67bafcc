// Bulk job files on their own: the UTF-8 check of an upload at every chunk boundary, the
// job's CSV reader (records across chunk boundaries, row numbers, reading no further ahead
// than it is asked), and a row read against a definition.
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, test } from 'node:test'
import { parse as parseSync } from 'csv-parse/sync'
import { csvRows, NotCsv, readHeader, rowReader, utf8Check, type CsvRow } from '../../src/objects/bulk/csv.ts'
import { parseDefinitionInput, type Definition } from '../../src/objects/definitions/model.ts'
import { RecordCode } from '../../src/objects/errors.ts'
import { schemaOf, toWrite } from '../../src/objects/records/values.ts'

/** `bytes` as a stream of chunks of `size` bytes. */
const chunked = (bytes: Buffer, size: number) => {
  const chunks: Buffer[] = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size))
  return Readable.from(chunks, { objectMode: false })
}

/** What utf8Check passes through, or the message it fails with. */
async function checked(bytes: Buffer, size: number): Promise<Buffer | string> {
  const out: Buffer[] = []
  try {
    await pipeline(chunked(bytes, size), utf8Check(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk)
    })
    return Buffer.concat(out)
  } catch (error) {
    return (error as Error).message
  }
}

async function allRows(input: Readable): Promise<CsvRow[]> {
  const rows: CsvRow[] = []
  for await (const group of csvRows(input)) rows.push(...group)
  return rows
}

describe('bulk job files', () => {
  test('UTF-8 check: characters of 2, 3 and 4 bytes cut at every chunk boundary pass unchanged; bad sequences are refused', async () => {
    const good = Buffer.from('VIN__c,name__c\nV1,héllo wörld € 𝄞 中文\n'.repeat(20))
    const bad: [string, Buffer][] = [
      ['cut at the end', Buffer.concat([good, Buffer.from([0xf0, 0x9d, 0x84])])],
      ['a lone continuation byte', Buffer.from([0x61, 0x80, 0x62])],
      ['an overlong form', Buffer.from([0x61, 0xc0, 0xaf])],
      ['a surrogate', Buffer.from([0xed, 0xa0, 0x80, 0x61])],
      ['past U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
      ['Latin-1', Buffer.from('name\ncaf\xe9\n', 'latin1')],
    ]
    for (const size of [1, 2, 3, 4, 5, 7, 64, 65536]) {
      assert.deepEqual(await checked(good, size), good, `chunks of ${size}`)
      for (const [what, bytes] of bad) assert.match(String(await checked(bytes, size)), /not valid UTF-8/, `${what}, chunks of ${size}`)
    }
  })

  test('CSV reader: records across chunk boundaries, quoted commas, quotes and line ends, row numbers past blank lines', async () => {
    const text = Buffer.from('\uFEFFVIN__c,notes__c\r\nV1,"a, b"\r\n\r\nV2,"say ""hi""\r\nthen ünïcödé"\r\nV3,\r\n')
    // Every chunk size: the first chunk may end anywhere in the header, even between CR and LF.
    for (let size = 1; size <= text.length; size++) {
      const rows = await allRows(chunked(text, size))
      assert.deepEqual(
        rows,
        [
          { row: 1, cells: ['VIN__c', 'notes__c'] },
          { row: 2, cells: ['V1', 'a, b'] },
          { row: 3, cells: ['V2', 'say "hi"\r\nthen ünïcödé'] },
          { row: 4, cells: ['V3', ''] },
        ],
        `chunks of ${size}`,
      )
    }
    // Mixed line ends: the first one outside quotes ends every record (a lone CR or LF after it is data).
    assert.deepEqual((await allRows(chunked(Buffer.from('a,b\n1,2\r\n"3\r",4\n'), 1))).map((row) => row.cells), [['a', 'b'], ['1', '2\r'], ['3\r', '4']])
    assert.deepEqual((await allRows(chunked(Buffer.from('a,b\r1,2\r3,4'), 4))).map((row) => row.cells), [['a', 'b'], ['1', '2'], ['3', '4']])
    // Rows of another length are rows (the job refuses each one), not a broken file.
    assert.deepEqual((await allRows(Readable.from([Buffer.from('a,b\n1\n1,2,3\n')]))).map((row) => row.cells.length), [2, 1, 3])
    // The upload's check lets no such file through; the job fails it if one is stored anyway.
    await assert.rejects(allRows(Readable.from([Buffer.from('a,b\n"1,2\n')])), NotCsv)
  })

  test('CSV reader: the records csv-parse reads, for random files in random chunks', async () => {
    // What the upload lets through: fields plain or quoted (with commas, doubled quotes and line
    // ends inside), rows of any length, blank lines, one kind of line end per file, a BOM or not.
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const pick = <T>(items: T[]) => items[random(items.length)]
    const plain = ['', 'a', 'x y', 'ünï', '€5', '𝄞', '12.5', ' sp ']
    const quoted = ['"a,b"', '"say ""hi"""', '""', '"line\none"', '"cr\r\nlf"', '"€,"']
    for (let file = 0; file < 300; file++) {
      const newline = pick(['\n', '\r\n', '\r'])
      const lines = Array.from({ length: 1 + random(8) }, () =>
        random(6) === 0 ? '' : Array.from({ length: 1 + random(4) }, () => (random(3) === 0 ? pick(quoted) : pick(plain))).join(','),
      )
      const text = `${random(4) === 0 ? '\uFEFF' : ''}${lines.join(newline)}${random(2) ? newline : ''}`
      // One difference, decided (docs/decisions.md): a line of one empty quoted field ("") is blank, as an empty line.
      const records = parseSync(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][]
      const expected = records.filter((cells) => cells.length > 1 || cells[0] !== '')
      const bytes = Buffer.from(text)
      const rows = await allRows(chunked(bytes, 1 + random(bytes.length + 1)))
      assert.deepEqual(rows.map((row) => row.cells), expected, JSON.stringify(text))
      assert.deepEqual(rows.map((row) => row.row), expected.map((_, i) => i + 1))
    }
  })

  test('CSV reader: reads no further ahead of its consumer than a chunk or two, so memory stays flat whatever the file size', async () => {
    const line = Buffer.from('C000000001,"Item 1, a bench record",12.5,7,true,2026-01-02\n')
    let pulled = 0
    const lines = 400_000 // 24 MB
    let sent = 0
    const source = new Readable({
      read() {
        if (sent >= lines) return void this.push(null)
        const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line))
        sent += 1000
        pulled += chunk.length
        this.push(chunk)
      },
    })
    let rows = 0
    let mostAhead = 0
    for await (const group of csvRows(source)) {
      rows += group.length
      // What the source gave beyond what has been handed out, while the consumer works.
      await new Promise(setImmediate)
      mostAhead = Math.max(mostAhead, pulled - rows * line.length)
    }
    assert.equal(rows, lines)
    assert.ok(mostAhead < 1024 * 1024, `read ${mostAhead} bytes ahead`)
  })

  test('a row against a definition: converted, defaults for absent columns only, required fields, values in the definition order', () => {
    const stored = parseDefinitionInput('Car', {
      object: 'Car',
      label: 'Car',
      properties: {
        VIN__c: { type: 'string', label: 'VIN' },
        seats__c: { type: 'integer', label: 'Seats', default: 4 },
        price__c: { type: 'number', label: 'Price' },
        electric__c: { type: 'boolean', label: 'Electric', default: false },
      },
      required: ['VIN__c'],
    })
    const definition = { tenantId: '1', id: 'd', entityId: null, object: 'Car', stored } as unknown as Definition
    const schema = schemaOf(definition)
    const header = readHeader(schema, 'create', ['price__c', 'VIN__c', 'seats__c'])
    const read = rowReader(schema, header)
    const row = read(['10.50', 'V1', ''])
    assert.ok('values' in row)
    // The empty cell is no value (its column was given: no default); electric__c was not given.
    assert.equal(toWrite(schema, 'id', row.values, true).data, '{"VIN__c":"V1","price__c":10.5,"electric__c":false}')
    assert.equal(toWrite(schema, 'id', row.values, true).data, toWrite(schema, 'id', row.values).data)
    assert.deepEqual(read(['1', '', '2']), { problem: { code: RecordCode.missingField, message: 'Field [VIN__c] is required.' } })
    assert.equal((read(['x', 'V2', '2']) as { problem: { code: number } }).problem.code, RecordCode.badNumber)
    assert.match((read(['1', 'V3']) as { problem: { message: string } }).problem.message, /2 values; the header has 3 columns/)
  })
})
