// /objects/records/default/{object} and /objects/batch/default/{object}: the records of one
// custom object. Every write holds the definition (FOR SHARE) for its transaction, so a
// migration cannot change the fields under it.
import type { PoolClient } from 'pg'
import { ApiError, Category } from '../../platform/errors.ts'
import type { Db, Queryable } from '../../storage/db.ts'
import { findDefinition } from '../definitions/store.ts'
import { NAMESPACE } from '../definitions/model.ts'
import { coError, CoCategory, RecordCode, Resource, type Problem } from '../errors.ts'
import { requireRecordAccess, scopeOf } from '../permissions.ts'
import { queryFilter } from './filter.ts'
import { countRecords, deleteRecords, getRecords, listRecords, transactionTime, type RecordFilter, type StoredRecord } from './store.ts'
import {
  relationshipProblems,
  renderRecord,
  schemaOf,
  toWrite,
  valuesFromJson,
  type RecordSchema,
  type Values,
} from './values.ts'
import { newRecordId } from './ids.ts'
import { insertBatch, updateBatch } from './writes.ts'
import type { Caller } from '../../platform/caller.ts'

export const MAX_BATCH = 1000
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const recordUri = (object: string, id: string) => `/objects/records/${NAMESPACE}/${object}/${id}`

const recordNotFound = (id: string) => coError(404, Resource.record, CoCategory.notFound, `Record [${id}] does not exist.`)

/** The object's schema; 404 when the tenant (entity) has no such object. */
async function schemaFor(db: Queryable, caller: Caller, object: string, lock?: 'share'): Promise<RecordSchema> {
  const definition = await findDefinition(db, scopeOf(caller), object, lock)
  if (!definition) throw coError(404, Resource.recordType, CoCategory.notFound, `Custom object [${object}] does not exist.`)
  return schemaOf(definition)
}

interface Detail extends Problem {
  record: unknown
}

/** Zuora's CustomObjectRecordsErrorResponse: a summary code and message, one detail per record. */
const invalidRequest = (message: string, details: Detail[]) => ({ code: RecordCode.invalid, message, details })

function rejected(message: string, details: Detail[]): ApiError {
  return new ApiError(400, Category.invalidValue, message, { code: RecordCode.invalid, details: { details } })
}

export interface ListOptions {
  q?: string
  ids?: string[]
  pageSize: number
  cursor?: string
  page?: number
}

export async function listRecordsFor(db: Db, caller: Caller, object: string, options: ListOptions) {
  requireRecordAccess(caller, 'view')
  const schema = await schemaFor(db, caller, object)
  const filter: RecordFilter = queryFilter(schema, options.q)
  if (options.ids && options.ids.length > 0) {
    const bad = options.ids.find((id) => !UUID.test(id))
    if (bad !== undefined) throw coError(400, Resource.recordIds, CoCategory.invalid, `ids: [${bad}] is not a record id (a 36-character UUID)`)
    const params = [...(filter.params ?? []), options.ids.map((id) => id.toLowerCase())]
    const byId = `r.id = ANY($${params.length + 2}::uuid[])`
    filter.where = filter.where ? `(${filter.where}) AND ${byId}` : byId
    filter.params = params
  }
  if (options.cursor !== undefined && !UUID.test(options.cursor)) {
    throw coError(400, Resource.queryParams, CoCategory.invalid, `cursor: [${options.cursor}] is not a record id: pass the Id of the last record of the previous page`)
  }
  const offset = options.cursor === undefined && options.page ? (options.page - 1) * options.pageSize : 0
  const [records, count] = await Promise.all([
    listRecords(db, schema.definition, filter, { cursor: options.cursor?.toLowerCase(), limit: options.pageSize, offset }),
    countRecords(db, schema.definition, filter),
  ])
  return { count, records: records.map((record) => renderRecord(schema, record, caller.clock)) }
}

export async function getRecordFor(db: Db, caller: Caller, object: string, id: string) {
  requireRecordAccess(caller, 'view')
  const schema = await schemaFor(db, caller, object)
  const record = UUID.test(id) ? (await getRecords(db, schema.definition, [id.toLowerCase()])).get(id.toLowerCase()) : undefined
  if (!record) throw recordNotFound(id)
  return { record: renderRecord(schema, record, caller.clock), version: record.version }
}

