// Every code a Data Backfill client can receive, in Zuora's v1 envelope
// ({success: false, reasons: [{code, message}]}). Zuora documents no resource code for these
// endpoints, so every code is 500000 ("unknown resource") and the two-digit category
// (spec §7.11).
import { catalogue, said } from '../platform/error-catalogue.ts'
import { Category } from '../platform/errors.ts'

const code = (category: Category) => `500000${category}`

const { errors, codes } = catalogue(
  {
    invalid: {
      status: 400,
      code: code(Category.invalidValue),
      category: Category.invalidValue,
      when:
        'An invalid value: an unknown `type`, a bad or mismatched checksum, a file that is not CSV or a zip of one, a malformed CSV, an empty file, a malformed job id, a stop status other than `Stopping`, too many multipart parts, a file part not named `file`',
      message: said,
    },
    unknownColumn: {
      status: 400,
      code: code(Category.unknownField),
      category: Category.unknownField,
      when: 'A column the type does not have',
      message: said,
    },
    missing: {
      status: 400,
      code: code(Category.missingField),
      category: Category.missingField,
      when: 'A file without the `Id` column',
      message: said,
    },
    missingPart: {
      status: 400,
      code: code(Category.missingField),
      category: Category.missingField,
      when: 'A multipart upload without its `type` or `file` part',
      message: (name: string) => `The multipart part '${name}' is required (parts: type, file, and optionally checksum)`,
    },
    malformed: {
      status: 400,
      code: code(Category.malformedRequest),
      category: Category.malformedRequest,
      when: 'A malformed multipart or JSON body',
      message: said,
    },
    noPermission: {
      status: 403,
      code: code(Category.permission),
      category: Category.permission,
      when: 'The user has no `dataBackfill` permission',
      message: () => 'You do not have the permission to use Data Backfill',
    },
    noSuchJob: {
      status: 404,
      code: code(Category.notFound),
      category: Category.notFound,
      when: 'No such job (in this tenant, entity and family)',
      message: (what: string, id: string) => `No ${what} with id ${id} exists`,
    },
    notStoppable: {
      status: 409,
      code: code(Category.ruleRestriction),
      category: Category.ruleRestriction,
      when: 'Stopping a job that has ended or is already stopping',
      message: (what: string, id: string, state: string) => `The ${what} ${id} cannot be stopped: it is ${state}`,
    },
    fileTooLarge: {
      status: 413,
      code: code(Category.invalidValue),
      category: Category.invalidValue,
      when: 'A file larger than 4 MB',
      message: (limit: number) => `The file is larger than 4 MB (${limit} bytes), the most a data backfill file may be`,
    },
    notMultipart: {
      status: 415,
      code: code(Category.unsupportedRequest),
      category: Category.unsupportedRequest,
      when: 'An upload that is not `multipart/form-data`',
      message: said,
    },
  },
  [
    { code: code(Category.invalidValue), status: 400, when: 'A body field of the wrong type or value (`batchSize`, `dryRun`...)' },
    { code: code(Category.unknownField), status: 400, when: 'A body field the operation does not take' },
    { code: code(Category.missingField), status: 400, when: 'A required body field missing' },
    { code: code(Category.limitExceeded), status: 413, when: 'A JSON body over the size limit' },
    { code: code(Category.limitExceeded), status: 414, when: 'A URL over the limit' },
    { code: code(Category.limitExceeded), status: 429, when: "The platform's rate or concurrency limit (with `Retry-After`)" },
    { code: code(Category.limitExceeded), status: 431, when: 'Request headers over the limit' },
    { code: 'SystemError', status: 500, when: 'An unexpected failure: `{"reasons":[{"code":"SystemError","message":"internal server error"}]}`' },
  ],
)

export { errors as BackfillErrors, codes as DATA_BACKFILL_CODES }
