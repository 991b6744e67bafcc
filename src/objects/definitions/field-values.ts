// Field values: from a JSON body or a CSV cell to the value stored in a record (checked
// against the field's kind and settings), with Zuora's codes and wording for what is wrong.
import { compareDecimal, formatDecimal, INT64_MAX, INT64_MIN, integerDigits, isMultipleOf, parseDecimal, type Decimal } from '../decimal.ts'
import { RecordCode, type Problem } from '../errors.ts'
import { isRawNumber, rawNumber, type RawNumber } from '../exact-json.ts'
import type { Field } from './field-types.ts'

/** A stored value: text (every string kind, dates included), a boolean, or an exact number. */
export type StoredValue = string | boolean | RawNumber
export type Converted = { value: StoredValue } | { problem: Problem }

const DEFAULT_MAX_LENGTH = 255
const NUMBER_INTEGER_DIGITS = 13
const NUMBER_FRACTION_DIGITS = 9

const UUID36 = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX32 = /^[0-9a-f]{32}$/i
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const SCHEME = /^[a-z][a-z0-9+.-]*:/i

const problem = (code: number, message: string): Converted => ({ problem: { code, message } })

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (isRawNumber(value) || typeof value === 'number') return 'a number'
  if (typeof value === 'object' && value !== null) return 'an object'
  return `a ${typeof value}`
}

const TYPE_WORDS = { integer: 'an integer', number: 'a number', boolean: 'a boolean', string: 'a string' } as const

function wrongType(field: Field, value: unknown): Converted {
  const type = field.def.type
  const code = { integer: RecordCode.badInteger, number: RecordCode.badNumber, boolean: RecordCode.badBoolean, string: RecordCode.badString }[type]
  return problem(code, `Field [${field.name}] is ${TYPE_WORDS[type]} field but received ${describe(value)} value.`)
}

/** A value from a JSON body (not null: null means "no value"). */
export function convertJson(field: Field, value: unknown): Converted {
  switch (field.def.type) {
    case 'boolean':
      return typeof value === 'boolean' ? { value } : wrongType(field, value)
    case 'integer':
    case 'number': {
      const text = isRawNumber(value) ? value.rawJSON : typeof value === 'number' ? String(value) : undefined
      const decimal = text === undefined ? undefined : parseDecimal(text)
      return decimal ? checkNumber(field, decimal) : wrongType(field, value)
    }
    case 'string':
      if (field.kind === 'multiselect' && Array.isArray(value) && value.every((item) => typeof item === 'string')) {
        return checkMultiselect(field, value as string[])
      }
      return typeof value === 'string' ? checkString(field, value) : wrongType(field, value)
  }
}

/** A value from a CSV cell (not empty: an empty cell means "no value"). */
export function convertCsv(field: Field, text: string): Converted {
  switch (field.def.type) {
    case 'boolean': {
      const lower = text.trim().toLowerCase()
      return lower === 'true' ? { value: true } : lower === 'false' ? { value: false } : wrongType(field, text)
    }
    case 'integer':
    case 'number': {
      const simple = simpleNumber(field, text)
      if (simple !== undefined) return { value: rawNumber(simple) }
      const decimal = parseDecimal(text)
      return decimal ? checkNumber(field, decimal) : wrongType(field, text)
    }
    case 'string':
      return checkString(field, text)
  }
}

const SIMPLE_NUMBER = /^(-?)(\d{1,18})(?:\.(\d{1,9}))?$/

/**
 * The canonical text of a plain number (no exponent, in range) of a field without bounds,
 * by string operations alone: the common case of a bulk file, without BigInt arithmetic.
 */
