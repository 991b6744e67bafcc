// Writing validated records in one statement per batch, and telling which records a unique
// index refused and why: inserts skip them (ON CONFLICT DO NOTHING); an update that hits one
// is retried record by record under savepoints. Shared by the records API and bulk jobs.
import type { PoolClient } from 'pg'
import type { Definition } from '../definitions/model.ts'
import { RecordCode, type Problem } from '../errors.ts'
import { insertRecords, takenUniqueValues, updateRecords, type RecordWrite, type StoredRecord } from './store.ts'
import { uniqueProblem } from './values.ts'

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505'

/** Why each record of `refused` could not be written: the first of its unique values another record holds. */
async function uniqueProblems(
  tx: PoolClient,
  definition: Definition,
  refused: readonly RecordWrite[],
  excludeSelf: boolean,
): Promise<Map<string, Problem>> {
  const problems = new Map<string, Problem>()
  for (const [field, slot] of Object.entries(definition.stored.uniqueSlots)) {
    const values = refused.map((write) => write.uniques[slot]).filter((value): value is string => typeof value === 'string')
    if (values.length === 0) continue
    const taken = await takenUniqueValues(tx, definition, slot, values, excludeSelf && refused.length === 1 ? refused[0].id : undefined)
    for (const write of refused) {
      const value = write.uniques[slot]
      if (typeof value === 'string' && taken.has(value) && !problems.has(write.id)) problems.set(write.id, uniqueProblem(field, value))
    }
  }
  for (const write of refused) {
    if (!problems.has(write.id)) problems.set(write.id, { code: RecordCode.rule, message: 'A unique value of the record is held by another record.' })
  }
  return problems
}

/**
 * How many more records the object may hold. Its count's row stays locked until the
 * transaction ends, so concurrent writers of one object take turns from here and none
 * overshoots (migration 0010 keeps the count).
 */
async function room(tx: PoolClient, definition: Definition, maxRecords: number): Promise<number> {
  const { rows } = await tx.query<{ records: string }>(
    `INSERT INTO custom_object_record_counts AS c (tenant_id, definition_id, records) VALUES ($1, $2, 0)
     ON CONFLICT (tenant_id, definition_id) DO UPDATE SET records = c.records RETURNING records`,
    [definition.tenantId, definition.id],
  )
  return Math.max(0, maxRecords - Number(rows[0].records))
}

/**
 * Inserts what it can; the refused records (past the object's limit of `maxRecords`, or unique
 * values taken, first one wins) with their problem. A plain INSERT first (ON CONFLICT costs
 * every row a speculative insertion), again skipping taken values only when a unique index
 * refused it.
 */
export async function insertBatch(
  tx: PoolClient,
  definition: Definition,
  all: readonly RecordWrite[],
  userId: string,
  maxRecords: number,
): Promise<{ inserted: Set<string>; refused: Map<string, Problem> }> {
  // Nothing to write: no need to lock the object's count.
  if (all.length === 0) return { inserted: new Set(), refused: new Map() }
  const fits = await room(tx, definition, maxRecords)
  const writes = all.slice(0, fits)
  const { inserted, refused } = await insertUnique(tx, definition, writes, userId)
  // Zuora's record error codes have no service limit: a business rule (71012530), as a unique value taken.
  const full = { code: RecordCode.rule, message: `Service limit reached: object [${definition.object}] holds at most ${maxRecords} records.` }
  for (const write of all.slice(fits)) refused.set(write.id, full)
  return { inserted, refused }
}

async function insertUnique(
  tx: PoolClient,
  definition: Definition,
  writes: readonly RecordWrite[],
  userId: string,
): Promise<{ inserted: Set<string>; refused: Map<string, Problem> }> {
  if (writes.length === 0) return { inserted: new Set(), refused: new Map() }
  const unique = Object.keys(definition.stored.uniqueSlots).length > 0
  if (unique) await tx.query('SAVEPOINT co_insert_batch')
  let inserted: Set<string> | undefined
  try {
    inserted = await insertRecords(tx, definition, writes, userId)
  } catch (error) {
    if (!unique || !isUniqueViolation(error)) throw error
    await tx.query('ROLLBACK TO SAVEPOINT co_insert_batch')
  }
  if (unique) await tx.query('RELEASE SAVEPOINT co_insert_batch')
  if (inserted) return { inserted, refused: new Map() }
  inserted = await insertRecords(tx, definition, writes, userId, true)
  const skipped = writes.filter((write) => !inserted.has(write.id))
  const refused = skipped.length > 0 ? await uniqueProblems(tx, definition, skipped, false) : new Map<string, Problem>()
  return { inserted, refused }
}

/**
 * Updates what it can. Records not found are simply not in `updated`; a record whose unique
 * value another holds is in `refused`.
 */
export async function updateBatch(
  tx: PoolClient,
  definition: Definition,
  writes: readonly RecordWrite[],
  userId: string,
): Promise<{ updated: Map<string, StoredRecord>; refused: Map<string, Problem> }> {
  const refused = new Map<string, Problem>()
  await tx.query('SAVEPOINT co_update_batch')
  try {
    const updated = await updateRecords(tx, definition, writes, userId)
    await tx.query('RELEASE SAVEPOINT co_update_batch')
    return { updated, refused }
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    await tx.query('ROLLBACK TO SAVEPOINT co_update_batch')
  }
  const updated = new Map<string, StoredRecord>()
  for (const write of writes) {
    await tx.query('SAVEPOINT co_update_row')
    try {
      for (const [id, record] of await updateRecords(tx, definition, [write], userId)) updated.set(id, record)
      await tx.query('RELEASE SAVEPOINT co_update_row')
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      await tx.query('ROLLBACK TO SAVEPOINT co_update_row')
      for (const [id, problem] of await uniqueProblems(tx, definition, [write], true)) refused.set(id, problem)
    }
  }
  return { updated, refused }
}
