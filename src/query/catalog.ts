// The tables Data Query exposes, with their columns as SHOW COLUMNS describes them: every
// billing object, and the tenant's users as `user` (admins only, as Zuora's).
import { BILLING_OBJECTS, type Column, type DataQueryType } from '../billing/model.ts'

export interface ExposedTable {
  /** Data Query name, lower case: the view's name in schema dataquery. */
  name: string
  /** Zuora's object name. */
  apiName: string
  columns: readonly Column[]
  /** Only admin users may read it. */
  adminOnly: boolean
}

const text = (apiName: string): Column => ({ name: apiName.toLowerCase(), apiName, type: 'varchar' as DataQueryType })

export const USER_TABLE: ExposedTable = {
  name: 'user',
  apiName: 'User',
  columns: [text('Id'), text('Email'), text('FirstName'), text('LastName'), text('Username')],
  adminOnly: true,
}

export const EXPOSED_TABLES: readonly ExposedTable[] = [
  ...BILLING_OBJECTS.map((object) => ({ name: object.name, apiName: object.apiName, columns: object.columns, adminOnly: false })),
  USER_TABLE,
].sort((a, b) => (a.name < b.name ? -1 : 1))

const BY_NAME = new Map(EXPOSED_TABLES.map((table) => [table.name, table]))

export function exposedTable(name: string): ExposedTable | undefined {
  return BY_NAME.get(name.toLowerCase())
}

/**
 * The CREATE VIEW statements of schema dataquery (migration 0005 holds their output; a test
 * keeps the two equal). Each view shows its table's rows of the tenant, entity and orgs the
 * current Data Query transaction set in dq_context, live or deleted as asked.
 */
export function dataQueryViewsSql(): string {
  const views = BILLING_OBJECTS.map((object) => {
    const columns = object.columns.map((column) => `t.${column.name}`).join(', ')
    return `CREATE VIEW dataquery.${object.name} WITH (security_barrier) AS
  SELECT ${columns}
  FROM billing.${object.name} t JOIN public.dq_context c ON c.pid = pg_backend_pid()
  WHERE t.tenant_id = c.tenant_id
    AND (c.entity_id IS NULL OR t.entity_id = c.entity_id)
    AND (c.org_ids IS NULL OR t.org_id IS NULL OR t.org_id = ANY (c.org_ids))
    AND (c.deleted IS NULL OR t.deleted = c.deleted);`
  })
  views.push(`CREATE VIEW dataquery."user" WITH (security_barrier) AS
  SELECT u.id, u.email, NULL::text AS firstname, NULL::text AS lastname, u.username
  FROM public.users u JOIN public.dq_context c ON c.pid = pg_backend_pid()
  WHERE u.tenant_id = c.tenant_id;`)
  return views.join('\n\n')
}
