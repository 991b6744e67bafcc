// The seed generator: deterministic (same seed, same rows in any tenant), internally
// consistent, spread over entities and orgs, and loud when rows already exist.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { BILLING_OBJECTS } from '../../src/billing/model.ts'
import { generateBatch, planSeed, seedBatch, seedTenant, tableColumns } from '../../src/billing/seed.ts'
import { ApiError } from '../../src/platform/errors.ts'
import { createTenant, type Tenant } from '../../src/platform/tenants.ts'
import { bulkInsert } from '../../src/storage/bulk.ts'
import type { Db } from '../../src/storage/db.ts'
import { openTestDb, tableCounts, tableDigests } from './helpers.ts'

const CATALOGUE = new Set(['product', 'productrateplan', 'productrateplancharge'])

/** Reference columns with no model `ref`: the invoice items memo items and adjustments point at. */
const EXTRA_REFS = [
  { table: 'creditmemoitem', column: 'sourceitemid', target: 'invoiceitem' },
  { table: 'debitmemoitem', column: 'sourceitemid', target: 'invoiceitem' },
  { table: 'invoiceitemadjustment', column: 'sourceid', target: 'invoiceitem' },
]

/** Every reference of the model (and the extra ones), as [table, column, target]. */
function references() {
  const refs = EXTRA_REFS.map((r) => [r.table, r.column, r.target] as const)
  const model = BILLING_OBJECTS.flatMap((object) =>
    object.columns.filter((c) => c.ref && c.ref !== 'user').map((c) => [object.name, c.name, c.ref!] as const),
  )
  return [...model, ...refs]
}

