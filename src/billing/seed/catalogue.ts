// The seeded product catalogue: products, their rate plans and charges, with Zuora's charge
// models and the revenue fields and accounting codes Order to Revenue reads. Each entity of
// a multi-entity tenant gets its own copy (own ids); multi-org tenants share one catalogue.
import { DAY_MS, SEED_EPOCH, docNumber, isoDate, isoTimestamp, micros, seededId } from './random.ts'

export type ChargeType = 'Recurring' | 'Usage' | 'OneTime'
export type Role = 'base' | 'addon' | 'order'

/** How a charge is recognised: the auto-backfill fields and the recognition rule. */
export interface RevenueProfile {
  revenuerecognitionrulename: string
  revenuerecognitiontiming: string
  revenueamortizationmethod: string
  excludeitembookingfromrevenueaccounting: boolean
  excludeitembillingfromrevenueaccounting: boolean
  isunbilled: boolean
  isallocationeligible: boolean
}

const RATABLE: RevenueProfile = {
  revenuerecognitionrulename: 'Recognize daily over time',
  revenuerecognitiontiming: 'Upon Order Activation Date',
  revenueamortizationmethod: 'Ratable Using Start And End Dates',
  excludeitembookingfromrevenueaccounting: false,
  excludeitembillingfromrevenueaccounting: false,
  isunbilled: false,
  isallocationeligible: true,
}
const ON_INVOICE: RevenueProfile = {
  revenuerecognitionrulename: 'Recognize upon invoicing',
  revenuerecognitiontiming: 'Upon Billing Document Posting Date',
  revenueamortizationmethod: 'Immediate',
  excludeitembookingfromrevenueaccounting: true,
  excludeitembillingfromrevenueaccounting: false,
  isunbilled: false,
  isallocationeligible: false,
}
const SERVICES: RevenueProfile = { ...ON_INVOICE, excludeitembookingfromrevenueaccounting: false, isallocationeligible: true }
const HARDWARE: RevenueProfile = {
  ...ON_INVOICE,
  revenuerecognitiontiming: 'Upon Order Activation Date',
  excludeitembookingfromrevenueaccounting: false,
  isunbilled: true,
  isallocationeligible: true,
}

export interface ChargeDef {
  name: string
  type: ChargeType
  model: string
  /** Months per billing period of a recurring charge. */
  periodMonths?: 1 | 3 | 12
  uom?: string
  /** List price in US dollars, in millionths (per unit, or flat). */
  usdMicros: number
  /** Quantity range of a per-unit charge. */
  quantity?: readonly [number, number]
  revenue: RevenueProfile
  revenueCode: string
  includedUnits?: number
}

export interface PlanDef {
  name: string
  description: string
  charges: readonly ChargeDef[]
}

export interface ProductDef {
  name: string
  sku: string
  category: string
  description: string
  family: string
  line: string
  productClass: string
  role: Role
  /** A retired product, soft-deleted with its plans and charges. */
  retired?: boolean
  plans: readonly PlanDef[]
}

const usd = (dollars: number) => Math.round(dollars * 1_000_000)
const recurring = (name: string, model: string, periodMonths: 1 | 3 | 12, dollars: number, extra: Partial<ChargeDef> = {}): ChargeDef => ({
  name, type: 'Recurring', model, periodMonths, usdMicros: usd(dollars), revenue: RATABLE, revenueCode: 'Subscription Revenue', ...extra,
})
const usage = (name: string, model: string, uom: string, dollars: number, extra: Partial<ChargeDef> = {}): ChargeDef => ({
  name, type: 'Usage', model, uom, usdMicros: usd(dollars), revenue: ON_INVOICE, revenueCode: 'Usage Revenue', ...extra,
})
const oneTime = (name: string, model: string, dollars: number, revenue: RevenueProfile, revenueCode: string, extra: Partial<ChargeDef> = {}): ChargeDef => ({
  name, type: 'OneTime', model, usdMicros: usd(dollars), revenue, revenueCode, ...extra,
})
const seats = { uom: 'User', quantity: [5, 60] as const }

