// Everything seeded for one account: contacts, subscriptions (with rate plans and charges on
// the catalogue), orders with order line items, invoices with items, credit and debit memos,
// invoice item adjustments and payments. Each account draws from its own PRNG stream and its
// ids from its own position, so any batch of accounts can be generated on its own.
import {
  auditColumns,
  bookedAccountingCodes,
  billingPeriodName,
  type Catalogue,
  type CatalogueCharge,
  type CataloguePlan,
  type Row,
} from './catalogue.ts'
import {
  DAY_MS,
  SEED_EPOCH,
  addDays,
  addMonths,
  cents,
  docNumber,
  isoDate,
  isoTimestamp,
  micros,
  random,
  seededId,
  startOfDay,
  type Random,
} from './random.ts'
import {
  ADJUSTMENT_REASONS,
  BATCHES,
  COMPANY_STEMS,
  COMPANY_SUFFIXES,
  COUNTRIES,
  CREDIT_MEMO_REASONS,
  DEBIT_MEMO_REASONS,
  FIRST_NAMES,
  GATEWAYS,
  LAST_NAMES,
  PAYMENT_TERMS,
  STREETS,
  TERM_DAYS,
  type Country,
} from './values.ts'

/** Order to Revenue was switched on here: charges created earlier lack its fields (work for the backfills). */
export const O2R_ENABLED = SEED_EPOCH - 548 * DAY_MS

export interface SeedContext {
  seed: number
  /** Entity ids of a multi-entity tenant (accounts spread across them); empty otherwise. */
  entityIds: readonly string[]
  /** Org ids of a multi-org tenant; empty otherwise. */
  orgIds: readonly string[]
  /** One catalogue per entity (one in all for a tenant without entities). */
  catalogues: readonly Catalogue[]
  /** Synthetic user ids seeded rows are created by. */
  users: readonly string[]
}

export type Tables = Record<string, Row[]>

/** A few accounts are deleted drafts: soft-deleted with their contacts, nothing else. */
export const isDeletedAccount = (index: number): boolean => index % 97 === 13

/** Where account `index` lives: its entity (round robin) and its org (round robin over the entity's accounts). */
export function accountScope(context: Pick<SeedContext, 'entityIds' | 'orgIds'>, index: number) {
  const entities = context.entityIds.length
  const orgs = context.orgIds.length
  const entityIndex = entities > 0 ? index % entities : 0
  return {
    entityIndex,
    scope: {
      entity_id: entities > 0 ? context.entityIds[entityIndex] : null,
      org_id: orgs > 0 ? context.orgIds[Math.floor(index / Math.max(1, entities)) % orgs] : null,
    },
  }
}

interface Gen {
  context: SeedContext
  index: number
  rng: Random
  scope: Row
  catalogue: Catalogue
  user: string
  counters: Map<string, number>
  out: Tables
}

interface Account {
  id: string
  number: string
  name: string
  country: Country
  created: number
  deleted: boolean
  cancelled: boolean
  billCycleDay: number
  paymentTerm: string
  autopay: boolean
  gateway: string
  paymentMethodId: string
  domain: string
}

interface Contacts {
  billTo: string
  soldTo: string
}

/** A version of a subscription charge, with when it bills. */
interface Charge {
  id: string
  number: string
  catalogue: CatalogueCharge
  subscriptionId: string
  subscriptionName: string
  priceMicros: number
  quantity: number | null
  effectiveStart: number
  /** Bills from this date (version start) until `to` (next version, cancellation or term end). */
  from: number
  to: number | null
  /** Revenue columns billing document items copy. */
  documentRevenue: Row
}

interface InvoiceItem {
  id: string
  charge: Charge
  chargeCents: number
  taxCents: number
}

/** Generates account `index` and everything under it into `out`. */
export function generateAccount(context: SeedContext, index: number, out: Tables): void {
  const { entityIndex, scope } = accountScope(context, index)
  const rng = random(context.seed, 'account', index)
  const gen: Gen = {
    context,
    index,
    rng,
    scope,
    catalogue: context.catalogues[entityIndex],
    user: rng.pick(context.users),
    counters: new Map(),
    out,
  }
  const account = describeAccount(gen)
  const contacts = addContacts(gen, account)
  if (account.deleted) {
    addAccountRow(gen, account, contacts, emptyTotals())
    return
  }
  const charges = addSubscriptions(gen, account, contacts)
  addSalesOrder(gen, account, contacts)
  const totals = addBilling(gen, account, contacts, charges)
  addAccountRow(gen, account, contacts, totals)
}

/** The next id of `table` for this account, and its ordinal (for document numbers). */
function next(gen: Gen, table: string): { id: string; ordinal: number } {
  const ordinal = gen.counters.get(table) ?? 0
  gen.counters.set(table, ordinal + 1)
  return { id: seededId(gen.context.seed, table, gen.index, ordinal), ordinal }
}

/** A document number unique in the tenant: the account's position, then the document's ordinal. */
const numberOf = (gen: Gen, prefix: string, ordinal: number, perAccount = 10) =>
  docNumber(prefix, gen.index * perAccount + ordinal + 1, 8)

function add(gen: Gen, table: string, row: Row): void {
  row.entity_id = gen.scope.entity_id
  row.org_id = gen.scope.org_id
  gen.out[table].push(row)
}

