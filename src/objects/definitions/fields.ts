// Custom fields: the JSON-schema-like definition a client sends (type, format, enum,
// maxLength...), what kind of field it makes (Zuora's UI types: Text, Long Text, URL,
// Integer...), and the rules a definition must follow, with their 8-digit codes.
import { compareDecimal, INT64_MAX, INT64_MIN, parseDecimal } from '../decimal.ts'
import { badDefinition, CoCategory, Resource } from '../errors.ts'
import type { Field, FieldDef, FieldKind } from './field-types.ts'
import { convertJson } from './field-values.ts'

/** Text fields hold at most this many characters unless their maxLength says otherwise. */
export const DEFAULT_MAX_LENGTH = 255
export const MAX_LENGTH_LIMIT = 8192
/** The longest text a filterable (indexed) field may hold (Zuora's 2023 rule). */
export const FILTERABLE_MAX_LENGTH = 512
export const MAX_ENUM_OPTIONS = 250
export const MAX_LABEL = 64
export const MAX_DESCRIPTION = 250
export const MAX_NAME = 64

export const NAME = /^[A-Za-z][A-Za-z0-9_]*$/

export function kindOf(def: FieldDef): FieldKind {
  if (def.type !== 'string') return def.type
  if (def.enum) return def.multiselect ? 'multiselect' : 'picklist'
  switch (def.format) {
    case 'uuid':
      return 'uuid'
    case 'date':
      return 'date'
    case 'date-time':
      return 'datetime'
    case 'url':
      return 'url'
    case 'email':
      return 'email'
  }
  return (def.maxLength ?? DEFAULT_MAX_LENGTH) > DEFAULT_MAX_LENGTH ? 'longText' : 'text'
}

export const fieldOf = (name: string, def: FieldDef): Field => ({ name, kind: kindOf(def), def })

const STRING_KINDS: ReadonlySet<FieldKind> = new Set(['text', 'longText', 'url', 'email', 'uuid', 'picklist', 'multiselect'])
export const isStringKind = (kind: FieldKind) => STRING_KINDS.has(kind)

/** Whether the field may be filterable (indexed): Zuora's UI excludes URL, Long Text and Multiselect. */
export function canFilter(field: Field): boolean {
  if (field.kind === 'url' || field.kind === 'multiselect') return false
  if (field.kind === 'text' || field.kind === 'longText' || field.kind === 'email') {
    return (field.def.maxLength ?? DEFAULT_MAX_LENGTH) <= FILTERABLE_MAX_LENGTH
  }
  return true
}

/** The column type Data Query shows for the field (SHOW COLUMNS) and the cast that makes it. */
export function dataQueryType(kind: FieldKind): { type: string; cast: string } {
  switch (kind) {
    case 'integer':
      return { type: 'bigint', cast: 'bigint' }
    case 'number':
      return { type: 'decimal(22,9)', cast: 'numeric(22,9)' }
    case 'boolean':
      return { type: 'boolean', cast: 'boolean' }
    case 'date':
      return { type: 'date', cast: 'date' }
    case 'datetime':
      return { type: 'timestamp with time zone', cast: 'timestamptz' }
    default:
      return { type: 'varchar', cast: 'text' }
  }
}

const KNOWN_SETTINGS = new Set([
  'type', 'label', 'description', 'format', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'enum', 'multiselect', 'default', 'displayName', 'origin',
])
const FORMATS = new Set(['uuid', 'date', 'date-time', 'url', 'email'])

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Checks a field definition as a client sends it (or as a definition list shows it, with
 * `origin`) and returns it in the form zjobs keeps: only the settings that mean something.
 */
export function parseFieldDef(name: string, raw: unknown): FieldDef {
  const where = `Field [${name}]`
  if (!isObject(raw)) throw badDefinition(Resource.field, CoCategory.invalid, `${where} must be an object`)
  for (const key of Object.keys(raw)) {
    if (!KNOWN_SETTINGS.has(key)) throw badDefinition(Resource.field, CoCategory.unknownField, `${where} has an unknown setting [${key}]`)
  }
  if (raw.origin !== undefined && raw.origin !== 'custom') {
    throw badDefinition(Resource.fieldOrigin, CoCategory.invalid, `${where}: origin must be custom (system fields are added by Zuora)`)
  }
  const type = raw.type
  if (type === undefined) throw badDefinition(Resource.fieldType, CoCategory.missingField, `${where} has no type`)
  if (type !== 'string' && type !== 'integer' && type !== 'number' && type !== 'boolean') {
    throw badDefinition(Resource.fieldType, CoCategory.invalid, `${where}: type must be string, integer, number or boolean`)
  }
  const def: FieldDef = { type, label: parseLabel(where, raw.label) }
  if (raw.description !== undefined && raw.description !== null) {
    if (typeof raw.description !== 'string' || raw.description.length > MAX_DESCRIPTION) {
      throw badDefinition(Resource.fieldDescription, CoCategory.invalid, `${where}: description must be a string of at most ${MAX_DESCRIPTION} characters`)
    }
    def.description = raw.description
  }
  if (raw.format !== undefined && raw.format !== null) {
    if (typeof raw.format !== 'string' || !FORMATS.has(raw.format) || type !== 'string') {
      throw badDefinition(Resource.fieldFormat, CoCategory.invalid, `${where}: format must be one of uuid, date, date-time, url, email, on a string field`)
    }
    def.format = raw.format as FieldDef['format']
  }
  parseText(where, raw, def)
  parseBounds(where, raw, def)
  if (raw.displayName !== undefined && raw.displayName !== null) {
    if (typeof raw.displayName !== 'boolean') throw badDefinition(Resource.field, CoCategory.invalid, `${where}: displayName must be a boolean`)
    if (raw.displayName) {
      if (kindOf(def) !== 'text') {
        throw badDefinition(Resource.field, CoCategory.invalid, `${where}: only a Text field (no enum, no format, at most ${DEFAULT_MAX_LENGTH} characters) can be the display name`)
      }
      def.displayName = true
    }
  }
  if (raw.default !== undefined && raw.default !== null) {
    const converted = convertJson(fieldOf(name, def), raw.default)
    if ('problem' in converted) throw badDefinition(Resource.fieldDefault, CoCategory.invalid, `${where}: invalid default: ${converted.problem.message}`)
    def.default = raw.default
  }
  return def
}

