// From a Data Query's text to what zjobs runs: the metadata statements Zuora answers from
// its catalogue (SHOW TABLES, SHOW COLUMNS, DESCRIBE, SHOW FUNCTIONS), or one read-only
// SELECT, validated against an allowlist of syntax, tables, functions and types, with
// Trino's spellings rewritten to PostgreSQL's and every table pointed at the sandbox views.
// Validation is the first of several walls (see migration 0005): nothing here is trusted
// alone.
import { exposedTable } from './catalog.ts'
import { isAllowedFunction } from './functions.ts'
import { preprocessTrinoSql, rewriteTrinoCall } from './rewrites.ts'

/** A query the client must fix: the job fails with this message. */
export class QueryError extends Error {}

export type Statement =
  | { kind: 'showTables' }
  | { kind: 'showColumns'; table: string }
  | { kind: 'showFunctions' }
  | { kind: 'select'; sql: string; tables: string[]; selectsDeleted: boolean }

/** What a statement is prepared against: who submitted it (their rights) and the tenant's custom object tables. */
export interface StatementContext {
  admin: boolean
  /** The tenant's custom objects (default__<object>), resolved before the statement is rewritten. */
  customObjects?: ReadonlyMap<string, CustomTable>
  /**
   * Whether the submitter may view custom objects (Zuora's View Custom Objects, or an admin):
   * without it a statement naming a default__<object> table fails, as the records API refuses.
   */
  viewCustomObjects?: boolean
}

/** A custom object as Data Query shows it: a table standing for a subquery over the sandbox. */
export interface CustomTable {
  name: string
  apiName: string
  columns: readonly { name: string; apiName: string; type: string }[]
  /** Parse tree (SelectStmt) of the subquery that replaces the table. */
  subquery: Record<string, unknown>
}

export interface PrepareOptions {
  /**
   * The output limit: the SELECT gets LIMIT maxRows + 1 (or its own, if smaller), so a
   * runaway join stops at the limit and the extra row shows the limit was passed.
   */
  maxRows: number
}

const IDENTIFIER = String.raw`("[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)`
const METADATA: [RegExp, (match: RegExpExecArray) => Statement][] = [
  [/^SHOW\s+TABLES$/i, () => ({ kind: 'showTables' })],
  [new RegExp(String.raw`^SHOW\s+COLUMNS\s+(?:FROM|IN)\s+${IDENTIFIER}$`, 'i'), (m) => ({ kind: 'showColumns', table: unquote(m[1]) })],
  [new RegExp(String.raw`^(?:DESCRIBE|DESC)\s+${IDENTIFIER}$`, 'i'), (m) => ({ kind: 'showColumns', table: unquote(m[1]) })],
  [/^SHOW\s+FUNCTIONS$/i, () => ({ kind: 'showFunctions' })],
]

const unquote = (identifier: string) => (identifier.startsWith('"') ? identifier.slice(1, -1) : identifier).toLowerCase()

export async function prepareStatement(query: string, context: StatementContext, options: PrepareOptions): Promise<Statement> {
  const text = query.trim().replace(/;\s*$/, '').trim()
  if (text === '') throw new QueryError('The query is empty')
  for (const [pattern, statement] of METADATA) {
    const match = pattern.exec(text)
    if (match) {
      const result = statement(match)
      if (result.kind === 'showColumns') requireTable(result.table, context)
      return result
    }
  }
  return prepareSelect(text, context, options)
}

function requireTable(name: string, context: StatementContext) {
  const custom = context.customObjects?.get(name.toLowerCase())
  if (custom && !context.viewCustomObjects && !context.admin) {
    // Zuora's words for an object the user may not read (clients match "process object").
    throw new QueryError(`Query failed to process object ${custom.name}: the user does not have permission to view custom objects`)
  }
  if (custom) return { ...custom, adminOnly: false }
  const table = exposedTable(name)
  if (!table) throw new QueryError(`Table owl.data.${name} does not exist`)
  if (table.adminOnly && !context.admin) throw new QueryError(`Access denied: only administrators can query ${table.name}`)
  return table
}

type Node = Record<string, unknown>
type Tree = { version: number; stmts: { stmt: Node; stmt_len?: number; stmt_location?: number }[] }

async function parseTree(sql: string): Promise<Tree> {
  try {
    // The PostgreSQL parser (WebAssembly) is loaded by the first query, not at start.
    const { parse } = await import('libpg-query')
    return (await parse(sql)) as Tree
  } catch (error) {
    throw new QueryError(`Syntax error: ${(error as Error).message}`)
  }
}