const toAscii = (text: string) => text.normalize('NFD').replace(/[^\x20-\x7e]/g, '')
const slug = (text: string) => toAscii(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
const timeOfDay = (rng: Random) => rng.int(8 * 3600, 20 * 3600) * 1000

function describeAccount(gen: Gen): Account {
  const { rng, index } = gen
  const stem = rng.pick(COMPANY_STEMS)
  const name = `${stem} ${rng.pick(COMPANY_SUFFIXES)}`
  const country = rng.weighted(COUNTRIES.map((c) => [c, c.weight] as const))
  return {
    id: seededId(gen.context.seed, 'account', index),
    number: docNumber('A', index + 1, 8),
    name,
    country,
    created: startOfDay(SEED_EPOCH - rng.int(45, 3 * 365) * DAY_MS) + timeOfDay(rng),
    deleted: isDeletedAccount(index),
    cancelled: rng.chance(0.03),
    billCycleDay: rng.int(1, 28),
    paymentTerm: rng.weighted(PAYMENT_TERMS),
    autopay: rng.chance(0.6),
    gateway: rng.pick(GATEWAYS),
    paymentMethodId: seededId(gen.context.seed, 'paymentmethod', index),
    domain: `${slug(stem)}-${index + 1}.example.com`,
  }
}

function addContacts(gen: Gen, account: Account): Contacts {
  const { rng } = gen
  const billTo = addContact(gen, account, 'Billing contact', account.deleted)
  const soldTo = rng.chance(0.4) ? addContact(gen, account, 'Sold-to contact', account.deleted) : billTo
  // Some accounts replaced a contact: the old one is soft-deleted.
  if (!account.deleted && rng.chance(0.04)) addContact(gen, account, 'Former billing contact', true)
  return { billTo, soldTo }
}

function addContact(gen: Gen, account: Account, description: string, deleted: boolean): string {
  const { rng } = gen
  const { id } = next(gen, 'contact')
  const first = rng.pick(FIRST_NAMES)
  const last = rng.pick(LAST_NAMES)
  const place = rng.pick(account.country.places)
  const phone = `${account.country.phonePrefix} ${rng.int(200, 989)} ${String(rng.int(0, 9999)).padStart(4, '0')}`
  add(gen, 'contact', {
    ...auditColumns(account.created, account.created, gen.user, deleted),
    id,
    accountid: account.id,
    firstname: first,
    lastname: last,
    nickname: null,
    description,
    workemail: `${slug(first)}.${slug(last)}@${account.domain}`,
    personalemail: null,
    workphone: phone,
    mobilephone: rng.chance(0.3) ? `${account.country.phonePrefix} ${rng.int(600, 799)} ${rng.int(100000, 999999)}` : null,
    homephone: null,
    otherphone: null,
    otherphonetype: null,
    fax: null,
    address1: `${rng.int(1, 2400)} ${rng.pick(STREETS)}`,
    address2: rng.chance(0.2) ? `Suite ${rng.int(100, 900)}` : null,
    city: place.city,
    county: null,
    state: place.state,
    postalcode: place.postalCode,
    country: account.country.name,
    taxregion: null,
  })
  return id
}

// ---- subscriptions, rate plans, rate plan charges ------------------------------------------

interface Term {
  termed: boolean
  initial: number | null
  autorenew: boolean
  termStart: number
  termEnd: number | null
  renewed: boolean
  expired: boolean
}

function termOf(rng: Random, start: number): Term {
  const termed = rng.chance(0.85)
  const autorenew = rng.chance(0.75)
  if (!termed) return { termed, initial: null, autorenew, termStart: start, termEnd: null, renewed: false, expired: false }
  const initial = rng.pick([12, 12, 12, 24, 36])
  let termStart = start
  let termEnd = addMonths(start, initial)
  let renewed = false
  while (autorenew && termEnd <= SEED_EPOCH) {
    termStart = termEnd
    termEnd = addMonths(termEnd, 12)
    renewed = true
  }
  return { termed, initial, autorenew, termStart, termEnd, renewed, expired: termEnd <= SEED_EPOCH }
}

function addSubscriptions(gen: Gen, account: Account, contacts: Contacts): Charge[] {
  const count = gen.rng.weighted([[1, 55], [2, 30], [3, 15]] as const)
  const charges: Charge[] = []
  for (let s = 0; s < count; s++) charges.push(...addSubscription(gen, account, contacts, s))
  return charges
}

function addSubscription(gen: Gen, account: Account, contacts: Contacts, position: number): Charge[] {
  const { rng } = gen
  const latestStart = SEED_EPOCH - 20 * DAY_MS
  const start = startOfDay(Math.min(account.created + rng.int(position * 90, position * 90 + 120) * DAY_MS, latestStart))
  const created = Math.max(account.created, start - rng.int(0, 5) * DAY_MS + timeOfDay(rng))
  const name = numberOf(gen, 'A-S', position)
  const term = termOf(rng, start)
  const cancelled =
    account.cancelled || rng.chance(0.05)
      ? startOfDay(Math.min(start + rng.int(30, 500) * DAY_MS, SEED_EPOCH - DAY_MS))
      : null
  const end = cancelled ?? (term.expired ? term.termEnd : null)
  const status = cancelled ? 'Cancelled' : term.expired ? 'Expired' : 'Active'
  const plans: CataloguePlan[] = [rng.pick(gen.catalogue.byRole.base)]
  if (rng.chance(0.3)) plans.push(rng.pick(gen.catalogue.byRole.addon))
  const amendedAt = status === 'Active' && rng.chance(0.2) ? startOfDay(start + rng.int(45, 400) * DAY_MS) : null
  const amended = amendedAt !== null && amendedAt < latestStart ? amendedAt + timeOfDay(rng) : null

  const v1 = next(gen, 'subscription').id
  const version: SubscriptionVersion = {
    id: v1, originalId: v1, previousId: null, version: 1, name, created, originalCreated: created, start, term, status, cancelled,
    latest: amended === null,
  }
  addOrder(gen, account, start, created, `New subscription ${name}`, 'NewSales')
  addSubscriptionRow(gen, contacts, account, version)
  const first = addRatePlans(gen, account, version, plans, null, amended ?? end)
  if (amended === null) return first.charges
  // An amendment: version 2 of the subscription, its rate plans and charges pointing back at version 1's.
  const second: SubscriptionVersion = {
    ...version, id: next(gen, 'subscription').id, previousId: v1, version: 2, created: amended, latest: true,
  }
  addOrder(gen, account, startOfDay(amended), amended, `Update quantity on ${name}`, 'NewSales')
  addSubscriptionRow(gen, contacts, account, second)
  const later = addRatePlans(gen, account, second, plans, first, end)
  return [...first.charges, ...later.charges]
}

interface SubscriptionVersion {
  id: string
  originalId: string
  previousId: string | null
  version: number
  name: string
  created: number
  originalCreated: number
  start: number
  term: Term
  status: string
  cancelled: number | null
  latest: boolean
}

function addSubscriptionRow(gen: Gen, contacts: Contacts, account: Account, sub: SubscriptionVersion): void {
  const { term } = sub
  const current = sub.term.renewed ? 12 : term.initial
  add(gen, 'subscription', {
    ...auditColumns(sub.created, sub.created, gen.user),
    id: sub.id,
    accountid: account.id,
    invoiceownerid: account.id,
    creatoraccountid: account.id,
    creatorinvoiceownerid: account.id,
    ancestoraccountid: null,
    name: sub.name,
    version: sub.version,
    revision: `${sub.version}.0`,
    originalid: sub.originalId,
    previoussubscriptionid: sub.previousId,
    originalcreateddate: isoTimestamp(sub.originalCreated),
    islatestversion: sub.latest,
    status: sub.latest ? sub.status : 'Expired',
    currency: account.country.currency,
    termtype: term.termed ? 'TERMED' : 'EVERGREEN',
    initialterm: term.initial,
    initialtermperiodtype: 'Month',
    currentterm: current,
    currenttermperiodtype: 'Month',
    renewalterm: term.termed ? 12 : null,
    renewaltermperiodtype: 'Month',
    renewalsetting: 'RENEW_WITH_SPECIFIC_TERM',
    autorenew: term.autorenew,
    contracteffectivedate: isoDate(sub.start),
    serviceactivationdate: isoDate(sub.start),
    contractacceptancedate: isoDate(sub.start),
    subscriptionstartdate: isoDate(sub.start),
    subscriptionenddate: sub.cancelled ? isoDate(sub.cancelled) : term.termEnd ? isoDate(term.termEnd) : null,
    termstartdate: isoDate(term.termStart),
    termenddate: term.termEnd ? isoDate(term.termEnd) : null,
    cancelleddate: sub.cancelled ? isoDate(sub.cancelled) : null,
    lastbookingdate: isoTimestamp(sub.created),
    isinvoiceseparate: false,
    externallymanagedby: null,
    notes: null,
    paymentterm: null,
    subscriptionbilltoid: contacts.billTo,
    subscriptionsoldtoid: contacts.soldTo,
    subscriptionbilltosnapshotid: null,
    subscriptionsoldtosnapshotid: null,
  })
}

interface RatePlans {
  ratePlanIds: string[]
  charges: Charge[]
}

/** Rate plans and charges of one subscription version; `previous`: those of the first version. */
function addRatePlans(
  gen: Gen,
  account: Account,
  sub: SubscriptionVersion,
  plans: CataloguePlan[],
  previous: RatePlans | null,
  to: number | null,
): RatePlans {
  const result: RatePlans = { ratePlanIds: [], charges: [] }
  plans.forEach((plan, p) => {
    const ratePlanId = next(gen, 'rateplan').id
    result.ratePlanIds.push(ratePlanId)
    add(gen, 'rateplan', {
      ...auditColumns(sub.created, sub.created, gen.user),
      id: ratePlanId,
      name: plan.def.name,
      subscriptionid: sub.id,
      productrateplanid: plan.id,
      originalrateplanid: previous ? previous.ratePlanIds[p] : ratePlanId,
      amendmentid: previous ? seededId(gen.context.seed, 'amendment', gen.index, sub.name) : null,
      amendmentsubscriptionrateplanid: null,
      amendmenttype: previous && p === 0 ? 'UpdateProduct' : null,
      externallymanagedplanid: null,
      invoiceownerid: account.id,
      subscriptionownerid: account.id,
    })
    plan.charges.forEach((catalogueCharge, c) => {
      const before = previous?.charges.find((charge) => charge.catalogue.id === catalogueCharge.id)
      result.charges.push(addCharge(gen, account, sub, ratePlanId, catalogueCharge, before, to, p === 0 && c === 0))
    })
  })
  return result
}

function addCharge(
  gen: Gen,
  account: Account,
  sub: SubscriptionVersion,
  ratePlanId: string,
  catalogueCharge: CatalogueCharge,
  previous: Charge | undefined,
  to: number | null,
  changed: boolean,
): Charge {
  const { rng } = gen
  const { def } = catalogueCharge
  const { id, ordinal } = next(gen, 'rateplancharge')
  const quantity = quantityOf(rng, catalogueCharge, previous, changed)
  const priceMicros = localPrice(def.usdMicros, account.country)
  const periodMonths = def.periodMonths ?? 0
  const mrr = def.type === 'Recurring' ? Math.round((priceMicros * (quantity ?? 1)) / periodMonths) : 0
  const previousMrr = previous && def.type === 'Recurring' ? Math.round((previous.priceMicros * (previous.quantity ?? 1)) / periodMonths) : 0
  const months = sub.term.initial ?? 12
  const tcv = def.type === 'Recurring' ? mrr * months : def.type === 'OneTime' ? priceMicros * (quantity ?? 1) : 0
  const o2r = sub.created >= O2R_ENABLED
  const revenue = o2r ? revenueColumns(catalogueCharge) : nullRevenueColumns()
  const effectiveStart = sub.start
  const chargedThrough = def.type === 'Recurring' ? isoDate(Math.min(addMonths(sub.term.termStart, periodMonths), to ?? Infinity)) : null
  const charge: Charge = {
    id,
    number: previous?.number ?? numberOf(gen, 'C-', ordinal, 100),
    catalogue: catalogueCharge,
    subscriptionId: sub.id,
    subscriptionName: sub.name,
    priceMicros,
    quantity,
    effectiveStart,
    from: previous ? sub.created : sub.start,
    to,
    documentRevenue: {
      ...bookedAccountingCodes(def.revenueCode, o2r),
      revenuerecognitionrulename: def.revenue.revenuerecognitionrulename,
      excludeitembillingfromrevenueaccounting: o2r ? def.revenue.excludeitembillingfromrevenueaccounting : null,
    },
  }
  add(gen, 'rateplancharge', {
    ...auditColumns(sub.created, sub.created, gen.user),
    ...revenue,
    ...charge.documentRevenue,
    id,
    rateplanid: ratePlanId,
    subscriptionid: sub.id,
    productrateplanchargeid: catalogueCharge.id,
    originalid: previous?.id ?? id,
    name: def.name,
    chargenumber: charge.number,
    description: null,
    chargetype: def.type,
    chargemodel: def.model,
    billingperiod: def.type === 'Recurring' ? billingPeriodName(def.periodMonths) : def.type === 'Usage' ? 'Month' : null,
    billingtiming: def.type === 'Recurring' ? 'In Advance' : def.type === 'Usage' ? 'In Arrears' : null,
    billcycletype: 'DefaultFromCustomer',
    billcycleday: account.billCycleDay,
    weeklybillcycleday: null,
    billingperiodalignment: 'AlignToCharge',
    listpricebase: def.type === 'Recurring' ? 'Per Billing Period' : null,
    triggerevent: 'ContractEffective',
    triggerdate: null,
    enddatecondition: def.type === 'OneTime' ? 'OneTime' : 'SubscriptionEnd',
    effectivestartdate: isoDate(effectiveStart),
    effectiveenddate: sub.term.termEnd ? isoDate(sub.cancelled ?? sub.term.termEnd) : sub.cancelled ? isoDate(sub.cancelled) : null,
    specificenddate: null,
    chargedthroughdate: chargedThrough,
    processedthroughdate: chargedThrough,
    price: micros(priceMicros),
    quantity: quantity === null ? null : micros(quantity * 1_000_000),
    uom: def.uom ?? null,
    includedunits: def.includedUnits ? micros(def.includedUnits * 1_000_000) : null,
    overageprice: def.model === 'Overage Pricing' ? micros(priceMicros) : null,
    overagecalculationoption: def.model === 'Overage Pricing' ? 'EndOfSmoothingPeriod' : null,
    overageunusedunitscreditoption: def.model === 'Overage Pricing' ? 'NoCredit' : null,
    usagerecordratingoption: def.type === 'Usage' ? 'EndOfBillingPeriod' : null,
    ratinggroup: def.type === 'Usage' ? 'ByBillingPeriod' : null,
    mrr: micros(mrr),
    dmrc: micros(mrr - previousMrr),
    tcv: micros(tcv),
    dtcv: micros(previous ? Math.round(((mrr - previousMrr) * months) / 2) : tcv),
    numberofperiods: null,
    uptoperiods: null,
    uptoperiodstype: null,
    specificbillingperiod: null,
    pricechangeoption: def.type === 'Recurring' ? 'NoChange' : null,
    priceincreasepercentage: null,
    rolloverbalance: null,
    applydiscountto: null,
    discountamount: null,
    discountclass: null,
    discountlevel: null,
    discountpercentage: null,
    revreccode: null,
    revrectriggercondition: 'ContractEffectiveDate',
    islastsegment: true,
    segment: 1,
    version: sub.version,
    invoiceownerid: account.id,
    subscriptionownerid: account.id,
    // Booking date: set for charges booked after Order to Revenue; the booking-date backfill fills the rest.
    bookingdate: o2r ? isoDate(sub.created) : null,
  })
  return charge
}

function quantityOf(rng: Random, charge: CatalogueCharge, previous: Charge | undefined, changed: boolean): number | null {
  const { def } = charge
  if (def.type === 'Usage') return null
  if (!def.quantity) return 1
  const [min, max] = def.quantity
  if (previous?.quantity != null && !changed) return previous.quantity
  const base = previous?.quantity ?? rng.int(min, max)
  return changed && previous ? Math.max(1, base + rng.int(-3, 10)) : base
}

/** A list price in the account's currency, in millionths (whole units for JPY). */
function localPrice(usdMicros: number, country: Country): number {
  const local = usdMicros * country.fx
  if (country.wholeUnits) return Math.max(1_000_000, Math.round(local / 1_000_000) * 1_000_000)
  // Sub-cent usage prices keep their precision; others round to the cent.
  return usdMicros < 1_000_000 ? Math.round(local / 100) * 100 : Math.round(local / 10_000) * 10_000
}

function revenueColumns(charge: CatalogueCharge): Row {
  const { def, product } = charge
  return {
    ...def.revenue,
    productfamily: product.family,
    productcategory: product.category,
    productline: product.line,
    productclass: product.productClass,
  }
}

function nullRevenueColumns(): Row {
  return {
    excludeitembookingfromrevenueaccounting: null,
    excludeitembillingfromrevenueaccounting: null,
    isunbilled: null,
    isallocationeligible: null,
    productfamily: null,
    productcategory: null,
    productline: null,
    productclass: null,
    revenuerecognitiontiming: null,
    revenueamortizationmethod: null,
  }
}

// ---- orders and order line items -----------------------------------------------------------

function addOrder(
  gen: Gen,
  account: Account,
  date: number,
  created: number,
  description: string,
  category: string,
  deleted = false,
): { id: string; number: string } {
  const { id, ordinal } = next(gen, 'orders')
  const number = numberOf(gen, 'O-', ordinal)
  add(gen, 'orders', {
    ...auditColumns(created, created, gen.user, deleted),
    id,
    accountid: account.id,
    ordernumber: number,
    orderdate: isoDate(date),
    category,
    description,
    status: deleted ? 'Draft' : 'Completed',
    state: deleted ? 'Draft' : 'Complete',
    createdbymigration: false,
    scheduleddate: null,
    scheduleddatepolicy: null,
  })
  return { id, number }
}

/** Some accounts also bought services or hardware: an order with line items. */
function addSalesOrder(gen: Gen, account: Account, contacts: Contacts): void {
  const { rng } = gen
  if (!rng.chance(0.35)) return
  const date = startOfDay(Math.min(account.created + rng.int(1, 700) * DAY_MS, SEED_EPOCH - DAY_MS))
  const created = date + timeOfDay(rng)
  const deleted = rng.chance(0.05)
  const charges = gen.catalogue.byRole.order.flatMap((plan) => plan.charges)
  const lines = rng.int(1, 3)
  const order = addOrder(gen, account, date, created, deleted ? 'Abandoned draft order' : 'Services and hardware', 'NewSales', deleted)
  const purchaseOrder = rng.chance(0.5) ? `PO-${rng.int(10000, 99999)}` : null
  for (let line = 0; line < lines; line++) {
    addOrderLineItem(gen, account, contacts, { orderId: order.id, created, date, deleted, purchaseOrder }, rng.pick(charges), line)
  }
}

interface OrderInfo {
  orderId: string
  created: number
  date: number
  deleted: boolean
  purchaseOrder: string | null
}

function addOrderLineItem(gen: Gen, account: Account, contacts: Contacts, order: OrderInfo, charge: CatalogueCharge, line: number): void {
  const { rng } = gen
  const { def, product } = charge
  const quantity = def.quantity ? rng.int(def.quantity[0], def.quantity[1]) : 1
  const listPerUnit = localPrice(def.usdMicros, account.country)
  const discountPercent = rng.chance(0.3) ? rng.pick([5, 10, 15]) : 0
  const discountPerUnit = Math.round((listPerUnit * discountPercent) / 100 / 10_000) * 10_000
  const perUnit = listPerUnit - discountPerUnit
  const amount = Math.round((perUnit * quantity) / 10_000)
  const listPrice = Math.round((listPerUnit * quantity) / 10_000)
  const o2r = order.created >= O2R_ENABLED
  const fulfilled = product.productClass === 'Physical Goods' && order.date < SEED_EPOCH - 30 * DAY_MS ? quantity : 0
  const { id } = next(gen, 'orderlineitem')
  add(gen, 'orderlineitem', {
    ...auditColumns(order.created, order.created, gen.user, order.deleted),
    id,
    orderid: order.orderId,
    itemnumber: String(line + 1),
    itemname: def.name,
    itemtype: product.productClass === 'Physical Goods' ? (def.model === 'Flat Fee Pricing' ? 'Fee' : 'Product') : 'Services',
    itemcategory: 'Sales',
    itemstate: order.deleted ? 'Executing' : order.date < SEED_EPOCH - 30 * DAY_MS ? 'Booked' : 'Executing',
    description: `${product.name}: ${def.name}`,
    productcode: product.sku,
    productrateplanchargeid: charge.id,
    quantity: micros(quantity * 1_000_000),
    quantityfulfilled: micros(fulfilled * 1_000_000),
    quantitypendingfulfillment: micros((product.productClass === 'Physical Goods' ? quantity - fulfilled : 0) * 1_000_000),
    quantityavailableforreturn: micros(fulfilled * 1_000_000),
    uom: def.uom ?? null,
    listpriceperunit: micros(listPerUnit),
    listprice: cents(listPrice),
    inlinediscounttype: discountPercent ? 'Percentage' : 'None',
    inlinediscountperunit: micros(discountPerUnit),
    discount: cents(listPrice - amount),
    amountperunit: micros(perUnit),
    amount: cents(amount),
    amountwithouttax: cents(amount),
    billingrule: 'TriggerWithoutFulfillment',
    billtargetdate: isoDate(order.date),
    transactiondate: isoDate(order.date),
    purchaseordernumber: order.purchaseOrder,
    soldto: contacts.soldTo,
    soldtoordercontactid: null,
    soldtosnapshotid: null,
    taxcode: 'Goods and Services',
    taxmode: 'TaxExclusive',
    relatedsubscriptionnumber: null,
    originalordernumber: null,
    originalorderlineitemnumber: null,
    ...bookedAccountingCodes(def.revenueCode, o2r),
    revenuerecognitionrule: def.revenue.revenuerecognitionrulename,
    // OrderLineItem's names for the two exclusion flags (spec §2.9).
    excludeitembookingfromrevenue: o2r ? def.revenue.excludeitembookingfromrevenueaccounting : null,
    excludeitembillingfromrevenue: o2r ? def.revenue.excludeitembillingfromrevenueaccounting : null,
    isunbilled: o2r ? def.revenue.isunbilled : null,
    isallocationeligible: o2r ? def.revenue.isallocationeligible : null,
    productfamily: o2r ? product.family : null,
    productcategory: o2r ? product.category : null,
    productline: o2r ? product.line : null,
    productclass: o2r ? product.productClass : null,
    revenuerecognitiontiming: o2r ? def.revenue.revenuerecognitiontiming : null,
    revenueamortizationmethod: o2r ? def.revenue.revenueamortizationmethod : null,
    bookingdate: o2r ? isoDate(order.date) : null,
  })
}

// ---- invoices, memos, adjustments, payments -------------------------------------------------

interface Totals {
  invoiceBalance: number
  debitMemoBalance: number
  creditMemoUnapplied: number
  lastInvoiceDate: number | null
  lastActivity: number
}

const emptyTotals = (): Totals => ({ invoiceBalance: 0, debitMemoBalance: 0, creditMemoUnapplied: 0, lastInvoiceDate: null, lastActivity: 0 })

/** The account's bill cycle dates from its first subscription up to the epoch. */
function billCycles(account: Account, firstStart: number): number[] {
  const cycles: number[] = []
  const first = new Date(firstStart)
  let month = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), account.billCycleDay)
  if (month < firstStart) month = addMonths(month, 1)
  for (; month < SEED_EPOCH; month = addMonths(month, 1)) cycles.push(month)
  return cycles
}

