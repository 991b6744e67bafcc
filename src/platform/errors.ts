// One error type for everything a client can be told. Domain code throws it with a Zuora
// error category; the HTTP layer renders it in the envelope of the API family the request
// belongs to (see src/http/errors.ts).

/** Zuora's two-digit error categories (the last two digits of an 8-digit v1 code). */
export const Category = {
  permission: '10',
  authentication: '11',
  invalidValue: '20',
  unknownField: '21',
  missingField: '22',
  missingParameter: '23',
  invalidParameter: '27',
  ruleRestriction: '30',
  notFound: '40',
  unsupportedRequest: '45',
  lockContention: '50',
  internal: '60',
  temporary: '61',
  limitExceeded: '70',
  malformedRequest: '90',
} as const
export type Category = (typeof Category)[keyof typeof Category]

export interface ApiErrorOptions {
  /** A family-specific code that replaces the derived one (e.g. Data Query's 1001). */
  code?: number | string
  /** The 6-digit Zuora resource code of a v1 or Custom Objects code (default: unknown resource). */
  resource?: number
  headers?: Record<string, string>
  /** Extra fields some families put beside code and message. */
  details?: Record<string, unknown>
  /**
   * Every problem of a refused request (request validation reports them all at once): the
   * families whose envelope lists problems show one entry each (v1 and admin `reasons`,
   * Custom Objects `details`); the message names them all.
   */
  problems?: readonly { category: Category; message: string }[]
}

export class ApiError extends Error {
  readonly status: number
  readonly category: Category
  readonly options: ApiErrorOptions

  constructor(status: number, category: Category, message: string, options: ApiErrorOptions = {}) {
    super(message)
    this.status = status
    this.category = category
    this.options = options
  }
}

export const invalid = (message: string, options?: ApiErrorOptions) =>
  new ApiError(400, Category.invalidValue, message, options)
export const missing = (message: string, options?: ApiErrorOptions) =>
  new ApiError(400, Category.missingField, message, options)
export const notFound = (message: string, options?: ApiErrorOptions) =>
  new ApiError(404, Category.notFound, message, options)
export const forbidden = (message: string, options?: ApiErrorOptions) =>
  new ApiError(403, Category.permission, message, options)
export const conflict = (message: string, options?: ApiErrorOptions) =>
  new ApiError(409, Category.ruleRestriction, message, options)
