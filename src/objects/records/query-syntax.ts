// The `q` parameter of GET /objects/records: Zuora's query syntax (Lucene-like).
//
//   query   := or
//   or      := and (("OR" | "||") and)*
//   and     := unary (("AND" | "&&") unary)*
//   unary   := ("NOT" | "!") unary | "(" or ")" | term
//   term    := "_exists_:" field | field ":" [ "<" | "<=" | ">" | ">=" ] value
//   value   := '"' phrase '"' | word          (a backslash escapes the next character)
//
// Operators are upper case only. Two terms with no operator between them are refused
// rather than guessed (Lucene would OR them). This file only parses: filter.ts
// turns the tree into SQL with every value a parameter.

export type Comparison = '=' | '<' | '<=' | '>' | '>='

export type QueryNode =
  | { kind: 'and' | 'or'; left: QueryNode; right: QueryNode }
  | { kind: 'not'; node: QueryNode }
  | { kind: 'exists'; field: string }
  | { kind: 'compare'; field: string; op: Comparison; value: string }

/** A `q` the client must fix. */
export class QuerySyntaxError extends Error {}

const FIELD = /[A-Za-z0-9_]/
const SPACE = /\s/

export function parseQuery(text: string): QueryNode | undefined {
  const parser = new Parser(text)
  parser.skipSpace()
  if (parser.atEnd()) return undefined
  const node = parser.or()
  parser.skipSpace()
  if (!parser.atEnd()) parser.fail(`expected AND, OR or the end of the query`)
  return node
}

class Parser {
  readonly text: string
  pos = 0

  constructor(text: string) {
    this.text = text
  }

  atEnd(): boolean {
    return this.pos >= this.text.length
  }

  fail(message: string): never {
    throw new QuerySyntaxError(`Invalid query at position ${this.pos + 1}: ${message}`)
  }

  skipSpace(): void {
    while (!this.atEnd() && SPACE.test(this.text[this.pos])) this.pos++
  }

  /** Consumes `symbol`, or the keyword `word` when it stands alone; true if it did. */
  operator(symbol: string, word: string): boolean {
    this.skipSpace()
    if (this.text.startsWith(symbol, this.pos)) {
      this.pos += symbol.length
      return true
    }
    return this.keyword(word)
  }

  /** Consumes the upper-case keyword `word` if it stands alone here. */
  keyword(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false
    const next = this.text[this.pos + word.length]
    if (next !== undefined && !SPACE.test(next) && next !== '(' && next !== '!') return false
    this.pos += word.length
    return true
  }

  or(): QueryNode {
    let node = this.and()
    while (this.operator('||', 'OR')) node = { kind: 'or', left: node, right: this.and() }
    return node
  }

  and(): QueryNode {
    let node = this.unary()
    while (this.operator('&&', 'AND')) node = { kind: 'and', left: node, right: this.unary() }
    return node
  }

  unary(): QueryNode {
    this.skipSpace()
    if (this.atEnd()) this.fail('expected a term')
    if (this.text[this.pos] === '!') {
      this.pos++
      return { kind: 'not', node: this.unary() }
    }
    if (this.keyword('NOT')) return { kind: 'not', node: this.unary() }
    if (this.text[this.pos] === '(') {
      this.pos++
      const node = this.or()
      this.skipSpace()
      if (this.text[this.pos] !== ')') this.fail('expected )')
      this.pos++
      return node
    }
    return this.term()
  }

  term(): QueryNode {
    const field = this.name()
    if (this.text[this.pos] !== ':') this.fail(`expected : after ${field}`)
    this.pos++
    if (field === '_exists_') return { kind: 'exists', field: this.name() }
    let op: Comparison = '='
    for (const candidate of ['<=', '>=', '<', '>'] as const) {
      if (this.text.startsWith(candidate, this.pos)) {
        op = candidate
        this.pos += candidate.length
        break
      }
    }
    return { kind: 'compare', field, op, value: this.value() }
  }

  name(): string {
    const start = this.pos
    while (!this.atEnd() && FIELD.test(this.text[this.pos])) this.pos++
    if (this.pos === start) this.fail('expected a field name')
    return this.text.slice(start, this.pos)
  }

  value(): string {
    let value = ''
    if (this.text[this.pos] === '"') {
      this.pos++
      for (;;) {
        if (this.atEnd()) this.fail('unterminated phrase: a " is missing')
        const char = this.text[this.pos++]
        if (char === '"') return value
        if (char === '\\') {
          if (this.atEnd()) this.fail('nothing to escape after \\')
          value += this.text[this.pos++]
        } else value += char
      }
    }
    while (!this.atEnd() && !SPACE.test(this.text[this.pos]) && this.text[this.pos] !== ')') {
      const char = this.text[this.pos++]
      if (char === '\\') {
        if (this.atEnd()) this.fail('nothing to escape after \\')
        value += this.text[this.pos++]
      } else value += char
    }
    if (value === '') this.fail('expected a value')
    return value
  }
}