/** Creates up to 1000 records: all or none, or (allowPartialSuccess) the valid ones. */
export async function createRecordsFor(
  db: Db,
  caller: Caller,
  object: string,
  body: { records: unknown[]; allowPartialSuccess?: boolean | null },
  maxRecords: number,
) {
  requireRecordAccess(caller, 'create')
  const partial = body.allowPartialSuccess === true
  if (body.records.length > MAX_BATCH) {
    throw coError(400, Resource.record, CoCategory.rule, `A request can create at most ${MAX_BATCH} records; it has ${body.records.length}.`)
  }
  return db.transaction(async (tx) => {
    const schema = await schemaFor(tx, caller, object, 'share')
    const checked = body.records.map((input) => valuesFromJson(schema, input))
    const values = checked.map((result) => ('values' in result ? result.values : undefined))
    const problems = new Map<number, Problem>()
    checked.forEach((result, index) => 'problem' in result && problems.set(index, result.problem))
    for (const [index, problem] of await relationshipProblems(tx, scopeOf(caller), schema, values)) problems.set(index, problem)
    const detail = (index: number): Detail => ({ ...problems.get(index)!, record: body.records[index] })
    if (!partial && problems.size > 0) {
      throw rejected('Unabled to create object records due to invalid request.', [...problems.keys()].sort((a, b) => a - b).map(detail))
    }
    const writes = values.flatMap((record, index) => (record && !problems.has(index) ? [{ index, write: toWrite(schema, newRecordId(), record) }] : []))
    const { inserted, refused } = await insertBatch(tx, schema.definition, writes.map((w) => w.write), caller.principal.user.id, maxRecords)
    for (const { index, write } of writes) if (refused.has(write.id)) problems.set(index, refused.get(write.id)!)
    if (!partial && problems.size > 0) {
      throw rejected('Unabled to create object records due to invalid request.', [...problems.keys()].sort((a, b) => a - b).map(detail))
    }
    const userId = caller.principal.user.id
    const createdAt = await transactionTime(tx)
    const records = writes
      .filter(({ write }) => inserted.has(write.id))
      .map(({ index, write }) =>
        renderRecord(schema, {
          id: write.id,
          data: valuesInOrder(schema, values[index]!),
          version: 1,
          createdBy: userId,
          createdAt,
          updatedBy: userId,
          updatedAt: createdAt,
        }, caller.clock),
      )
    const details = [...problems.keys()].sort((a, b) => a - b).map(detail)
    return {
      records,
      ...(details.length > 0
        ? { error: invalidRequest('Request contains invalid record that failed validation against the object schema.', details) }
        : {}),
    }
  })
}

const valuesInOrder = (schema: RecordSchema, values: Values): Record<string, unknown> => {
  const ordered: Record<string, unknown> = {}
  for (const name of schema.fields.keys()) if (values[name] !== undefined) ordered[name] = values[name]
  return ordered
}

/**
 * PUT and PATCH: the given fields replace the stored ones, null clears one, others stay
 * (JSON merge patch on a flat record). `ifMatch`: the ETag the client read.
 */
export async function updateRecordFor(db: Db, caller: Caller, object: string, id: string, body: unknown, ifMatch?: string) {
  requireRecordAccess(caller, 'update')
  return db.transaction(async (tx) => {
    const schema = await schemaFor(tx, caller, object, 'share')
    const key = id.toLowerCase()
    const current = UUID.test(id) ? (await getRecords(tx, schema.definition, [key], true)).get(key) : undefined
    if (!current) throw recordNotFound(id)
    if (ifMatch !== undefined && !etagMatches(ifMatch, current)) {
      throw coError(412, Resource.record, CoCategory.rule, `Record [${id}] has changed since it was read (If-Match ${ifMatch}, now ${etagOf(current)}).`)
    }
    const result = valuesFromJson(schema, body, current.data as Values)
    const problem = 'problem' in result ? result.problem : (await relationshipProblems(tx, scopeOf(caller), schema, [result.values])).get(0)
    if (problem || !('values' in result)) throw rejected('Unabled to update object record due to invalid request.', [{ ...problem!, record: body }])
    const { updated, refused } = await updateBatch(tx, schema.definition, [toWrite(schema, key, result.values)], caller.principal.user.id)
    if (refused.has(key)) throw rejected('Unabled to update object record due to invalid request.', [{ ...refused.get(key)!, record: body }])
    const record = updated.get(key)!
    return { record: renderRecord(schema, record, caller.clock), version: record.version }
  })
}

