// Custom object definitions: what a client sends (or a definition list shows, for
// tenant-to-tenant copy), the form zjobs keeps, the rules a definition must follow, and the
// CustomObjectDefinition Zuora answers with (system fields, implicit relationships).
import type { TenantClock } from '../../platform/clock.ts'
import { asUuid } from '../../platform/ids.ts'
import { findBillingObject } from '../../billing/model.ts'
import { badDefinition, CoCategory, Resource } from '../errors.ts'
import {
  canFilter,
  fieldOf,
  MAX_DESCRIPTION,
  MAX_NAME,
  NAME,
  parseFieldDef,
  parseLabel,
} from './fields.ts'
import type { Field, FieldDef } from './field-types.ts'

export interface Relationship {
  cardinality: 'manyToOne'
  namespace: 'default' | 'com_zuora'
  object: string
  /** `{<this object's field>: <the target's field>}`, one entry. */
  fields: Record<string, string>
  recordConstraints: { create: { enforceValidMapping: boolean } }
}

/** A definition as zjobs keeps it (the `definition` column). */
export interface StoredDefinition {
  object: string
  label: string
  /** JSON schema's `title`: kept and shown as given (Zuora's own export shows it, equal to the name). */
  title?: string
  description?: string
  /** Custom fields, in the client's order. */
  properties: Record<string, FieldDef>
  required: string[]
  filterable: string[]
  unique: string[]
  auditable: string[]
  relationships: Relationship[]
  enableCreateRecordAuditing: boolean
  enableDeleteRecordAuditing: boolean
  enableRecordMigration?: boolean
  /** The records table slot (1-5) of each unique field's value. */
  uniqueSlots: Record<string, number>
}

export interface Definition {
  tenantId: string
  id: string
  entityId: string | null
  object: string
  stored: StoredDefinition
  createdBy: string
  updatedBy: string
  createdAt: Date
  updatedAt: Date
}

export const SYSTEM_FIELDS = ['Id', 'CreatedById', 'CreatedDate', 'UpdatedById', 'UpdatedDate'] as const
/** Names a custom field cannot take: the system fields and the record's `type`, in any case. */
const RESERVED = new Set([...SYSTEM_FIELDS, 'type'].map((name) => name.toLowerCase()))
export const isSystemField = (name: string) => (SYSTEM_FIELDS as readonly string[]).includes(name)

export const MAX_FIELDS = 50
export const MAX_FILTERABLE = 10
export const MAX_UNIQUE = 5
export const MAX_AUDITABLE = 5
export const MAX_RELATIONSHIPS = 2
export const NAMESPACE = 'default'