export const PRODUCTS: readonly ProductDef[] = [
  {
    name: 'Analytics Cloud', sku: 'SKU-ANL-100', category: 'Base Products', description: 'Hosted analytics platform',
    family: 'Analytics', line: 'Cloud Platform', productClass: 'Subscription', role: 'base',
    plans: [
      { name: 'Analytics Starter Monthly', description: 'Small teams, billed monthly', charges: [
        recurring('Platform Fee', 'Flat Fee Pricing', 1, 490),
        recurring('Named Users', 'Per Unit Pricing', 1, 25, seats),
      ] },
      { name: 'Analytics Professional Monthly', description: 'Growing teams, billed monthly', charges: [
        recurring('Platform Fee', 'Flat Fee Pricing', 1, 1490),
        recurring('Named Users', 'Per Unit Pricing', 1, 35, seats),
        usage('API Calls', 'Tiered Pricing', 'API Call', 0.002),
      ] },
      { name: 'Analytics Enterprise Annual', description: 'Enterprise edition, billed annually', charges: [
        recurring('Platform Fee', 'Flat Fee Pricing', 12, 48_000),
        recurring('Named Users', 'Per Unit Pricing', 12, 360, seats),
        oneTime('Onboarding', 'Flat Fee Pricing', 5000, SERVICES, 'Services Revenue'),
      ] },
    ],
  },
  {
    name: 'Data Warehouse', sku: 'SKU-DWH-200', category: 'Base Products', description: 'Managed columnar warehouse',
    family: 'Data Platform', line: 'Cloud Platform', productClass: 'Subscription', role: 'base',
    plans: [
      { name: 'Warehouse Standard Monthly', description: 'Storage billed monthly, compute in arrears', charges: [
        recurring('Storage', 'Per Unit Pricing', 1, 120, { uom: 'TB', quantity: [1, 40] }),
        usage('Compute Credits', 'Volume Pricing', 'Credit', 2.5),
      ] },
      { name: 'Warehouse Reserved Quarterly', description: 'Reserved capacity billed quarterly', charges: [
        recurring('Reserved Capacity', 'Per Unit Pricing', 3, 900, { uom: 'Node', quantity: [1, 12] }),
      ] },
    ],
  },
  {
    name: 'Messaging API', sku: 'SKU-MSG-300', category: 'Base Products', description: 'Transactional SMS and email API',
    family: 'Communications', line: 'Developer APIs', productClass: 'Usage', role: 'base',
    plans: [
      { name: 'Messaging Pay As You Go', description: 'Per-message pricing, billed in arrears', charges: [
        usage('Messages', 'Per Unit Pricing', 'Message', 0.0075),
      ] },
      { name: 'Messaging Bundle 50k', description: 'Monthly bundle with overage', charges: [
        recurring('Bundle Fee', 'Flat Fee Pricing', 1, 199),
        usage('Overage Messages', 'Overage Pricing', 'Message', 0.005, { includedUnits: 50_000 }),
      ] },
    ],
  },
  {
    name: 'Premium Support', sku: 'SKU-SUP-400', category: 'Add On Services', description: 'Named support engineer and faster response',
    family: 'Support', line: 'Customer Success', productClass: 'Service', role: 'addon',
    plans: [
      { name: 'Premium Support Quarterly', description: 'Business-hours premium support', charges: [
        recurring('Support Fee', 'Flat Fee Pricing', 3, 2400, { revenueCode: 'Support Revenue' }),
      ] },
      { name: '24x7 Support Annual', description: 'Round-the-clock support, billed annually', charges: [
        recurring('Support Fee', 'Flat Fee Pricing', 12, 12_000, { revenueCode: 'Support Revenue' }),
      ] },
    ],
  },
  {
    name: 'Professional Services', sku: 'SKU-PS-500', category: 'Miscellaneous Products', description: 'Implementation and training',
    family: 'Services', line: 'Professional Services', productClass: 'Service', role: 'order',
    plans: [
      { name: 'Implementation Package', description: 'Fixed-scope implementation', charges: [
        oneTime('Implementation', 'Flat Fee Pricing', 15_000, SERVICES, 'Services Revenue'),
      ] },
      { name: 'Training', description: 'On-site or remote training days', charges: [
        oneTime('Training Day', 'Per Unit Pricing', 1800, SERVICES, 'Services Revenue', { uom: 'Day', quantity: [1, 5] }),
      ] },
    ],
  },
  {
    name: 'Edge Gateway', sku: 'SKU-HW-600', category: 'Miscellaneous Products', description: 'On-premises data collection appliance',
    family: 'Hardware', line: 'Devices', productClass: 'Physical Goods', role: 'order',
    plans: [
      { name: 'Edge Gateway Device', description: 'Appliance with shipping', charges: [
        oneTime('Gateway Device', 'Per Unit Pricing', 349, HARDWARE, 'Hardware Revenue', { uom: 'Each', quantity: [1, 20] }),
        oneTime('Shipping and Handling', 'Flat Fee Pricing', 25, HARDWARE, 'Hardware Revenue'),
      ] },
    ],
  },
  {
    name: 'Legacy Reporting', sku: 'SKU-LEG-900', category: 'Base Products', description: 'Retired reporting add-on',
    family: 'Analytics', line: 'Legacy', productClass: 'Subscription', role: 'addon', retired: true,
    plans: [
      { name: 'Legacy Reporting Monthly', description: 'No longer sold', charges: [
        recurring('Reporting Fee', 'Flat Fee Pricing', 1, 99),
      ] },
    ],
  },
]

