// The billing data model: the database (migration 0004) and the TypeScript catalogue
// (src/billing/model.ts) describe the same tables, columns and types.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  AUTO_BACKFILL_COLUMNS,
  AUTO_BACKFILL_FIELDS,
  BILLING_OBJECTS,
  SCOPE_COLUMNS,
  findBillingObject,
  type DataQueryType,
} from '../../src/billing/model.ts'
import type { Db } from '../../src/storage/db.ts'
import { openTestDb } from './helpers.ts'

// information_schema's data_type for each Data Query type (numeric checked with its precision).
const INFORMATION_SCHEMA_TYPE: Record<DataQueryType, string> = {
  varchar: 'text',
  'decimal(18,6)': 'numeric(18,6)',
  bigint: 'bigint',
  boolean: 'boolean',
  date: 'date',
  'timestamp with time zone': 'timestamp with time zone',
}

const TABLES = [
  'account', 'contact', 'product', 'productrateplan', 'productrateplancharge', 'subscription', 'rateplan',
  'rateplancharge', 'orders', 'orderlineitem', 'invoice', 'invoiceitem', 'creditmemo', 'creditmemoitem',
  'debitmemo', 'debitmemoitem', 'invoiceitemadjustment', 'payment',
]

describe('billing data model', () => {
  let db: Db
  let close: () => Promise<void>
  before(async () => {
    ;({ db, close } = await openTestDb())
  })
  after(() => close())

  test('schema billing holds exactly the catalogue: tables, columns in order, types', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null }>(
      `SELECT table_name, column_name, data_type, numeric_precision, numeric_scale
         FROM information_schema.columns WHERE table_schema = 'billing' ORDER BY table_name, ordinal_position`,
    )
    const actual = new Map<string, string[]>()
    for (const row of rows) {
      const type = row.data_type === 'numeric' ? `numeric(${row.numeric_precision},${row.numeric_scale})` : row.data_type
      actual.set(row.table_name, [...(actual.get(row.table_name) ?? []), `${row.column_name} ${type}`])
    }
    assert.deepEqual([...actual.keys()].sort(), [...TABLES].sort())
    for (const object of BILLING_OBJECTS) {
      const expected = [
        'tenant_id bigint',
        ...object.columns.map((column) => `${column.name} ${INFORMATION_SCHEMA_TYPE[column.type]}`),
        ...SCOPE_COLUMNS.map((column) => `${column.name} ${column.type}`),
      ]
      assert.deepEqual(actual.get(object.name), expected, `billing.${object.name}`)
    }
  })

  test('every table: key (tenant_id, id), id of 32 hex characters, deleted not null false, tenant cascade', async () => {
    const { rows: keys } = await db.query<{ table_name: string; columns: string }>(
      `SELECT c.conrelid::regclass::text AS table_name,
              string_agg(a.attname, ',' ORDER BY array_position(c.conkey, a.attnum)) AS columns
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'p' AND c.connamespace = 'billing'::regnamespace
        GROUP BY c.conrelid`,
    )
    assert.equal(keys.length, TABLES.length)
    for (const key of keys) assert.equal(key.columns, 'tenant_id,id', key.table_name)

    const { rows: tenant } = await db.query<{ id: string }>("INSERT INTO tenants (name) VALUES ('model test') RETURNING id")
    for (const table of TABLES) {
      await assert.rejects(
        db.query(`INSERT INTO billing.${table} (tenant_id, id) VALUES ($1, 'not-an-id')`, [tenant[0].id]),
        (error: { code?: string }) => error.code === '23514',
        `${table} refuses a malformed id`,
      )
      await db.query(`INSERT INTO billing.${table} (tenant_id, id) VALUES ($1, $2)`, [tenant[0].id, 'a'.repeat(32)])
      const { rows } = await db.query(`SELECT deleted, entity_id, org_id FROM billing.${table} WHERE tenant_id = $1`, [tenant[0].id])
      assert.deepEqual(rows, [{ deleted: false, entity_id: null, org_id: null }])
    }
    await db.query('DELETE FROM tenants WHERE id = $1', [tenant[0].id])
    for (const table of TABLES) {
      const { rows } = await db.query(`SELECT 1 FROM billing.${table} WHERE tenant_id = $1`, [tenant[0].id])
      assert.equal(rows.length, 0, `${table} rows go with their tenant`)
    }
  })

  test('join keys are indexed per tenant', async () => {
    const { rows } = await db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'billing'")
    const indexed = new Set(rows.map((row) => /ON billing\.(\w+) USING btree \((.+)\)/.exec(row.indexdef)!).map((m) => `${m[1]}(${m[2]})`))
    const joinKeys = ['accountid', 'subscriptionid', 'rateplanid', 'productrateplanid', 'productid', 'productrateplanchargeid',
      'orderid', 'invoiceid', 'creditmemoid', 'debitmemoid', 'invoiceitemid', 'rateplanchargeid']
    let checked = 0
    for (const object of BILLING_OBJECTS) {
      for (const column of object.columns) {
        if (!joinKeys.includes(column.name)) continue
        assert.ok(indexed.has(`${object.name}(tenant_id, ${column.name})`), `index on ${object.name}(tenant_id, ${column.name})`)
        checked++
      }
    }
    assert.ok(checked >= 25)
  })

  test('catalogue: Data Query names are API names lower-cased; id first; objects found case-insensitively', () => {
    for (const object of BILLING_OBJECTS) {
      assert.equal(object.name, object.apiName.toLowerCase())
      assert.equal(object.columns[0].name, 'id')
      for (const column of object.columns) {
        assert.equal(column.name, column.apiName.toLowerCase())
        assert.match(column.name, /^[a-z0-9]+$/)
      }
      for (const audit of ['createdbyid', 'createddate', 'updatedbyid', 'updateddate', 'deleted']) {
        assert.ok(object.columns.some((column) => column.name === audit), `${object.name}.${audit}`)
      }
    }
    assert.equal(findBillingObject('RatePlanCharge')?.name, 'rateplancharge')
    assert.equal(findBillingObject(' ACCOUNT ')?.name, 'account')
    assert.equal(findBillingObject('Order')?.name, 'orders')
    assert.equal(findBillingObject('user'), undefined, 'users are platform rows, not importable billing objects')
  })

  test('account keeps exactly the spec §2.9 columns; the revenue fields are where the backfills need them', () => {
    const names = (object: string) => findBillingObject(object)!.columns.map((c) => c.name).sort()
    assert.deepEqual(
      names('account'),
      ('id accountnumber additionalemailaddresses allowinvoiceedit autopay balance batch bcdsettingoption billcycleday billtoid ' +
        'communicationprofileid createdbyid createddate creditbalance crmid currency customerservicerepname defaultpaymentmethodid ' +
        'invoicedeliveryprefsemail invoicedeliveryprefsprint invoicetemplateid lastinvoicedate name notes parentid paymentgateway ' +
        'paymentmethodcascadingconsent paymentterm purchaseordernumber salesrepname sequencesetid soldtoid status taxcompanycode ' +
        'taxexemptcertificateid taxexemptcertificatetype taxexemptdescription taxexempteffectivedate taxexemptexpirationdate ' +
        'taxexemptissuingjurisdiction taxexemptstatus totalinvoicebalance updatedbyid updateddate vatid deleted').split(' ').sort(),
    )
    const rpc = findBillingObject('rateplancharge')!
    const type = (name: string) => rpc.columns.find((c) => c.name === name)?.type
    assert.equal(type('bookingdate'), 'date')
    assert.equal(type('originalid'), 'varchar')
    assert.equal(type('mrr'), 'decimal(18,6)')
    assert.equal(type('segment'), 'bigint')
    // The ten auto-backfill fields on PRPC and RPC, and OrderLineItem's own names for them.
    assert.equal(AUTO_BACKFILL_FIELDS.length, 10)
    for (const [object, mapping] of Object.entries(AUTO_BACKFILL_COLUMNS)) {
      const columns = findBillingObject(object)!.columns.map((c) => c.name)
      for (const field of AUTO_BACKFILL_FIELDS) assert.ok(columns.includes(mapping[field]), `${object}.${mapping[field]}`)
    }
    assert.equal(AUTO_BACKFILL_COLUMNS.orderlineitem.excludeitembookingfromrevenueaccounting, 'excludeitembookingfromrevenue')
    assert.ok(findBillingObject('orderlineitem')!.columns.some((c) => c.name === 'revenuerecognitionrule'))
  })
})