function addBilling(gen: Gen, account: Account, contacts: Contacts, charges: Charge[]): Totals {
  const { rng } = gen
  const totals = emptyTotals()
  const firstStart = Math.min(...charges.map((c) => c.from))
  const cycles = billCycles(account, firstStart)
  // Older bill runs are not seeded: the last one to four cycles of each account.
  const billed = cycles.slice(-rng.int(1, 4))
  billed.forEach((cycle, i) => {
    const items = invoiceItemsFor(gen, account, charges, cycle)
    if (items.length === 0) return
    const draft = i === billed.length - 1 && rng.chance(0.08)
    addInvoice(gen, account, contacts, cycle, items, draft ? 'Draft' : 'Posted', totals)
    // A rare abandoned draft of the same bill run, soft-deleted with its items.
    if (i === billed.length - 1 && rng.chance(0.02)) {
      addInvoice(gen, account, contacts, cycle, invoiceItemsFor(gen, account, charges, cycle), 'Deleted', totals)
    }
  })
  return totals
}

const monthIndex = (ms: number) => new Date(ms).getUTCFullYear() * 12 + new Date(ms).getUTCMonth()

/** What bills on `cycle`: recurring charges in advance, usage in arrears, one-time charges once. */
function invoiceItemsFor(gen: Gen, account: Account, charges: Charge[], cycle: number): InvoiceItem[] {
  const { rng } = gen
  const items: InvoiceItem[] = []
  for (const charge of charges) {
    if (cycle < charge.from || (charge.to !== null && cycle >= charge.to)) continue
    const { def } = charge.catalogue
    let chargeCents = 0
    let billedQuantity = charge.quantity
    if (def.type === 'Recurring') {
      const months = def.periodMonths ?? 1
      if ((monthIndex(cycle) - monthIndex(charge.effectiveStart)) % months !== 0) continue
      chargeCents = Math.round((charge.priceMicros * (charge.quantity ?? 1)) / 10_000)
    } else if (def.type === 'Usage') {
      const used = rng.int(def.uom === 'Credit' ? 10 : 1000, def.uom === 'Credit' ? 400 : 120_000)
      const billable = Math.max(0, used - (def.includedUnits ?? 0))
      if (billable === 0) continue
      chargeCents = Math.round((charge.priceMicros * billable) / 10_000)
      billedQuantity = billable
    } else {
      if (!(charge.effectiveStart > addMonths(cycle, -1) && charge.effectiveStart <= cycle)) continue
      chargeCents = Math.round((charge.priceMicros * (charge.quantity ?? 1)) / 10_000)
    }
    chargeCents = roundForCurrency(chargeCents, account.country)
    items.push({ id: '', charge: { ...charge, quantity: billedQuantity }, chargeCents, taxCents: taxOf(chargeCents, account.country) })
  }
  return items
}