/** Accounting codes of a charge whose revenue is booked to `revenueCode`. */
export function accountingCodes(revenueCode: string) {
  return {
    accountingcode: revenueCode,
    deferredrevenueaccountingcode: 'Deferred Revenue',
    recognizedrevenueaccountingcode: revenueCode,
    contractassetaccountingcode: 'Contract Asset',
    contractliabilityaccountingcode: 'Contract Liability',
    unbilledreceivablesaccountingcode: 'Unbilled Receivables',
    adjustmentrevenueaccountingcode: 'Revenue Adjustments',
    adjustmentliabilityaccountingcode: 'Adjustment Liability',
  }
}

/** The codes a subscription or order charge carries: the five Order to Revenue ones only if booked after it was on. */
export function bookedAccountingCodes(revenueCode: string, orderToRevenue: boolean) {
  const codes = accountingCodes(revenueCode)
  if (orderToRevenue) return codes
  return {
    ...codes,
    contractassetaccountingcode: null,
    contractliabilityaccountingcode: null,
    unbilledreceivablesaccountingcode: null,
    adjustmentrevenueaccountingcode: null,
    adjustmentliabilityaccountingcode: null,
  }
}

export interface CatalogueCharge {
  id: string
  def: ChargeDef
  product: ProductDef
  planId: string
  number: string
}

export interface CataloguePlan {
  id: string
  def: PlanDef
  product: ProductDef
  productId: string
  charges: CatalogueCharge[]
}

/** One entity's catalogue: ids and the plans accounts can buy, by role. */
export interface Catalogue {
  plans: CataloguePlan[]
  byRole: Record<Role, CataloguePlan[]>
}

/** The catalogue of entity `entityIndex` (0 for a tenant without entities): pure, cheap, rebuilt per batch. */
export function catalogue(seed: number, entityIndex: number): Catalogue {
  const plans: CataloguePlan[] = []
  PRODUCTS.forEach((product, p) => {
    const productId = seededId(seed, 'product', entityIndex, p)
    product.plans.forEach((plan, q) => {
      const planId = seededId(seed, 'productrateplan', entityIndex, p, q)
      const charges = plan.charges.map((def, c) => ({
        id: seededId(seed, 'productrateplancharge', entityIndex, p, q, c),
        def,
        product,
        planId,
        number: docNumber('PC-', p * 100 + q * 10 + c + 1, 8),
      }))
      plans.push({ id: planId, def: plan, product, productId, charges })
    })
  })
  const live = plans.filter((plan) => !plan.product.retired)
  return {
    plans,
    byRole: {
      base: live.filter((plan) => plan.product.role === 'base'),
      addon: live.filter((plan) => plan.product.role === 'addon'),
      order: live.filter((plan) => plan.product.role === 'order'),
    },
  }
}

/** When the catalogue was set up: before any seeded account. */
const CATALOGUE_CREATED = SEED_EPOCH - 4 * 365 * DAY_MS
const FAR_FUTURE = '2099-12-31'

export type Row = Record<string, unknown>

