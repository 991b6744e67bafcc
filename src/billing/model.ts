// The billing data model: the objects Data Query reads and the data backfills change, with
// the lower-case column names and types Data Query exposes. Migration 0004_billing.sql
// creates exactly these tables in schema `billing` (a test compares the two), each with
// tenant_id leading its key and the scope columns entity_id and org_id after the catalogue
// columns.
//
// Columns are written with their API names (Zuora's casing, what SHOW COLUMNS puts in
// `Comment`); the column name is the API name lower-cased. Order: id first, then the rest
// alphabetically.

export type DataQueryType = 'varchar' | 'decimal(18,6)' | 'bigint' | 'boolean' | 'date' | 'timestamp with time zone'

export interface Column {
  /** Data Query column name: the API name in lower case. */
  name: string
  /** Zuora's API name of the field (SHOW COLUMNS `Comment`). */
  apiName: string
  type: DataQueryType
  /** The billing object (or `user`) an id column points at: 32 hex characters, imported as such. */
  ref?: string
}

export interface BillingObject {
  /** Data Query table name, lower case (also the table name in schema `billing`). */
  name: string
  /** Zuora's object name (Account, RatePlanCharge, Orders...). */
  apiName: string
  columns: Column[]
}

const V = 'varchar'
const D = 'decimal(18,6)'
const B = 'bigint'
const BOOL = 'boolean'
const DT = 'date'
const TS = 'timestamp with time zone'

type Spec = [apiName: string, type: DataQueryType, ref?: string]

/** Audit columns every object has. */
const AUDIT: Spec[] = [
  ['CreatedById', V, 'user'],
  ['CreatedDate', TS],
  ['UpdatedById', V, 'user'],
  ['UpdatedDate', TS],
  ['Deleted', BOOL],
]

/** Accounting codes of a charge (Order to Revenue), on catalogue, subscription and order charges and on billing document items. */
const ACCOUNTING_CODES: Spec[] = [
  ['AccountingCode', V],
  ['DeferredRevenueAccountingCode', V],
  ['RecognizedRevenueAccountingCode', V],
  ['ContractAssetAccountingCode', V],
  ['ContractLiabilityAccountingCode', V],
  ['UnbilledReceivablesAccountingCode', V],
  ['AdjustmentRevenueAccountingCode', V],
  ['AdjustmentLiabilityAccountingCode', V],
]

/** The ten fields the auto backfill copies from a product rate plan charge, by their API names on PRPC and RPC. */
const AUTO_BACKFILL: Spec[] = [
  ['ExcludeItemBookingFromRevenueAccounting', BOOL],
  ['ExcludeItemBillingFromRevenueAccounting', BOOL],
  ['IsUnbilled', BOOL],
  ['IsAllocationEligible', BOOL],
  ['ProductFamily', V],
  ['ProductCategory', V],
  ['ProductLine', V],
  ['ProductClass', V],
  ['RevenueRecognitionTiming', V],
  ['RevenueAmortizationMethod', V],
]

/**
 * Revenue fields of billing document items (invoice, credit and debit memo items, invoice
 * item adjustments): the accounting codes, the recognition rule and the billing exclusion
 * flag — what the InvoiceDetail, MemoDetail and InvoiceItemAdjustment backfills update.
 */
const DOCUMENT_ITEM_REVENUE: Spec[] = [
  ...ACCOUNTING_CODES,
  ['RevenueRecognitionRuleName', V],
  ['ExcludeItemBillingFromRevenueAccounting', BOOL],
]

function object(apiName: string, specs: Spec[], name = apiName.toLowerCase()): BillingObject {
  const all: Spec[] = [['Id', V], ...specs, ...AUDIT]
  const seen = new Set<string>()
  const columns: Column[] = []
  for (const [api, type, ref] of all) {
    const column = api.toLowerCase()
    if (seen.has(column)) throw new Error(`billing model: ${name}.${column} appears twice`)
    seen.add(column)
    columns.push(ref ? { name: column, apiName: api, type, ref } : { name: column, apiName: api, type })
  }
  const [id, ...rest] = columns
  rest.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { name, apiName, columns: [id, ...rest] }
}

