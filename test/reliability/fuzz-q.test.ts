// Fuzzing the `q` grammar of GET /objects/records (src/objects/records/query-syntax.ts, filter.ts)
// with fast-check: queries generated from the grammar over every filterable field kind (string,
// integer, number, boolean, date, date-time, the system fields), rendered with every spelling
// (AND/&&, OR/||, NOT/!, phrases, backslash escapes, parentheses, spaces), and near-valid ones
// (a character dropped, added or swapped, a field unknown or not filterable, a value of the wrong
// type). Never a 5xx; a refusal is the family's 400 in its envelope; the records of a valid query
// are those a filter computed here in JS over the same records selects, and so are those of any
// near-valid query the server takes (evaluated on the tree the server's parser makes of it).
//
// Seeded: ZJOBS_FUZZ_SEED=<n> replays a run; ZJOBS_FUZZ_RUNS=<n> scales it (default 12: 150
// valid and 150 near-valid queries).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { parseQuery, type Comparison, type QueryNode } from '../../src/objects/records/query-syntax.ts'
import { request } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { envelopeProblem, type Json } from './routes.ts'
import { suiteSeed } from '../helpers/seed.ts'

// The commit's seed (test/helpers/seed.ts: the same at every run of a commit), or ZJOBS_FUZZ_SEED's.
const { seed: SEED, source: SEED_SOURCE } = suiteSeed('fuzz-q', 'ZJOBS_FUZZ_SEED')
const RUNS = Math.max(1, Math.round((Number(process.env.ZJOBS_FUZZ_RUNS ?? 12) * 150) / 12))

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime'
const FIELDS: Record<string, Kind> = { s__c: 'string', i__c: 'integer', n__c: 'number', b__c: 'boolean', d__c: 'date', t__c: 'datetime' }
const PROPERTIES = {
  s__c: { type: 'string', label: 'S', maxLength: 200 },
  i__c: { type: 'integer', label: 'I' },
  n__c: { type: 'number', label: 'N' },
  b__c: { type: 'boolean', label: 'B' },
  d__c: { type: 'string', format: 'date', label: 'D' },
  t__c: { type: 'string', format: 'date-time', label: 'T' },
  hidden__c: { type: 'string', label: 'Not filterable' },
}

