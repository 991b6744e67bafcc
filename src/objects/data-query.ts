// Custom objects in Data Query: each object of the tenant (and entity) is a table
// default__<object in lower case> with typed, lower-case columns. Its rows come from the view
// dataquery.custom_object_records (the query's tenant only, by dq_context and row-level
// security); the statement's default__<object> is rewritten into a subquery over that view
// that picks the object's records and casts each field to its column type.
import type { CustomTable } from '../query/sql.ts'
import type { Queryable } from '../storage/db.ts'
import { listDefinitions, type DefinitionScope } from './definitions/store.ts'
import { fieldsOf, type Definition } from './definitions/model.ts'
import { dataQueryType } from './definitions/fields.ts'

export const TABLE_PREFIX = 'default__'

const IDENTIFIER = /^[a-z][a-z0-9_]*$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface Column {
  name: string
  apiName: string
  type: string
  /** The SQL that computes it from the view's row `r`. */
  sql: string
}

const SYSTEM_COLUMNS: Column[] = [
  { name: 'id', apiName: 'Id', type: 'varchar', sql: 'r.id::text' },
  { name: 'createdbyid', apiName: 'CreatedById', type: 'varchar', sql: 'r.created_by' },
  { name: 'createddate', apiName: 'CreatedDate', type: 'timestamp with time zone', sql: 'r.created_at' },
  { name: 'updatedbyid', apiName: 'UpdatedById', type: 'varchar', sql: 'r.updated_by' },
  { name: 'updateddate', apiName: 'UpdatedDate', type: 'timestamp with time zone', sql: 'r.updated_at' },
]

/** The columns of an object's table: id first, then the rest alphabetically (as billing tables). */
export function columnsOf(definition: Definition): Column[] {
  const custom = [...fieldsOf(definition.stored).values()].map((field): Column => {
    const { type, cast } = dataQueryType(field.kind)
    return { name: field.name.toLowerCase(), apiName: field.name, type, sql: `(r.data ->> '${field.name}')::${cast}` }
  })
  const [id, ...system] = SYSTEM_COLUMNS
  return [id, ...[...system, ...custom].sort((a, b) => (a.name < b.name ? -1 : 1))]
}

/** The subquery default__<object> stands for. */
export function tableSql(definition: Definition): string {
  if (!UUID.test(definition.id)) throw new Error(`definition id ${definition.id} is not a UUID`)
  const columns = columnsOf(definition).map((column) => {
    if (!IDENTIFIER.test(column.name)) throw new Error(`column ${column.name} is not a plain identifier`)
    return `${column.sql} AS "${column.name}"`
  })
  return `SELECT ${columns.join(', ')} FROM dataquery.custom_object_records r WHERE r.definition_id = '${definition.id}'::uuid`
}

/** The tenant's custom object tables, by Data Query name, ready for the statement rewrite. */
export async function customObjectTables(db: Queryable, scope: DefinitionScope): Promise<Map<string, CustomTable>> {
  const tables = new Map<string, CustomTable>()
  for (const definition of await listDefinitions(db, scope)) {
    const name = `${TABLE_PREFIX}${definition.object.toLowerCase()}`
    const { parse } = await import('libpg-query')
    const tree = (await parse(tableSql(definition))) as { stmts: { stmt: Record<string, unknown> }[] }
    tables.set(name, {
      name,
      apiName: definition.object,
      columns: columnsOf(definition).map(({ name: column, apiName, type }) => ({ name: column, apiName, type })),
      subquery: tree.stmts[0].stmt,
    })
  }
  return tables
}