const roundForCurrency = (amount: number, country: Country) => (country.wholeUnits ? Math.round(amount / 100) * 100 : amount)
const taxOf = (amount: number, country: Country) => roundForCurrency(Math.round((amount * country.taxBasisPoints) / 10_000), country)
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0)

function addInvoice(
  gen: Gen,
  account: Account,
  contacts: Contacts,
  cycle: number,
  items: InvoiceItem[],
  kind: 'Posted' | 'Draft' | 'Deleted',
  totals: Totals,
): void {
  const { rng } = gen
  const { id, ordinal } = next(gen, 'invoice')
  const number = numberOf(gen, 'INV', ordinal)
  const created = cycle + 2 * 3_600_000 + rng.int(0, 3600) * 1000
  const withoutTax = sum(items.map((item) => item.chargeCents))
  const tax = sum(items.map((item) => item.taxCents))
  const amount = withoutTax + tax
  const posted = kind === 'Posted'
  const dueDays = TERM_DAYS[account.paymentTerm] ?? 30
  const settled = posted ? settle(gen, account, cycle, created, dueDays, amount) : null
  for (const item of items) item.id = next(gen, 'invoiceitem').id
  const adjustment = settled && rng.chance(0.06) ? addAdjustment(gen, account, id, number, cycle, items[0]) : 0
  const paid = settled ? amount - adjustment : 0
  const balance = posted && !settled ? amount : 0
  const postedAt = created + 600_000
  add(gen, 'invoice', {
    ...auditColumns(created, Math.max(created, settled ? settled.date : posted ? postedAt : created), gen.user, kind === 'Deleted'),
    id,
    accountid: account.id,
    invoicenumber: number,
    invoicedate: isoDate(cycle),
    targetdate: isoDate(cycle),
    duedate: isoDate(addDays(cycle, dueDays)),
    currency: account.country.currency,
    status: posted ? 'Posted' : 'Draft',
    amount: cents(amount),
    amountwithouttax: cents(withoutTax),
    taxamount: cents(tax),
    taxexemptamount: '0.00',
    taxstatus: 'Complete',
    taxmessage: null,
    balance: cents(balance),
    paymentamount: cents(paid),
    adjustmentamount: '0.00',
    creditbalanceadjustmentamount: '0.00',
    refundamount: '0.00',
    autopay: account.autopay,
    paymentterm: account.paymentTerm,
    billtocontactid: contacts.billTo,
    billtocontactsnapshotid: null,
    soldtocontactsnapshotid: null,
    billrunid: seededId(gen.context.seed, 'billrun', monthIndex(cycle)),
    source: 'BillRun',
    sourceid: docNumber('BR-', monthIndex(cycle) - 24_000, 8),
    sourcetype: 'Subscription',
    includesrecurring: items.some((item) => item.charge.catalogue.def.type === 'Recurring'),
    includesusage: items.some((item) => item.charge.catalogue.def.type === 'Usage'),
    includesonetime: items.some((item) => item.charge.catalogue.def.type === 'OneTime'),
    postedby: posted ? gen.user : null,
    posteddate: posted ? isoTimestamp(postedAt) : null,
    lastemailsentdate: posted ? isoTimestamp(postedAt + 60_000) : null,
    comments: null,
    transferredtoaccounting: 'No',
  })
  for (const item of items) addInvoiceItem(gen, id, created, cycle, item, posted && !settled, kind === 'Deleted')
  if (settled) addPayment(gen, account, settled.date, paid, number, rng.chance(0.03))
  if (!posted) return
  totals.invoiceBalance += balance
  totals.lastInvoiceDate = Math.max(totals.lastInvoiceDate ?? 0, cycle)
  totals.lastActivity = Math.max(totals.lastActivity, settled?.date ?? postedAt)
  if (rng.chance(0.08)) totals.creditMemoUnapplied += addCreditMemo(gen, account, id, cycle, rng.pick(items))
  if (rng.chance(0.04)) totals.debitMemoBalance += addDebitMemo(gen, account, id, cycle, rng.pick(items))
}

