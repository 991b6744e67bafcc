// Shared by the result-file tests (output*.test.ts): run rows through the pipeline, open ZIPs.
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import yauzl from 'yauzl'
import type { ResultColumn, ResultRow } from '../../src/query/output/columns.ts'
import { openResultFile, type ResultFile, type ResultFileOptions, type ResultFileSummary } from '../../src/query/output/result-file.ts'

export const JOB_ID = '5948abde-b875-4d06-ad07-c2138853d8bc'

export interface Produced {
  file: ResultFile
  bytes: Buffer
  summary: ResultFileSummary
}

/** Writes `batches` through a new result file and returns the file's bytes. */
export async function produce(
  options: Omit<ResultFileOptions, 'jobId'>,
  columns: readonly ResultColumn[],
  batches: readonly (readonly ResultRow[])[],
): Promise<Produced> {
  const file = openResultFile({ jobId: JOB_ID, ...options })
  const bytes = buffer(file.stream)
  file.writeHeader(columns)
  for (const batch of batches) await file.writeRows(batch)
  const summary = await file.end()
  return { file, bytes: await bytes, summary }
}

/** The entries of a ZIP archive (name and content), read with yauzl. */
export function unzip(archive: Buffer): Promise<{ name: string; content: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(archive, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      const entries: { name: string; content: Buffer }[] = []
      zip.on('error', reject)
      zip.on('end', () => resolve(entries))
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (openError, stream) => {
          if (openError) return reject(openError)
          buffer(stream).then((content) => {
            entries.push({ name: entry.fileName, content })
            zip.readEntry()
          }, reject)
        })
      })
      zip.readEntry()
    })
  })
}

export const bufferStream = (data: Buffer): Readable => Readable.from([data])

/** Columns of every type, with rows of values that trip writers up. */
export const TRICKY_COLUMNS: ResultColumn[] = [
  { name: 'id', type: 'varchar' },
  { name: 'name', type: 'varchar' },
  { name: 'amount', type: 'decimal' },
  { name: 'count', type: 'bigint' },
  { name: 'active', type: 'boolean' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'timestamp' },
  { name: 'payload', type: 'json' },
  { name: 'misc', type: 'other' },
]

export const TRICKY_ROWS: ResultRow[] = [
  ['A-1', 'plain', '345.400000', '42', 't', '2025-01-31', '2025-01-31 09:47:49.675+00', '{"a": 1}', 'x'],
  ['A-2', 'comma, inside', '-0.000001', '-9223372036854775808', 'f', '0044-03-15 BC', 'infinity', '[1,2]', ''],
  ['A-3', 'quote " inside', '12345678901234.123456', '0', null, null, null, null, null],
  ['A-4', 'line\nbreak', 'NaN', null, null, null, null, '{"multi":\n"line"}', 'back\\slash'],
  ['', '', 'Infinity', null, null, null, null, null, '\u0001ctl'],
  [' spaces ', 'carriage\rreturn', '-Infinity', null, null, null, null, null, 'tab\there'],
  ['ünï©ødé 🎉', '\\.', '0.000000', null, null, null, null, null, '\\.'],
]

export const TRICKY_CSV = [
  'id,name,amount,count,active,day,at,payload,misc',
  'A-1,plain,345.400000,42,true,2025-01-31,2025-01-31 09:47:49.675+00,"{""a"": 1}",x',
  'A-2,"comma, inside",-0.000001,-9223372036854775808,false,0044-03-15 BC,infinity,"[1,2]",""',
  'A-3,"quote "" inside",12345678901234.123456,0,,,,,',
  'A-4,"line\nbreak",NaN,,,,,"{""multi"":\n""line""}",back\\slash',
  '"","",Infinity,,,,,,\u0001ctl',
  ' spaces ,"carriage\rreturn",-Infinity,,,,,,tab\there',
  'ünï©ødé 🎉,\\.,0.000000,,,,,,\\.',
  '',
].join('\n')

