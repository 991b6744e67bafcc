// A record's values, from what a client sends (a JSON body or a CSV row) to what is stored,
// checked against the object's definition: field by field, then required fields, unique
// values and relationships. The same rules for the records API and bulk jobs.
import type { TenantClock } from '../../platform/clock.ts'
import type { Queryable } from '../../storage/db.ts'
import type { DefinitionScope } from '../definitions/store.ts'
import { fieldsOf, isSystemField, type Definition } from '../definitions/model.ts'
import { RecordCode, type Problem } from '../errors.ts'
import type { Field } from '../definitions/field-types.ts'
import { enforcedRelationships, unmatchedValues } from './relationships.ts'
import type { RecordWrite, StoredRecord } from './store.ts'
import { canonicalText, convertJson, type Converted, type StoredValue } from '../definitions/field-values.ts'

export type Values = Record<string, StoredValue>

export interface RecordSchema {
  definition: Definition
  fields: Map<string, Field>
  /** The value each field with a default takes when a record does not give it. */
  defaults: Map<string, StoredValue>
  /** The unique fields and their slots. */
  uniqueSlots: [name: string, slot: number][]
}

export function schemaOf(definition: Definition): RecordSchema {
  const fields = fieldsOf(definition.stored)
  const defaults = new Map<string, StoredValue>()
  for (const field of fields.values()) {
    if (field.def.default === undefined) continue
    const converted: Converted = convertJson(field, field.def.default)
    if ('value' in converted) defaults.set(field.name, converted.value)
  }
  return {
    definition,
    fields,
    defaults,
    uniqueSlots: Object.entries(definition.stored.uniqueSlots),
  }
}

/** The record `type` and the system fields a client may send back (they are the server's). */
const IGNORED_INPUT = (name: string) => name === 'type' || isSystemField(name)

/**
 * Values from a JSON record. `base`: the stored values a PUT/PATCH or batch update merges
 * into (null clears a field); without it (create) absent fields take their defaults.
 */
export function valuesFromJson(schema: RecordSchema, input: unknown, base?: Values): { values: Values } | { problem: Problem } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { problem: { code: RecordCode.invalid, message: 'A record must be a JSON object.' } }
  }
  const values: Values = { ...base }
  for (const [name, value] of Object.entries(input)) {
    if (IGNORED_INPUT(name)) continue
    const field = schema.fields.get(name)
    if (!field) return { problem: { code: RecordCode.unknownField, message: `Field [${name}] is not defined in the schema of [${schema.definition.object}].` } }
    if (value === null) {
      delete values[name]
      continue
    }
    const converted = convertJson(field, value)
    if ('problem' in converted) return converted
    values[name] = converted.value
  }
  if (!base) for (const [name, value] of schema.defaults) if (!Object.hasOwn(input, name)) values[name] = value
  const missing = missingRequired(schema, values)
  return missing ? { problem: missing } : { values }
}

export function missingRequired(schema: RecordSchema, values: Values): Problem | undefined {
  const missing = schema.definition.stored.required.find((name) => values[name] === undefined)
  return missing === undefined ? undefined : { code: RecordCode.missingField, message: `Field [${missing}] is required.` }
}

/**
 * What is written: the values as JSON text (in the definition's field order) and the unique
 * slots. `inOrder`: the values are in that order already (a bulk file's rows), no copy needed.
 */
export function toWrite(schema: RecordSchema, id: string, values: Values, inOrder = false): RecordWrite {
  let ordered = values
  if (!inOrder) {
    ordered = {}
    for (const name of schema.fields.keys()) if (values[name] !== undefined) ordered[name] = values[name]
  }
  const uniques: Record<number, string | null> = {}
  for (const [name, slot] of schema.uniqueSlots) {
    const value = values[name]
    uniques[slot] = value === undefined ? null : canonicalText(value)
  }
  return { id, data: JSON.stringify(ordered), uniques }
}

/**
 * Relationship checks for a batch: the problem of each record (by index) whose
 * relationship field names no existing target record.
 */
export async function relationshipProblems(
  db: Queryable,
  scope: DefinitionScope,
  schema: RecordSchema,
  batch: readonly (Values | undefined)[],
): Promise<Map<number, Problem>> {
  const problems = new Map<number, Problem>()
  for (const [field, relationship] of enforcedRelationships(schema.definition)) {
    const values = new Set<string>()
    for (const values_ of batch) {
      const value = values_?.[field]
      if (typeof value === 'string') values.add(value)
    }
    const unmatched = await unmatchedValues(db, scope, relationship, [...values])
    if (unmatched.size === 0) continue
    batch.forEach((values_, index) => {
      const value = values_?.[field]
      if (typeof value === 'string' && unmatched.has(value) && !problems.has(index)) {
        problems.set(index, {
          code: RecordCode.rule,
          message: `Field [${field}] value "${value}" does not match any ${relationship.object} record (${Object.values(relationship.fields)[0]}).`,
        })
      }
    })
  }
  return problems
}

export const uniqueProblem = (field: string, value: string): Problem => ({
  code: RecordCode.rule,
  message: `Field [${field}] must be unique: another record has the value "${value}".`,
})

/** A record as Zuora shows it: Id, type, the custom fields, then the audit fields (times on the tenant's clock). */
export function renderRecord(schema: RecordSchema, record: StoredRecord, clock: TenantClock): Record<string, unknown> {
  const out: Record<string, unknown> = { Id: record.id, type: schema.definition.object }
  for (const name of schema.fields.keys()) if (record.data[name] !== undefined) out[name] = record.data[name]
  for (const [name, value] of Object.entries(record.data)) if (!(name in out)) out[name] = value
  out.CreatedById = record.createdBy
  out.CreatedDate = clock.date(record.createdAt).toISOString()
  out.UpdatedById = record.updatedBy
  out.UpdatedDate = clock.date(record.updatedAt).toISOString()
  return out
}