/** Whether and when a posted invoice was paid. */
function settle(gen: Gen, account: Account, cycle: number, created: number, dueDays: number, amount: number): { date: number } | null {
  const { rng } = gen
  if (amount === 0) return null
  const overdue = addDays(cycle, dueDays + 10) < SEED_EPOCH
  const paid = overdue ? rng.chance(0.92) : rng.chance(account.autopay ? 0.7 : 0.2)
  if (!paid) return null
  const date = Math.min(addDays(cycle, account.autopay ? 0 : rng.int(1, dueDays + 5)) + 4 * 3_600_000, SEED_EPOCH - 3_600_000)
  return { date: Math.max(date, created + 3_600_000) }
}

function addInvoiceItem(gen: Gen, invoiceId: string, created: number, cycle: number, item: InvoiceItem, open: boolean, deleted: boolean): void {
  const { charge } = item
  const { def, product } = charge.catalogue
  const [start, end] =
    def.type === 'Recurring'
      ? [cycle, addDays(addMonths(cycle, def.periodMonths ?? 1), -1)]
      : def.type === 'Usage'
        ? [addMonths(cycle, -1), addDays(cycle, -1)]
        : [charge.effectiveStart, charge.effectiveStart]
  add(gen, 'invoiceitem', {
    ...auditColumns(created, created, gen.user, deleted),
    ...charge.documentRevenue,
    id: item.id,
    invoiceid: invoiceId,
    subscriptionid: charge.subscriptionId,
    subscriptionnumber: charge.subscriptionName,
    rateplanchargeid: charge.id,
    chargename: def.name,
    chargenumber: charge.number,
    chargeamount: cents(item.chargeCents),
    chargedate: isoTimestamp(created),
    quantity: micros((charge.quantity ?? 1) * 1_000_000),
    unitprice: micros(charge.priceMicros),
    uom: def.uom ?? null,
    sku: product.sku,
    productname: product.name,
    productdescription: product.description,
    processingtype: 'Charge',
    servicestartdate: isoDate(start),
    serviceenddate: isoDate(end),
    revrecstartdate: isoDate(start),
    taxamount: cents(item.taxCents),
    taxcode: 'Digital Services',
    taxmode: 'TaxExclusive',
    taxexemptamount: '0.00',
    balance: cents(open ? item.chargeCents + item.taxCents : 0),
    appliedtoinvoiceitemid: null,
  })
}

