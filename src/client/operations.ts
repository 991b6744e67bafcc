// Every operation of the public API the client calls: method, path template and the
// operationId the server's /openapi.json gives it (Zuora's own ids). test/client/openapi.test.ts
// checks each one against a running server's document, so a renamed or removed route fails
// there before any front-end finds out.

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The path, `{name}` for a path parameter (as OpenAPI writes it). */
  path: string
  /** Zuora's operationId (the admin plane's are zjobs' own). */
  operationId?: string
}

const op = (method: Operation['method'], path: string, operationId?: string): Operation => ({ method, path, operationId })

export const OPERATIONS = {
  token: op('POST', '/oauth/token', 'createToken'),

  submitQuery: op('POST', '/query/jobs', 'POST_DataQueryJob'),
  getQuery: op('GET', '/query/jobs/{jobId}', 'GET_DataQueryJob'),
  listQueries: op('GET', '/query/jobs', 'GET_DataQueryJobs'),
  cancelQuery: op('DELETE', '/query/jobs/{jobId}', 'DELETE_DataQueryJob'),

  listDefinitions: op('GET', '/objects/definitions/default', 'GET_AllCustomObjectDefinitionsInNamespace'),
  createDefinitions: op('POST', '/objects/definitions/default', 'POST_CustomObjectDefinitions'),
  listRecords: op('GET', '/objects/records/default/{object}', 'GET_AllRecordsForCustomObjectType'),
  submitBulkJob: op('POST', '/objects/jobs', 'POST_CustomObjectBulkJob'),
  listBulkJobs: op('GET', '/objects/jobs', 'GET_AllCustomObjectBulkJobs'),
  getBulkJob: op('GET', '/objects/jobs/{id}', 'GET_CustomObjectBulkJob'),
  uploadBulkFile: op('POST', '/objects/jobs/{id}/files', 'POST_UploadFileForCustomObjectBulkJob'),
  getBulkJobErrors: op('GET', '/objects/jobs/{id}/errors', 'GET_CustomObjectBulkJobErrors'),
  cancelBulkJob: op('PATCH', '/objects/jobs/{id}/cancel', 'PATCH_CustomObjectBulkJob'),

  createBackfillJob: op('POST', '/v1/uno/data-backfill/jobs', 'POST_CreateDataBackfillJob'),
  getBackfillJob: op('GET', '/v1/uno/data-backfill/jobs/{jobId}', 'GET_DataBackfillJobById'),
  stopBackfillJob: op('PUT', '/v1/uno/data-backfill/jobs/{jobId}', 'PUT_StopDataBackfillJobById'),
  listBackfillJobs: op('GET', '/v1/uno/data-backfill/listjobs', 'GET_ListDataBackfillJobs'),
  backfillTemplate: op('GET', '/v1/uno/data-backfill/jobs/{type}/template', 'GET_DataBackfillTemplate'),
  createAutoBackfill: op('POST', '/v1/uno/data-backfill/propagation/jobs', 'POST_CreateAutoBackfillJob'),
  listAutoBackfills: op('GET', '/v1/uno/data-backfill/propagation/jobs', 'GET_listAutoBackfillJob'),
  getAutoBackfill: op('GET', '/v1/uno/data-backfill/propagation/jobs/{jobId}', 'GET_AutoBackfillJobById'),
  stopAutoBackfill: op('PUT', '/v1/uno/data-backfill/propagation/jobs/{jobId}', 'PUT_StopAutoBackfillJobById'),
  createBookingDateBackfill: op('POST', '/v1/uno/data-backfill/bookingdate/jobs', 'POST_CreateBookingDateBackfillJob'),
  listBookingDateBackfills: op('GET', '/v1/uno/data-backfill/bookingdate/jobs', 'GET_ListBookingDateBackfillJobs'),
  getBookingDateBackfill: op('GET', '/v1/uno/data-backfill/bookingdate/jobs/{jobId}', 'GET_BookingDateBackfillJobById'),
  stopBookingDateBackfill: op('PUT', '/v1/uno/data-backfill/bookingdate/jobs/{jobId}', 'PUT_StopBookingDateBackfillJobById'),

  /** A tenant's file (a backfill's upload or result) with the bearer token. */
  downloadFile: op('GET', '/apps/v1/files/{fileId}'),
} satisfies Record<string, Operation>

export type OperationName = keyof typeof OPERATIONS

/**
 * The admin plane (`/admin`, with the admin token as the bearer token): zjobs' own, not
 * Zuora's, so no operationIds. The console's admin pages call these; checked against
 * /openapi.json like the public operations.
 */
export const ADMIN_OPERATIONS = {
  listTenants: op('GET', '/admin/tenants'),
  createTenant: op('POST', '/admin/tenants'),
  getTenant: op('GET', '/admin/tenants/{tenantId}'),
  deleteTenant: op('DELETE', '/admin/tenants/{tenantId}'),
  listUsers: op('GET', '/admin/tenants/{tenantId}/users'),
  createUser: op('POST', '/admin/tenants/{tenantId}/users'),
  createClient: op('POST', '/admin/tenants/{tenantId}/oauth-clients'),
  mintToken: op('POST', '/admin/tenants/{tenantId}/users/{userId}/token'),
  seed: op('POST', '/admin/tenants/{tenantId}/seed'),
  importCsv: op('POST', '/admin/tenants/{tenantId}/import'),
  listJobs: op('GET', '/admin/tenants/{tenantId}/jobs'),
  getJob: op('GET', '/admin/tenants/{tenantId}/jobs/{jobId}'),
  cancelJob: op('POST', '/admin/tenants/{tenantId}/jobs/{jobId}/cancel'),
  getClock: op('GET', '/admin/tenants/{tenantId}/clock'),
  setClock: op('PUT', '/admin/tenants/{tenantId}/clock'),
  advanceClock: op('POST', '/admin/tenants/{tenantId}/clock/advance'),
  getLifecycle: op('GET', '/admin/tenants/{tenantId}/lifecycle'),
  setLifecycle: op('PUT', '/admin/tenants/{tenantId}/lifecycle'),
  getJobLifecycle: op('GET', '/admin/tenants/{tenantId}/jobs/{jobId}/lifecycle'),
  setJobLifecycle: op('PUT', '/admin/tenants/{tenantId}/jobs/{jobId}/lifecycle'),
  advanceJob: op('POST', '/admin/tenants/{tenantId}/jobs/{jobId}/advance'),
  listFaults: op('GET', '/admin/tenants/{tenantId}/faults'),
  addFault: op('POST', '/admin/tenants/{tenantId}/faults'),
  removeFault: op('DELETE', '/admin/tenants/{tenantId}/faults/{ruleId}'),
  removeFaults: op('DELETE', '/admin/tenants/{tenantId}/faults'),
  listRequests: op('GET', '/admin/tenants/{tenantId}/requests'),
  clearRequests: op('DELETE', '/admin/tenants/{tenantId}/requests'),
  resetTenant: op('POST', '/admin/tenants/{tenantId}/reset'),
  snapshot: op('GET', '/admin/tenants/{tenantId}/snapshot'),
} satisfies Record<string, Operation>

/** `path` with its `{name}` parameters filled in (each one URL-encoded). */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`missing path parameter ${name} of ${path}`)
    return encodeURIComponent(value)
  })
}
