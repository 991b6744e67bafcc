// Field values on their own: every kind from JSON and from CSV, exact numbers, the codes of
// what is refused.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compareDecimal, formatDecimal, parseDecimal } from '../../src/objects/decimal.ts'
import { parseExactJson, rawNumber } from '../../src/objects/exact-json.ts'
import { fieldOf, parseFieldDef } from '../../src/objects/definitions/fields.ts'
import { canonicalText, convertCsv, convertJson, parseDateTime } from '../../src/objects/definitions/field-values.ts'

const field = (def: Record<string, unknown>) => fieldOf('f__c', parseFieldDef('f__c', { label: 'F', ...def }))
const ok = (result: ReturnType<typeof convertJson>) => {
  assert.ok('value' in result, JSON.stringify(result))
  return canonicalText(result.value)
}
const code = (result: ReturnType<typeof convertJson>) => {
  assert.ok('problem' in result, JSON.stringify(result))
  return result.problem.code
}

describe('decimals', () => {
  test('parse, canonical form, comparison', () => {
    for (const [text, canonical] of [
      ['0', '0'],
      ['-0.0', '0'],
      ['1.50', '1.5'],
      ['.5', '0.5'],
      ['1e3', '1000'],
      ['-1.25E-2', '-0.0125'],
      ['9223372036854775807', '9223372036854775807'],
      ['1234567890123.123456789', '1234567890123.123456789'],
    ]) {
      assert.equal(formatDecimal(parseDecimal(text)!), canonical, text)
    }
    for (const bad of ['', '-', '1.2.3', 'abc', '1e', '0x10', '1 000', 'NaN']) assert.equal(parseDecimal(bad), undefined, bad)
    assert.equal(compareDecimal(parseDecimal('1.10')!, parseDecimal('1.1')!), 0)
    assert.equal(compareDecimal(parseDecimal('-2')!, parseDecimal('1.5')!), -1)
  })

  test('exact JSON keeps every digit and drops __proto__ keys', () => {
    const parsed = parseExactJson('{"a": 9223372036854775807, "b": 0.1234567890123456789, "__proto__": {"x": 1}}') as Record<string, unknown>
    assert.equal(JSON.stringify(parsed), '{"a":9223372036854775807,"b":0.1234567890123456789}')
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })
})