/** The custom fields of a definition, by name. */
export function fieldsOf(stored: StoredDefinition): Map<string, Field> {
  return new Map(Object.entries(stored.properties).map(([name, def]) => [name, fieldOf(name, def)]))
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const DEFINITION_KEYS = new Set([
  'object', 'label', 'description', 'properties', 'required', 'filterable', 'unique', 'auditable', 'relationships',
  'enableCreateRecordAuditing', 'enableDeleteRecordAuditing', 'enableRecordMigration', 'type', 'title',
])
// What a definition list shows around a schema; a copy may bring them along.
const LIST_WRAPPER_KEYS = new Set(['Id', 'type', 'CreatedById', 'CreatedDate', 'UpdatedById', 'UpdatedDate', 'schema'])

/**
 * One entry of a create request: `key` is its map key. A definition list's entry (with its
 * `schema`, system fields, implicit relationships) is read as the definition it shows.
 */
export function parseDefinitionInput(key: string, raw: unknown): StoredDefinition {
  if (!isObject(raw)) throw badDefinition(Resource.definition, CoCategory.invalid, `Definition [${key}] must be an object`)
  let input = raw
  if (isObject(raw.schema)) {
    for (const name of Object.keys(raw)) {
      if (!LIST_WRAPPER_KEYS.has(name)) throw badDefinition(Resource.additionalProperties, CoCategory.unknownField, `Definition [${key}] has an unknown property [${name}]`)
    }
    input = raw.schema
  }
  for (const name of Object.keys(input)) {
    if (!DEFINITION_KEYS.has(name)) throw badDefinition(Resource.additionalProperties, CoCategory.unknownField, `Definition [${key}] has an unknown property [${name}]`)
  }
  if (input.type !== undefined && input.type !== 'object') throw badDefinition(Resource.type, CoCategory.invalid, `Definition [${key}]: type must be "object"`)
  const object = parseObjectName(input.object ?? key)
  if (object !== key) throw badDefinition(Resource.object, CoCategory.invalid, `Definition [${key}] names object [${object}]: the two must be equal`)
  const stored: StoredDefinition = {
    object,
    label: parseLabel(`Object [${object}]`, input.label, Resource.label),
    properties: parseProperties(object, input.properties),
    required: [],
    filterable: [],
    unique: [],
    auditable: [],
    relationships: [],
    enableCreateRecordAuditing: parseFlag(object, input, 'enableCreateRecordAuditing'),
    enableDeleteRecordAuditing: parseFlag(object, input, 'enableDeleteRecordAuditing'),
    uniqueSlots: {},
  }
  if (input.enableRecordMigration !== undefined) stored.enableRecordMigration = parseFlag(object, input, 'enableRecordMigration')
  if (input.title !== undefined && input.title !== null) stored.title = parseTitle(object, input.title)
  const description = parseDescription(object, input.description)
  if (description !== undefined) stored.description = description
  stored.required = parseNames(object, input.required, 'required', Resource.required)
  stored.filterable = parseNames(object, input.filterable, 'filterable', Resource.filterable)
  stored.unique = parseNames(object, input.unique, 'unique', Resource.definition)
  stored.auditable = parseNames(object, input.auditable, 'auditable', Resource.definition)
  stored.relationships = parseRelationships(object, input.relationships)
  stored.unique.forEach((name, index) => (stored.uniqueSlots[name] = index + 1))
  checkDefinition(stored)
  return stored
}

export function parseObjectName(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw badDefinition(Resource.object, CoCategory.missingField, 'The object API name is missing')
  if (value.length > MAX_NAME || !NAME.test(value)) {
    throw badDefinition(
      Resource.object,
      CoCategory.invalid,
      `Object API name [${value}] must start with a letter, hold only letters, digits and underscores, and be at most ${MAX_NAME} characters`,
    )
  }
  return value
}

export function parseFieldName(object: string, value: unknown, resource: number = Resource.field): string {
  if (typeof value !== 'string' || value === '') throw badDefinition(resource, CoCategory.missingField, `A field of [${object}] has no name`)
  if (value.length > MAX_NAME || !NAME.test(value)) {
    throw badDefinition(resource, CoCategory.invalid, `Field name [${value}] must start with a letter, hold only letters, digits and underscores, and be at most ${MAX_NAME} characters`)
  }
  if (RESERVED.has(value.toLowerCase())) throw badDefinition(resource, CoCategory.invalid, `Field name [${value}] is reserved for a system field`)
  return value
}

function parseTitle(object: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_TITLE) {
    throw badDefinition(Resource.label, CoCategory.invalid, `Object [${object}]: title must be a string of at most ${MAX_TITLE} characters`)
  }
  return value
}
/** A title is a label (64 characters) in Zuora's examples; a little room beyond. */
const MAX_TITLE = 255

export function parseDescription(object: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION) {
    throw badDefinition(Resource.description, CoCategory.invalid, `Object [${object}]: description must be a string of at most ${MAX_DESCRIPTION} characters`)
  }
  return value
}

export function parseFlag(object: string, input: Record<string, unknown>, name: string): boolean {
  const value = input[name]
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw badDefinition(Resource.definition, CoCategory.invalid, `Object [${object}]: ${name} must be a boolean`)
  return value
}

