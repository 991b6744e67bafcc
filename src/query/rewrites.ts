// Trino spellings that cannot be SQL functions in PostgreSQL, rewritten on libpg-query
// (PostgreSQL 17) parse trees before the query runs. Pure functions: a node in, a new node
// out, nothing shared. The SQL engine calls rewriteTrinoCall on each node it walks (and
// walks the replacement again: no replacement matches a rule itself, so this ends), or
// rewriteTrinoCalls on a whole tree; preprocessTrinoSql fixes, before parsing, the two
// spellings PostgreSQL cannot even parse (try_cast, f(x)[i]). docs/data-query.md lists them.

export type ParseNode = Record<string, unknown>

interface FuncCallBody {
  funcname: ParseNode[]
  args?: ParseNode[]
  agg_order?: ParseNode[]
  agg_filter?: ParseNode
  agg_within_group?: boolean
  agg_star?: boolean
  agg_distinct?: boolean
  func_variadic?: boolean
  over?: ParseNode
  funcformat?: string
  location?: number
}

// Trino's extract fields, as the dataquery function computing each (bigint, ISO weeks and
// weekdays, whole seconds). Other fields (epoch...) stay PostgreSQL's.
const EXTRACT_FIELDS: Record<string, string> = {
  year: 'year',
  quarter: 'quarter',
  month: 'month',
  week: 'week',
  day: 'day',
  day_of_month: 'day',
  day_of_week: 'day_of_week',
  dow: 'day_of_week',
  day_of_year: 'day_of_year',
  doy: 'day_of_year',
  year_of_week: 'year_of_week',
  yow: 'year_of_week',
  hour: 'hour',
  minute: 'minute',
  second: 'second',
  timezone_hour: 'timezone_hour',
  timezone_minute: 'timezone_minute',
}

// TRIM(x), TRIM(LEADING FROM x), TRIM(TRAILING FROM x): Java whitespace, not just spaces.
const TRIM_FUNCTIONS: Record<string, string> = { btrim: 'trim', ltrim: 'ltrim', rtrim: 'rtrim' }

const str = (sval: string): ParseNode => ({ String: { sval } })
const stringConst = (sval: string): ParseNode => ({ A_Const: { sval: { sval } } })
const intConst = (ival: number): ParseNode => ({ A_Const: { ival: ival === 0 ? {} : { ival } } })

function call(name: string[], args: ParseNode[], extra: Partial<FuncCallBody> = {}): ParseNode {
  return { FuncCall: { funcname: name.map(str), args, funcformat: 'COERCE_EXPLICIT_CALL', ...extra } }
}

function typeName(names: string[]): ParseNode {
  return { names: names.map(str), typemod: -1 }
}

function nameOf(body: FuncCallBody): string[] {
  return body.funcname.map((part) => String((part as { String?: { sval?: string } }).String?.sval ?? '').toLowerCase())
}

/** The text of a string constant node, or undefined. */
function constString(node: ParseNode | undefined): string | undefined {
  const constant = node?.A_Const as { sval?: { sval?: string } } | undefined
  return constant?.sval?.sval
}

/** Aggregate decorations (FILTER, OVER) a rewritten aggregate call keeps. */
function aggregateExtras(body: FuncCallBody): Partial<FuncCallBody> {
  return {
    ...(body.agg_filter ? { agg_filter: body.agg_filter } : {}),
    ...(body.over ? { over: body.over } : {}),
  }
}

function and(left: ParseNode | undefined, right: ParseNode): ParseNode {
  return left ? { BoolExpr: { boolop: 'AND_EXPR', args: [left, right] } } : right
}

type Rule = (body: FuncCallBody, args: ParseNode[]) => ParseNode | undefined

const plain = (body: FuncCallBody) =>
  !body.agg_star && !body.agg_distinct && !body.agg_order && !body.agg_filter && !body.over && !body.func_variadic