// §2.9 of the Data Query spec lists account, subscription, rateplan, rateplancharge,
// orderlineitem, invoice and product: those use exactly its columns (plus the revenue fields
// the backfills need on rateplancharge and orderlineitem). The others follow Zuora's SOAP/REST
// object reference, lower-cased: a realistic baseline (docs/decisions.md, "Billing data").
export const BILLING_OBJECTS: readonly BillingObject[] = [
  object('Account', [
    ['AccountNumber', V],
    ['AdditionalEmailAddresses', V],
    ['AllowInvoiceEdit', BOOL],
    ['AutoPay', BOOL],
    ['Balance', D],
    ['Batch', V],
    ['BcdSettingOption', V],
    ['BillCycleDay', B],
    ['BillToId', V, 'contact'],
    ['CommunicationProfileId', V],
    ['CreditBalance', D],
    ['CrmId', V],
    ['Currency', V],
    ['CustomerServiceRepName', V],
    ['DefaultPaymentMethodId', V],
    ['InvoiceDeliveryPrefsEmail', BOOL],
    ['InvoiceDeliveryPrefsPrint', BOOL],
    ['InvoiceTemplateId', V],
    ['LastInvoiceDate', DT],
    ['Name', V],
    ['Notes', V],
    ['ParentId', V, 'account'],
    ['PaymentGateway', V],
    ['PaymentMethodCascadingConsent', BOOL],
    ['PaymentTerm', V],
    ['PurchaseOrderNumber', V],
    ['SalesRepName', V],
    ['SequenceSetId', V],
    ['SoldToId', V, 'contact'],
    ['Status', V],
    ['TaxCompanyCode', V],
    ['TaxExemptCertificateID', V],
    ['TaxExemptCertificateType', V],
    ['TaxExemptDescription', V],
    ['TaxExemptEffectiveDate', DT],
    ['TaxExemptExpirationDate', DT],
    ['TaxExemptIssuingJurisdiction', V],
    ['TaxExemptStatus', V],
    ['TotalInvoiceBalance', D],
    ['VATId', V],
  ]),
  object('Contact', [
    ['AccountId', V, 'account'],
    ['Address1', V],
    ['Address2', V],
    ['City', V],
    ['Country', V],
    ['County', V],
    ['Description', V],
    ['Fax', V],
    ['FirstName', V],
    ['HomePhone', V],
    ['LastName', V],
    ['MobilePhone', V],
    ['NickName', V],
    ['OtherPhone', V],
    ['OtherPhoneType', V],
    ['PersonalEmail', V],
    ['PostalCode', V],
    ['State', V],
    ['TaxRegion', V],
    ['WorkEmail', V],
    ['WorkPhone', V],
  ]),
  object('Product', [
    ['AllowFeatureChanges', BOOL],
    ['Category', V],
    ['Description', V],
    ['EffectiveEndDate', DT],
    ['EffectiveStartDate', DT],
    ['Name', V],
    ['ProductNumber', V],
    ['SKU', V],
  ]),
  object('ProductRatePlan', [
    ['Description', V],
    ['EffectiveEndDate', DT],
    ['EffectiveStartDate', DT],
    ['Name', V],
    ['ProductId', V, 'product'],
    ['ProductRatePlanNumber', V],
  ]),
  object('ProductRatePlanCharge', [
    ...ACCOUNTING_CODES,
    ...AUTO_BACKFILL,
    ['ApplyDiscountTo', V],
    ['BillCycleDay', B],
    ['BillCycleType', V],
    ['BillingPeriod', V],
    ['BillingPeriodAlignment', V],
    ['BillingTiming', V],
    ['ChargeModel', V],
    ['ChargeType', V],
    ['DefaultQuantity', D],
    ['Description', V],
    ['EndDateCondition', V],
    ['IncludedUnits', D],
    ['ListPriceBase', V],
    ['MaxQuantity', D],
    ['MinQuantity', D],
    ['Name', V],
    ['NumberOfPeriod', B],
    ['OverageCalculationOption', V],
    ['OverageUnusedUnitsCreditOption', V],
    ['PriceChangeOption', V],
    ['PriceIncreasePercentage', D],
    ['ProductRatePlanChargeNumber', V],
    ['ProductRatePlanId', V, 'productrateplan'],
    ['RevenueRecognitionRuleName', V],
    ['RevRecCode', V],
    ['RevRecTriggerCondition', V],
    ['SmoothingModel', V],
    ['SpecificBillingPeriod', B],
    ['Taxable', BOOL],
    ['TaxCode', V],
    ['TaxMode', V],
    ['TriggerEvent', V],
    ['UOM', V],
    ['UpToPeriods', B],
    ['UpToPeriodsType', V],
    ['UsageRecordRatingOption', V],
    ['UseDiscountSpecificAccountingCode', BOOL],
    ['UseTenantDefaultForPriceChange', BOOL],
    ['WeeklyBillCycleDay', V],
  ]),
  object('Subscription', [
    ['AccountId', V, 'account'],
    ['AncestorAccountId', V, 'account'],
    ['AutoRenew', BOOL],
    ['CancelledDate', DT],
    ['ContractAcceptanceDate', DT],
    ['ContractEffectiveDate', DT],
    ['CreatorAccountId', V, 'account'],
    ['CreatorInvoiceOwnerId', V, 'account'],
    ['Currency', V],
    ['CurrentTerm', B],
    ['CurrentTermPeriodType', V],
    ['ExternallyManagedBy', V],
    ['InitialTerm', B],
    ['InitialTermPeriodType', V],
    ['InvoiceOwnerId', V, 'account'],
    ['IsInvoiceSeparate', BOOL],
    ['IsLatestVersion', BOOL],
    ['LastBookingDate', TS],
    ['Name', V],
    ['Notes', V],
    ['OriginalCreatedDate', TS],
    ['OriginalId', V, 'subscription'],
    ['PaymentTerm', V],
    ['PreviousSubscriptionId', V, 'subscription'],
    ['Revision', V],
    ['RenewalSetting', V],
    ['RenewalTerm', B],
    ['RenewalTermPeriodType', V],
    ['ServiceActivationDate', DT],
    ['Status', V],
    ['SubscriptionBillToId', V, 'contact'],
    ['SubscriptionBillToSnapshotId', V],
    ['SubscriptionEndDate', DT],
    ['SubscriptionStartDate', DT],
    ['SubscriptionSoldToId', V, 'contact'],
    ['SubscriptionSoldToSnapshotId', V],
    ['TermEndDate', DT],
    ['TermStartDate', DT],
    ['TermType', V],
    ['Version', B],
  ]),
  object('RatePlan', [
    ['AmendmentId', V],
    ['AmendmentSubscriptionRatePlanId', V],
    ['AmendmentType', V],
    ['ExternallyManagedPlanId', V],
    ['InvoiceOwnerId', V, 'account'],
    ['Name', V],
    ['OriginalRatePlanId', V, 'rateplan'],
    ['ProductRatePlanId', V, 'productrateplan'],
    ['SubscriptionId', V, 'subscription'],
    ['SubscriptionOwnerId', V, 'account'],
  ]),
  object('RatePlanCharge', [
    ...ACCOUNTING_CODES,
    ...AUTO_BACKFILL,
    ['ApplyDiscountTo', V],
    ['BillCycleDay', B],
    ['BillCycleType', V],
    ['BillingPeriod', V],
    ['BillingPeriodAlignment', V],
    ['BillingTiming', V],
    ['BookingDate', DT],
    ['ChargedThroughDate', DT],
    ['ChargeModel', V],
    ['ChargeNumber', V],
    ['ChargeType', V],
    ['Description', V],
    ['DiscountAmount', D],
    ['DiscountClass', V],
    ['DiscountLevel', V],
    ['DiscountPercentage', D],
    ['DMRC', D],
    ['DTCV', D],
    ['EffectiveEndDate', DT],
    ['EffectiveStartDate', DT],
    ['EndDateCondition', V],
    ['IncludedUnits', D],
    ['InvoiceOwnerId', V, 'account'],
    ['IsLastSegment', BOOL],
    ['ListPriceBase', V],
    ['MRR', D],
    ['Name', V],
    ['NumberOfPeriods', B],
    ['OriginalId', V, 'rateplancharge'],
    ['OverageCalculationOption', V],
    ['OveragePrice', D],
    ['OverageUnusedUnitsCreditOption', V],
    ['Price', D],
    ['PriceChangeOption', V],
    ['PriceIncreasePercentage', D],
    ['ProcessedThroughDate', DT],
    ['ProductRatePlanChargeId', V, 'productrateplancharge'],
    ['Quantity', D],
    ['RatePlanId', V, 'rateplan'],
    ['RatingGroup', V],
    ['RevenueRecognitionRuleName', V],
    ['RevRecCode', V],
    ['RevRecTriggerCondition', V],
    ['RolloverBalance', D],
    ['Segment', B],
    ['SpecificBillingPeriod', B],
    ['SpecificEndDate', DT],
    ['SubscriptionId', V, 'subscription'],
    ['SubscriptionOwnerId', V, 'account'],
    ['TCV', D],
    ['TriggerDate', DT],
    ['TriggerEvent', V],
    ['UOM', V],
    ['UpToPeriods', B],
    ['UpToPeriodsType', V],
    ['UsageRecordRatingOption', V],
    ['Version', B],
    ['WeeklyBillCycleDay', V],
  ]),
  object('Orders', [
    ['AccountId', V, 'account'],
    ['Category', V],
    ['CreatedByMigration', BOOL],
    ['Description', V],
    ['OrderDate', DT],
    ['OrderNumber', V],
    ['ScheduledDate', DT],
    ['ScheduledDatePolicy', V],
    ['State', V],
    ['Status', V],
  ]),
  // §2.9 names three revenue fields of OrderLineItem differently from PRPC and RPC:
  // excludeitembillingfromrevenue, excludeitembookingfromrevenue, revenuerecognitionrule.
  object('OrderLineItem', [
    ['AccountingCode', V],
    ['AdjustmentLiabilityAccountingCode', V],
    ['AdjustmentRevenueAccountingCode', V],
    ['Amount', D],
    ['AmountPerUnit', D],
    ['AmountWithoutTax', D],
    ['BillingRule', V],
    ['BillTargetDate', DT],
    ['BookingDate', DT],
    ['ContractAssetAccountingCode', V],
    ['ContractLiabilityAccountingCode', V],
    ['DeferredRevenueAccountingCode', V],
    ['Description', V],
    ['Discount', D],
    ['ExcludeItemBillingFromRevenue', BOOL],
    ['ExcludeItemBookingFromRevenue', BOOL],
    ['InlineDiscountPerUnit', D],
    ['InlineDiscountType', V],
    ['IsAllocationEligible', BOOL],
    ['IsUnbilled', BOOL],
    ['ItemCategory', V],
    ['ItemName', V],
    ['ItemNumber', V],
    ['ItemState', V],
    ['ItemType', V],
    ['ListPrice', D],
    ['ListPricePerUnit', D],
    ['OrderId', V, 'orders'],
    ['OriginalOrderLineItemNumber', V],
    ['OriginalOrderNumber', V],
    ['ProductCategory', V],
    ['ProductClass', V],
    ['ProductCode', V],
    ['ProductFamily', V],
    ['ProductLine', V],
    ['ProductRatePlanChargeId', V, 'productrateplancharge'],
    ['PurchaseOrderNumber', V],
    ['Quantity', D],
    ['QuantityAvailableForReturn', D],
    ['QuantityFulfilled', D],
    ['QuantityPendingFulfillment', D],
    ['RecognizedRevenueAccountingCode', V],
    ['RelatedSubscriptionNumber', V],
    ['RevenueAmortizationMethod', V],
    ['RevenueRecognitionRule', V],
    ['RevenueRecognitionTiming', V],
    ['SoldTo', V, 'contact'],
    ['SoldToOrderContactId', V],
    ['SoldToSnapshotId', V],
    ['TaxCode', V],
    ['TaxMode', V],
    ['TransactionDate', DT],
    ['UnbilledReceivablesAccountingCode', V],
    ['UOM', V],
  ]),
  object('Invoice', [
    ['AccountId', V, 'account'],
    ['AdjustmentAmount', D],
    ['Amount', D],
    ['AmountWithoutTax', D],
    ['AutoPay', BOOL],
    ['Balance', D],
    ['BillRunId', V],
    ['BillToContactId', V, 'contact'],
    ['BillToContactSnapshotId', V],
    ['Comments', V],
    ['CreditBalanceAdjustmentAmount', D],
    ['Currency', V],
    ['DueDate', DT],
    ['IncludesOneTime', BOOL],
    ['IncludesRecurring', BOOL],
    ['IncludesUsage', BOOL],
    ['InvoiceDate', DT],
    ['InvoiceNumber', V],
    ['LastEmailSentDate', TS],
    ['PaymentAmount', D],
    ['PaymentTerm', V],
    ['PostedBy', V],
    ['PostedDate', TS],
    ['RefundAmount', D],
    ['Source', V],
    ['SourceId', V],
    ['SourceType', V],
    ['Status', V],
    ['SoldToContactSnapshotId', V],
    ['TargetDate', DT],
    ['TaxAmount', D],
    ['TaxExemptAmount', D],
    ['TaxStatus', V],
    ['TaxMessage', V],
    ['TransferredToAccounting', V],
  ]),
  object('InvoiceItem', [
    ...DOCUMENT_ITEM_REVENUE,
    ['AppliedToInvoiceItemId', V, 'invoiceitem'],
    ['Balance', D],
    ['ChargeAmount', D],
    ['ChargeDate', TS],
    ['ChargeName', V],
    ['ChargeNumber', V],
    ['InvoiceId', V, 'invoice'],
    ['ProcessingType', V],
    ['ProductDescription', V],
    ['ProductName', V],
    ['Quantity', D],
    ['RatePlanChargeId', V, 'rateplancharge'],
    ['RevRecStartDate', DT],
    ['ServiceEndDate', DT],
    ['ServiceStartDate', DT],
    ['SKU', V],
    ['SubscriptionId', V, 'subscription'],
    ['SubscriptionNumber', V],
    ['TaxAmount', D],
    ['TaxCode', V],
    ['TaxExemptAmount', D],
    ['TaxMode', V],
    ['UnitPrice', D],
    ['UOM', V],
  ]),
  object('CreditMemo', [
    ['AccountId', V, 'account'],
    ['Amount', D],
    ['AmountWithoutTax', D],
    ['AppliedAmount', D],
    ['AutoApplyUponPosting', BOOL],
    ['BillToContactSnapshotId', V],
    ['CancelledById', V, 'user'],
    ['CancelledOn', TS],
    ['Comments', V],
    ['Currency', V],
    ['DiscountAmount', D],
    ['ExcludeFromAutoApplyRules', BOOL],
    ['MemoDate', DT],
    ['MemoNumber', V],
    ['PostedById', V, 'user'],
    ['PostedOn', TS],
    ['ReasonCode', V],
    ['ReferredInvoiceId', V, 'invoice'],
    ['RefundAmount', D],
    ['RevenueImpacting', V],
    ['Source', V],
    ['SourceId', V],
    ['SourceType', V],
    ['Status', V],
    ['TargetDate', DT],
    ['TaxAmount', D],
    ['TaxMessage', V],
    ['TaxStatus', V],
    ['TotalTaxExemptAmount', D],
    ['TransferredToAccounting', V],
    ['UnappliedAmount', D],
  ]),
  object('CreditMemoItem', [
    ...DOCUMENT_ITEM_REVENUE,
    ['Amount', D],
    ['AmountWithoutTax', D],
    ['AppliedAmount', D],
    ['AppliedToItemId', V],
    ['ChargeDate', TS],
    ['ChargeName', V],
    ['ChargeNumber', V],
    ['Comment', V],
    ['CreditFromItemId', V],
    ['CreditFromItemSource', V],
    ['CreditMemoId', V, 'creditmemo'],
    ['ProcessingType', V],
    ['Quantity', D],
    ['RatePlanChargeId', V, 'rateplancharge'],
    ['RefundAmount', D],
    ['ServiceEndDate', DT],
    ['ServiceStartDate', DT],
    ['SKU', V],
    ['SKUName', V],
    ['SourceItemId', V],
    ['SourceItemType', V],
    ['SubscriptionId', V, 'subscription'],
    ['TaxAmount', D],
    ['TaxCode', V],
    ['TaxExemptAmount', D],
    ['TaxMode', V],
    ['UnappliedAmount', D],
    ['UnitOfMeasure', V],
    ['UnitPrice', D],
  ]),
  object('DebitMemo', [
    ['AccountId', V, 'account'],
    ['Amount', D],
    ['AmountWithoutTax', D],
    ['AutoPay', BOOL],
    ['Balance', D],
    ['BeAppliedAmount', D],
    ['BillToContactSnapshotId', V],
    ['CancelledById', V, 'user'],
    ['CancelledOn', TS],
    ['Comments', V],
    ['Currency', V],
    ['DiscountAmount', D],
    ['DueDate', DT],
    ['MemoDate', DT],
    ['MemoNumber', V],
    ['PaymentTerm', V],
    ['PostedById', V, 'user'],
    ['PostedOn', TS],
    ['ReasonCode', V],
    ['ReferredInvoiceId', V, 'invoice'],
    ['Source', V],
    ['SourceId', V],
    ['SourceType', V],
    ['Status', V],
    ['TargetDate', DT],
    ['TaxAmount', D],
    ['TaxMessage', V],
    ['TaxStatus', V],
    ['TotalTaxExemptAmount', D],
    ['TransferredToAccounting', V],
  ]),
  object('DebitMemoItem', [
    ...DOCUMENT_ITEM_REVENUE,
    ['Amount', D],
    ['AmountWithoutTax', D],
    ['AppliedToItemId', V],
    ['Balance', D],
    ['BeAppliedAmount', D],
    ['ChargeDate', TS],
    ['ChargeName', V],
    ['ChargeNumber', V],
    ['Comment', V],
    ['DebitMemoId', V, 'debitmemo'],
    ['ProcessingType', V],
    ['Quantity', D],
    ['RatePlanChargeId', V, 'rateplancharge'],
    ['ServiceEndDate', DT],
    ['ServiceStartDate', DT],
    ['SKU', V],
    ['SKUName', V],
    ['SourceItemId', V],
    ['SourceItemType', V],
    ['SubscriptionId', V, 'subscription'],
    ['TaxAmount', D],
    ['TaxCode', V],
    ['TaxExemptAmount', D],
    ['TaxMode', V],
    ['UnitOfMeasure', V],
    ['UnitPrice', D],
  ]),
  // The adjusted invoice item is SourceId when SourceType is InvoiceDetail (Zuora's SOAP shape).
  object('InvoiceItemAdjustment', [
    ...DOCUMENT_ITEM_REVENUE,
    ['AccountId', V, 'account'],
    ['AdjustmentDate', DT],
    ['AdjustmentNumber', V],
    ['Amount', D],
    ['CancelledById', V, 'user'],
    ['CancelledDate', TS],
    ['Comment', V],
    ['CustomerName', V],
    ['CustomerNumber', V],
    ['InvoiceId', V, 'invoice'],
    ['InvoiceItemName', V],
    ['InvoiceNumber', V],
    ['ReasonCode', V],
    ['ReferenceId', V],
    ['ServiceEndDate', DT],
    ['ServiceStartDate', DT],
    ['SourceId', V],
    ['SourceType', V],
    ['Status', V],
    ['TransferredToAccounting', V],
    ['Type', V],
  ]),
  object('Payment', [
    ['AccountId', V, 'account'],
    ['AccountingCode', V],
    ['Amount', D],
    ['AppliedAmount', D],
    ['AppliedCreditBalanceAmount', D],
    ['AuthTransactionId', V],
    ['BankIdentificationNumber', V],
    ['CancelledOn', TS],
    ['Comment', V],
    ['Currency', V],
    ['EffectiveDate', DT],
    ['Gateway', V],
    ['GatewayResponse', V],
    ['GatewayResponseCode', V],
    ['GatewayState', V],
    ['MarkedForSubmissionOn', TS],
    ['PaymentMethodId', V],
    ['PaymentNumber', V],
    ['ReferenceId', V],
    ['RefundAmount', D],
    ['SettledOn', TS],
    ['SoftDescriptor', V],
    ['Source', V],
    ['SourceName', V],
    ['Status', V],
    ['SubmittedOn', TS],
    ['TransferredToAccounting', V],
    ['Type', V],
    ['UnappliedAmount', D],
  ]),
]

