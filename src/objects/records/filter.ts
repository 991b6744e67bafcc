// Record filters as SQL: a parsed `q` (query-syntax.ts) or a bulk delete job's conditions,
// over filterable fields only. Every value is a parameter; field names reach the SQL only as
// parameters too (jsonb keys), or as fixed system columns.
//
// Zuora's null rule: a term on a missing or null field is false, and NOT of it is true
// (`!status:active` matches records without a status), hence coalesce(term, false).
import { coError, CoCategory, Resource } from '../errors.ts'
import { rawNumber } from '../exact-json.ts'
import type { Field } from '../definitions/field-types.ts'
import { parseDecimal, formatDecimal } from '../decimal.ts'
import type { RecordFilter } from './store.ts'
import type { RecordSchema } from './values.ts'
import { parseQuery, QuerySyntaxError, type Comparison, type QueryNode } from './query-syntax.ts'
import { convertCsv, parseDateTime } from '../definitions/field-values.ts'

/** A filter the client must fix: 400 with `resource` (record query parameters, or a job filter). */
export class FilterError extends Error {
  readonly unknownField: boolean
  constructor(message: string, unknownField = false) {
    super(message)
    this.unknownField = unknownField
  }
}

const SYSTEM_COLUMNS: Record<string, { column: string; kind: 'id' | 'user' | 'date' }> = {
  Id: { column: 'r.id', kind: 'id' },
  CreatedById: { column: 'r.created_by', kind: 'user' },
  UpdatedById: { column: 'r.updated_by', kind: 'user' },
  CreatedDate: { column: 'r.created_at', kind: 'date' },
  UpdatedDate: { column: 'r.updated_at', kind: 'date' },
}

/** A date bound: a calendar day (YYYY, YYYY-MM, YYYY-MM-DD: the first day) or an instant. */
type Bound = { day: string } | { instant: string }

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

export class FilterBuilder {
  readonly #schema: RecordSchema
  readonly #firstParam: number
  readonly params: unknown[] = []

  /** `firstParam`: the number of the first parameter the filter may use ($3 in the records store). */
  constructor(schema: RecordSchema, firstParam = 3) {
    this.#schema = schema
    this.#firstParam = firstParam
  }

  param(value: unknown, cast: string): string {
    this.params.push(value)
    return `$${this.#firstParam + this.params.length - 1}::${cast}`
  }

  node(node: QueryNode): string {
    switch (node.kind) {
      case 'and':
      case 'or':
        return `(${this.node(node.left)} ${node.kind.toUpperCase()} ${this.node(node.right)})`
      case 'not':
        return `(NOT ${this.node(node.node)})`
      case 'exists':
        return this.exists(node.field)
      case 'compare':
        return `coalesce(${this.compare(node.field, node.op, node.value)}, false)`
    }
  }

  exists(name: string): string {
    if (SYSTEM_COLUMNS[name]) return 'true'
    this.#field(name)
    return `(r.data ? ${this.param(name, 'text')})`
  }

  /** `name op value` (the value as text: a q term, or a job condition's value). */
  compare(name: string, op: Comparison, value: string): string {
    const system = SYSTEM_COLUMNS[name]
    if (system) return this.#system(system, name, op, value)
    const field = this.#field(name)
    const data = () => `(r.data ->> ${this.param(name, 'text')})`
    const equals = (stored: unknown) => `(r.data @> ${this.param(JSON.stringify({ [name]: stored }), 'jsonb')})`
    const onlyEquals = () => {
      if (op !== '=') throw new FilterError(`Field [${name}] is not a number or date field: only equality applies`)
    }
    switch (field.kind) {
      case 'integer':
      case 'number': {
        const decimal = parseDecimal(value)
        if (!decimal) throw new FilterError(`Field [${name}] is a number field: "${value}" is not a number`)
        const text = formatDecimal(decimal)
        return op === '=' ? equals(rawNumber(text)) : `(${data()}::numeric ${op} ${this.param(text, 'numeric')})`
      }
      case 'boolean': {
        onlyEquals()
        const lower = value.toLowerCase()
        if (lower !== 'true' && lower !== 'false') throw new FilterError(`Field [${name}] is a boolean field: "${value}" is not true or false`)
        return equals(lower === 'true')
      }
      case 'date':
      case 'datetime': {
        const bound = parseBound(name, value)
        if (op === '=' && 'day' in bound && field.kind === 'date') return equals(bound.day)
        if (op === '=' && 'instant' in bound && field.kind === 'datetime') return equals(bound.instant)
        const stored =
          field.kind === 'date'
            ? 'day' in bound
              ? `${data()}::date`
              : `(${data()}::date::timestamp AT TIME ZONE 'UTC')`
            : 'day' in bound
              ? `((${data()}::timestamptz AT TIME ZONE 'UTC')::date)`
              : `${data()}::timestamptz`
        return `(${stored} ${op} ${this.#bound(bound)})`
      }
      default: {
        onlyEquals()
        if (field.kind === 'uuid') {
          const converted = convertCsv(field, value)
          if ('problem' in converted) throw new FilterError(converted.problem.message)
          return equals(converted.value)
        }
        return equals(value)
      }
    }
  }