async function prepareSelect(text: string, context: StatementContext, options: PrepareOptions): Promise<Statement> {
  const tree = await parseTree(preprocessTrinoSql(text))
  if (tree.stmts.length !== 1) throw new QueryError('A Data Query runs exactly one statement')
  const statement = tree.stmts[0].stmt
  if (!('SelectStmt' in statement)) {
    throw new QueryError(`Only SELECT statements are supported; this is ${statementName(statement)}`)
  }
  const rewriter = new Rewriter(context)
  const rewritten = limitRows(nameColumnsAsTrino(rewriter.node(statement, new Set()) as Node), options.maxRows + 1)
  let sql: string
  try {
    const { deparse } = await import('pgsql-deparser')
    sql = await deparse({ version: tree.version, stmts: [{ stmt: rewritten }] } as never)
  } catch (error) {
    throw new QueryError(`Unsupported query: ${(error as Error).message}`)
  }
  // The SQL that runs must itself be one SELECT: re-check what the deparser made.
  const check = await parseTree(sql)
  if (check.stmts.length !== 1 || !('SelectStmt' in check.stmts[0].stmt)) throw new QueryError('Unsupported query')
  return { kind: 'select', sql, tables: [...rewriter.tables], selectsDeleted: rewriter.selectsDeleted }
}

/**
 * Trino names an output column that is not a plain column reference and has no alias `_col<N>`
 * (N its 0-based position: `SELECT id, count(*)` gives id, _col1); PostgreSQL would say `count`
 * or `?column?`. The names come from the first SELECT of a set operation, as in both engines. A
 * column after a `*` keeps PostgreSQL's name: its position is not known before the query runs.
 */
function nameColumnsAsTrino(statement: Node): Node {
  let first = statement.SelectStmt as Node
  while (first.larg) first = first.larg as Node
  const targets = first.targetList as { ResTarget?: { name?: string; val?: Node } }[] | undefined
  for (const [index, target] of (targets ?? []).entries()) {
    const column = target.ResTarget?.val?.ColumnRef as { fields?: Node[] } | undefined
    if (column?.fields?.some((field) => 'A_Star' in field)) break
    if (!target.ResTarget || target.ResTarget.name !== undefined || column) continue
    target.ResTarget.name = `_col${index}`
  }
  return statement
}

/** Caps the statement's row count at `limit`, keeping a smaller LIMIT of its own. */
function limitRows(statement: Node, limit: number): Node {
  const select = statement.SelectStmt as Node
  // An integer LIMIT is an A_Const with an `ival` (empty for 0: protobuf JSON omits zeros).
  const constant = (select.limitCount as { A_Const?: { ival?: { ival?: number } } } | undefined)?.A_Const
  const own = constant?.ival ? (constant.ival.ival ?? 0) : undefined
  if (select.limitCount && own === undefined) {
    // LIMIT ALL, LIMIT NULL or an expression: wrap the statement instead.
    return {
      SelectStmt: {
        targetList: [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } }],
        fromClause: [{ RangeSubselect: { subquery: statement, alias: { aliasname: 'zjobs_limited' } } }],
        limitCount: { A_Const: { ival: { ival: limit } } },
        limitOption: 'LIMIT_OPTION_COUNT',
        op: 'SETOP_NONE',
      },
    }
  }
  const count = Math.min(own ?? limit, limit)
  return { SelectStmt: { ...select, limitCount: { A_Const: { ival: { ival: count } } }, limitOption: 'LIMIT_OPTION_COUNT' } }
}

function statementName(statement: Node): string {
  const type = Object.keys(statement)[0] ?? 'an unknown statement'
  return type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()
}

// Parse-tree node types a Data Query may contain. Anything else is refused by name.
const ALLOWED_NODES = new Set([
  'SelectStmt', 'WithClause', 'CommonTableExpr', 'ResTarget', 'ColumnRef', 'A_Star', 'A_Const', 'A_Expr',
  'BoolExpr', 'NullTest', 'BooleanTest', 'CaseExpr', 'CaseWhen', 'CoalesceExpr', 'MinMaxExpr', 'NullIfExpr',
  'SubLink', 'RowExpr', 'A_ArrayExpr', 'A_Indirection', 'A_Indices', 'SortBy', 'WindowDef', 'GroupingSet',
  'JoinExpr', 'RangeVar', 'RangeSubselect', 'RangeFunction', 'Alias', 'String', 'Integer', 'Float', 'Boolean',
  'BitString', 'List', 'TypeName', 'TypeCast', 'CollateClause', 'FuncCall', 'SQLValueFunction', 'NamedArgExpr',
  'RangeTableSample', 'SetToDefault',
])

