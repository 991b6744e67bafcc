// POST /objects/migrations: one change to one definition per request (Zuora's rule), of
// seven kinds. Changes that could invalidate stored records (deleting a field, making a
// field required or unique, narrowing what a field accepts) need an object without records.
// Applied at once, in one transaction with the records they rewrite (a renamed field).
import type { PoolClient } from 'pg'
import type { Db } from '../../storage/db.ts'
import { findDefinition, hasRecords, listDefinitions, updateDefinition } from './store.ts'
import {
  checkDefinition,
  MAX_FIELDS,
  parseDescription,
  parseFieldName,
  parseFlag,
  parseRelationship,
  type Definition,
  type StoredDefinition,
} from './model.ts'
import { definitionNotFound, requireCustomTargets, requireNamespace } from './service.ts'
import { badDefinition, CoCategory, Resource } from '../errors.ts'
import type { FieldDef } from './field-types.ts'
import { parseFieldDef, parseLabel } from './fields.ts'
import { requireAccess, scopeOf } from '../permissions.ts'
import { clearUniqueSlot, renameFieldInRecords } from '../records/store.ts'
import type { Caller } from '../../platform/caller.ts'

export const ACTION_TYPES = ['addField', 'deleteField', 'updateField', 'updateObject', 'renameField', 'addRelationship', 'deleteRelationship'] as const
export type ActionType = (typeof ACTION_TYPES)[number]

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Applies the request's one action; answers with the actions as sent. */
export async function migrate(db: Db, caller: Caller, body: { actions: unknown[] }) {
  requireAccess(caller, 'update', Resource.definition)
  if (body.actions.length !== 1) {
    throw badDefinition(Resource.actions, CoCategory.invalid, 'A migration takes exactly one action: send the next one after this one has answered')
  }
  const action = body.actions[0]
  if (!isObject(action)) throw badDefinition(Resource.actions, CoCategory.invalid, 'An action must be an object')
  const type = action.type as ActionType
  if (!ACTION_TYPES.includes(type)) throw badDefinition(Resource.actions, CoCategory.invalid, `Action type must be one of ${ACTION_TYPES.join(', ')}`)
  requireNamespace(action.namespace)
  if (typeof action.object !== 'string') throw badDefinition(Resource.object, CoCategory.missingField, 'The action names no object')
  const object = action.object
  const scope = scopeOf(caller)
  await db.transaction(async (tx) => {
    const definition = await findDefinition(tx, scope, object, 'update')
    if (!definition) throw definitionNotFound(object)
    const stored = structuredClone(definition.stored)
    const step = new Migration(tx, definition, stored)
    await step.apply(type, action)
    checkDefinition(stored)
    if (type === 'addRelationship') {
      requireCustomTargets(stored, new Set((await listDefinitions(tx, scope)).map((other) => other.object)))
    }
    await updateDefinition(tx, definition, stored, caller.principal.user.id)
  })
  return { actions: [action] }
}

class Migration {
  readonly tx: PoolClient
  readonly definition: Definition
  readonly stored: StoredDefinition

  constructor(tx: PoolClient, definition: Definition, stored: StoredDefinition) {
    this.tx = tx
    this.definition = definition
    this.stored = stored
  }

  async apply(type: ActionType, action: Record<string, unknown>): Promise<void> {
    switch (type) {
      case 'addField':
        return this.addField(this.fieldOf(action))
      case 'deleteField':
        return this.deleteField(this.existing(this.fieldOf(action)))
      case 'updateField':
        return this.updateField(this.fieldOf(action))
      case 'renameField':
        return this.renameField(this.fieldOf(action))
      case 'updateObject':
        return this.updateObject(action)
      case 'addRelationship':
        return this.addRelationship(action)
      case 'deleteRelationship':
        return this.deleteRelationship(action)
    }
  }

  fieldOf(action: Record<string, unknown>): Record<string, unknown> {
    if (!isObject(action.field)) throw badDefinition(Resource.field, CoCategory.missingField, 'The action has no field')
    return action.field
  }