export const TRICKY_TSV = [
  'id\tname\tamount\tcount\tactive\tday\tat\tpayload\tmisc',
  'A-1\tplain\t345.400000\t42\ttrue\t2025-01-31\t2025-01-31 09:47:49.675+00\t"{""a"": 1}"\tx',
  'A-2\tcomma, inside\t-0.000001\t-9223372036854775808\tfalse\t0044-03-15 BC\tinfinity\t[1,2]\t""',
  'A-3\t"quote "" inside"\t12345678901234.123456\t0\t\t\t\t\t',
  'A-4\t"line\nbreak"\tNaN\t\t\t\t\t"{""multi"":\n""line""}"\tback\\slash',
  '""\t""\tInfinity\t\t\t\t\t\t\u0001ctl',
  ' spaces \t"carriage\rreturn"\t-Infinity\t\t\t\t\t\t"tab\there"',
  'ünï©ødé 🎉\t\\.\t0.000000\t\t\t\t\t\t\\.',
  '',
].join('\n')

export const TRICKY_JSONL = [
  '{"id":"A-1","name":"plain","amount":345.400000,"count":42,"active":true,"day":"2025-01-31","at":"2025-01-31 09:47:49.675+00","payload":{"a": 1},"misc":"x"}',
  '{"id":"A-2","name":"comma, inside","amount":-0.000001,"count":-9223372036854775808,"active":false,"day":"0044-03-15 BC","at":"infinity","payload":[1,2],"misc":""}',
  '{"id":"A-3","name":"quote \\" inside","amount":12345678901234.123456,"count":0,"active":null,"day":null,"at":null,"payload":null,"misc":null}',
  '{"id":"A-4","name":"line\\nbreak","amount":"NaN","count":null,"active":null,"day":null,"at":null,"payload":{"multi": "line"},"misc":"back\\\\slash"}',
  '{"id":"","name":"","amount":"Infinity","count":null,"active":null,"day":null,"at":null,"payload":null,"misc":"\\u0001ctl"}',
  '{"id":" spaces ","name":"carriage\\rreturn","amount":"-Infinity","count":null,"active":null,"day":null,"at":null,"payload":null,"misc":"tab\\there"}',
  '{"id":"ünï©ødé 🎉","name":"\\\\.","amount":0.000000,"count":null,"active":null,"day":null,"at":null,"payload":null,"misc":"\\\\."}',
  '',
].join('\n')

/** Ten columns of mixed types, as a typical export (account-like rows). */
export const MIXED_COLUMNS: ResultColumn[] = [
  { name: 'id', type: 'varchar' },
  { name: 'accountnumber', type: 'varchar' },
  { name: 'name', type: 'varchar' },
  { name: 'balance', type: 'decimal' },
  { name: 'billcycleday', type: 'bigint' },
  { name: 'autopay', type: 'boolean' },
  { name: 'createddate', type: 'timestamp' },
  { name: 'lastinvoicedate', type: 'date' },
  { name: 'status', type: 'varchar' },
  { name: 'notes', type: 'varchar' },
]

const STATUSES = ['Active', 'Draft', 'Canceled']
const NAMES = ['Acme Corp', 'Globex, Inc.', 'Initech', 'Umbrella "Holdings"', 'Stark Industries', 'Wayne Enterprises']

/** Rows `start` to `start + count` of a deterministic stream of MIXED_COLUMNS rows (fresh strings, as a driver makes). */
export function mixedRows(start: number, count: number): ResultRow[] {
  const rows: ResultRow[] = new Array(count)
  for (let n = start, i = 0; i < count; n++, i++) {
    const hex = (n * 2654435761 >>> 0).toString(16).padStart(8, '0')
    rows[i] = [
      `2c92c0f9${hex}0167be58${hex}`,
      `A${String(n).padStart(8, '0')}`,
      `${NAMES[n % NAMES.length]} ${n}`,
      `${(n % 100000) - 500}.${String(n % 1000000).padStart(6, '0')}`,
      String(1 + (n % 28)),
      n % 2 === 0 ? 't' : 'f',
      `2025-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')} 0${n % 10}:${String(n % 60).padStart(2, '0')}:07.123+08`,
      n % 5 === 0 ? null : `2026-0${1 + (n % 9)}-${String(1 + (n % 28)).padStart(2, '0')}`,
      STATUSES[n % 3],
      n % 7 === 0 ? `note ${n}, with a comma` : n % 11 === 0 ? '' : null,
    ]
  }
  return rows
}