function parseProperties(object: string, raw: unknown): Record<string, FieldDef> {
  if (raw === undefined || raw === null) throw badDefinition(Resource.properties, CoCategory.missingField, `Object [${object}] has no properties`)
  if (!isObject(raw)) throw badDefinition(Resource.properties, CoCategory.invalid, `Object [${object}]: properties must be an object`)
  const properties: Record<string, FieldDef> = {}
  for (const [name, def] of Object.entries(raw)) {
    // A definition list shows the system fields; they are Zuora's, not the copy's.
    if (isSystemField(name) && isObject(def) && def.origin === 'system') continue
    properties[parseFieldName(object, name)] = parseFieldDef(name, def)
  }
  return properties
}

function parseNames(object: string, raw: unknown, list: string, resource: number): string[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw) || raw.some((name) => typeof name !== 'string')) {
    throw badDefinition(resource, CoCategory.invalid, `Object [${object}]: ${list} must be a list of field names`)
  }
  // System fields listed by a definition list are implied; leave them out.
  const names = (raw as string[]).filter((name) => !isSystemField(name))
  if (new Set(names).size !== names.length) throw badDefinition(resource, CoCategory.invalid, `Object [${object}]: ${list} names a field twice`)
  return names
}

function parseRelationships(object: string, raw: unknown): Relationship[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw badDefinition(Resource.relationships, CoCategory.invalid, `Object [${object}]: relationships must be a list`)
  const relationships: Relationship[] = []
  for (const entry of raw) {
    if (!isObject(entry)) throw badDefinition(Resource.relationships, CoCategory.invalid, `Object [${object}]: each relationship must be an object`)
    // A definition list shows the implicit ones: the other side of others' (oneToMany) and
    // the audit fields' link to User.
    if (entry.cardinality === 'oneToMany') continue
    const fields = isObject(entry.fields) ? Object.keys(entry.fields) : []
    if (fields.length === 1 && isSystemField(fields[0])) continue
    relationships.push(parseRelationship(object, entry))
  }
  return relationships
}

export function parseRelationship(object: string, entry: Record<string, unknown>): Relationship {
  const where = `Object [${object}], relationship`
  for (const key of Object.keys(entry)) {
    if (!['cardinality', 'namespace', 'object', 'fields', 'recordConstraints'].includes(key)) {
      throw badDefinition(Resource.relationships, CoCategory.unknownField, `${where}: unknown property [${key}]`)
    }
  }
  if (entry.cardinality !== undefined && entry.cardinality !== 'manyToOne') {
    throw badDefinition(Resource.cardinality, CoCategory.invalid, `${where}: only manyToOne relationships can be created`)
  }
  if (entry.namespace !== 'default' && entry.namespace !== 'com_zuora') {
    throw badDefinition(Resource.namespace, CoCategory.invalid, `${where}: namespace must be default or com_zuora`)
  }
  if (typeof entry.object !== 'string' || entry.object === '') {
    throw badDefinition(Resource.relationships, CoCategory.missingField, `${where}: object is missing`)
  }
  const fields = entry.fields
  if (!isObject(fields) || Object.keys(fields).length !== 1 || typeof Object.values(fields)[0] !== 'string') {
    throw badDefinition(Resource.relationshipFields, CoCategory.invalid, `${where}: fields must map one field of ${object} to one field of ${entry.object}`)
  }
  let enforce = true
  if (entry.recordConstraints !== undefined && entry.recordConstraints !== null) {
    const constraints = entry.recordConstraints
    if (!isObject(constraints) || Object.keys(constraints).some((key) => key !== 'create')) {
      throw badDefinition(Resource.recordConstraints, CoCategory.invalid, `${where}: recordConstraints takes only create`)
    }
    const create = constraints.create
    if (create !== undefined && create !== null) {
      if (!isObject(create) || Object.keys(create).some((key) => key !== 'enforceValidMapping') || (create.enforceValidMapping !== undefined && typeof create.enforceValidMapping !== 'boolean')) {
        throw badDefinition(Resource.recordConstraintsCreate, CoCategory.invalid, `${where}: recordConstraints.create takes only enforceValidMapping, a boolean`)
      }
      enforce = create.enforceValidMapping !== false
    }
  }
  return {
    cardinality: 'manyToOne',
    namespace: entry.namespace,
    object: entry.object,
    fields: { ...(fields as Record<string, string>) },
    recordConstraints: { create: { enforceValidMapping: enforce } },
  }
}

