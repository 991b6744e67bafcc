// enforceValidMapping: a relationship field's value must name an existing record of its
// target, of the same tenant (and entity): another custom object's record by Id, a billing
// object (schema billing, Zuora's com_zuora namespace) by Id or another of its fields, or a
// user. One query per relationship and batch of records.
import { findBillingObject } from '../../billing/model.ts'
import { matchingValues } from '../../billing/store.ts'
import { existingUserIds } from '../../platform/tenants.ts'
import type { Queryable } from '../../storage/db.ts'
import { findDefinition, type DefinitionScope } from '../definitions/store.ts'
import { NAMESPACE, type Definition, type Relationship } from '../definitions/model.ts'
import { existingIds } from './store.ts'

/** The relationships whose values must match a record: [this object's field, relationship]. */
export function enforcedRelationships(definition: Definition): [string, Relationship][] {
  return definition.stored.relationships
    .filter((relationship) => relationship.recordConstraints.create.enforceValidMapping)
    .map((relationship) => [Object.keys(relationship.fields)[0], relationship])
}

const toHex = (value: string) => value.replaceAll('-', '')

/** The values among `values` (as the field stores them) that match no record of the target. */
export async function unmatchedValues(
  db: Queryable,
  scope: DefinitionScope,
  relationship: Relationship,
  values: readonly string[],
): Promise<Set<string>> {
  if (values.length === 0) return new Set()
  const targetField = Object.values(relationship.fields)[0]
  let found: Set<string>
  if (relationship.namespace === NAMESPACE) {
    const target = await findDefinition(db, scope, relationship.object)
    found = target ? await existingIds(db, scope.tenantId, target.id, values) : new Set()
  } else if (relationship.object === 'User') {
    const ids = await existingUserIds(db, scope.tenantId, values.map(toHex))
    found = new Set(values.filter((value) => ids.has(toHex(value))))
  } else {
    const object = findBillingObject(relationship.object)
    if (!object) return new Set(values)
    const column = targetField === 'Id' ? 'id' : targetField.toLowerCase()
    const byId = column === 'id'
    const matched = await matchingValues(db, { tenantId: scope.tenantId, entityId: scope.entityId }, object.name, column, byId ? values.map(toHex) : values)
    found = new Set(values.filter((value) => matched.has(byId ? toHex(value) : value)))
  }
  return new Set(values.filter((value) => !found.has(value)))
}