/** The catalogue's rows (product, productrateplan, productrateplancharge) of one entity. */
export function catalogueRows(seed: number, entityIndex: number, scope: Row, userId: string): Record<string, Row[]> {
  const rows: Record<string, Row[]> = { product: [], productrateplan: [], productrateplancharge: [] }
  const { plans } = catalogue(seed, entityIndex)
  const seenProducts = new Set<string>()
  plans.forEach((plan, planIndex) => {
    const created = CATALOGUE_CREATED + planIndex * 3_600_000
    const audit = auditColumns(created, created, userId, plan.product.retired === true)
    const start = isoDate(CATALOGUE_CREATED)
    const end = plan.product.retired ? isoDate(SEED_EPOCH - 400 * DAY_MS) : FAR_FUTURE
    if (!seenProducts.has(plan.productId)) {
      seenProducts.add(plan.productId)
      rows.product.push({
        ...scope, ...audit, id: plan.productId, name: plan.product.name, sku: plan.product.sku,
        category: plan.product.category, description: plan.product.description, allowfeaturechanges: false,
        effectivestartdate: start, effectiveenddate: end, productnumber: docNumber('PN-', seenProducts.size, 8),
      })
    }
    rows.productrateplan.push({
      ...scope, ...audit, id: plan.id, productid: plan.productId, name: plan.def.name, description: plan.def.description,
      effectivestartdate: start, effectiveenddate: end, productrateplannumber: docNumber('PRP-', planIndex + 1, 8),
    })
    for (const charge of plan.charges) rows.productrateplancharge.push({ ...scope, ...audit, ...chargeRow(charge) })
  })
  return rows
}

function chargeRow(charge: CatalogueCharge): Row {
  const { def, product } = charge
  const isUsage = def.type === 'Usage'
  const isRecurring = def.type === 'Recurring'
  return {
    id: charge.id,
    productrateplanid: charge.planId,
    productrateplanchargenumber: charge.number,
    name: def.name,
    description: `${product.name}: ${def.name}`,
    chargetype: def.type,
    chargemodel: def.model,
    billingperiod: isRecurring ? billingPeriodName(def.periodMonths) : isUsage ? 'Month' : null,
    billingtiming: isRecurring ? 'In Advance' : isUsage ? 'In Arrears' : null,
    billcycletype: 'DefaultFromCustomer',
    billingperiodalignment: 'AlignToCharge',
    listpricebase: isRecurring ? 'Per Billing Period' : null,
    triggerevent: 'ContractEffective',
    enddatecondition: def.type === 'OneTime' ? 'OneTime' : 'SubscriptionEnd',
    defaultquantity: def.quantity ? micros(def.quantity[0] * 1_000_000) : def.model === 'Flat Fee Pricing' ? '1.000000' : null,
    minquantity: def.quantity ? '1.000000' : null,
    maxquantity: def.quantity ? micros(def.quantity[1] * 10 * 1_000_000) : null,
    includedunits: def.includedUnits ? micros(def.includedUnits * 1_000_000) : null,
    uom: def.uom ?? null,
    taxable: true,
    taxcode: def.type === 'OneTime' && product.role === 'order' ? 'Goods and Services' : 'Digital Services',
    taxmode: 'TaxExclusive',
    usagerecordratingoption: isUsage ? 'EndOfBillingPeriod' : null,
    overagecalculationoption: def.model === 'Overage Pricing' ? 'EndOfSmoothingPeriod' : null,
    overageunusedunitscreditoption: def.model === 'Overage Pricing' ? 'NoCredit' : null,
    pricechangeoption: isRecurring ? 'NoChange' : null,
    usetenantdefaultforpricechange: isRecurring,
    revrectriggercondition: 'ContractEffectiveDate',
    usediscountspecificaccountingcode: false,
    productfamily: product.family,
    productcategory: product.category,
    productline: product.line,
    productclass: product.productClass,
    ...def.revenue,
    ...accountingCodes(def.revenueCode),
  }
}

export const billingPeriodName = (months: number | undefined): string | null =>
  months === 1 ? 'Month' : months === 3 ? 'Quarter' : months === 12 ? 'Annual' : null

/** createdbyid..deleted of a seeded row. */
export function auditColumns(created: number, updated: number, userId: string, deleted = false): Row {
  return {
    createdbyid: userId,
    createddate: isoTimestamp(created),
    updatedbyid: userId,
    updateddate: isoTimestamp(updated),
    deleted,
  }
}
