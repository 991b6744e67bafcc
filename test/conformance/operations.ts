// Every operation of Zuora's API reference in the families zjobs serves (Data Query, Custom
// Object Definitions, Records and Jobs, Data Backfill) and the OAuth token they all need: the
// source of docs/coverage.md (scripts/coverage.ts renders it) and of the conformance test
// (test/conformance/conformance.test.ts), which checks every claim made here against the
// running server. Operations and titles: Zuora's v1 API reference
// (https://developer.zuora.com/v1-api-reference/api/), tags "Data Query", "Custom Object
// Definitions", "Custom Object Records", "Custom Object Jobs", "Data Backfill" and "OAuth".

export type Family = 'OAuth' | 'Data Query' | 'Custom Object Definitions' | 'Custom Object Records' | 'Custom Object Jobs' | 'Data Backfill'

export interface Difference {
  /** What a client sees differ from Zuora's documentation or schema. */
  text: string
  /** The start of the bold title of the entry of docs/decisions.md that explains it. */
  decision: string
}

export interface ZuoraOperation {
  family: Family
  operationId: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Zuora's path template (the vendor file's, where it has the operation). */
  path: string
  /** Zuora's title of the operation. */
  title: string
  /** zjobs serves it: /openapi.json has it under Zuora's operationId. Otherwise it answers 501. */
  served: boolean
  /** The error statuses the conformance test provokes and checks for this operation. */
  errors: number[]
  differences: Difference[]
}

const CO_CHOICES = "Where Zuora's documentation is open, the Custom Objects choices"
const DB_CHOICES = "Where Zuora's documentation is open, the Data Backfill choices"
const MODELS = "What Zuora's models send"

const op = (
  family: Family,
  operationId: string,
  method: ZuoraOperation['method'],
  path: string,
  title: string,
  errors: number[],
  differences: Difference[] = [],
): ZuoraOperation => ({ family, operationId, method, path, title, served: true, errors, differences })