/** Rewrites of calls by (unqualified) name; each answers undefined for forms it does not know. */
const CALL_RULES: Record<string, Rule> = {
  // if(c, a[, b]) → CASE WHEN c THEN a [ELSE b] END
  if: (body, args) => {
    if (!plain(body) || args.length < 2 || args.length > 3) return undefined
    const [condition, then, otherwise] = args
    return {
      CaseExpr: { args: [{ CaseWhen: { expr: condition, result: then } }], ...(otherwise ? { defresult: otherwise } : {}) },
    }
  },
  // try(x) → x: PostgreSQL cannot catch errors in an expression, so errors still fail the query.
  try: (body, args) => (plain(body) && args.length === 1 ? args[0] : undefined),
  // approx_distinct(x[, e]) → count(DISTINCT x): exact, where Trino estimates.
  approx_distinct: (body, args) => {
    if (body.agg_distinct || body.agg_order || args.length < 1 || args.length > 2) return undefined
    return call(['count'], [args[0]], { agg_distinct: true, ...aggregateExtras(body) })
  },
  // approx_percentile(x, p) → percentile_disc(p) WITHIN GROUP (ORDER BY x); p may be an array.
  approx_percentile: (body, args) => {
    if (body.agg_distinct || body.agg_order || body.over || args.length !== 2) return undefined
    const [value, percentage] = args
    return call(['percentile_disc'], [percentage], {
      agg_within_group: true,
      agg_order: [sortBy(value, 'SORTBY_DEFAULT')],
      ...aggregateExtras(body),
    })
  },
  // max_by(x, y[, n]) → (array_agg(x ORDER BY y DESC) FILTER (WHERE y IS NOT NULL))[1] (or [1:n])
  max_by: (body, args) => byRewrite(body, args, 'SORTBY_DESC'),
  min_by: (body, args) => byRewrite(body, args, 'SORTBY_ASC'),
  // try_cast(CAST(x AS t)) (preprocessTrinoSql's form of try_cast(x AS t))
  //   → CAST(dataquery.valid_input(CAST(x AS text), 't') AS t)
  try_cast: (body, args) => {
    const cast = args.length === 1 && plain(body) ? (args[0].TypeCast as { arg: ParseNode; typeName: ParseNode } | undefined) : undefined
    if (!cast) return undefined
    const asText: ParseNode = { TypeCast: { arg: cast.arg, typeName: typeName(['text']) } }
    return {
      TypeCast: {
        arg: call(['dataquery', 'valid_input'], [asText, stringConst(typeNameText(cast.typeName))]),
        typeName: cast.typeName,
      },
    }
  },
}

function sortBy(node: ParseNode, direction: string): ParseNode {
  return { SortBy: { node, sortby_dir: direction, sortby_nulls: 'SORTBY_NULLS_DEFAULT' } }
}

function byRewrite(body: FuncCallBody, args: ParseNode[], direction: string): ParseNode | undefined {
  if (body.agg_distinct || body.agg_order || body.over || args.length < 2 || args.length > 3) return undefined
  const [value, key, count] = args
  const notNull: ParseNode = { NullTest: { arg: key, nulltesttype: 'IS_NOT_NULL' } }
  const aggregate = call(['array_agg'], [value], { agg_order: [sortBy(key, direction)], agg_filter: and(body.agg_filter, notNull) })
  const index = count
    ? { A_Indices: { is_slice: true, lidx: intConst(1), uidx: count } }
    : { A_Indices: { uidx: intConst(1) } }
  return { A_Indirection: { arg: aggregate, indirection: [index] } }
}

