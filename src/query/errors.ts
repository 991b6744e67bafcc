// Every code a Data Query client can receive. Zuora's /query/jobs answers {code, message}: the
// HTTP status as the code, or a Data Query code of its own (1001, 1003, 1009).
import { catalogue, said } from '../platform/error-catalogue.ts'
import { Category } from '../platform/errors.ts'

const { errors, codes } = catalogue(
  {
    invalidRequest: {
      status: 400,
      code: 400,
      category: Category.invalidValue,
      when: 'Output options that do not go together (a `columnSeparator` without DSV, an encryption key with compression...)',
      message: said,
    },
    notCancellable: {
      status: 400,
      code: 1003,
      category: Category.invalidValue,
      when: 'Cancelling a query that is no longer `accepted` or `in_progress`',
      message: (id: string) => `Query job ${id} is not in accepted or in_progress status`,
    },
    noPermission: {
      status: 403,
      code: 403,
      category: Category.permission,
      when: 'The user has no Data Query permission',
      message: () => 'You do not have the permission to use Data Query',
    },
    restrictedJob: {
      status: 403,
      code: 1009,
      category: Category.permission,
      when: "Another user's query, read or cancelled by a user who is not an admin",
      message: (id: string) => `Access denied for restricted job ${id}`,
    },
    noSuchQuery: {
      status: 404,
      code: 1001,
      category: Category.notFound,
      when: 'No query with this id in the tenant (and entity)',
      message: (id: string) => `No such query: ${id}`,
    },
    notJson: {
      status: 415,
      code: 415,
      category: Category.unsupportedRequest,
      when: 'A submission whose content type is not JSON',
      message: () => 'HTTP 415 Unsupported Media Type',
    },
    queueFull: {
      status: 429,
      code: 429,
      category: Category.limitExceeded,
      when: 'The per-tenant queue of the data source is full (with `Retry-After`)',
      message: (source: string, waiting: number) =>
        `The queue of ${source} queries is full: ${waiting} queries are waiting to run. Submit again when one of them has started, or cancel one.`,
      headers: { 'Retry-After': '5' },
    },
  },
  [
    { code: '400', status: 400, when: 'A body that is not JSON ("Unable to process JSON"), a field of the wrong type or value, an unknown field' },
    { code: '413', status: 413, when: 'A body over the size limit' },
    { code: '414', status: 414, when: 'A URL over the limit' },
    { code: '431', status: 431, when: 'Request headers over the limit' },
    { code: '429', status: 429, when: "The platform's rate or concurrency limit (with `Retry-After` and the rate-limit headers)" },
    { code: '500', status: 500, when: 'An unexpected failure: `{"code":500,"message":"internal server error"}`, the details only in the log' },
  ],
)

export { errors as DataQueryErrors, codes as DATA_QUERY_CODES }