export const etagOf = (record: Pick<StoredRecord, 'version'>) => `"${record.version}"`
const etagMatches = (header: string, record: StoredRecord) =>
  header.split(',').some((tag) => {
    const trimmed = tag.trim().replace(/^W\//, '')
    return trimmed === '*' || trimmed === etagOf(record)
  })

export async function deleteRecordFor(db: Db, caller: Caller, object: string, id: string): Promise<string> {
  requireRecordAccess(caller, 'delete')
  const schema = await schemaFor(db, caller, object)
  if (UUID.test(id)) await deleteRecords(db, schema.definition, [id.toLowerCase()])
  return recordUri(object, id)
}

export type BatchAction =
  | { type: 'delete'; ids: string[] }
  | { type: 'update'; records: Record<string, unknown>; allowPartialSuccess?: boolean | null }

/** POST /objects/batch/default/{object}: delete by ids, or update up to 1000 records. */
export async function batchFor(db: Db, caller: Caller, object: string, action: BatchAction) {
  if (action.type === 'delete') {
    requireRecordAccess(caller, 'delete')
    if (action.ids.length > MAX_BATCH) throw coError(400, Resource.recordIds, CoCategory.rule, `A batch can delete at most ${MAX_BATCH} records.`)
    const bad = action.ids.find((id) => !UUID.test(id))
    if (bad !== undefined) throw coError(400, Resource.recordIds, CoCategory.invalid, `ids: [${bad}] is not a record id (a 36-character UUID)`)
    const schema = await schemaFor(db, caller, object)
    await deleteRecords(db, schema.definition, action.ids.map((id) => id.toLowerCase()))
    return {}
  }
  requireRecordAccess(caller, 'update')
  const entries = Object.entries(action.records)
  if (entries.length > MAX_BATCH) throw coError(400, Resource.record, CoCategory.rule, `A batch can update at most ${MAX_BATCH} records.`)
  const partial = action.allowPartialSuccess === true
  return db.transaction(async (tx) => updateMany(tx, caller, object, entries, partial))
}

async function updateMany(tx: PoolClient, caller: Caller, object: string, entries: [string, unknown][], partial: boolean) {
  const schema = await schemaFor(tx, caller, object, 'share')
  const ids = entries.map(([id]) => id.toLowerCase()).filter((id) => UUID.test(id))
  const current = await getRecords(tx, schema.definition, ids, true)
  const problems = new Map<number, Problem>()
  const values: (Values | undefined)[] = entries.map(([id, input], index) => {
    const stored = current.get(id.toLowerCase())
    if (!stored) {
      problems.set(index, { code: RecordCode.rule, message: `Record [${id}] does not exist.` })
      return undefined
    }
    const result = valuesFromJson(schema, input, stored.data as Values)
    if ('problem' in result) {
      problems.set(index, result.problem)
      return undefined
    }
    return result.values
  })
  for (const [index, problem] of await relationshipProblems(tx, scopeOf(caller), schema, values)) problems.set(index, problem)
  const detail = (index: number): Detail => {
    const [id, input] = entries[index]
    return { ...problems.get(index)!, record: { Id: id, ...(typeof input === 'object' && input !== null ? input : {}) } }
  }
  const fail = () => rejected('Unabled to update object records due to invalid request.', [...problems.keys()].sort((a, b) => a - b).map(detail))
  if (!partial && problems.size > 0) throw fail()
  const writes = values.flatMap((record, index) => (record && !problems.has(index) ? [{ index, write: toWrite(schema, entries[index][0].toLowerCase(), record) }] : []))
  const { refused } = await updateBatch(tx, schema.definition, writes.map((w) => w.write), caller.principal.user.id)
  for (const { index, write } of writes) if (refused.has(write.id)) problems.set(index, refused.get(write.id)!)
  if (!partial && problems.size > 0) throw fail()
  if (problems.size === 0) return {}
  return { error: invalidRequest('Unabled to update object records due to invalid request.', [...problems.keys()].sort((a, b) => a - b).map(detail)) }
}