// Values close together, so that terms select some records and not others.
const STRINGS = ['a', 'A', 'a b', 'x:y', '(p)', 'q"uote', 'back\\slash', ' lead', 'AND', 'OR', 'NOT', '!', '&&', '<5', 'ümlaut', '日本', '*', 'a*', 'null']
const stringValue = fc.constantFrom(...STRINGS)
/** What a query may look for: also what no record holds (a record refuses an empty string). */
const queriedString = fc.constantFrom(...STRINGS, '', 'absent')
const integerValue = fc.integer({ min: -4, max: 4 })
const numberValue = fc.integer({ min: -400, max: 400 }).map((n) => n / 100)
const dayValue = fc.tuple(fc.constantFrom(2023, 2024), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`)
const instantValue = fc
  .tuple(dayValue, fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30, 59), fc.constantFrom('Z', '+02:00', '-05:30', '.250Z', ''))
  .map(([day, h, m, zone]) => `${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00${zone === '' ? 'Z' : zone}`)

const recordArb = fc.record(
  { s__c: stringValue, i__c: integerValue, n__c: numberValue, b__c: fc.boolean(), d__c: dayValue, t__c: instantValue, hidden__c: fc.constant('h') },
  { requiredKeys: [] },
)

interface Stored {
  Id: string
  CreatedDate: string
  data: Record<string, unknown>
}

// ---- the JS filter: Zuora's semantics as docs/custom-objects.md states them ----

class Invalid extends Error {}

type Bound = { day: string } | { instant: number }

function boundOf(value: string): Bound {
  let match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value)
  if (match) {
    const day = `${match[1]}-${match[2] ?? '01'}-${match[3] ?? '01'}`
    const time = Date.parse(`${day}T00:00:00Z`)
    if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day) throw new Invalid(value)
    return { day }
  }
  if (/^-?\d+$/.test(value)) {
    const time = new Date(Number(value)).getTime()
    if (Number.isNaN(time)) throw new Invalid(value)
    return { instant: time }
  }
  const instant = instantOf(value)
  if (instant === undefined) throw new Invalid(value)
  return { instant }
}

function instantOf(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value)
  if (!match) return undefined
  const zone = (match[8] ?? 'Z').toUpperCase() === 'Z' ? 'Z' : `${match[8].slice(0, 3)}:${match[8].slice(-2)}`
  const day = `${match[1]}-${match[2]}-${match[3]}`
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6] ?? 0) > 59) return undefined
  const probe = Date.parse(`${day}T00:00:00Z`)
  if (Number.isNaN(probe) || new Date(probe).toISOString().slice(0, 10) !== day) return undefined
  const time = Date.parse(`${day}T${match[4]}:${match[5]}:${match[6] ?? '00'}${(match[7] ?? '.000').slice(0, 4).padEnd(4, '0')}${zone}`)
  return Number.isNaN(time) ? undefined : time
}

const cmp = (a: number | string, op: Comparison, b: number | string) =>
  op === '=' ? a === b : op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b

/** Exact decimal comparison of two decimal texts (the records keep numbers exact). */
function decimalOf(text: string): { sign: number; digits: string; scale: number } | undefined {
  const match = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim())
  if (!match || (!match[2] && !match[3])) return undefined
  const exponent = Number(match[4] ?? 0)
  if (Math.abs(exponent) > 400) return undefined
  return { sign: match[1] === '-' ? -1 : 1, digits: `${match[2] ?? ''}${match[3] ?? ''}`, scale: (match[3] ?? '').length - exponent }
}
function compareDecimal(a: string, b: string): number {
  const x = decimalOf(a)!
  const y = decimalOf(b)!
  const scale = Math.max(x.scale, y.scale, 0)
  const big = (d: NonNullable<ReturnType<typeof decimalOf>>) => {
    const shift = scale - d.scale
    const unscaled = BigInt(d.digits || '0') * 10n ** BigInt(Math.max(0, shift))
    return BigInt(d.sign) * unscaled
  }
  // Scales below zero (positive exponents) are taken care of by shifting both up.
  const [bx, by] = [big(x), big(y)]
  return bx === by ? 0 : bx < by ? -1 : 1
}

function matches(node: QueryNode, record: Stored): boolean {
  switch (node.kind) {
    case 'and':
      return matches(node.left, record) && matches(node.right, record)
    case 'or':
      return matches(node.left, record) || matches(node.right, record)
    case 'not':
      return !matches(node.node, record)
    case 'exists':
      if (['Id', 'CreatedDate', 'UpdatedDate', 'CreatedById', 'UpdatedById'].includes(node.field)) return true
      fieldKind(node.field)
      return record.data[node.field] !== undefined && record.data[node.field] !== null
    case 'compare':
      return compare(node.field, node.op, node.value, record)
  }
}

function fieldKind(name: string): Kind {
  const kind = FIELDS[name]
  if (!kind) throw new Invalid(`field ${name}`)
  return kind
}

function compare(name: string, op: Comparison, value: string, record: Stored): boolean {
  if (name === 'Id') {
    if (op !== '=' || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value)) throw new Invalid(value)
    return record.Id.replaceAll('-', '') === value.replaceAll('-', '').toLowerCase()
  }
  if (name === 'CreatedDate') {
    const bound = boundOf(value)
    const created = Date.parse(record.CreatedDate)
    return 'day' in bound ? cmp(new Date(created).toISOString().slice(0, 10), op, bound.day) : cmp(created, op, bound.instant)
  }
  const kind = fieldKind(name)
  const stored = record.data[name]
  switch (kind) {
    case 'integer':
    case 'number': {
      if (!decimalOf(value)) throw new Invalid(value)
      if (stored === undefined || stored === null) return false
      return cmp(compareDecimal(String(stored), value), op, 0)
    }
    case 'boolean': {
      if (op !== '=' || !['true', 'false'].includes(value.toLowerCase())) throw new Invalid(value)
      return stored !== undefined && stored === (value.toLowerCase() === 'true')
    }
    case 'string': {
      if (op !== '=') throw new Invalid(op)
      return stored === value
    }
    case 'date':
    case 'datetime': {
      const bound = boundOf(value)
      if (stored === undefined || stored === null) return false
      if (kind === 'date') {
        const day = String(stored)
        return 'day' in bound ? cmp(day, op, bound.day) : cmp(Date.parse(`${day}T00:00:00Z`), op, bound.instant)
      }
      const time = Date.parse(String(stored))
      return 'day' in bound ? cmp(new Date(time).toISOString().slice(0, 10), op, bound.day) : cmp(time, op, bound.instant)
    }
  }
}

// ---- queries from the grammar ----

/** A value as q text: a phrase (\" and \\ escaped) or a word (every other character escaped). */
const rendered = (value: string, style: 'phrase' | 'word') =>
  style === 'phrase' || value === '' ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : value.replace(/[^A-Za-z0-9_.\-+]|^[<>]/g, (c) => `\\${c}`)

function termArb(ids: string[]): fc.Arbitrary<{ node: QueryNode; text: string }> {
  const op = fc.constantFrom<Comparison>('=', '<', '<=', '>', '>=')
  const style = fc.constantFrom<'phrase' | 'word'>('phrase', 'word', 'word')
  const compareTerm = (field: string, ops: fc.Arbitrary<Comparison>, values: fc.Arbitrary<string>) =>
    fc.tuple(ops, values, style).map(([o, v, s]) => ({ node: { kind: 'compare', field, op: o, value: v } as QueryNode, text: `${field}:${o === '=' ? '' : o}${rendered(v, s)}` }))
  const dateBound = fc.oneof(
    dayValue,
    dayValue.map((day) => day.slice(0, 7)),
    dayValue.map((day) => day.slice(0, 4)),
    instantValue,
    instantValue.map((instant) => String(Date.parse(instant))),
  )
  return fc.oneof(
    compareTerm('s__c', fc.constant('='), queriedString),
    compareTerm('i__c', op, fc.oneof(integerValue.map(String), numberValue.map(String), fc.constantFrom('+2', '2.0', '-0', '1e0', '.5', '4.'))),
    compareTerm('n__c', op, fc.oneof(numberValue.map(String), integerValue.map(String), fc.constantFrom('1.50', '-3.999', '2e-2', '0.0'))),
    compareTerm('b__c', fc.constant('='), fc.constantFrom('true', 'false', 'TRUE', 'False')),
    compareTerm('d__c', op, dateBound),
    compareTerm('t__c', op, dateBound),
    compareTerm('CreatedDate', op, fc.constantFrom('2000', '2999-01-01', '2000-01-01T00:00:00Z')),
    ids.length > 0 ? compareTerm('Id', fc.constant('='), fc.constantFrom(...ids).chain((id) => fc.constantFrom(id, id.replaceAll('-', ''), id.toUpperCase()))) : compareTerm('s__c', fc.constant('='), stringValue),
    fc.constantFrom(...Object.keys(FIELDS), 'Id').map((field) => ({ node: { kind: 'exists', field } as QueryNode, text: `_exists_:${field}` })),
  )
}

const space = fc.constantFrom(' ', ' ', '  ', '\t', ' \n ')

function queryArb(ids: string[]): fc.Arbitrary<{ node: QueryNode; text: string }> {
  const { tree } = fc.letrec<{ tree: { node: QueryNode; text: string } }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 3, arbitrary: termArb(ids) },
      {
        weight: 2,
        arbitrary: fc.tuple(tie('tree'), tie('tree'), fc.constantFrom('AND', '&&', 'OR', '||'), space, space).map(([left, right, op, s1, s2]) => {
          const kind = op === 'AND' || op === '&&' ? 'and' : 'or'
          // Parenthesized children keep the tree's shape whatever the precedence.
          return { node: { kind, left: left.node, right: right.node } as QueryNode, text: `(${left.text})${s1}${op}${s2}(${right.text})` }
        }),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(tie('tree'), fc.constantFrom('NOT ', '!', 'NOT  ', '! ')).map(([inner, not]) => ({ node: { kind: 'not', node: inner.node } as QueryNode, text: `${not}(${inner.text})` })),
      },
    ),
  }))
  // Parentheses the precedence makes unnecessary are dropped where safe: a lone term needs none.
  return tree.map(({ node, text }) => ({ node, text: text.replace(/\(([A-Za-z_]+:[^()\s"\\]*)\)/g, '$1') }))
}

/** A valid query made a little wrong. */
function nearValidArb(ids: string[]): fc.Arbitrary<string> {
  const junk = fc.constantFrom('(', ')', ':', '"', '\\', '!', '&', '|', '<', '>', '=', ' ', 'AND', 'OR', 'NOT', 'and', '*', '?', '~', '^', '[', ']', '{', '}', '\u0000', '\ud800', '\u200b', 'é')
  return fc.tuple(queryArb(ids), fc.nat(), fc.nat(), junk, fc.constantFrom('drop', 'insert', 'replace', 'field', 'value', 'lower', 'truncate')).map(([{ text }, a, b, j, how]) => {
    const at = text.length === 0 ? 0 : a % text.length
    switch (how) {
      case 'drop':
        return text.slice(0, at) + text.slice(at + 1)
      case 'insert':
        return text.slice(0, at) + j + text.slice(at)
      case 'replace':
        return text.slice(0, at) + j + text.slice(at + 1)
      case 'field':
        return text.replace(/[A-Za-z_]+__c/, ['hidden__c', 'nope__c', 'S__C', 'Id__c'][b % 4])
      case 'value':
        return text.replace(/:(<=|>=|<|>)?("(?:[^"\\]|\\.)*"|(?:[^\s()\\]|\\.)+)/, (_m, op) => `:${op ?? ''}${['abc', '2024-13-45', '1e999', '--1', '"', '9999999999999999999999999', '2024-02-30', 'tru'][b % 8]}`)
      case 'lower':
        return text.replace(/\b(AND|OR|NOT)\b/, (word) => word.toLowerCase())
      default:
        return text.slice(0, at)
    }
  })
}

/** Percent-encoded UTF-8, a lone surrogate as the three bytes a careless encoder writes for it. */
const encodeQuery = (text: string) =>
  text
    .split(/([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/)
    .map((part, index) => {
      if (index % 2 === 0) return encodeURIComponent(part)
      const code = part.charCodeAt(0)
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('')
    })
    .join('')

describe('fuzzing the records q grammar', () => {
  let server: TestServer
  let token: string
  let records: Stored[] = []

  const list = (q: string) =>
    request(`${server.url}/objects/records/default/Thing?pageSize=1000&q=${encodeQuery(q)}`, { headers: { authorization: `Bearer ${token}` } })

  before(async () => {
    console.log(`# fuzz-q seed ${SEED} from ${SEED_SOURCE} (ZJOBS_FUZZ_SEED=${SEED} replays it), ${RUNS} valid and ${RUNS} near-valid queries`)
    server = await startTestServer({}, { workers: 'none' })
    token = await server.token()
    const api = async (method: string, path: string, body: unknown) => {
      const response = await request(`${server.url}${path}`, { method, body, headers: { authorization: `Bearer ${token}` } })
      assert.ok(response.status < 300, response.text)
      return response.json()
    }
    await api('POST', '/objects/definitions/default', {
      definitions: { Thing: { object: 'Thing', label: 'Thing', properties: PROPERTIES, filterable: Object.keys(FIELDS) } },
    })
    const sent = fc.sample(recordArb, { seed: SEED, numRuns: 60 })
    for (let start = 0; start < sent.length; start += 30) {
      const created = await api('POST', '/objects/records/default/Thing', { records: sent.slice(start, start + 30) })
      assert.equal(created.records.length, Math.min(30, sent.length - start))
    }
    const all = await api('GET', '/objects/records/default/Thing?pageSize=1000', undefined)
    assert.equal(all.records.length, sent.length)
    records = all.records.map((record: Json) => {
      const data: Record<string, unknown> = {}
      for (const name of Object.keys(PROPERTIES)) if (record[name] !== undefined && record[name] !== null) data[name] = record[name]
      return { Id: record.Id, CreatedDate: record.CreatedDate, data }
    })
  })
  after(() => server?.close())

  const expected = (node: QueryNode) => records.filter((record) => matches(node, record)).map((record) => record.Id).sort()

  test('a valid query selects what the JS filter selects', async () => {
    let hits = 0
    await fc.assert(
      fc.asyncProperty(queryArb(records.map((record) => record.Id)), async ({ node, text }) => {
        const response = await list(text)
        assert.equal(envelopeProblem('/objects/records/default/Thing', response), undefined, `${text}: ${response.status} ${response.text}`)
        assert.equal(response.status, 200, `${text}: ${response.text}`)
        // The server's parser makes the tree the query was built from.
        assert.deepEqual(parseQuery(text), node, text)
        const got = response.json()
        const want = expected(node)
        assert.deepEqual(got.records.map((record: Json) => record.Id).sort(), want, `q=${text}`)
        assert.equal(got.count, want.length)
        if (want.length > 0 && want.length < records.length) hits += 1
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
    console.log(`# fuzz-q: ${RUNS} valid queries over ${records.length} records, ${hits} selecting some but not all`)
    assert.ok(hits > RUNS / 10, 'the generated queries discriminate')
  })

  test('a near-valid query: never a 5xx, a refusal in the envelope, a query taken selects what the JS filter selects', async () => {
    let refused = 0
    await fc.assert(
      fc.asyncProperty(nearValidArb(records.map((record) => record.Id)), async (text) => {
        const response = await list(text)
        assert.equal(envelopeProblem('/objects/records/default/Thing', response), undefined, `${JSON.stringify(text)}: ${response.status} ${response.text}`)
        if (response.status !== 200) {
          assert.equal(response.status, 400, `${JSON.stringify(text)}: ${response.text}`)
          refused += 1
          return
        }
        const node = parseQuery(text)
        let want: string[]
        try {
          want = node ? expected(node) : records.map((record) => record.Id).sort()
        } catch (error) {
          if (error instanceof Invalid) assert.fail(`${JSON.stringify(text)} was taken, but its ${error.message} is not valid`)
          throw error
        }
        assert.deepEqual(response.json().records.map((record: Json) => record.Id).sort(), want, `q=${JSON.stringify(text)}`)
      }),
      { seed: SEED + 1, numRuns: RUNS, endOnFailure: true },
    )
    console.log(`# fuzz-q: ${RUNS} near-valid queries, ${refused} refused`)
  })
})