function addPayment(gen: Gen, account: Account, date: number, amount: number, invoiceNumber: string, failedFirst: boolean): void {
  // A declined attempt before the successful one, now and then.
  if (failedFirst) addPaymentRow(gen, account, date - 2 * DAY_MS, amount, invoiceNumber, 'Error')
  addPaymentRow(gen, account, date, amount, invoiceNumber, 'Processed')
}

function addPaymentRow(gen: Gen, account: Account, date: number, amount: number, invoiceNumber: string, status: 'Processed' | 'Error'): void {
  const { rng } = gen
  const { id, ordinal } = next(gen, 'payment')
  const ok = status === 'Processed'
  const electronic = account.autopay || rng.chance(0.5)
  add(gen, 'payment', {
    ...auditColumns(date, date + (ok ? DAY_MS : 0), gen.user),
    id,
    accountid: account.id,
    paymentnumber: numberOf(gen, 'P-', ordinal),
    amount: cents(amount),
    appliedamount: cents(ok ? amount : 0),
    unappliedamount: '0.00',
    appliedcreditbalanceamount: '0.00',
    refundamount: '0.00',
    currency: account.country.currency,
    effectivedate: isoDate(date),
    status,
    type: electronic ? 'Electronic' : 'External',
    paymentmethodid: account.paymentMethodId,
    gateway: electronic ? account.gateway : null,
    gatewayresponse: electronic ? (ok ? 'Approved' : 'Card declined') : null,
    gatewayresponsecode: electronic ? (ok ? '100' : '402') : null,
    gatewaystate: electronic ? (ok ? 'Settled' : 'FailedToSettle') : 'NotSubmitted',
    authtransactionid: electronic ? `ch_${seededId(gen.context.seed, 'charge', gen.index, ordinal).slice(0, 24)}` : null,
    referenceid: electronic ? null : `CHK-${rng.int(100000, 999999)}`,
    bankidentificationnumber: electronic ? String(rng.pick([411111, 555555, 378282, 601111])) : null,
    softdescriptor: null,
    comment: `Payment for ${invoiceNumber}`,
    markedforsubmissionon: electronic ? isoTimestamp(date - 3_600_000) : null,
    submittedon: electronic ? isoTimestamp(date) : null,
    settledon: electronic && ok ? isoTimestamp(date + DAY_MS) : null,
    cancelledon: null,
    source: account.autopay ? 'PaymentRun' : 'Manually',
    sourcename: account.autopay ? docNumber('PR-', monthIndex(date) - 24_000, 8) : null,
    accountingcode: 'Cash',
    transferredtoaccounting: 'No',
  })
}