// PostgreSQL type names (last part, lower case) a cast may name.
const ALLOWED_TYPES = new Set([
  'bool', 'boolean', 'int2', 'int4', 'int8', 'smallint', 'int', 'integer', 'bigint', 'numeric', 'decimal',
  'float4', 'float8', 'real', 'double precision', 'varchar', 'bpchar', 'char', 'text', 'date', 'time', 'timetz',
  'timestamp', 'timestamptz', 'interval', 'json', 'jsonb', 'uuid',
])
// Trino type names with a different PostgreSQL spelling.
const TYPE_REWRITES: Record<string, string> = { double: 'float8', varbinary: 'bytea', tinyint: 'int2', timestamp: 'timestamptz' }

const ALLOWED_VALUE_FUNCTIONS = new Set([
  'SVFOP_CURRENT_DATE', 'SVFOP_CURRENT_TIME', 'SVFOP_CURRENT_TIME_N', 'SVFOP_CURRENT_TIMESTAMP',
  'SVFOP_CURRENT_TIMESTAMP_N', 'SVFOP_LOCALTIME', 'SVFOP_LOCALTIME_N', 'SVFOP_LOCALTIMESTAMP', 'SVFOP_LOCALTIMESTAMP_N',
])

const stringOf = (node: unknown) => ((node as { String?: { sval?: string } }).String?.sval ?? undefined)
const str = (sval: string) => ({ String: { sval } })

/** Walks a parse tree, refusing what is not allowed and rewriting what Trino spells differently. */
class Rewriter {
  readonly #context: StatementContext
  readonly tables = new Set<string>()
  selectsDeleted = false

  constructor(context: StatementContext) {
    this.#context = context
  }

  /** `ctes`: the names of the common table expressions visible here. */
  node(value: unknown, ctes: ReadonlySet<string>): unknown {
    if (Array.isArray(value)) return value.map((item) => this.node(item, ctes))
    if (value === null || typeof value !== 'object') return value
    const entries = Object.entries(value as Node)
    const [type, body] = entries[0] ?? []
    if (entries.length !== 1 || !/^[A-Z]/.test(type)) return this.#struct(value as Node, ctes)
    // Trino's spellings first (if(), approx_distinct(), GREATEST's NULL rule...): the
    // replacement is then checked like anything the client wrote.
    const replacement = rewriteTrinoCall(value as Node)
    if (replacement) return this.node(replacement, ctes)
    if (!ALLOWED_NODES.has(type)) throw new QueryError(refusal(type))
    const visit = this.#visitors[type]
    return visit ? visit(body as Node, ctes) : { [type]: this.node(body, ctes) }
  }