/** The rules between a definition's parts (limits, lists naming real fields, relationships). */
export function checkDefinition(stored: StoredDefinition): void {
  const { object } = stored
  const fields = fieldsOf(stored)
  const count = fields.size
  if (count === 0 || count > MAX_FIELDS) {
    throw badDefinition(Resource.properties, CoCategory.rule, `Object [${object}] must have 1 to ${MAX_FIELDS} custom fields; it has ${count}`)
  }
  const lower = new Set([...fields.keys()].map((name) => name.toLowerCase()))
  if (lower.size !== count) {
    throw badDefinition(Resource.properties, CoCategory.invalid, `Object [${object}] has two fields whose names differ only in case (Data Query names columns in lower case)`)
  }
  const known = (list: string[], name: string, resource: number) => {
    for (const field of list) {
      if (!fields.has(field)) throw badDefinition(resource, CoCategory.invalid, `Object [${object}]: ${name} names [${field}], which is not a custom field`)
    }
  }
  known(stored.required, 'required', Resource.required)
  known(stored.filterable, 'filterable', Resource.filterable)
  known(stored.unique, 'unique', Resource.definition)
  known(stored.auditable, 'auditable', Resource.definition)
  if (stored.filterable.length > MAX_FILTERABLE) {
    throw badDefinition(Resource.filterable, CoCategory.rule, `Object [${object}] can have at most ${MAX_FILTERABLE} filterable fields`)
  }
  for (const name of stored.filterable) {
    if (!canFilter(fields.get(name)!)) {
      throw badDefinition(Resource.filterable, CoCategory.rule, `Field [${name}] cannot be filterable: URL, Multiselect and text longer than 512 characters are not indexed`)
    }
  }
  if (stored.unique.length > MAX_UNIQUE) throw badDefinition(Resource.definition, CoCategory.rule, `Object [${object}] can have at most ${MAX_UNIQUE} unique fields`)
  for (const name of stored.unique) {
    if (!stored.filterable.includes(name)) throw badDefinition(Resource.definition, CoCategory.rule, `Unique field [${name}] must also be filterable`)
  }
  if (stored.auditable.length > MAX_AUDITABLE) {
    throw badDefinition(Resource.definition, CoCategory.rule, `Object [${object}] can have at most ${MAX_AUDITABLE} auditable fields`)
  }
  const displayNames = [...fields.values()].filter((field) => field.def.displayName)
  if (displayNames.length > 1) throw badDefinition(Resource.field, CoCategory.rule, `Object [${object}] can have only one display name field`)
  checkRelationships(stored, fields)
}

function checkRelationships(stored: StoredDefinition, fields: Map<string, Field>): void {
  const { object } = stored
  if (stored.relationships.length > MAX_RELATIONSHIPS) {
    throw badDefinition(Resource.relationships, CoCategory.rule, `Object [${object}] can have at most ${MAX_RELATIONSHIPS} manyToOne relationships`)
  }
  const used = new Set<string>()
  for (const relationship of stored.relationships) {
    const [[mine, theirs]] = Object.entries(relationship.fields)
    const field = fields.get(mine)
    const problem = (message: string) => badDefinition(Resource.relationshipFields, CoCategory.invalid, `Object [${object}], relationship to ${relationship.object}: ${message}`)
    if (!field) throw problem(`[${mine}] is not a custom field`)
    if (used.has(mine)) throw problem(`[${mine}] is in another relationship already`)
    used.add(mine)
    if (relationship.namespace === NAMESPACE) {
      if (theirs !== 'Id') throw problem('a custom object is referenced by its Id')
    } else {
      const target = relationship.object === 'User' ? undefined : findBillingObject(relationship.object)
      if (relationship.object !== 'User' && !target) {
        throw badDefinition(Resource.relationships, CoCategory.invalid, `Object [${object}]: com_zuora object [${relationship.object}] is not supported`)
      }
      if (theirs !== 'Id' && !target?.columns.some((column) => column.name === theirs.toLowerCase())) {
        throw problem(`[${theirs}] is not a field of ${relationship.object}`)
      }
    }
    const idLike = theirs === 'Id'
    if (idLike ? field.kind !== 'uuid' : field.kind !== 'text' && field.kind !== 'uuid') {
      throw problem(`[${mine}] must be ${idLike ? 'a string field with format uuid' : 'a text field'}`)
    }
    if (field.def.default !== undefined) throw problem(`[${mine}] cannot have a default value`)
  }
}