function addAdjustment(gen: Gen, account: Account, invoiceId: string, invoiceNumber: string, cycle: number, item: InvoiceItem): number {
  const { rng } = gen
  const amount = roundForCurrency(Math.round((item.chargeCents * rng.pick([10, 25, 50])) / 100), account.country)
  if (amount === 0) return 0
  const { id, ordinal } = next(gen, 'invoiceitemadjustment')
  const date = Math.min(addDays(cycle, rng.int(1, 20)), SEED_EPOCH - DAY_MS)
  const { def } = item.charge.catalogue
  add(gen, 'invoiceitemadjustment', {
    ...auditColumns(date, date, gen.user),
    ...item.charge.documentRevenue,
    id,
    accountid: account.id,
    adjustmentnumber: numberOf(gen, 'IIA-', ordinal),
    adjustmentdate: isoDate(date),
    amount: cents(amount),
    type: 'Credit',
    status: 'Processed',
    invoiceid: invoiceId,
    invoicenumber: invoiceNumber,
    invoiceitemname: def.name,
    sourceid: item.id,
    sourcetype: 'InvoiceDetail',
    servicestartdate: isoDate(cycle),
    serviceenddate: isoDate(addDays(addMonths(cycle, def.periodMonths ?? 1), -1)),
    customername: account.name,
    customernumber: account.number,
    reasoncode: rng.pick(ADJUSTMENT_REASONS),
    referenceid: null,
    comment: null,
    cancelledbyid: null,
    cancelleddate: null,
    transferredtoaccounting: 'No',
  })
  return amount
}

/** A credit memo against one invoice item; returns what it leaves unapplied (posted memos only). */
function addCreditMemo(gen: Gen, account: Account, invoiceId: string, cycle: number, item: InvoiceItem): number {
  const { rng } = gen
  const date = startOfDay(addDays(cycle, rng.int(3, 40))) + timeOfDay(rng)
  if (date >= SEED_EPOCH) return 0
  const withoutTax = roundForCurrency(Math.round((item.chargeCents * rng.pick([100, 50, 25])) / 100), account.country)
  if (withoutTax === 0) return 0
  const tax = taxOf(withoutTax, account.country)
  const amount = withoutTax + tax
  const posted = rng.chance(0.9)
  const { id, ordinal } = next(gen, 'creditmemo')
  add(gen, 'creditmemo', {
    ...auditColumns(date, date, gen.user),
    id,
    accountid: account.id,
    memonumber: numberOf(gen, 'CM', ordinal),
    memodate: isoDate(date),
    targetdate: null,
    currency: account.country.currency,
    status: posted ? 'Posted' : 'Draft',
    amount: cents(amount),
    amountwithouttax: cents(withoutTax),
    taxamount: cents(tax),
    totaltaxexemptamount: '0.00',
    discountamount: '0.00',
    appliedamount: '0.00',
    unappliedamount: cents(amount),
    refundamount: '0.00',
    referredinvoiceid: invoiceId,
    reasoncode: rng.pick(CREDIT_MEMO_REASONS),
    source: 'AdhocFromInvoice',
    sourceid: null,
    sourcetype: 'Standalone',
    autoapplyuponposting: false,
    excludefromautoapplyrules: false,
    revenueimpacting: 'Yes',
    postedbyid: posted ? gen.user : null,
    postedon: posted ? isoTimestamp(date + 600_000) : null,
    cancelledbyid: null,
    cancelledon: null,
    billtocontactsnapshotid: null,
    comments: null,
    taxstatus: 'Complete',
    taxmessage: null,
    transferredtoaccounting: 'No',
  })
  addMemoItem(gen, 'creditmemoitem', { creditmemoid: id, appliedamount: '0.00', unappliedamount: cents(amount), refundamount: '0.00',
    creditfromitemid: item.id, creditfromitemsource: 'InvoiceItem' }, date, item, withoutTax, tax)
  return posted ? amount : 0
}

