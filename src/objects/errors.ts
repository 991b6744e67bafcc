// Custom Objects error codes: a 6-digit resource and a 2-digit category (spec §3.8). The
// HTTP layer renders them as {code, message} (plus `details` for record errors).
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
  retry: '61',
} as const
export type CoCategory = (typeof CoCategory)[keyof typeof CoCategory]

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
