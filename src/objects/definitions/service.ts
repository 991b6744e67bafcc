// /objects/definitions/default: list, create (a map of definitions, or a list response for
// a tenant-to-tenant copy), retrieve, and delete while an object has no records.
import { newUuid } from '../../platform/ids.ts'
import type { Db } from '../../storage/db.ts'
import {
  deleteDefinition,
  findDefinition,
  hasRecords,
  insertDefinition,
  listDefinitions,
  type DefinitionScope,
} from './store.ts'
import { NAMESPACE, parseDefinitionInput, renderDefinition, type Definition, type StoredDefinition } from './model.ts'
import { badDefinition, coError, CoCategory, Resource } from '../errors.ts'
import { requireAccess, scopeOf } from '../permissions.ts'
import type { Caller } from '../../platform/caller.ts'

export const definitionUri = (object: string) => `/objects/definitions/${NAMESPACE}/${object}`

export const definitionNotFound = (object: string) =>
  coError(404, Resource.definition, CoCategory.notFound, `Custom object definition [${object}] does not exist.`)

/** The namespace path segment and the actions' namespace: only `default` holds custom objects. */
export function requireNamespace(namespace: unknown, resource: number = Resource.namespace): void {
  if (namespace !== NAMESPACE) throw badDefinition(resource, CoCategory.invalid, `Namespace [${String(namespace)}] is not supported: custom objects live in namespace default`)
}

export async function listDefinitionsFor(db: Db, caller: Caller, select?: 'type') {
  requireAccess(caller, 'view', Resource.definition)
  const definitions = await listDefinitions(db, scopeOf(caller))
  return {
    count: definitions.length,
    definitions: Object.fromEntries(
      definitions.map((definition) => [
        definition.object,
        select === 'type' ? { type: definition.object } : renderDefinition(definition, definitions, caller.clock),
      ]),
    ),
  }
}

export async function getDefinitionFor(db: Db, caller: Caller, object: string) {
  requireAccess(caller, 'view', Resource.definition)
  const definitions = await listDefinitions(db, scopeOf(caller))
  const definition = definitions.find((candidate) => candidate.object === object)
  if (!definition) throw definitionNotFound(object)
  return renderDefinition(definition, definitions, caller.clock)
}

/** Creates every definition of the request, or none. */
export async function createDefinitions(db: Db, caller: Caller, input: Record<string, unknown>) {
  requireAccess(caller, 'create', Resource.definition)
  const entries = Object.entries(input)
  if (entries.length === 0) throw badDefinition(Resource.definition, CoCategory.missingField, 'The request defines no object')
  const created = entries.map(([key, raw]) => parseDefinitionInput(key, raw))
  const scope = scopeOf(caller)
  return db.transaction(async (tx) => {
    const existing = await listDefinitions(tx, scope)
    const names = new Map(existing.map((definition) => [definition.object.toLowerCase(), definition.object]))
    for (const stored of created) {
      const clash = names.get(stored.object.toLowerCase())
      if (clash !== undefined) {
        throw badDefinition(
          Resource.object,
          CoCategory.rule,
          clash === stored.object ? `Custom object [${stored.object}] already exists.` : `Custom object [${clash}] already exists (object names are case-insensitive in Data Query).`,
        )
      }
      names.set(stored.object.toLowerCase(), stored.object)
    }
    const known = new Set(names.values())
    for (const stored of created) requireCustomTargets(stored, known)
    const inserted: Definition[] = []
    for (const stored of created) inserted.push(await insertDefinition(tx, scope, newUuid(), stored, caller.principal.user.id))
    const all = [...existing, ...inserted]
    return {
      count: inserted.length,
      definitions: Object.fromEntries(inserted.map((definition) => [definition.object, renderDefinition(definition, all, caller.clock)])),
    }
  })
}

/** Relationships to custom objects name objects of the tenant (or of the same request). */
export function requireCustomTargets(stored: StoredDefinition, known: ReadonlySet<string>): void {
  for (const relationship of stored.relationships) {
    if (relationship.namespace === NAMESPACE && !known.has(relationship.object)) {
      throw badDefinition(Resource.relationships, CoCategory.invalid, `Object [${stored.object}] has a relationship to [${relationship.object}], which is not a custom object of this tenant`)
    }
  }
}

/** Deletes a definition that has no records and that no other object points at. */
export async function deleteDefinitionFor(db: Db, caller: Caller, object: string): Promise<string> {
  requireAccess(caller, 'delete', Resource.definition)
  const scope: DefinitionScope = scopeOf(caller)
  await db.transaction(async (tx) => {
    const definition = await findDefinition(tx, scope, object, 'update')
    if (!definition) throw definitionNotFound(object)
    if (await hasRecords(tx, definition)) {
      throw badDefinition(Resource.definition, CoCategory.rule, `Custom object [${object}] has records: delete them before the definition.`)
    }
    const referring = (await listDefinitions(tx, scope)).find(
      (other) =>
        other.id !== definition.id &&
        other.stored.relationships.some((relationship) => relationship.namespace === NAMESPACE && relationship.object === object),
    )
    if (referring) {
      throw badDefinition(Resource.relationships, CoCategory.rule, `Custom object [${referring.object}] has a relationship to [${object}]: delete that relationship first.`)
    }
    await deleteDefinition(tx, definition)
  })
  return definitionUri(object)
}