const BY_NAME = new Map(BILLING_OBJECTS.map((o) => [o.name, o]))
/** Names people use for an object besides its Data Query name. */
const ALIASES: Record<string, string> = { order: 'orders' }

/** The object named `name`, case-insensitively (Account, account, RATEPLANCHARGE, Order). */
export function findBillingObject(name: string): BillingObject | undefined {
  const key = name.trim().toLowerCase()
  return BY_NAME.get(key) ?? BY_NAME.get(ALIASES[key] ?? '')
}

export function billingObject(name: string): BillingObject {
  const found = findBillingObject(name)
  if (!found) throw new Error(`unknown billing object ${name}`)
  return found
}

/** PostgreSQL type of a Data Query type, as the migration declares it. */
export const SQL_TYPES: Record<DataQueryType, string> = {
  varchar: 'text',
  'decimal(18,6)': 'numeric(18,6)',
  bigint: 'bigint',
  boolean: 'boolean',
  date: 'date',
  'timestamp with time zone': 'timestamptz',
}

/** Schema holding the billing tables; Data Query exposes views over it from another schema. */
export const BILLING_SCHEMA = 'billing'

/** Columns of every billing table that are not Data Query columns: the tenant and the scope of a row. */
export const SCOPE_COLUMNS = [
  { name: 'entity_id', type: 'uuid', meaning: 'the entity of a multi-entity tenant the row belongs to; NULL otherwise' },
  { name: 'org_id', type: 'text', meaning: 'the org of a multi-org tenant the row belongs to; NULL otherwise' },
] as const