  /**
   * A node's fields. Some children come unwrapped (a cast's `typeName`, an `alias`, a
   * `withClause`): they are checked here, by field name.
   */
  #struct(struct: Node, ctes: ReadonlySet<string>): Node {
    const out: Node = {}
    for (const [key, field] of Object.entries(struct)) {
      if (key === 'typeName' && field && typeof field === 'object') out[key] = this.#typeName(field as Node, ctes)
      else if (key === 'aliasname' || key === 'ctename') out[key] = String(field).toLowerCase()
      else out[key] = this.node(field, ctes)
    }
    return out
  }

  #typeName(body: Node, ctes: ReadonlySet<string>): Node {
    const parts = (body.names as unknown[]).map((part) => String(stringOf(part)).toLowerCase())
    const last = parts[parts.length - 1]
    const target = TYPE_REWRITES[last] ?? last
    if (!ALLOWED_TYPES.has(target) || (parts.length > 1 && parts[0] !== 'pg_catalog') || body.setof) {
      throw new QueryError(`Unknown type: ${parts.join('.')}`)
    }
    const names = target === last ? parts.map(str) : [str('pg_catalog'), str(target)]
    return { ...this.#struct({ ...body, names: undefined }, ctes), names }
  }

  readonly #visitors: Record<string, (body: Node, ctes: ReadonlySet<string>) => unknown> = {
    SelectStmt: (body, ctes) => {
      if (body.intoClause) throw new QueryError('SELECT INTO is not supported: a Data Query cannot create tables')
      if (body.lockingClause) throw new QueryError('Row locks (FOR UPDATE, FOR SHARE) are not supported')
      // A WITH clause's names are visible in its statement (its own CTEs included, for RECURSIVE).
      const withClause = body.withClause as { ctes?: { CommonTableExpr: { ctename: string } }[] } | undefined
      const visible = new Set(ctes)
      for (const cte of withClause?.ctes ?? []) visible.add(cte.CommonTableExpr.ctename.toLowerCase())
      // The CTEs first: a data-modifying one is refused as such.
      const rewrittenWith = withClause && this.#struct(withClause as Node, visible)
      const { withClause: _omitted, ...rest } = body
      return { SelectStmt: { ...this.#struct(rest, visible), ...(rewrittenWith ? { withClause: rewrittenWith } : {}) } }
    },
    CommonTableExpr: (body, ctes) => {
      const query = body.ctequery as Node
      if (!('SelectStmt' in query)) {
        throw new QueryError(`Data-modifying statements are not allowed, also inside WITH (${statementName(query)})`)
      }
      return { CommonTableExpr: this.#struct(body, ctes) }
    },
    RangeVar: (body, ctes) => {
      const name = String(body.relname).toLowerCase()
      const alias = body.alias && this.#struct(body.alias as Node, ctes)
      if (body.catalogname || body.schemaname) {
        const qualified = [body.catalogname, body.schemaname, body.relname].filter(Boolean).join('.')
        throw new QueryError(`Table ${String(qualified).toLowerCase()} does not exist`)
      }
      if (ctes.has(name)) return { RangeVar: { ...body, relname: name, ...(alias ? { alias } : {}) } }
      const table = requireTable(name, this.#context)
      this.tables.add(table.name)
      // A custom object: its subquery (made by zjobs, so not walked) under the table's name.
      if ('subquery' in table) {
        return { RangeSubselect: { subquery: structuredClone(table.subquery), alias: alias ?? { aliasname: name } } }
      }
      return { RangeVar: { ...body, schemaname: 'dataquery', relname: table.name, ...(alias ? { alias } : {}) } }
    },
    RangeFunction: (body, ctes) => {
      // `FROM user` parses as the SQL function USER: Zuora means its user table.
      const functions = body.functions as { List: { items: Node[] } }[]
      const only = functions?.length === 1 ? functions[0].List.items[0] : undefined
      const valueFunction = only && (only.SQLValueFunction as { op?: string } | undefined)
      if (valueFunction?.op === 'SVFOP_USER' && !body.lateral && !body.ordinality) {
        return this.node({ RangeVar: { relname: 'user', inh: true, relpersistence: 'p', alias: body.alias } }, ctes)
      }
      return { RangeFunction: this.node(body, ctes) }
    },
    FuncCall: (body, ctes) => {
      const parts = (body.funcname as unknown[]).map((part) => String(stringOf(part)).toLowerCase())
      const name = parts[parts.length - 1]
      const schema = parts.length > 1 ? parts[parts.length - 2] : undefined
      if (parts.length > 2 || !isAllowedFunction(name, schema)) throw new QueryError(`Function '${parts.join('.')}' not registered`)
      return { FuncCall: { ...(this.node(body, ctes) as Node), funcname: parts.map(str) } }
    },
    SQLValueFunction: (body) => {
      if (!ALLOWED_VALUE_FUNCTIONS.has(String(body.op))) {
        const name = String(body.op).replace(/^SVFOP_/, '').replace(/_N$/, '').toLowerCase()
        throw new QueryError(`Function '${name}' not registered`)
      }
      return { SQLValueFunction: body }
    },
    TypeName: (body, ctes) => ({ TypeName: this.#typeName(body, ctes) }),
    // Identifiers: Trino's are case-insensitive, quoted or not.
    String: (body) => ({ String: { sval: String(body.sval).toLowerCase() } }),
    ColumnRef: (body, ctes) => {
      const ref = this.#struct(body, ctes)
      const fields = ref.fields as unknown[]
      if (stringOf(fields[fields.length - 1]) === 'deleted') this.selectsDeleted = true
      return { ColumnRef: ref }
    },
    ResTarget: (body, ctes) => ({
      ResTarget: { ...this.#struct(body, ctes), ...(body.name ? { name: String(body.name).toLowerCase() } : {}) },
    }),
  }
}

function refusal(type: string): string {
  if (/Stmt$/.test(type)) return `Only SELECT statements are supported (found ${statementName({ [type]: {} })})`
  if (type === 'ParamRef') return 'Query parameters ($1) are not supported'
  return `Unsupported SQL construct: ${type}`
}
