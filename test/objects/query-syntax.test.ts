// The `q` grammar on its own: what parses to what, what is refused, and that values only
// ever reach SQL as parameters.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FilterBuilder } from '../../src/objects/records/filter.ts'
import { parseQuery, QuerySyntaxError, type QueryNode } from '../../src/objects/records/query-syntax.ts'
import { schemaOf } from '../../src/objects/records/values.ts'
import type { Definition } from '../../src/objects/definitions/model.ts'

const eq = (field: string, value: string, op = '='): QueryNode => ({ kind: 'compare', field, op: op as '=', value })

describe('q syntax', () => {
  test('terms: equality, phrases, ranges, _exists_', () => {
    assert.deepEqual(parseQuery('status:active'), eq('status', 'active'))
    assert.deepEqual(parseQuery('author:"John Smith"'), eq('author', 'John Smith'))
    assert.deepEqual(parseQuery('quote:"say \\"hi\\" \\\\ now"'), eq('quote', 'say "hi" \\ now'))
    assert.deepEqual(parseQuery('age:<5'), eq('age', '5', '<'))
    assert.deepEqual(parseQuery('age:<=5'), eq('age', '5', '<='))
    assert.deepEqual(parseQuery('age:>5'), eq('age', '5', '>'))
    assert.deepEqual(parseQuery('age:>=-5.5'), eq('age', '-5.5', '>='))
    assert.deepEqual(parseQuery('activeDate:<2018-01-01T00\\:00\\:00.001Z'), eq('activeDate', '2018-01-01T00:00:00.001Z', '<'))
    assert.deepEqual(parseQuery('activeDate:>=2018-01-01T00\\:00\\:00-08\\:00'), eq('activeDate', '2018-01-01T00:00:00-08:00', '>='))
    assert.deepEqual(parseQuery('_exists_:title'), { kind: 'exists', field: 'title' })
    assert.equal(parseQuery(''), undefined)
    assert.equal(parseQuery('   '), undefined)
  })

  test('boolean operators, their symbols, precedence (NOT, AND, OR) and parentheses', () => {
    const a = eq('a', '1')
    const b = eq('b', '2')
    const c = eq('c', '3')
    assert.deepEqual(parseQuery('a:1 AND b:2'), { kind: 'and', left: a, right: b })
    assert.deepEqual(parseQuery('a:1 && b:2'), { kind: 'and', left: a, right: b })
    assert.deepEqual(parseQuery('a:1 OR b:2'), { kind: 'or', left: a, right: b })
    assert.deepEqual(parseQuery('a:1 || b:2'), { kind: 'or', left: a, right: b })
    assert.deepEqual(parseQuery('NOT a:1'), { kind: 'not', node: a })
    assert.deepEqual(parseQuery('!a:1'), { kind: 'not', node: a })
    assert.deepEqual(parseQuery('!_exists_:a'), { kind: 'not', node: { kind: 'exists', field: 'a' } })
    assert.deepEqual(parseQuery('NOT !a:1'), { kind: 'not', node: { kind: 'not', node: a } })
    assert.deepEqual(parseQuery('a:1 OR b:2 AND c:3'), { kind: 'or', left: a, right: { kind: 'and', left: b, right: c } })
    assert.deepEqual(parseQuery('(a:1 OR b:2) AND c:3'), { kind: 'and', left: { kind: 'or', left: a, right: b }, right: c })
    assert.deepEqual(parseQuery('NOT (a:1 OR b:2)'), { kind: 'not', node: { kind: 'or', left: a, right: b } })
    // Fields named like operators are fields.
    assert.deepEqual(parseQuery('AND:1 AND OR:2'), { kind: 'and', left: eq('AND', '1'), right: eq('OR', '2') })
  })

  test('malformed queries are refused, with the position', () => {
    for (const q of [
      'status',
      'status:',
      ':active',
      'a:1 b:2',
      'a:1 and b:2',
      'a:1 AND',
      'NOT',
      '(a:1',
      'a:1)',
      'author:"John',
      'a:\\',
      '_exists_:',
      'a:1 AND AND b:2',
      'a.b:1',
    ]) {
      assert.throws(() => parseQuery(q), QuerySyntaxError, q)
    }
    assert.throws(() => parseQuery('a:1 b:2'), /position 5: expected AND, OR or the end/)
  })

  test('values reach the SQL as parameters only', () => {
    const definition = {
      object: 'Thing',
      stored: {
        object: 'Thing',
        properties: { name__c: { type: 'string', label: 'N' }, n__c: { type: 'integer', label: 'N' }, d__c: { type: 'string', format: 'date', label: 'D' } },
        filterable: ['name__c', 'n__c', 'd__c'],
        relationships: [],
        uniqueSlots: {},
      },
    } as unknown as Definition
    const builder = new FilterBuilder(schemaOf(definition))
    const hostile = `x'); DROP TABLE custom_object_records; --`
    const sql = builder.node(parseQuery(`name__c:"${hostile}" OR n__c:>=7 OR d__c:<2020-05 OR _exists_:name__c`)!)
    assert.ok(!sql.includes('DROP') && !sql.includes('name__c') && !sql.includes('2020'), sql)
    assert.deepEqual(builder.params, [JSON.stringify({ name__c: hostile }), 'n__c', '7', 'd__c', '2020-05-01', 'name__c'])
    assert.match(sql, /^\(\(\(coalesce\(\(r\.data @> \$3::jsonb\), false\) OR /)
  })
})