/**
 * Columns of an INSERT into a billing table: tenant_id, the given Data Query columns (all of
 * an object's, or an import file's), then the scope columns.
 */
export function insertColumns(columns: readonly Column[]): { name: string; type: string }[] {
  return [
    { name: 'tenant_id', type: 'bigint' },
    ...columns.map((column) => ({ name: column.name, type: SQL_TYPES[column.type] })),
    ...SCOPE_COLUMNS.map((column) => ({ name: column.name, type: column.type })),
  ]
}

/** The ten revenue fields the auto backfill copies from a product rate plan charge. */
export const AUTO_BACKFILL_FIELDS = AUTO_BACKFILL.map(([api]) => api.toLowerCase())

/**
 * Column of each auto-backfill field on the objects that carry them (OrderLineItem names
 * the two exclusion flags without "accounting", as §2.9 of the Data Query spec lists them).
 */
export const AUTO_BACKFILL_COLUMNS: Record<'productrateplancharge' | 'rateplancharge' | 'orderlineitem', Record<string, string>> = {
  productrateplancharge: Object.fromEntries(AUTO_BACKFILL_FIELDS.map((f) => [f, f])),
  rateplancharge: Object.fromEntries(AUTO_BACKFILL_FIELDS.map((f) => [f, f])),
  orderlineitem: Object.fromEntries(
    AUTO_BACKFILL_FIELDS.map((f) => [f, f.replace(/^(excludeitem(?:booking|billing)fromrevenue)accounting$/, '$1')]),
  ),
}

/** Accounting-code columns (same names on every object that has them). */
export const ACCOUNTING_CODE_COLUMNS = ACCOUNTING_CODES.map(([api]) => api.toLowerCase())