describe('field values', () => {
  test('text, long text, url, email, uuid, picklist, multiselect', () => {
    assert.equal(ok(convertJson(field({ type: 'string', maxLength: 3 }), 'abc')), 'abc')
    assert.equal(code(convertJson(field({ type: 'string', maxLength: 3 }), 'abcd')), 71012526)
    assert.equal(code(convertJson(field({ type: 'string' }), '')), 71012526)
    assert.equal(code(convertJson(field({ type: 'string' }), 5)), 71012526)
    assert.equal(code(convertJson(field({ type: 'string' }), true)), 71012526)
    assert.equal(code(convertJson(field({ type: 'string' }), 'x'.repeat(256))), 71012526, 'Text holds 255 characters by default')
    assert.equal(ok(convertJson(field({ type: 'string', maxLength: 8192 }), 'x'.repeat(8192))).length, 8192)
    assert.equal(ok(convertJson(field({ type: 'string', format: 'url' }), 'https://example.com/a?b=c')), 'https://example.com/a?b=c')
    assert.equal(code(convertJson(field({ type: 'string', format: 'url' }), 'example dot com')), 71012520)
    assert.equal(code(convertJson(field({ type: 'string', format: 'email' }), 'no-at-sign')), 71012520)
    const uuid = field({ type: 'string', format: 'uuid' })
    assert.equal(ok(convertJson(uuid, '8AD084A67F9C7138017FAB8A8B511B5A')), '8ad084a6-7f9c-7138-017f-ab8a8b511b5a')
    assert.equal(ok(convertJson(uuid, '3A437F0B-FA7A-45BF-A9A5-2187A5A13EC0')), '3a437f0b-fa7a-45bf-a9a5-2187a5a13ec0')
    const notUuid = convertJson(uuid, '123')
    assert.equal(code(notUuid), 71012520)
    assert.match('problem' in notUuid ? notUuid.problem.message : '', /input string "123" is not a valid UUID/)
    const picklist = field({ type: 'string', enum: ['red', 'blue'] })
    assert.equal(ok(convertJson(picklist, 'red')), 'red')
    assert.equal(code(convertJson(picklist, 'Red')), 71012520, 'options are case-sensitive')
    const multi = field({ type: 'string', enum: ['a', 'b', 'c'], multiselect: true })
    assert.equal(ok(convertJson(multi, 'a;c')), 'a;c')
    assert.equal(ok(convertJson(multi, ['c', 'a'])), 'c;a')
    assert.equal(code(convertJson(multi, 'a;d')), 71012520)
    assert.equal(code(convertJson(multi, 'a;a')), 71012520)
    assert.equal(code(convertJson(multi, 'a;')), 71012526)
    assert.equal(ok(convertCsv(multi, 'b;a')), 'b;a')
  })

  test('integer and number: exact, bounded, typed', () => {
    const integer = field({ type: 'integer', minimum: -5, maximum: 10 })
    assert.equal(ok(convertJson(integer, rawNumber('7'))), '7')
    assert.equal(ok(convertJson(integer, rawNumber('7.0'))), '7')
    assert.equal(code(convertJson(integer, rawNumber('7.5'))), 71012523)
    assert.equal(code(convertJson(integer, '7')), 71012523)
    assert.equal(code(convertJson(integer, rawNumber('11'))), 71012523)
    assert.equal(code(convertJson(integer, rawNumber('-6'))), 71012523)
    assert.equal(ok(convertCsv(integer, ' 10 ')), '10')
    assert.equal(code(convertCsv(integer, 'ten')), 71012523)
    const int64 = field({ type: 'integer' })
    assert.equal(ok(convertCsv(int64, '-9223372036854775808')), '-9223372036854775808')
    assert.equal(code(convertCsv(int64, '9223372036854775808')), 71012523)
    const number = field({ type: 'number', minimum: 0 })
    assert.equal(ok(convertJson(number, rawNumber('1234567890123.123456789'))), '1234567890123.123456789')
    assert.equal(code(convertJson(number, rawNumber('12345678901234'))), 71012524, '13 digits before the point')
    assert.equal(code(convertJson(number, rawNumber('0.1234567891'))), 71012524, '9 after')
    assert.equal(code(convertJson(number, rawNumber('-1'))), 71012524)
    assert.equal(code(convertJson(number, 'fast')), 71012524)
    assert.equal(ok(convertCsv(number, '23990.50')), '23990.5')
    const step = field({ type: 'number', multipleOf: 0.25 })
    assert.equal(ok(convertJson(step, rawNumber('1.75'))), '1.75')
    assert.equal(code(convertJson(step, rawNumber('1.8'))), 71012524)
    const exclusive = field({ type: 'integer', minimum: 0, exclusiveMinimum: true, exclusiveMaximum: 10 })
    assert.equal(code(convertJson(exclusive, rawNumber('0'))), 71012523)
    assert.equal(code(convertJson(exclusive, rawNumber('10'))), 71012523)
    assert.equal(ok(convertJson(exclusive, rawNumber('9'))), '9')
  })

  test('boolean, date, date-time', () => {
    const boolean = field({ type: 'boolean' })
    assert.equal(ok(convertJson(boolean, false)), 'false')
    assert.equal(code(convertJson(boolean, 'true')), 71012525)
    assert.equal(ok(convertCsv(boolean, 'TRUE')), 'true')
    assert.equal(code(convertCsv(boolean, 'yes')), 71012525)
    const date = field({ type: 'string', format: 'date' })
    assert.equal(ok(convertJson(date, '2024-02-29')), '2024-02-29')
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-1', '01/02/2024', '2024-01-01T00:00:00Z']) {
      assert.equal(code(convertJson(date, bad)), 71012520, bad)
    }
    const datetime = field({ type: 'string', format: 'date-time' })
    assert.equal(ok(convertJson(datetime, '2024-07-09T14:41:17.377+08:00')), '2024-07-09T06:41:17.377Z')
    assert.equal(ok(convertJson(datetime, '2024-07-09T06:41:17Z')), '2024-07-09T06:41:17.000Z')
    assert.equal(ok(convertJson(datetime, '2024-07-09 06:41')), '2024-07-09T06:41:00.000Z')
    for (const bad of ['2024-07-09', '2024-07-09T25:00:00Z', 'yesterday']) assert.equal(code(convertJson(datetime, bad)), 71012520, bad)
    assert.equal(parseDateTime('2024-07-09T06:41:17.123456Z'), '2024-07-09T06:41:17.123Z')
  })
})