  existing(field: Record<string, unknown>): string {
    const name = field.name
    if (typeof name !== 'string' || !(name in this.stored.properties)) {
      throw badDefinition(Resource.field, CoCategory.invalid, `Field [${String(name)}] is not a custom field of [${this.stored.object}]`)
    }
    return name
  }

  async requireEmpty(what: string): Promise<void> {
    if (await hasRecords(this.tx, this.definition)) {
      throw badDefinition(Resource.definition, CoCategory.rule, `${what} only while [${this.stored.object}] has no records.`)
    }
  }

  async addField(field: Record<string, unknown>): Promise<void> {
    const name = parseFieldName(this.stored.object, field.name)
    if (Object.keys(this.stored.properties).some((existing) => existing.toLowerCase() === name.toLowerCase())) {
      throw badDefinition(Resource.field, CoCategory.rule, `Field [${name}] exists already`)
    }
    if (Object.keys(this.stored.properties).length >= MAX_FIELDS) {
      throw badDefinition(Resource.properties, CoCategory.rule, `Object [${this.stored.object}] has ${MAX_FIELDS} custom fields, the most it can have`)
    }
    this.stored.properties[name] = parseFieldDef(name, field.definition)
    await this.setFlags(name, field, false)
  }

  async deleteField(name: string): Promise<void> {
    await this.requireEmpty(`Fields can be deleted`)
    if (this.stored.relationships.some((relationship) => name in relationship.fields)) {
      throw badDefinition(Resource.relationships, CoCategory.rule, `Field [${name}] is in a relationship: delete the relationship first`)
    }
    delete this.stored.properties[name]
    for (const list of ['required', 'filterable', 'unique', 'auditable'] as const) {
      this.stored[list] = this.stored[list].filter((entry) => entry !== name)
    }
    delete this.stored.uniqueSlots[name]
  }

  async updateField(field: Record<string, unknown>): Promise<void> {
    const name = this.existing(field)
    if (field.definition !== undefined) {
      const next = parseFieldDef(name, field.definition)
      const previous = this.stored.properties[name]
      if (!accepts(next, previous) && (await hasRecords(this.tx, this.definition))) {
        throw badDefinition(
          Resource.field,
          CoCategory.rule,
          `Field [${name}] can only be widened (same type and format, longer, more options, wider bounds) while [${this.stored.object}] has records`,
        )
      }
      this.stored.properties[name] = next
    }
    await this.setFlags(name, field, true)
  }

  /** Applies required, filterable, unique and auditable as the action gives them. */
  async setFlags(name: string, field: Record<string, unknown>, existing: boolean): Promise<void> {
    for (const flag of ['required', 'filterable', 'unique', 'auditable'] as const) {
      const value = field[flag]
      if (value === undefined || value === null) continue
      if (typeof value !== 'boolean') throw badDefinition(Resource.field, CoCategory.invalid, `Field [${name}]: ${flag} must be a boolean`)
      const list = this.stored[flag]
      const has = list.includes(name)
      if (value === has) continue
      if (value && (flag === 'required' || flag === 'unique')) {
        await this.requireEmpty(flag === 'required' ? 'A field can become required' : 'A field can become unique')
      }
      this.stored[flag] = value ? [...list, name] : list.filter((entry) => entry !== name)
      if (flag === 'unique') {
        if (value) this.stored.uniqueSlots[name] = freeSlot(this.stored)
        else {
          if (existing) await clearUniqueSlot(this.tx, this.definition, this.stored.uniqueSlots[name])
          delete this.stored.uniqueSlots[name]
        }
      }
    }
    if (field.filterable === false && this.stored.unique.includes(name)) {
      throw badDefinition(Resource.filterable, CoCategory.rule, `Field [${name}] is unique, so it must stay filterable`)
    }
  }