  #bound(bound: Bound): string {
    return 'day' in bound ? this.param(bound.day, 'date') : this.param(bound.instant, 'timestamptz')
  }

  #system(system: (typeof SYSTEM_COLUMNS)[string], name: string, op: Comparison, value: string): string {
    if (system.kind === 'date') {
      const bound = parseBound(name, value)
      const column = 'day' in bound ? `((${system.column} AT TIME ZONE 'UTC')::date)` : system.column
      return `(${column} ${op} ${this.#bound(bound)})`
    }
    if (op !== '=') throw new FilterError(`Field [${name}] takes equality only`)
    if (!UUID.test(value)) throw new FilterError(`Field [${name}]: "${value}" is not an id`)
    const hex = value.replaceAll('-', '').toLowerCase()
    return system.kind === 'id' ? `(${system.column} = ${this.param(hex, 'uuid')})` : `(${system.column} = ${this.param(hex, 'text')})`
  }

  #field(name: string): Field {
    const field = this.#schema.fields.get(name)
    if (!field) throw new FilterError(`Field [${name}] is not defined in the schema of [${this.#schema.definition.object}]`, true)
    if (!this.#schema.definition.stored.filterable.includes(name)) throw new FilterError(`Field [${name}] is not filterable`)
    return field
  }
}

/**
 * A date bound as Zuora reads one: YYYY (a bare four-digit number is a year), YYYY-MM,
 * YYYY-MM-DD, a date-time (ms, Z or an offset), or other numbers as epoch milliseconds.
 */
function parseBound(name: string, value: string): Bound {
  const invalid = () => new FilterError(`Field [${name}]: "${value}" is not a date bound (YYYY, YYYY-MM, YYYY-MM-DD, a date-time or epoch milliseconds)`)
  let match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value)
  if (match) {
    const day = `${match[1]}-${match[2] ?? '01'}-${match[3] ?? '01'}`
    if (!parseDateTime(`${day}T00:00:00Z`)) throw invalid()
    return { day }
  }
  match = /^-?\d+$/.exec(value)
  if (match) {
    const date = new Date(Number(value))
    if (Number.isNaN(date.getTime())) throw invalid()
    return { instant: date.toISOString() }
  }
  const instant = parseDateTime(value)
  if (!instant) throw invalid()
  return { instant }
}

/** The SQL filter of a `q` parameter; 400 (71012720, or 71012721 for an unknown field) when it is wrong. */
export function queryFilter(schema: RecordSchema, q: string | undefined): RecordFilter {
  try {
    const tree = q === undefined ? undefined : parseQuery(q)
    if (!tree) return {}
    const builder = new FilterBuilder(schema)
    const where = builder.node(tree)
    return { where, params: builder.params }
  } catch (error) {
    if (error instanceof QuerySyntaxError) throw coError(400, Resource.queryParams, CoCategory.invalid, error.message)
    if (error instanceof FilterError) {
      throw coError(400, Resource.queryParams, error.unknownField ? CoCategory.unknownField : CoCategory.invalid, error.message)
    }
    throw error
  }
}

export const OPERATORS: Record<string, Comparison> = { EQ: '=', GT: '>', LT: '<', GE: '>=', LE: '<=' }
