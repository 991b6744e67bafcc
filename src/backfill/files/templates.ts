// The five file-backfill types: which billing table(s) each updates, the fields a file may
// set, and the template a client downloads. Zuora does not publish its template columns
// (spec §10.1); ours are built from the revenue fields of the billing model and documented in
// docs/data-backfill.md.
import { ACCOUNTING_CODE_COLUMNS, AUTO_BACKFILL_FIELDS, billingObject } from '../../billing/model.ts'

export const BACKFILL_TYPES = ['ProductRatePlanCharge', 'RatePlanCharge', 'InvoiceDetail', 'MemoDetail', 'InvoiceItemAdjustment'] as const
export type BackfillType = (typeof BACKFILL_TYPES)[number]

export type FieldType = 'text' | 'boolean' | 'date' | 'choice'

export interface Field {
  /** The template's column header. */
  label: string
  /** The column in schema `billing`. */
  column: string
  type: FieldType
  /** Allowed values of a `choice` field, as stored. */
  values?: readonly string[]
}

export interface TypeSpec {
  type: BackfillType
  /** What a row's id names, in messages ("rate plan charge"). */
  noun: string
  /** Tables the id is looked up in, in order (memo details are credit or debit memo items). */
  tables: readonly string[]
  fields: readonly Field[]
  /** Read-only reference columns of the template (`#` columns are ignored in uploads). */
  references: readonly string[]
}

export const ID_LABEL = 'Id'

/** Zuora's values of the two choice fields (the product catalogue's picklists). */
const CHOICES: Record<string, readonly string[]> = {
  revenuerecognitiontiming: ['Upon Billing Document Posting Date', 'Upon Order Activation Date'],
  revenueamortizationmethod: ['Immediate', 'Ratable Using Start And End Dates'],
}

/** "DeferredRevenueAccountingCode" -> "Deferred Revenue Accounting Code". */
const spaced = (apiName: string) => apiName.replace(/([a-z])([A-Z])/g, '$1 $2')

/** Fields of `table` named by `columns`, typed and labelled from the billing model. */
function fieldsOf(table: string, columns: readonly string[]): Field[] {
  const object = billingObject(table)
  return columns.map((name) => {
    const column = object.columns.find((c) => c.name === name)
    if (!column) throw new Error(`backfill template: ${table} has no column ${name}`)
    const type: FieldType = CHOICES[name] ? 'choice' : column.type === 'boolean' ? 'boolean' : column.type === 'date' ? 'date' : 'text'
    return CHOICES[name] ? { label: spaced(column.apiName), column: name, type, values: CHOICES[name] } : { label: spaced(column.apiName), column: name, type }
  })
}

const CHARGE_FIELDS = [...ACCOUNTING_CODE_COLUMNS, 'revenuerecognitionrulename', ...AUTO_BACKFILL_FIELDS]
const DOCUMENT_ITEM_FIELDS = [...ACCOUNTING_CODE_COLUMNS, 'revenuerecognitionrulename', 'excludeitembillingfromrevenueaccounting']

export const TYPE_SPECS: Record<BackfillType, TypeSpec> = {
  ProductRatePlanCharge: {
    type: 'ProductRatePlanCharge',
    noun: 'product rate plan charge',
    tables: ['productrateplancharge'],
    fields: fieldsOf('productrateplancharge', CHARGE_FIELDS),
    references: ['# Product Rate Plan Charge Name', '# Product Rate Plan Charge Number'],
  },
  RatePlanCharge: {
    type: 'RatePlanCharge',
    noun: 'rate plan charge',
    tables: ['rateplancharge'],
    fields: fieldsOf('rateplancharge', [...CHARGE_FIELDS, 'bookingdate']),
    references: ['# Charge Number', '# Charge Name'],
  },
  InvoiceDetail: {
    type: 'InvoiceDetail',
    noun: 'invoice item',
    tables: ['invoiceitem'],
    fields: fieldsOf('invoiceitem', DOCUMENT_ITEM_FIELDS),
    references: ['# Charge Number', '# Charge Name'],
  },
  MemoDetail: {
    type: 'MemoDetail',
    noun: 'credit or debit memo item',
    tables: ['creditmemoitem', 'debitmemoitem'],
    fields: fieldsOf('creditmemoitem', DOCUMENT_ITEM_FIELDS),
    references: ['# Charge Number', '# Charge Name'],
  },
  InvoiceItemAdjustment: {
    type: 'InvoiceItemAdjustment',
    noun: 'invoice item adjustment',
    tables: ['invoiceitemadjustment'],
    fields: fieldsOf('invoiceitemadjustment', DOCUMENT_ITEM_FIELDS),
    references: ['# Adjustment Number', '# Invoice Number'],
  },
}

export const isBackfillType = (value: string): value is BackfillType => (BACKFILL_TYPES as readonly string[]).includes(value)

/** The template: one header row, `Id`, the fields, the reference columns. */
export function templateCsv(type: BackfillType): string {
  const spec = TYPE_SPECS[type]
  return `${[ID_LABEL, ...spec.fields.map((field) => field.label), ...spec.references].join(',')}\n`
}

export const templateFileName = (type: BackfillType) => `${type}_template.csv`

/** Headers match labels and column names alike: case, spaces and underscores do not matter. */
const normalise = (header: string) => header.toLowerCase().replace(/[\s_]+/g, '')

/** Where each uploaded column goes: the id, a field, or nowhere (a `#` reference column). */
export interface ColumnPlan {
  idIndex: number
  fields: { index: number; field: Field }[]
}

export interface HeaderProblem {
  error: string
  /** unknown: a column the type has not; missing: no Id column; invalid: anything else. */
  reason: 'unknown' | 'missing' | 'invalid'
}

/** Maps a file's header to the type's fields; a problem for a header the type cannot take. */
export function planColumns(spec: TypeSpec, header: readonly string[]): ColumnPlan | HeaderProblem {
  const byName = new Map<string, Field | 'id'>([[normalise(ID_LABEL), 'id']])
  for (const field of spec.fields) {
    byName.set(normalise(field.label), field)
    byName.set(normalise(field.column), field)
  }
  let idIndex = -1
  const fields: ColumnPlan['fields'] = []
  const unknown: string[] = []
  const seen = new Set<string>()
  const repeated: string[] = []
  header.forEach((raw, index) => {
    const name = raw.trim()
    if (name.startsWith('#')) return
    const target = byName.get(normalise(name))
    if (!target) return void unknown.push(name === '' ? `(empty header in column ${index + 1})` : name)
    const key = target === 'id' ? 'id' : target.column
    if (seen.has(key)) return void repeated.push(name)
    seen.add(key)
    if (target === 'id') idIndex = index
    else fields.push({ index, field: target })
  })
  const allowed = [ID_LABEL, ...spec.fields.map((field) => field.label)].join(', ')
  if (unknown.length > 0) {
    const error = `Unknown column${unknown.length > 1 ? 's' : ''} in the ${spec.type} file: ${unknown.join(', ')}. Allowed columns: ${allowed}, and reference columns starting with #`
    return { error, reason: 'unknown' }
  }
  if (repeated.length > 0) return { error: `Column${repeated.length > 1 ? 's' : ''} given twice in the file: ${repeated.join(', ')}`, reason: 'invalid' }
  if (idIndex < 0) return { error: `The ${spec.type} file has no ${ID_LABEL} column: its first row must be the header of the template`, reason: 'missing' }
  if (fields.length === 0) {
    return { error: `The ${spec.type} file updates no field: add at least one of ${spec.fields.map((f) => f.label).join(', ')}`, reason: 'invalid' }
  }
  return { idIndex, fields }
}