  async renameField(field: Record<string, unknown>): Promise<void> {
    const name = this.existing(field)
    const target = parseFieldName(this.stored.object, field.targetName, Resource.targetName)
    if (target !== name && Object.keys(this.stored.properties).some((existing) => existing.toLowerCase() === target.toLowerCase() && existing !== name)) {
      throw badDefinition(Resource.targetName, CoCategory.rule, `Field [${target}] exists already`)
    }
    // Keep the field's place in the order.
    this.stored.properties = Object.fromEntries(
      Object.entries(this.stored.properties).map(([key, def]): [string, FieldDef] => [key === name ? target : key, def]),
    )
    for (const list of ['required', 'filterable', 'unique', 'auditable'] as const) {
      this.stored[list] = this.stored[list].map((entry) => (entry === name ? target : entry))
    }
    if (name in this.stored.uniqueSlots) {
      this.stored.uniqueSlots[target] = this.stored.uniqueSlots[name]
      if (target !== name) delete this.stored.uniqueSlots[name]
    }
    for (const relationship of this.stored.relationships) {
      if (name in relationship.fields) relationship.fields = { [target]: relationship.fields[name] }
    }
    if (target !== name) await renameFieldInRecords(this.tx, this.definition, name, target)
  }

  updateObject(action: Record<string, unknown>): void {
    const object = this.stored.object
    let changed = false
    if (action.label !== undefined) {
      this.stored.label = parseLabel(`Object [${object}]`, action.label, Resource.label)
      changed = true
    }
    if (action.description !== undefined) {
      const description = parseDescription(object, action.description)
      if (description === undefined) delete this.stored.description
      else this.stored.description = description
      changed = true
    }
    for (const flag of ['enableCreateRecordAuditing', 'enableDeleteRecordAuditing'] as const) {
      if (action[flag] === undefined) continue
      this.stored[flag] = parseFlag(object, action, flag)
      changed = true
    }
    if (!changed) {
      throw badDefinition(Resource.actions, CoCategory.missingField, 'updateObject changes label, description, enableCreateRecordAuditing or enableDeleteRecordAuditing: give at least one')
    }
  }

  addRelationship(action: Record<string, unknown>): void {
    if (!isObject(action.relationship)) throw badDefinition(Resource.relationships, CoCategory.missingField, 'The action has no relationship')
    this.stored.relationships.push(parseRelationship(this.stored.object, action.relationship))
  }

  deleteRelationship(action: Record<string, unknown>): void {
    const wanted = action.relationship
    if (!isObject(wanted)) throw badDefinition(Resource.relationships, CoCategory.missingField, 'The action has no relationship')
    const fields = isObject(wanted.fields) ? Object.keys(wanted.fields) : []
    const index = this.stored.relationships.findIndex(
      (relationship) =>
        (wanted.object === undefined || relationship.object === wanted.object) &&
        (wanted.namespace === undefined || relationship.namespace === wanted.namespace) &&
        (fields.length === 0 || fields.every((field) => field in relationship.fields)),
    )
    if (index < 0) throw badDefinition(Resource.relationships, CoCategory.notFound, `Object [${this.stored.object}] has no such relationship`)
    this.stored.relationships.splice(index, 1)
  }
}

/** The first unique-value slot (1 to 5) no field of the definition uses. */
function freeSlot(stored: StoredDefinition): number {
  const used = new Set(Object.values(stored.uniqueSlots))
  for (let slot = 1; slot <= 5; slot++) if (!used.has(slot)) return slot
  throw badDefinition(Resource.definition, CoCategory.rule, `Object [${stored.object}] can have at most 5 unique fields`)
}

/** Whether every value `previous` accepts, `next` accepts too. */
function accepts(next: FieldDef, previous: FieldDef): boolean {
  const same = <K extends keyof FieldDef>(key: K) => JSON.stringify(next[key]) === JSON.stringify(previous[key])
  if (!same('type') || !same('format') || !same('multiselect') || !same('multipleOf')) return false
  if ((next.maxLength ?? 255) < (previous.maxLength ?? 255)) return false
  if (previous.enum && (!next.enum || !previous.enum.every((option) => next.enum!.includes(option)))) return false
  if (!previous.enum && next.enum) return false
  const lower = (def: FieldDef) => def.minimum ?? -Infinity
  const upper = (def: FieldDef) => def.maximum ?? Infinity
  if (lower(next) > lower(previous) || upper(next) < upper(previous)) return false
  return same('exclusiveMinimum') && same('exclusiveMaximum')
}