/** A TypeName as text PostgreSQL's type input understands: `numeric(18,6)`, `double precision`. */
function typeNameText(node: ParseNode): string {
  const type = node as { names?: ParseNode[]; typmods?: ParseNode[]; arrayBounds?: unknown[] }
  const names = (type.names ?? []).map((part) => String((part as { String?: { sval?: string } }).String?.sval ?? ''))
  const base = names.filter((name, index) => !(index === 0 && names.length > 1 && name === 'pg_catalog')).join('.')
  const PG_NAMES: Record<string, string> = {
    int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision', bool: 'boolean',
    bpchar: 'character', timestamptz: 'timestamp with time zone', timestamp: 'timestamp without time zone',
    timetz: 'time with time zone', time: 'time without time zone',
    // Trino's names, for the text only (the engine renames the cast's own type).
    double: 'double precision', tinyint: 'smallint', varbinary: 'bytea',
  }
  const name = PG_NAMES[base] ?? base
  // Precision does not change what is valid input for times and intervals: left out.
  const modifiers = /^(time|interval)/.test(name)
    ? []
    : (type.typmods ?? []).map((mod) => String((mod.A_Const as { ival?: { ival?: number } } | undefined)?.ival?.ival ?? 0))
  const arrays = (type.arrayBounds ?? []).map(() => '[]').join('')
  return `${name}${modifiers.length > 0 ? `(${modifiers.join(',')})` : ''}${arrays}`
}

function rewriteFuncCall(body: FuncCallBody): ParseNode | undefined {
  const name = nameOf(body)
  const args = body.args ?? []
  const last = name[name.length - 1]
  const systemSyntax = name.length === 2 && name[0] === 'pg_catalog' && body.funcformat === 'COERCE_SQL_SYNTAX'
  if (systemSyntax && last === 'extract' && args.length === 2) {
    const field = constString(args[0])?.toLowerCase()
    const target = field === undefined ? undefined : EXTRACT_FIELDS[field]
    return target ? call(['dataquery', target], [args[1]]) : undefined
  }
  if (systemSyntax && TRIM_FUNCTIONS[last] && args.length === 1) return call(['dataquery', TRIM_FUNCTIONS[last]], args)
  if (name.length !== 1 || !Object.hasOwn(CALL_RULES, last)) return undefined
  return CALL_RULES[last](body, args)
}

/**
 * The replacement of one parse-tree node written in Trino's dialect, or undefined when the
 * node needs none. Handles FuncCall nodes (the rules above), MinMaxExpr (GREATEST/LEAST →
 * dataquery.greatest/least, NULL when any argument is) and casts to json (CAST(x AS json)
 * → to_jsonb(x), a JSON value of x as Trino casts it; a JSON '...' literal is parsed, as jsonb).
 * Takes the node with its type key:
 * `{ FuncCall: {...} }`.
 */
export function rewriteTrinoCall(node: ParseNode): ParseNode | undefined {
  if (node.FuncCall) return rewriteFuncCall(node.FuncCall as FuncCallBody)
  const minMax = node.MinMaxExpr as { op?: string; args?: ParseNode[] } | undefined
  if (minMax) return call(['dataquery', minMax.op === 'IS_LEAST' ? 'least' : 'greatest'], minMax.args ?? [])
  // A typed literal (JSON '[1]', location -1) is JSON text, as in Trino: parsed, as jsonb
  // (zjobs' json), like every JSON value the functions take and give.
  const cast = node.TypeCast as { arg: ParseNode; typeName: ParseNode; location?: number } | undefined
  if (cast && cast.location === -1 && typeNameText(cast.typeName) === 'json') {
    return { TypeCast: { arg: cast.arg, typeName: typeName(['jsonb']) } }
  }
  if (cast && typeNameText(cast.typeName) === 'json') {
    // A string literal has no type yet: it is text (to_jsonb takes any type but unknown).
    const arg = constString(cast.arg) === undefined ? cast.arg : { TypeCast: { arg: cast.arg, typeName: typeName(['text']) } }
    return call(['to_jsonb'], [arg])
  }
  return undefined
}

/** rewriteTrinoCall applied to every node of a tree (a whole parse result, or any part). */
export function rewriteTrinoCalls<T>(tree: T): T {
  return walk(tree) as T
}

