// SQL of the auto backfill (propagation) and booking-date jobs. Each batch is one statement:
// the next `batchSize` target rows by id (keyset, PRIMARY KEY (tenant_id, id)), joined to
// their source, updated with UPDATE ... FROM, answering how many rows it saw, changed and
// could not change, and the last id. A dry run runs the same statement with the UPDATE
// replaced by a count.
//
// Parameters of a batch: $1 tenant, $2 last id done ('' at first), $3 batch size, $4 bound
// (the newest createddate at submission, or NULL), $5 updating user, $6 entity (or NULL),
// $7 orgs (or NULL), $8 the tenant's time zone (booking date only).
import { AUTO_BACKFILL_COLUMNS, AUTO_BACKFILL_FIELDS } from '../../billing/model.ts'

export type BatchJobType = 'RatePlanCharge' | 'OrderLineItem' | 'BookingDate'

const TARGET_TABLE: Record<BatchJobType, 'rateplancharge' | 'orderlineitem'> = {
  RatePlanCharge: 'rateplancharge',
  OrderLineItem: 'orderlineitem',
  BookingDate: 'rateplancharge',
}

/** Rows a job of `type` works on, with the parameter numbers of bound, entity and orgs. */
function targets(type: BatchJobType, p: { bound: number; entity: number; orgs: number }): string {
  const conditions = [
    'NOT r.deleted',
    `($${p.bound}::timestamptz IS NULL OR r.createddate IS NULL OR r.createddate <= $${p.bound})`,
    `($${p.entity}::uuid IS NULL OR r.entity_id = $${p.entity})`,
    `($${p.orgs}::text[] IS NULL OR r.org_id IS NULL OR r.org_id = ANY($${p.orgs}))`,
  ]
  if (type !== 'BookingDate') conditions.push('r.productrateplanchargeid IS NOT NULL')
  return conditions.join(' AND ')
}

/**
 * The newest createddate among the targets now: rows created later are not the job's. As
 * text, to keep its microseconds (a JavaScript Date would drop them). $1 tenant, $2 entity, $3 orgs.
 */
export function boundSql(type: BatchJobType): string {
  return `SELECT max(r.createddate)::text AS bound FROM billing.${TARGET_TABLE[type]} r
    WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.entity_id = $2) AND ($3::text[] IS NULL OR r.org_id IS NULL OR r.org_id = ANY($3))`
}

/** How many rows the job will work on. $1 tenant, $2 bound, $3 entity, $4 orgs. */
export function countSql(type: BatchJobType): string {
  return `SELECT count(*)::int AS n FROM billing.${TARGET_TABLE[type]} r
    WHERE r.tenant_id = $1 AND ${targets(type, { bound: 2, entity: 3, orgs: 4 })}`
}

const batchCte = (type: BatchJobType, columns: string) => `batch AS (
    SELECT ${columns} FROM billing.${TARGET_TABLE[type]} r
    WHERE r.tenant_id = $1 AND r.id > $2 AND ${targets(type, { bound: 4, entity: 6, orgs: 7 })}
    ORDER BY r.id LIMIT $3
  )`

// Every parameter must appear in the statement (PostgreSQL types each one): a dry run names
// the user (and the time zone) in its answer.
const summary = `SELECT (SELECT count(*)::int FROM batch) AS rows, (SELECT max(id) FROM batch) AS last_id,
    (SELECT count(*)::int FROM changed) AS changed, $5::text AS updated_by`

/** Copies the ten revenue fields from each target's product rate plan charge. */
function propagationSql(type: 'RatePlanCharge' | 'OrderLineItem', dryRun: boolean): string {
  const table = TARGET_TABLE[type]
  const columns = AUTO_BACKFILL_COLUMNS[table]
  const set = AUTO_BACKFILL_FIELDS.map((field) => `${columns[field]} = m.${field}`).join(', ')
  // The catalogue charge of the target's own entity (each entity has its own catalogue).
  const matched = `matched AS (
    SELECT b.id, ${AUTO_BACKFILL_FIELDS.map((field) => `p.${field}`).join(', ')} FROM batch b
    JOIN billing.productrateplancharge p ON p.tenant_id = $1 AND p.id = b.source AND p.entity_id IS NOT DISTINCT FROM b.entity_id
  )`
  const changed = dryRun
    ? 'changed AS (SELECT 1 FROM matched)'
    : `changed AS (
    UPDATE billing.${table} t SET ${set}, updateddate = now(), updatedbyid = $5
    FROM matched m WHERE t.tenant_id = $1 AND t.id = m.id RETURNING 1
  )`
  return `WITH ${batchCte(type, 'r.id, r.productrateplanchargeid AS source, r.entity_id')}, ${matched}, ${changed}
  ${summary}`
}

/** Sets each charge's booking date to its original charge's creation date, in the tenant's time zone. */
function bookingDateSql(dryRun: boolean): string {
  const source = `source AS (
    SELECT b.id, coalesce(o.createddate, b.createddate) AS created FROM batch b
    LEFT JOIN billing.rateplancharge o ON o.tenant_id = $1 AND o.id = b.originalid
  )`
  const changed = dryRun
    ? 'changed AS (SELECT 1 FROM source WHERE created IS NOT NULL)'
    : `changed AS (
    UPDATE billing.rateplancharge t SET bookingdate = (s.created AT TIME ZONE $8)::date, updateddate = now(), updatedbyid = $5
    FROM source s WHERE t.tenant_id = $1 AND t.id = s.id AND s.created IS NOT NULL RETURNING 1
  )`
  return `WITH ${batchCte('BookingDate', 'r.id, r.originalid, r.createddate')}, ${source}, ${changed}
  ${summary}${dryRun ? ', $8::text AS time_zone' : ''}`
}

const cache = new Map<string, string>()

/** The batch statement of a job; `rows - changed` rows of a batch could not be changed (errors). */
export function batchSql(type: BatchJobType, dryRun: boolean): string {
  const key = `${type}:${dryRun}`
  let sql = cache.get(key)
  if (!sql) {
    sql = type === 'BookingDate' ? bookingDateSql(dryRun) : propagationSql(type, dryRun)
    cache.set(key, sql)
  }
  return sql
}

export const usesTimeZone = (type: BatchJobType) => type === 'BookingDate'