export const OPERATIONS: ZuoraOperation[] = [
  op('OAuth', 'createToken', 'POST', '/oauth/token', 'Create an OAuth token', [400, 401], [
    { text: 'Also takes the client credentials by HTTP Basic authentication (RFC 6749 §2.3.1)', decision: 'OAuth errors follow RFC 6749' },
  ]),

  op('Data Query', 'POST_DataQueryJob', 'POST', '/query/jobs', 'Submit a data query', [400, 401, 415], [
    { text: 'Optional fields sent as null are read as absent', decision: MODELS },
    { text: 'Ids in result rows are 32 hexadecimal characters', decision: 'Ids in results are 32 hex characters' },
    { text: 'The encrypted result file is in the envelope the decision describes (Zuora does not document its own)', decision: 'Encryption' },
  ]),
  op('Data Query', 'GET_DataQueryJobs', 'GET', '/query/jobs', 'List data query jobs', [400, 401]),
  op('Data Query', 'GET_DataQueryJob', 'GET', '/query/jobs/{job-id}', 'Retrieve a data query job', [401, 404], [
    { text: 'A job is read in the entity it was submitted in; other users see their own jobs', decision: 'Jobs belong to the entity they were submitted in' },
  ]),
  op('Data Query', 'DELETE_DataQueryJob', 'DELETE', '/query/jobs/{job-id}', 'Cancel a data query job', [400, 401, 404], [
    { text: 'The job id is a 36-character UUID (the vendor schema bounds it to 64 characters, which no UUID has)', decision: 'Data Query job ids are 36-character UUIDs' },
  ]),

  op('Custom Object Definitions', 'GET_AllCustomObjectDefinitionsInNamespace', 'GET', '/objects/definitions/default', 'List custom object definitions', [400, 401]),
  op('Custom Object Definitions', 'POST_CustomObjectDefinitions', 'POST', '/objects/definitions/default', 'Create custom object definitions', [400, 401], [
    { text: 'Answers {count, definitions} (the 2023 shape), not a single definition', decision: CO_CHOICES },
    { text: 'A string field without maxLength holds 255 characters; at most 10 filterable fields', decision: CO_CHOICES },
  ]),
  op('Custom Object Definitions', 'GET_CustomObjectDefinitionByType', 'GET', '/objects/definitions/default/{object}', 'Retrieve a custom object definition', [401, 404], [
    { text: 'A 404 is {code, message} with code 71000040', decision: CO_CHOICES },
  ]),
  op('Custom Object Definitions', 'Delete_CustomObjectDefinitionByType', 'DELETE', '/objects/definitions/default/{object}', 'Delete a custom object definition', [401, 404], [
    { text: 'A definition that has records is refused with 71000030', decision: CO_CHOICES },
  ]),
  op('Custom Object Definitions', 'POST_UpdateCustomObjectDefinition', 'POST', '/objects/migrations', 'Update a custom object definition', [400, 401, 404], [
    { text: 'Migrations apply synchronously, in one transaction with the records they rewrite', decision: CO_CHOICES },
  ]),

  op('Custom Object Records', 'POST_CustomObjectRecords', 'POST', '/objects/records/default/{object}', 'Create custom object records', [400, 401, 404], [
    { text: 'The answer has no unprocessedRecords', decision: CO_CHOICES },
  ]),
  op('Custom Object Records', 'GET_AllRecordsForCustomObjectType', 'GET', '/objects/records/default/{object}', 'List records for a custom object', [400, 401, 404], [
    { text: 'Records in Id order, count is every match, pageSize default 20; reads are strongly consistent', decision: CO_CHOICES },
  ]),
  op('Custom Object Records', 'GET_CustomObjectRecordByID', 'GET', '/objects/records/default/{object}/{id}', 'Retrieve a custom object record', [401, 404]),
  op('Custom Object Records', 'PUT_CustomObjectRecord', 'PUT', '/objects/records/default/{object}/{id}', 'Update a custom object record', [400, 401, 404], [
    { text: 'PUT merges the fields sent, as PATCH does; If-Match compares the ETag GET, PUT and PATCH send', decision: CO_CHOICES },
  ]),
  op('Custom Object Records', 'Patch_PartialUpdateCustomObjectRecord', 'PATCH', '/objects/records/default/{object}/{id}', 'Partially update a custom object record', [400, 401, 404]),
  op('Custom Object Records', 'Delete_CustomObjectRecordByID', 'DELETE', '/objects/records/default/{object}/{id}', 'Delete a custom object record', [401, 404], [
    { text: 'An unknown object is 404 (71012640); an unknown record of a known object is 200, as Zuora documents', decision: CO_CHOICES },
  ]),
  op('Custom Object Records', 'POST_CustomObjectRecordsBatchUpdateOrDelete', 'POST', '/objects/batch/default/{object}', 'Update or delete custom object records', [400, 401, 404], [
    { text: 'allowPartialSuccess on a delete is accepted and ignored; ids on an update and records on a delete are accepted when null or empty', decision: '`allowPartialSuccess` on a batch delete is accepted and ignored' },
  ]),

  op('Custom Object Jobs', 'POST_CustomObjectBulkJob', 'POST', '/objects/jobs', 'Submit a custom object bulk job', [400, 401], [
    { text: 'namespace com_zuora (only SavedQuery) is refused; the sixth active job is refused at submission (71013030)', decision: CO_CHOICES },
    { text: 'filter: null is no filter', decision: MODELS },
  ]),
  op('Custom Object Jobs', 'GET_AllCustomObjectBulkJobs', 'GET', '/objects/jobs', 'List all custom object bulk jobs', [400, 401]),
  op('Custom Object Jobs', 'GET_CustomObjectBulkJob', 'GET', '/objects/jobs/{id}', 'Retrieve a custom object bulk job', [401, 404], [
    { text: 'recordsProcessed counts every row handled, written or refused; processingTime runs from submission', decision: CO_CHOICES },
  ]),
  op('Custom Object Jobs', 'PATCH_CustomObjectBulkJob', 'PATCH', '/objects/jobs/{id}/cancel', 'Cancel a custom object bulk job', [401, 404], [
    { text: 'A cancel in the wrong status gets 71013620, the code of Zuora\'s samples', decision: CO_CHOICES },
  ]),
  op('Custom Object Jobs', 'GET_CustomObjectBulkJobErrors', 'GET', '/objects/jobs/{id}/errors', 'List all errors for a custom object bulk job', [401, 404]),
  op('Custom Object Jobs', 'POST_UploadFileForCustomObjectBulkJob', 'POST', '/objects/jobs/{id}/files', 'Upload a file for a custom object bulk job', [400, 401, 404], [
    { text: 'Any content type is taken and checked as text/csv by the route, so a wrong one gets 400, not 415', decision: CO_CHOICES },
  ]),

  op('Data Backfill', 'POST_CreateDataBackfillJob', 'POST', '/v1/uno/data-backfill/jobs', 'Create a data backfill job', [400, 401], [
    { text: 'The type part is read as a plain value or as the vendor schema types it; an empty checksum is no checksum', decision: DB_CHOICES },
  ]),
  op('Data Backfill', 'GET_DataBackfillJobById', 'GET', '/v1/uno/data-backfill/jobs/{jobId}', 'Retrieve a data backfill job', [401, 404], [
    { text: 'uploadedOn, completedOn and startedProcessingOn are epoch-millisecond strings, as every Zuora example (the schema says date-time)', decision: DB_CHOICES },
  ]),
  op('Data Backfill', 'PUT_StopDataBackfillJobById', 'PUT', '/v1/uno/data-backfill/jobs/{jobId}', 'Stop a data backfill job', [400, 401, 404]),
  op('Data Backfill', 'GET_ListDataBackfillJobs', 'GET', '/v1/uno/data-backfill/listjobs', 'List all data backfill jobs', [401], [
    { text: 'The 1,000 newest jobs, newest first, no paging; items carry type beside importType', decision: DB_CHOICES },
  ]),
  op('Data Backfill', 'GET_DataBackfillTemplate', 'GET', '/v1/uno/data-backfill/jobs/{type}/template', 'Download a data backfill template', [400, 401]),
  op('Data Backfill', 'POST_CreateAutoBackfillJob', 'POST', '/v1/uno/data-backfill/propagation/jobs', 'Create an auto backfill job', [400, 401], [
    { text: 'One running job per kind per tenant; the others wait as ACCEPTED', decision: DB_CHOICES },
    { text: 'batchSize and dryRun sent as null take their defaults', decision: MODELS },
  ]),
  op('Data Backfill', 'GET_listAutoBackfillJob', 'GET', '/v1/uno/data-backfill/propagation/jobs', 'List all auto backfill jobs', [401]),
  op('Data Backfill', 'GET_AutoBackfillJobById', 'GET', '/v1/uno/data-backfill/propagation/jobs/{jobId}', 'Retrieve an auto backfill job', [401, 404]),
  op('Data Backfill', 'PUT_StopAutoBackfillJobById', 'PUT', '/v1/uno/data-backfill/propagation/jobs/{jobId}', 'Stop an auto backfill job', [400, 401, 404]),
  op('Data Backfill', 'POST_CreateBookingDateBackfillJob', 'POST', '/v1/uno/data-backfill/bookingdate/jobs', 'Create a booking date backfill job', [401]),
  op('Data Backfill', 'GET_ListBookingDateBackfillJobs', 'GET', '/v1/uno/data-backfill/bookingdate/jobs', 'List all booking date backfill jobs', [401]),
  op('Data Backfill', 'GET_BookingDateBackfillJobById', 'GET', '/v1/uno/data-backfill/bookingdate/jobs/{jobId}', 'Retrieve a booking date backfill job', [401, 404]),
  op('Data Backfill', 'PUT_StopBookingDateBackfillJobById', 'PUT', '/v1/uno/data-backfill/bookingdate/jobs/{jobId}', 'Stop a booking date backfill job', [400, 401, 404]),
]