function simpleNumber(field: Field, text: string): string | undefined {
  const { def } = field
  if (def.minimum !== undefined || def.maximum !== undefined || def.multipleOf !== undefined) return undefined
  if (def.exclusiveMinimum !== undefined || def.exclusiveMaximum !== undefined) return undefined
  const match = SIMPLE_NUMBER.exec(text)
  if (!match) return undefined
  const whole = match[2].replace(/^0+(?=\d)/, '')
  const fraction = (match[3] ?? '').replace(/0+$/, '')
  if (def.type === 'integer' ? fraction !== '' : whole.length > NUMBER_INTEGER_DIGITS) return undefined
  const negative = match[1] === '-' && (whole !== '0' || fraction !== '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/** The text of a stored value, as unique indexes and equality filters compare it. */
export function canonicalText(value: StoredValue): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return String(value)
  return value.rawJSON
}

function checkNumber(field: Field, value: Decimal): Converted {
  const { name, def } = field
  const code = def.type === 'integer' ? RecordCode.badInteger : RecordCode.badNumber
  if (def.type === 'integer') {
    if (value.scale > 0) return problem(code, `Field [${name}] is an integer field but received a decimal number value.`)
    if (compareDecimal(value, INT64_MIN) < 0 || compareDecimal(value, INT64_MAX) > 0) {
      return problem(code, `Field [${name}] value ${formatDecimal(value)} is out of the 64-bit integer range.`)
    }
  } else if (integerDigits(value) > NUMBER_INTEGER_DIGITS || value.scale > NUMBER_FRACTION_DIGITS) {
    return problem(
      code,
      `Field [${name}] value ${formatDecimal(value)} has more than ${NUMBER_INTEGER_DIGITS} digits before or ${NUMBER_FRACTION_DIGITS} digits after the decimal point.`,
    )
  }
  const text = formatDecimal(value)
  const bound = (limit: number | undefined) => (limit === undefined ? undefined : parseDecimal(String(limit)))
  const min = bound(def.minimum)
  const max = bound(def.maximum)
  const exclusiveMin = typeof def.exclusiveMinimum === 'number' ? bound(def.exclusiveMinimum) : undefined
  const exclusiveMax = typeof def.exclusiveMaximum === 'number' ? bound(def.exclusiveMaximum) : undefined
  if (min && (compareDecimal(value, min) < 0 || (def.exclusiveMinimum === true && compareDecimal(value, min) === 0))) {
    return problem(code, `Field [${name}] value ${text} is less than the minimum ${def.exclusiveMinimum === true ? '(exclusive) ' : ''}${formatDecimal(min)}.`)
  }
  if (max && (compareDecimal(value, max) > 0 || (def.exclusiveMaximum === true && compareDecimal(value, max) === 0))) {
    return problem(code, `Field [${name}] value ${text} is greater than the maximum ${def.exclusiveMaximum === true ? '(exclusive) ' : ''}${formatDecimal(max)}.`)
  }
  if (exclusiveMin && compareDecimal(value, exclusiveMin) <= 0) {
    return problem(code, `Field [${name}] value ${text} must be greater than ${formatDecimal(exclusiveMin)}.`)
  }
  if (exclusiveMax && compareDecimal(value, exclusiveMax) >= 0) {
    return problem(code, `Field [${name}] value ${text} must be less than ${formatDecimal(exclusiveMax)}.`)
  }
  const step = bound(def.multipleOf)
  if (step && !isMultipleOf(value, step)) return problem(code, `Field [${name}] value ${text} is not a multiple of ${formatDecimal(step)}.`)
  return { value: rawNumber(text) }
}

function checkString(field: Field, value: string): Converted {
  const { name, def } = field
  if (value === '') return problem(RecordCode.badString, `Field [${name}] cannot accept empty string.`)
  if (field.kind === 'multiselect') return checkMultiselect(field, value.split(';'))
  const maxLength = def.maxLength ?? DEFAULT_MAX_LENGTH
  // Characters, not UTF-16 units; a text no longer in units than the limit is within it.
  if (value.length > maxLength && [...value].length > maxLength) {
    return problem(RecordCode.badString, `Field [${name}] exceeds the maximum length of ${maxLength} characters.`)
  }
  const invalid = (what: string) => problem(RecordCode.invalid, `Field [${name}]: input string "${value}" is not a valid ${what}.`)
  switch (field.kind) {
    case 'uuid':
      if (UUID36.test(value)) return { value: value.toLowerCase() }
      if (HEX32.test(value)) return { value: value.toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5') }
      return invalid('UUID')
    case 'date':
      return validDate(DATE.exec(value)) ? { value } : invalid('date (YYYY-MM-DD)')
    case 'datetime': {
      const iso = parseDateTime(value)
      return iso ? { value: iso } : invalid('date-time (YYYY-MM-DDThh:mm:ss[.sss][Z|±hh:mm])')
    }
    case 'email':
      return EMAIL.test(value) ? { value } : invalid('email address')
    case 'url':
      return SCHEME.test(value) && URL.canParse(value) ? { value } : invalid('URL')
    case 'picklist':
      return def.enum!.includes(value)
        ? { value }
        : problem(RecordCode.invalid, `Field [${name}] value "${value}" is not one of its options: ${def.enum!.join(', ')}.`)
  }
  return { value }
}

function checkMultiselect(field: Field, selected: string[]): Converted {
  const { name, def } = field
  if (selected.length === 0 || selected.some((option) => option === '')) {
    return problem(RecordCode.badString, `Field [${name}] cannot accept empty string.`)
  }
  const unknown = selected.find((option) => !def.enum!.includes(option))
  if (unknown !== undefined) {
    return problem(RecordCode.invalid, `Field [${name}] value "${unknown}" is not one of its options: ${def.enum!.join(', ')}.`)
  }
  if (new Set(selected).size !== selected.length) return problem(RecordCode.invalid, `Field [${name}] selects an option twice.`)
  const value = selected.join(';')
  const maxLength = def.maxLength
  if (maxLength !== undefined && [...value].length > maxLength) {
    return problem(RecordCode.badString, `Field [${name}] exceeds the maximum length of ${maxLength} characters.`)
  }
  return { value }
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function validDate(match: RegExpExecArray | null): boolean {
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (year < 1 || month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1])
}

/** An ISO 8601 date-time as Zuora shows it: UTC with milliseconds (a missing offset is UTC). */
export function parseDateTime(value: string): string | undefined {
  const match = DATETIME.exec(value)
  if (!match || !validDate(match) || Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6] ?? 0) > 59) return undefined
  const zone = match[8] ?? 'Z'
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`
  const millis = (match[7] ?? '.000').slice(0, 4).padEnd(4, '0')
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}${millis}${offset}`)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