function walk(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(walk)
  if (value === null || typeof value !== 'object') return value
  const entries = Object.entries(value as ParseNode)
  if (entries.length === 1 && /^[A-Z]/.test(entries[0][0])) {
    const replacement = rewriteTrinoCall(value as ParseNode)
    if (replacement) return walk(replacement)
  }
  return Object.fromEntries(entries.map(([key, field]) => [key, walk(field)]))
}

/**
 * Two Trino spellings PostgreSQL cannot even parse, fixed in the text before parsing:
 * try_cast(x AS t) becomes try_cast(CAST(x AS t)), which parses and which rewriteTrinoCall
 * then rewrites; a subscripted call, split(s, ',')[1], becomes (split(s, ','))[1].
 * Strings, quoted identifiers, dollar quotes and comments are left alone; the text is
 * otherwise unchanged.
 */
export function preprocessTrinoSql(sql: string): string {
  const edits: { at: number; text: string }[] = []
  // Per open parenthesis: where its call's name starts (a call), and whether it is try_cast's.
  const opens: { callStart?: number; tryCast: boolean }[] = []
  let index = 0
  while (index < sql.length) {
    const skipped = skipLiteral(sql, index)
    if (skipped > index) {
      index = skipped
      continue
    }
    const char = sql[index]
    if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(index))![0]
      const after = index + word.length
      const paren = /^\s*\(/.exec(sql.slice(after))
      if (paren) {
        const before = sql.slice(0, index)
        const qualifier = /(?:[A-Za-z_][A-Za-z0-9_$]*\.)+$/.exec(before)?.[0] ?? ''
        const tryCast = word.toLowerCase() === 'try_cast' && qualifier === '' && !/["$]$/.test(before)
        const open = after + paren[0].length - 1
        if (tryCast) edits.push({ at: open + 1, text: 'CAST(' })
        opens.push({ callStart: index - qualifier.length, tryCast })
        index = open + 1
        continue
      }
      index = after
      continue
    }
    if (char === '(') opens.push({ tryCast: false })
    if (char === ')') {
      const frame = opens.pop()
      if (frame?.tryCast) edits.push({ at: index, text: ')' })
      if (frame?.callStart !== undefined && /^\s*\[/.test(sql.slice(index + 1))) {
        edits.push({ at: frame.callStart, text: '(' }, { at: index + 1, text: ')' })
      }
    }
    index += 1
  }
  let result = sql
  for (const edit of edits.sort((a, b) => b.at - a.at)) result = result.slice(0, edit.at) + edit.text + result.slice(edit.at)
  return result
}

/** The index after a string, quoted identifier, dollar-quoted string or comment at `index`, or `index`. */
function skipLiteral(sql: string, index: number): number {
  const rest = sql.slice(index)
  if (rest.startsWith('--')) {
    const end = sql.indexOf('\n', index)
    return end < 0 ? sql.length : end + 1
  }
  if (rest.startsWith('/*')) {
    const end = sql.indexOf('*/', index + 2)
    return end < 0 ? sql.length : end + 2
  }
  const quote = rest[0]
  if (quote === "'" || quote === '"') {
    // E'' strings may escape a quote with a backslash.
    const escapes = quote === "'" && /[eE]$/.test(sql.slice(0, index))
    let at = index + 1
    while (at < sql.length) {
      if (escapes && sql[at] === '\\') at += 2
      else if (sql[at] === quote && sql[at + 1] === quote) at += 2
      else if (sql[at] === quote) return at + 1
      else at += 1
    }
    return sql.length
  }
  const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)
  if (dollar && !/[\w$]$/.test(sql.slice(0, index))) {
    const end = sql.indexOf(dollar[0], index + dollar[0].length)
    return end < 0 ? sql.length : end + dollar[0].length
  }
  return index
}