export function parseLabel(where: string, label: unknown, resource: number = Resource.fieldLabel): string {
  if (label === undefined || label === null) throw badDefinition(resource, CoCategory.missingField, `${where} has no label`)
  if (typeof label !== 'string' || label.trim() === '' || label.length > MAX_LABEL) {
    throw badDefinition(resource, CoCategory.invalid, `${where}: label must be a non-empty string of at most ${MAX_LABEL} characters`)
  }
  return label
}

function parseText(where: string, raw: Record<string, unknown>, def: FieldDef): void {
  if (raw.maxLength !== undefined && raw.maxLength !== null) {
    const max = raw.maxLength
    if (def.type !== 'string' || typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_LENGTH_LIMIT) {
      throw badDefinition(Resource.fieldMaxLength, CoCategory.invalid, `${where}: maxLength must be an integer from 1 to ${MAX_LENGTH_LIMIT}, on a string field`)
    }
    def.maxLength = max
  }
  if (raw.multiselect !== undefined && raw.multiselect !== null) {
    if (typeof raw.multiselect !== 'boolean' || (raw.multiselect && raw.enum === undefined)) {
      throw badDefinition(Resource.fieldEnum, CoCategory.invalid, `${where}: multiselect must be a boolean, on a field with enum options`)
    }
    if (raw.multiselect) def.multiselect = true
  }
  if (raw.enum === undefined || raw.enum === null) return
  const options = raw.enum
  const problem = (message: string) => badDefinition(Resource.fieldEnum, CoCategory.invalid, `${where}: ${message}`)
  if (def.type !== 'string' || !Array.isArray(options)) throw problem('enum must be a list of options, on a string field')
  if (options.length === 0 || options.length > MAX_ENUM_OPTIONS) throw problem(`enum must have 1 to ${MAX_ENUM_OPTIONS} options`)
  const seen = new Set<string>()
  for (const option of options) {
    if (typeof option !== 'string' || option === '' || option.length > DEFAULT_MAX_LENGTH) {
      throw problem(`each enum option must be a non-empty string of at most ${DEFAULT_MAX_LENGTH} characters`)
    }
    if (def.multiselect && option.includes(';')) throw problem(`multiselect options cannot contain ';' (it separates the selected options)`)
    if (seen.has(option)) throw problem(`enum option "${option}" appears twice`)
    seen.add(option)
    if (def.maxLength !== undefined && option.length > def.maxLength && !def.multiselect) {
      throw problem(`enum option "${option}" is longer than maxLength ${def.maxLength}`)
    }
  }
  if (def.format) throw problem('a picklist has no format')
  def.enum = options as string[]
}

function parseBounds(where: string, raw: Record<string, unknown>, def: FieldDef): void {
  const numeric = def.type === 'integer' || def.type === 'number'
  const bound = (key: 'minimum' | 'maximum' | 'multipleOf', resource: number) => {
    const value = raw[key]
    if (value === undefined || value === null) return undefined
    if (!numeric || typeof value !== 'number' || !Number.isFinite(value)) {
      throw badDefinition(resource, CoCategory.invalid, `${where}: ${key} must be a number, on an integer or number field`)
    }
    const decimal = parseDecimal(String(value))!
    if (def.type === 'integer' && (decimal.scale > 0 || compareDecimal(decimal, INT64_MIN) < 0 || compareDecimal(decimal, INT64_MAX) > 0)) {
      throw badDefinition(resource, CoCategory.invalid, `${where}: ${key} of an integer field must be a 64-bit integer`)
    }
    def[key] = value
    return decimal
  }
  const min = bound('minimum', Resource.fieldMinimum)
  const max = bound('maximum', Resource.fieldMaximum)
  if (min && max && compareDecimal(min, max) > 0) {
    throw badDefinition(Resource.fieldMaximum, CoCategory.invalid, `${where}: maximum is less than minimum`)
  }
  const step = bound('multipleOf', Resource.fieldMultipleOf)
  if (step && step.unscaled <= 0n) throw badDefinition(Resource.fieldMultipleOf, CoCategory.invalid, `${where}: multipleOf must be greater than 0`)
  for (const [key, resource] of [['exclusiveMinimum', Resource.fieldMinimum], ['exclusiveMaximum', Resource.fieldMaximum]] as const) {
    const value = raw[key]
    if (value === undefined || value === null) continue
    // JSON schema draft 4 (a flag on minimum/maximum) or later drafts (a bound of its own).
    const valid = numeric && (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    if (!valid) throw badDefinition(resource, CoCategory.invalid, `${where}: ${key} must be a number or a boolean, on an integer or number field`)
    def[key] = value
  }
}
