// Every code a Custom Objects client can receive: Zuora's codes are a 6-digit resource and a
// 2-digit category (spec §3.8), each named once here and thrown by name (coError(status,
// Resource.x, CoCategory.y, message)); the docs page lists both tables from this file. The HTTP
// layer renders them as {code, message} (plus `details` for record errors).
import type { CodeEntry } from '../platform/error-catalogue.ts'
import { ApiError, Category } from '../platform/errors.ts'

/** Zuora's Custom Objects resource codes. */
export const Resource = {
  definition: 710000,
  namespace: 710001,
  object: 710002,
  type: 710003,
  required: 710004,
  filterable: 710005,
  description: 710006,
  label: 710007,
  origin: 710008,
  additionalProperties: 710009,
  relationships: 710010,
  relationshipFields: 710011,
  cardinality: 710012,
  properties: 710013,
  field: 710014,
  fieldLabel: 710015,
  fieldDescription: 710016,
  fieldEnum: 710017,
  fieldMaxLength: 710018,
  fieldDefault: 710019,
  fieldOrigin: 710020,
  fieldType: 710021,
  fieldMinimum: 710022,
  fieldMaximum: 710023,
  fieldMultipleOf: 710024,
  targetName: 710025,
  fieldFormat: 710026,
  actions: 710028,
  recordConstraints: 710029,
  recordConstraintsCreate: 710030,
  record: 710125,
  recordType: 710126,
  queryParams: 710127,
  recordIds: 710129,
  job: 710130,
  jobId: 710131,
  jobFilter: 710132,
  jobConditions: 710133,
  jobStatus: 710134,
  jobOperation: 710135,
  jobFile: 710136,
  jobHeaders: 710137,
} as const

/** Custom Objects' categories; some differ from the v1 ones (23-26 are value types here). */
export const CoCategory = {
  readPermission: '12',
  updatePermission: '13',
  deletePermission: '14',
  createPermission: '15',
  invalid: '20',
  unknownField: '21',
  missingField: '22',
  badInteger: '23',
  badNumber: '24',
  badBoolean: '25',
  badString: '26',
  rule: '30',
  notFound: '40',
  internal: '60',
} as const
export type CoCategory = (typeof CoCategory)[keyof typeof CoCategory]

/** What each category means to a client, and the statuses it comes with: the docs' table. */
export const CATEGORY_MEANING: Record<keyof typeof CoCategory, { statuses: number[]; when: string }> = {
  readPermission: { statuses: [401, 403], when: 'No permission to view custom objects (401 with `details` for record operations)' },
  updatePermission: { statuses: [401, 403], when: 'No permission to update records' },
  deletePermission: { statuses: [401, 403], when: 'No permission to delete records or definitions' },
  createPermission: { statuses: [401, 403], when: 'No permission to create records or definitions' },
  invalid: { statuses: [400], when: 'An invalid value of the resource (a wrong type, a malformed id, a bad `q`, a file that is not CSV)' },
  unknownField: { statuses: [400], when: 'A field or property the resource does not have' },
  missingField: { statuses: [400], when: 'A required field or property missing' },
  badInteger: { statuses: [400], when: 'A record value that is not an integer (in `details`)' },
  badNumber: { statuses: [400], when: 'A record value that is not a number (in `details`)' },
  badBoolean: { statuses: [400], when: 'A record value that is not a boolean (in `details`)' },
  badString: { statuses: [400], when: 'A record value that is not a string of the field (in `details`)' },
  rule: { statuses: [400, 412], when: 'A rule broken: a limit, a unique value taken, a definition with records, `If-Match` not matching (412)' },
  notFound: { statuses: [404], when: 'No such definition, object, record or job (in this tenant and entity)' },
  internal: { statuses: [500], when: 'An unexpected failure; a failed bulk job without a code of its own shows `71013060`' },
}

/** The codes the HTTP layer answers for the family, on the family's default resource (710000). */
export const RAISED_CODES: CodeEntry[] = [
  { code: '71000090', status: 400, when: 'A body that is not JSON' },
  { code: '71000070', status: 413, when: 'A JSON body over the size limit' },
  { code: '71000070', status: 414, when: 'A URL over the limit' },
  { code: '71000045', status: 415, when: 'A body in a content type the operation does not take' },
  { code: '71000070', status: 429, when: "The platform's rate or concurrency limit (with `Retry-After`)" },
  { code: '71000070', status: 431, when: 'Request headers over the limit' },
  { code: '71000060', status: 500, when: 'An unexpected failure, the details only in the log' },
]

export const code = (resource: number, category: CoCategory): number => Number(`${resource}${category}`)

/** Record-level codes: the only ones Zuora's schema allows in a record error's `details`. */
export const RecordCode = {
  invalid: code(Resource.record, CoCategory.invalid),
  unknownField: code(Resource.record, CoCategory.unknownField),
  missingField: code(Resource.record, CoCategory.missingField),
  badInteger: code(Resource.record, CoCategory.badInteger),
  badNumber: code(Resource.record, CoCategory.badNumber),
  badBoolean: code(Resource.record, CoCategory.badBoolean),
  badString: code(Resource.record, CoCategory.badString),
  rule: code(Resource.record, CoCategory.rule),
} as const

/** A problem with one value or record: its code and Zuora-worded message. */
export interface Problem {
  code: number
  message: string
}

function platformCategory(status: number): Category {
  if (status === 404) return Category.notFound
  if (status === 401 || status === 403) return Category.permission
  if (status >= 500) return Category.internal
  return Category.invalidValue
}

/** An error of the family: `{code, message}` with `resource` + `category` as the code. */
export function coError(
  status: number,
  resource: number,
  category: CoCategory,
  message: string,
  details?: Record<string, unknown>,
): ApiError {
  return new ApiError(status, platformCategory(status), message, { code: code(resource, category), details })
}

/** 400 for a definition that breaks a rule, with its resource and category. */
export const badDefinition = (resource: number, category: CoCategory, message: string) =>
  coError(400, resource, category, message)