describe('seed generator', () => {
  let db: Db
  let close: () => Promise<void>
  let first: Tenant
  let second: Tenant
  before(async () => {
    ;({ db, close } = await openTestDb())
    first = await createTenant(db, { name: 'seed one' })
    second = await createTenant(db, { name: 'seed two' })
    await seedTenant(db, first.id, { accounts: 1000, seed: 7 })
    await seedTenant(db, second.id, { accounts: 1000, seed: 7, batchAccounts: 333 })
  })
  after(() => close())

  test('the same seed gives identical rows (ids included) in two tenants, whatever the batch size', async () => {
    const one = await tableDigests(db, first.id)
    const two = await tableDigests(db, second.id)
    assert.deepEqual(two, one)
    const counts = await tableCounts(db, first.id)
    assert.equal(counts.account, 1000)
    for (const object of BILLING_OBJECTS) assert.ok(counts[object.name] > 0, `${object.name} has rows`)
    assert.ok(counts.rateplancharge > counts.subscription && counts.invoiceitem > counts.invoice)
  })

  test('another seed gives other rows and other ids', async () => {
    const other = await createTenant(db, { name: 'seed other' })
    await seedTenant(db, other.id, { accounts: 50, seed: 8 })
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM billing.account a JOIN billing.account b ON b.id = a.id
        WHERE a.tenant_id = $1 AND b.tenant_id = $2`,
      [first.id, other.id],
    )
    assert.equal(rows[0].n, 0, 'no shared account ids')
    const mine = await db.query('SELECT name, currency FROM billing.account WHERE tenant_id = $1 ORDER BY accountnumber LIMIT 50', [first.id])
    const theirs = await db.query('SELECT name, currency FROM billing.account WHERE tenant_id = $1 ORDER BY accountnumber LIMIT 50', [other.id])
    assert.notDeepEqual(theirs.rows, mine.rows)
  })

  test('generation is pure: a batch generated twice is the same', () => {
    const plan = planSeed({ id: '1', entities: [], orgs: [] }, { accounts: 40, seed: 3, batchAccounts: 20 })
    assert.deepEqual(plan.batches.map((b) => b.kind), ['catalogue', 'accounts', 'accounts'])
    assert.deepEqual(generateBatch(plan, 2), generateBatch(plan, 2))
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan, 'the plan is plain JSON')
  })

  test('every reference resolves in the same tenant, entity and org', async () => {
    for (const [table, column, target] of references()) {
      const sameOrg = CATALOGUE.has(target) ? '' : 'AND t.org_id IS NOT DISTINCT FROM r.org_id'
      const { rows } = await db.query<{ n: number; refs: number }>(
        `SELECT count(*) FILTER (WHERE t.id IS NULL)::int AS n, count(*)::int AS refs
           FROM billing.${table} r
           LEFT JOIN billing.${target} t ON t.tenant_id = r.tenant_id AND t.id = r.${column}
                AND t.entity_id IS NOT DISTINCT FROM r.entity_id ${sameOrg}
          WHERE r.tenant_id = $1 AND r.${column} IS NOT NULL`,
        [first.id],
      )
      assert.equal(rows[0].n, 0, `${table}.${column} -> ${target}: ${rows[0].n} of ${rows[0].refs} dangling`)
    }
  })

  test('amounts add up: invoices, memos, payments, account balances', async () => {
    const check = async (what: string, sql: string) => {
      const { rows } = await db.query<{ n: number }>(sql, [first.id])
      assert.equal(rows[0].n, 0, what)
    }
    await check(
      'invoice = sum of its items + tax',
      `SELECT count(*)::int AS n FROM billing.invoice i
         LEFT JOIN (SELECT invoiceid, sum(chargeamount) AS c, sum(taxamount) AS t FROM billing.invoiceitem WHERE tenant_id = $1 GROUP BY invoiceid) s
           ON s.invoiceid = i.id
        WHERE i.tenant_id = $1 AND (s.c IS NULL OR i.amountwithouttax <> s.c OR i.taxamount <> s.t OR i.amount <> s.c + s.t)`,
    )
    for (const memo of ['creditmemo', 'debitmemo']) {
      await check(
        `${memo} = sum of its items`,
        `SELECT count(*)::int AS n FROM billing.${memo} m
           LEFT JOIN (SELECT ${memo}id AS id, sum(amount) AS a, sum(amountwithouttax) AS w, sum(taxamount) AS t
                        FROM billing.${memo}item WHERE tenant_id = $1 GROUP BY ${memo}id) s ON s.id = m.id
          WHERE m.tenant_id = $1 AND (s.a IS NULL OR m.amount <> s.a OR m.amountwithouttax <> s.w OR m.taxamount <> s.t OR m.amount <> m.amountwithouttax + m.taxamount)`,
      )
    }
    await check(
      'posted invoice: amount = balance + payments + item adjustments',
      `SELECT count(*)::int AS n FROM billing.invoice i
         LEFT JOIN (SELECT invoiceid, sum(amount) AS a FROM billing.invoiceitemadjustment WHERE tenant_id = $1 GROUP BY invoiceid) adj
           ON adj.invoiceid = i.id
        WHERE i.tenant_id = $1 AND i.status = 'Posted' AND i.amount <> i.balance + i.paymentamount + coalesce(adj.a, 0)`,
    )
    await check(
      'account: processed payments = invoice payment amounts',
      `SELECT count(*)::int AS n FROM billing.account a
         LEFT JOIN (SELECT accountid, sum(amount) AS p FROM billing.payment WHERE tenant_id = $1 AND status = 'Processed' GROUP BY accountid) p ON p.accountid = a.id
         LEFT JOIN (SELECT accountid, sum(paymentamount) AS p FROM billing.invoice WHERE tenant_id = $1 GROUP BY accountid) i ON i.accountid = a.id
        WHERE a.tenant_id = $1 AND coalesce(p.p, 0) <> coalesce(i.p, 0)`,
    )
    await check(
      'account: totalinvoicebalance = open balance of its posted invoices',
      `SELECT count(*)::int AS n FROM billing.account a
         LEFT JOIN (SELECT accountid, sum(balance) AS b FROM billing.invoice
                     WHERE tenant_id = $1 AND status = 'Posted' AND NOT deleted GROUP BY accountid) i ON i.accountid = a.id
        WHERE a.tenant_id = $1 AND a.totalinvoicebalance <> coalesce(i.b, 0)`,
    )
    await check(
      'invoice items copy their charge and subscription',
      `SELECT count(*)::int AS n FROM billing.invoiceitem ii JOIN billing.rateplancharge c ON c.tenant_id = ii.tenant_id AND c.id = ii.rateplanchargeid
        WHERE ii.tenant_id = $1 AND (ii.subscriptionid <> c.subscriptionid OR ii.chargenumber <> c.chargenumber OR ii.chargename <> c.name)`,
    )
    await check(
      'account bill-to and sold-to contacts belong to the account',
      `SELECT count(*)::int AS n FROM billing.account a JOIN billing.contact c ON c.tenant_id = a.tenant_id AND c.id IN (a.billtoid, a.soldtoid)
        WHERE a.tenant_id = $1 AND c.accountid <> a.id`,
    )
  })

  test('charges: versions point at their first version, some revenue fields are left for the backfills', async () => {
    const { rows } = await db.query<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE version = 1 AND originalid <> id)::int AS first_not_self,
              count(*) FILTER (WHERE version > 1 AND originalid = id)::int AS later_self,
              count(*) FILTER (WHERE version > 1)::int AS later,
              count(*) FILTER (WHERE productfamily IS NULL)::int AS no_family,
              count(*) FILTER (WHERE productfamily IS NOT NULL)::int AS family,
              count(*) FILTER (WHERE bookingdate IS NULL)::int AS no_booking,
              count(*) FILTER (WHERE bookingdate IS NOT NULL)::int AS booking
         FROM billing.rateplancharge WHERE tenant_id = $1`,
      [first.id],
    )
    const r = rows[0]
    assert.equal(r.first_not_self, 0)
    assert.equal(r.later_self, 0)
    assert.ok(r.later > 0, 'some subscriptions were amended')
    for (const key of ['no_family', 'family', 'no_booking', 'booking']) assert.ok(r[key] > 0, key)
    const { rows: copied } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM billing.rateplancharge c JOIN billing.productrateplancharge p ON p.tenant_id = c.tenant_id AND p.id = c.productrateplanchargeid
        WHERE c.tenant_id = $1 AND c.productfamily IS NOT NULL
          AND (c.productfamily, c.productcategory, c.revenuerecognitiontiming, c.isallocationeligible)
              IS DISTINCT FROM (p.productfamily, p.productcategory, p.revenuerecognitiontiming, p.isallocationeligible)`,
      [first.id],
    )
    assert.equal(copied[0].n, 0, 'filled revenue fields are copies of the catalogue charge')
    const { rows: oli } = await db.query<{ empty: number; filled: number }>(
      `SELECT count(*) FILTER (WHERE productfamily IS NULL)::int AS empty, count(*) FILTER (WHERE productfamily IS NOT NULL)::int AS filled
         FROM billing.orderlineitem WHERE tenant_id = $1`,
      [first.id],
    )
    assert.ok(oli[0].empty > 0 && oli[0].filled > 0)
  })

  test('a few rows are soft-deleted, in several tables', async () => {
    const tables: string[] = []
    for (const object of BILLING_OBJECTS) {
      const { rows } = await db.query<{ deleted: number; total: number }>(
        `SELECT count(*) FILTER (WHERE deleted)::int AS deleted, count(*)::int AS total FROM billing.${object.name} WHERE tenant_id = $1`,
        [first.id],
      )
      if (rows[0].deleted > 0) {
        tables.push(object.name)
        assert.ok(rows[0].deleted < rows[0].total / 5 + 3, `${object.name}: a few, not many`)
      }
    }
    for (const table of ['account', 'contact', 'product', 'productrateplan', 'invoice', 'invoiceitem', 'orders', 'orderlineitem']) {
      assert.ok(tables.includes(table), `${table} has soft-deleted rows`)
    }
  })

  test('dates spread over the three years before the seed epoch; realistic value sets', async () => {
    const { rows } = await db.query<{ first: Date; last: Date; currencies: number; statuses: string[] }>(
      `SELECT min(createddate) AS first, max(createddate) AS last, count(DISTINCT currency)::int AS currencies,
              array_agg(DISTINCT status ORDER BY status) AS statuses
         FROM billing.account WHERE tenant_id = $1`,
      [first.id],
    )
    assert.ok(rows[0].first >= new Date('2023-09-01') && rows[0].first < new Date('2024-01-01'))
    assert.ok(rows[0].last <= new Date('2026-10-01'))
    assert.ok(rows[0].currencies >= 6)
    assert.deepEqual(rows[0].statuses, ['Active', 'Canceled', 'Draft'])
  })

  test('seeding again with the same seed fails with a clear error and changes nothing', async () => {
    const before = await tableCounts(db, first.id)
    await assert.rejects(seedTenant(db, first.id, { accounts: 10, seed: 7 }), (error: unknown) => {
      assert.ok(error instanceof ApiError)
      assert.equal(error.status, 409)
      assert.match(error.message, /already holds billing rows with the ids seed 7 generates/)
      return true
    })
    assert.deepEqual(await tableCounts(db, first.id), before)
  })

  test('a batch that meets an existing row leaves nothing of itself; earlier batches stay', async () => {
    const tenant = await createTenant(db, { name: 'seed clash' })
    const plan = planSeed(tenant, { accounts: 40, seed: 11, batchAccounts: 10 })
    // Plant one payment of batch 3 (accounts 20-29): payments are inserted last.
    const payment = generateBatch(plan, 3).payment[0]
    const columns = tableColumns(BILLING_OBJECTS.find((o) => o.name === 'payment')!)
    await bulkInsert(db, 'billing.payment', columns, [columns.map((c) => (c.name === 'tenant_id' ? tenant.id : (payment[c.name] ?? null)))])
    await assert.rejects(seedTenant(db, tenant.id, { accounts: 40, seed: 11, batchAccounts: 10 }), /already holds billing rows/)
    const { rows } = await db.query<{ accountnumber: string }>(
      'SELECT accountnumber FROM billing.account WHERE tenant_id = $1 ORDER BY accountnumber',
      [tenant.id],
    )
    assert.equal(rows.length, 20, 'batches 1 and 2 committed, batch 3 rolled back whole')
    assert.equal(rows.at(-1)!.accountnumber, 'A00000020')
    const { rows: payments } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM billing.payment WHERE tenant_id = $1 AND accountid IN (SELECT id FROM billing.account WHERE tenant_id = $1)', [tenant.id])
    assert.ok(payments[0].n > 0)
  })

  test('seedBatch inserts exactly the batch: the catalogue is batch 0', async () => {
    const tenant = await createTenant(db, { name: 'seed batches' })
    const plan = planSeed(tenant, { accounts: 5, seed: 12 })
    const counts = await db.transaction((tx) => seedBatch(tx, plan, 0))
    assert.deepEqual(counts, { product: 7, productrateplan: 13, productrateplancharge: 21 })
    const generated = generateBatch(plan, 1)
    const inserted = await db.transaction((tx) => seedBatch(tx, plan, 1))
    for (const [table, rows] of Object.entries(generated)) assert.equal(inserted[table] ?? 0, rows.length, table)
    await assert.rejects(db.transaction((tx) => seedBatch(tx, plan, 1)), /already holds billing rows/)
  })

  test('planSeed refuses bad options', () => {
    const tenant = { id: '1', entities: [], orgs: [] }
    assert.throws(() => planSeed(tenant, { accounts: -1 }), /accounts must be an integer/)
    assert.throws(() => planSeed(tenant, { accounts: 1.5 }), /accounts must be an integer/)
    assert.throws(() => planSeed(tenant, { accounts: 1, seed: -2 }), /seed must be an integer/)
    assert.throws(() => planSeed(tenant, { accounts: 1, batchAccounts: 0 }), /batchAccounts/)
  })
})

describe('seed generator on multi-entity and multi-org tenants', () => {
  let db: Db
  let close: () => Promise<void>
  before(async () => {
    ;({ db, close } = await openTestDb())
  })
  after(() => close())

  test('accounts spread across entities, each entity with its own catalogue; children keep their account’s entity', async () => {
    const tenant = await createTenant(db, { name: 'entities', entities: ['Global', 'Europe', 'Asia'] })
    await seedTenant(db, tenant.id, { accounts: 90, seed: 5 })
    const { rows: spread } = await db.query<{ entity_id: string; n: number }>(
      'SELECT entity_id, count(*)::int AS n FROM billing.account WHERE tenant_id = $1 GROUP BY entity_id',
      [tenant.id],
    )
    assert.deepEqual(spread.map((r) => r.entity_id).sort(), tenant.entities.map((e) => e.id).sort())
    for (const row of spread) assert.equal(row.n, 30)
    const { rows: products } = await db.query<{ entity_id: string; n: number; names: number }>(
      'SELECT entity_id, count(*)::int AS n, count(DISTINCT name)::int AS names FROM billing.product WHERE tenant_id = $1 GROUP BY entity_id',
      [tenant.id],
    )
    assert.equal(products.length, 3)
    for (const row of products) assert.deepEqual([row.n, row.names], [7, 7])
    const { rows: ids } = await db.query<{ n: number }>('SELECT count(DISTINCT id)::int AS n FROM billing.productrateplancharge WHERE tenant_id = $1', [tenant.id])
    assert.equal(ids[0].n, 63, 'each entity’s catalogue has its own ids')
    for (const [table, column, target] of references()) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM billing.${table} r LEFT JOIN billing.${target} t
            ON t.tenant_id = r.tenant_id AND t.id = r.${column} AND t.entity_id = r.entity_id
          WHERE r.tenant_id = $1 AND r.${column} IS NOT NULL AND t.id IS NULL`,
        [tenant.id],
      )
      assert.equal(rows[0].n, 0, `${table}.${column} -> ${target} in the same entity`)
    }
    const { rows: unscoped } = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM billing.rateplancharge WHERE tenant_id = $1 AND entity_id IS NULL)::int
            + (SELECT count(*) FROM billing.invoice WHERE tenant_id = $1 AND entity_id IS NULL)::int AS n`,
      [tenant.id],
    )
    assert.equal(unscoped[0].n, 0)
  })

  test('accounts spread across orgs; children inherit the org; the catalogue is shared', async () => {
    const tenant = await createTenant(db, { name: 'orgs', orgs: ['NA', 'EMEA'] })
    await seedTenant(db, tenant.id, { accounts: 40, seed: 6 })
    const { rows: spread } = await db.query<{ org_id: string; n: number }>(
      'SELECT org_id, count(*)::int AS n FROM billing.account WHERE tenant_id = $1 GROUP BY org_id',
      [tenant.id],
    )
    assert.deepEqual(spread.map((r) => r.org_id).sort(), tenant.orgs.map((o) => o.id).sort())
    for (const row of spread) assert.equal(row.n, 20)
    const { rows: catalogue } = await db.query<{ n: number; scoped: number }>(
      'SELECT count(*)::int AS n, count(org_id)::int AS scoped FROM billing.product WHERE tenant_id = $1',
      [tenant.id],
    )
    assert.deepEqual(catalogue[0], { n: 7, scoped: 0 })
    const { rows: mismatched } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM billing.invoiceitem ii JOIN billing.invoice i ON i.tenant_id = ii.tenant_id AND i.id = ii.invoiceid
         JOIN billing.account a ON a.tenant_id = i.tenant_id AND a.id = i.accountid
        WHERE ii.tenant_id = $1 AND (ii.org_id IS DISTINCT FROM a.org_id OR ii.org_id IS NULL)`,
      [tenant.id],
    )
    assert.equal(mismatched[0].n, 0)
  })
})