/**
 * Requests under the served families' paths that are no Zuora operation: each answers 501 in
 * its family's envelope (src/http/app.ts), checked by the conformance test.
 */
export const NOT_SERVED: { method: string; path: string; why: string }[] = [
  { method: 'PUT', path: '/query/jobs/{job-id}', why: 'Data Query jobs cannot be changed' },
  { method: 'GET', path: '/objects/definitions/com_zuora', why: "Zuora's own namespace (SavedQuery) is not kept by zjobs" },
  { method: 'GET', path: '/objects/records/com_zuora/SavedQuery', why: "Zuora's own namespace (SavedQuery) is not kept by zjobs" },
  { method: 'DELETE', path: '/objects/jobs/{id}', why: 'Bulk jobs are cancelled with PATCH .../cancel' },
  { method: 'POST', path: '/v1/uno/data-backfill/listjobs', why: 'Data backfill jobs are created at /v1/uno/data-backfill/jobs' },
]

/**
 * Paths of Zuora's own SDKs that differ from its reference, served as aliases of the operation
 * (not in /openapi.json), checked by the conformance test.
 */
export const ALIASES: { method: string; path: string; of: string; source: string }[] = [
  { method: 'GET', path: '/v1/uno/date-backfill/listjobs', of: 'GET_ListDataBackfillJobs', source: "the operation tables of Zuora's Python and JavaScript SDKs" },
  { method: 'GET', path: '/v1/uno/back-fill/jobs/{type}/template', of: 'GET_DataBackfillTemplate', source: 'an older generated SDK (Konfig)' },
]