/** A debit memo for underbilled usage or a late fee on one invoice item; returns its open balance (posted memos). */
function addDebitMemo(gen: Gen, account: Account, invoiceId: string, cycle: number, item: InvoiceItem): number {
  const { rng } = gen
  const date = startOfDay(addDays(cycle, rng.int(10, 60))) + timeOfDay(rng)
  if (date >= SEED_EPOCH) return 0
  const reason = rng.pick(DEBIT_MEMO_REASONS)
  const withoutTax = roundForCurrency(
    reason === 'Late fee' ? Math.round(2500 * account.country.fx) : Math.max(100, Math.round(item.chargeCents / 10)),
    account.country,
  )
  const tax = taxOf(withoutTax, account.country)
  const amount = withoutTax + tax
  const dueDays = TERM_DAYS[account.paymentTerm] ?? 30
  const { id, ordinal } = next(gen, 'debitmemo')
  add(gen, 'debitmemo', {
    ...auditColumns(date, date, gen.user),
    id,
    accountid: account.id,
    memonumber: numberOf(gen, 'DM', ordinal),
    memodate: isoDate(date),
    duedate: isoDate(addDays(startOfDay(date), dueDays)),
    targetdate: null,
    currency: account.country.currency,
    status: 'Posted',
    amount: cents(amount),
    amountwithouttax: cents(withoutTax),
    taxamount: cents(tax),
    totaltaxexemptamount: '0.00',
    discountamount: '0.00',
    balance: cents(amount),
    beappliedamount: '0.00',
    autopay: account.autopay,
    paymentterm: account.paymentTerm,
    referredinvoiceid: invoiceId,
    reasoncode: reason,
    source: 'AdhocFromInvoice',
    sourceid: null,
    sourcetype: 'Standalone',
    postedbyid: gen.user,
    postedon: isoTimestamp(date + 600_000),
    cancelledbyid: null,
    cancelledon: null,
    billtocontactsnapshotid: null,
    comments: null,
    taxstatus: 'Complete',
    taxmessage: null,
    transferredtoaccounting: 'No',
  })
  addMemoItem(gen, 'debitmemoitem', { debitmemoid: id, balance: cents(amount), beappliedamount: '0.00' }, date, item, withoutTax, tax,
    reason === 'Late fee' ? 'Late fee' : undefined)
  return amount
}

function addMemoItem(gen: Gen, table: 'creditmemoitem' | 'debitmemoitem', own: Row, date: number, item: InvoiceItem, withoutTax: number, tax: number, name?: string): void {
  const { charge } = item
  const { def, product } = charge.catalogue
  add(gen, table, {
    ...auditColumns(date, date, gen.user),
    ...charge.documentRevenue,
    ...own,
    id: next(gen, table).id,
    amount: cents(withoutTax + tax),
    amountwithouttax: cents(withoutTax),
    taxamount: cents(tax),
    taxexemptamount: '0.00',
    taxcode: 'Digital Services',
    taxmode: 'TaxExclusive',
    chargedate: isoTimestamp(date),
    chargename: name ?? def.name,
    chargenumber: charge.number,
    comment: null,
    processingtype: 'Charge',
    quantity: '1.000000',
    unitprice: micros(withoutTax * 10_000),
    unitofmeasure: def.uom ?? null,
    sku: product.sku,
    skuname: product.name,
    servicestartdate: isoDate(date),
    serviceenddate: isoDate(date),
    subscriptionid: charge.subscriptionId,
    rateplanchargeid: charge.id,
    sourceitemid: item.id,
    sourceitemtype: 'InvoiceDetail',
    appliedtoitemid: null,
  })
}

// ---- the account row -----------------------------------------------------------------------

function addAccountRow(gen: Gen, account: Account, contacts: Contacts, totals: Totals): void {
  const { rng, index, context } = gen
  const balance = totals.invoiceBalance + totals.debitMemoBalance - totals.creditMemoUnapplied
  const eu = account.country.vatPrefix
  const exempt = rng.chance(0.05)
  const step = Math.max(1, context.entityIds.length) * Math.max(1, context.orgIds.length)
  const parent = index >= step && rng.chance(0.05) ? index - step * rng.int(1, Math.min(10, Math.floor(index / step))) : null
  const rep = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`
  const updated = Math.max(account.created, totals.lastActivity)
  add(gen, 'account', {
    ...auditColumns(account.created, updated, gen.user, account.deleted),
    id: account.id,
    accountnumber: account.number,
    name: account.name,
    status: account.deleted ? 'Draft' : account.cancelled ? 'Canceled' : 'Active',
    currency: account.country.currency,
    billcycleday: account.billCycleDay,
    bcdsettingoption: 'ManualSet',
    billtoid: contacts.billTo,
    soldtoid: contacts.soldTo,
    paymentterm: account.paymentTerm,
    autopay: account.autopay,
    paymentgateway: account.gateway,
    defaultpaymentmethodid: account.paymentMethodId,
    paymentmethodcascadingconsent: false,
    invoicedeliveryprefsemail: true,
    invoicedeliveryprefsprint: rng.chance(0.1),
    allowinvoiceedit: false,
    batch: rng.pick(BATCHES),
    communicationprofileid: seededId(context.seed, 'communicationprofile'),
    invoicetemplateid: seededId(context.seed, 'invoicetemplate'),
    sequencesetid: null,
    crmid: rng.chance(0.7) ? `0015e00000${seededId(context.seed, 'crm', index).slice(0, 8).toUpperCase()}` : null,
    salesrepname: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
    customerservicerepname: rep,
    additionalemailaddresses: rng.chance(0.2) ? `ap@${account.domain}` : null,
    notes: null,
    parentid: parent !== null && !isDeletedAccount(parent) ? seededId(context.seed, 'account', parent) : null,
    purchaseordernumber: rng.chance(0.3) ? `PO-${rng.int(10000, 99999)}` : null,
    vatid: eu ? `${eu}${rng.int(100_000_000, 999_999_999)}` : null,
    taxcompanycode: null,
    taxexemptstatus: exempt ? 'Yes' : 'No',
    taxexemptcertificateid: exempt ? `EX-${rng.int(100000, 999999)}` : null,
    taxexemptcertificatetype: exempt ? 'Resale' : null,
    taxexemptdescription: exempt ? 'Reseller certificate on file' : null,
    taxexemptissuingjurisdiction: exempt ? account.country.code : null,
    taxexempteffectivedate: exempt ? isoDate(startOfDay(account.created)) : null,
    taxexemptexpirationdate: exempt ? isoDate(addMonths(startOfDay(account.created), 36)) : null,
    balance: cents(balance),
    totalinvoicebalance: cents(totals.invoiceBalance),
    creditbalance: '0.00',
    lastinvoicedate: totals.lastInvoiceDate === null ? null : isoDate(totals.lastInvoiceDate),
  })
}
