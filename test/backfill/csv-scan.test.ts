// The upload scanner must agree with csv-parse (as csvRecords configures it) on every input:
// the same number of records for a valid file, an error for an invalid one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { CSV_OPTIONS } from '../../src/backfill/files/csv-source.ts'
import { CsvScanner } from '../../src/backfill/files/csv-scan.ts'

function scan(text: string, chunk = 3): { records: number } | { error: string } {
  const scanner = new CsvScanner()
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += chunk) scanner.write(bytes.subarray(i, i + chunk))
  const error = scanner.end()
  return error ? { error } : { records: scanner.records }
}

function parsed(text: string): { records: number } | { error: string } {
  try {
    return { records: parse(text, CSV_OPTIONS).length }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

test('the scanner agrees with csv-parse on 20,000 random inputs of quotes, commas and line ends', () => {
  const alphabet = ['a', 'b', ',', '"', '\r', '\n', ' ', '\r\n', '""', 'é']
  let seed = 12345
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  for (let n = 0; n < 20_000; n++) {
    const length = Math.floor(random() * 14)
    let text = n % 50 === 0 ? '\ufeff' : ''
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)]
    const expected = parsed(text)
    for (const chunk of [1, 2, 5, 1000]) {
      const actual = scan(text, chunk)
      assert.equal('error' in actual, 'error' in expected, `${JSON.stringify(text)} (chunks of ${chunk}): scanner ${JSON.stringify(actual)}, csv-parse ${JSON.stringify(expected)}`)
      if ('records' in expected) assert.deepEqual(actual, expected, JSON.stringify(text))
    }
  }
})

test('errors name the problem and its line', () => {
  assert.deepEqual(scan('Id,A\n1,"open\n2,b\n'), { error: 'The file is not a valid CSV file: a quoted field is not closed (line 4)' })
  assert.match((scan('Id,A\n1,x"y\n') as { error: string }).error, /a quote appears inside an unquoted field \(line 2\)/)
  assert.match((scan('Id,A\n1,"x"y\n') as { error: string }).error, /closing quote is followed by 'y'/)
  assert.deepEqual(scan('Id,A\r\n1,"multi\r\nline"\r\n\r\n2,b'), { records: 3 })
})