// ---- the answer ------------------------------------------------------------------------------

/** Zuora shows user ids in definitions and jobs as 36-character UUIDs (its schema says uuid). */

const SYSTEM_PROPERTIES = {
  Id: { type: 'string', format: 'uuid', label: 'Id', origin: 'system' },
  CreatedById: { type: 'string', label: 'CreatedById', origin: 'system' },
  CreatedDate: { type: 'string', format: 'date-time', label: 'CreatedDate', origin: 'system' },
  UpdatedById: { type: 'string', label: 'UpdatedById', origin: 'system' },
  UpdatedDate: { type: 'string', format: 'date-time', label: 'UpdatedDate', origin: 'system' },
}
const SYSTEM_REQUIRED = ['Id', 'CreatedById', 'UpdatedById', 'CreatedDate', 'UpdatedDate']
const SYSTEM_FILTERABLE = ['Id', 'CreatedById', 'CreatedDate', 'UpdatedById', 'UpdatedDate']

/**
 * The CustomObjectDefinition a client reads. `others` are the tenant's other definitions:
 * their relationships to this one show here as oneToMany.
 */
export function renderDefinition(definition: Definition, others: readonly Definition[], clock: TenantClock) {
  const { stored } = definition
  const properties: Record<string, unknown> = {}
  for (const [name, def] of Object.entries(stored.properties)) properties[name] = { ...def, origin: 'custom' }
  Object.assign(properties, SYSTEM_PROPERTIES)
  const inverse = others.flatMap((other) =>
    other.stored.relationships
      .filter((relationship) => relationship.namespace === NAMESPACE && relationship.object === definition.object)
      .map((relationship) => ({
        cardinality: 'oneToMany',
        namespace: NAMESPACE,
        object: other.object,
        fields: Object.fromEntries(Object.entries(relationship.fields).map(([mine, theirs]) => [theirs, mine])),
      })),
  )
  const audit = ['CreatedById', 'UpdatedById'].map((field) => ({
    cardinality: 'manyToOne',
    namespace: 'com_zuora',
    object: 'User',
    fields: { [field]: 'Id' },
    recordConstraints: { create: { enforceValidMapping: true } },
  }))
  return {
    Id: definition.id,
    type: definition.object,
    CreatedById: asUuid(definition.createdBy),
    CreatedDate: clock.date(definition.createdAt).toISOString(),
    UpdatedById: asUuid(definition.updatedBy),
    UpdatedDate: clock.date(definition.updatedAt).toISOString(),
    schema: {
      object: stored.object,
      label: stored.label,
      ...(stored.title !== undefined ? { title: stored.title } : {}),
      ...(stored.description !== undefined ? { description: stored.description } : {}),
      type: 'object',
      properties,
      required: [...stored.required, ...SYSTEM_REQUIRED],
      filterable: [...stored.filterable, ...SYSTEM_FILTERABLE],
      ...(stored.unique.length > 0 ? { unique: stored.unique } : {}),
      ...(stored.auditable.length > 0 ? { auditable: stored.auditable } : {}),
      relationships: [...stored.relationships, ...inverse, ...audit],
      enableCreateRecordAuditing: stored.enableCreateRecordAuditing,
      enableDeleteRecordAuditing: stored.enableDeleteRecordAuditing,
      enableRecordMigration: stored.enableRecordMigration ?? false,
    },
  }
}
