// /openapi.json as a document clients generate from (issue 19): Zuora's operationIds on the
// vendor operations (set by the routes), an operationId, a summary, a 4xx answer and an example
// on every operation, an oauth2 client-credentials scheme (so /docs' "Try it out" gets its own
// token), servers, tags with descriptions. It lints clean with Redocly's recommended rules
// (test/platform/openapi-lint.test.ts) and a client generated from it runs jobs of every family
// (test/client/generated-client.test.ts).
import type { FastifyRequest } from 'fastify'
import { familyOf, type Family } from './errors.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const TAGS: Record<string, string> = {
  oauth: "OAuth 2.0 client credentials: the bearer token every other Zuora operation takes (Zuora's createToken)",
  'Data Query': "Zuora's Data Query: read-only SQL over the tenant's billing data, run as asynchronous jobs",
  'Custom Object Definitions': "Zuora's Custom Objects: the definitions (schemas) of a tenant's custom objects",
  'Custom Object Records': "Zuora's Custom Objects: records, one at a time or up to 1,000 per call",
  'Custom Object Jobs': "Zuora's Custom Objects: bulk create, update and delete jobs driven by CSV files and filters",
  'Data Backfill': "Zuora's Data Backfill: CSV-driven field updates, auto backfill and booking date jobs",
  files: 'Downloads of result and upload files: signed links, or a tenant file with the bearer token',
  health: 'Liveness and readiness probes',
  admin: "zjobs' admin plane: tenants, users, OAuth clients, billing data (ZJOBS_ADMIN_TOKEN)",
  sandbox: "zjobs' sandbox control: tenants' clocks, job lifecycles, faults and the request journal (ZJOBS_ADMIN_TOKEN)",
}

/** The document's fixed parts, given to @fastify/swagger. */
export const OPENAPI_BASE = {
  openapi: '3.0.3',
  info: {
    title: 'zjobs',
    version: '0.1.0',
    description:
      "Self-hosted, wire-compatible server for Zuora's asynchronous data-jobs APIs: Data Query, Custom Objects and " +
      "Data Backfill, with Zuora's paths, operationIds, bodies, headers and error envelopes. Coverage: docs/coverage.md.",
    license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
  },
  // Replaced, per request, by the address the document was read at (servedDocument).
  servers: [{ url: 'http://localhost:8080', description: 'zjobs' }],
  components: {
    securitySchemes: {
      oauth2: {
        type: 'oauth2',
        description: "The tenant's OAuth client: POST /oauth/token with grant_type=client_credentials, as from Zuora",
        flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } },
      },
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from POST /oauth/token' },
      adminToken: { type: 'http', scheme: 'bearer', description: 'ZJOBS_ADMIN_TOKEN' },
    },
  },
  security: [{ oauth2: [] }, { bearerAuth: [] }],
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

/** Each family's error envelope, with an example, for the 4xx answers a route does not document. */
const ERROR_ENVELOPES: Partial<Record<Family, { schema: Json; example: Json }>> = {
  dataQuery: {
    schema: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'integer' }, message: { type: 'string' } } },
    example: { code: 400, message: 'Zuora-Track-Id must be at most 64 US-ASCII characters and must not contain : ; " or \'' },
  },
  customObjects: {
    schema: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'integer' }, message: { type: 'string' } } },
    example: { code: 71000020, message: 'Zuora-Track-Id must be at most 64 US-ASCII characters and must not contain : ; " or \'' },
  },
  oauth: {
    schema: { type: 'object', required: ['error', 'error_description'], properties: { error: { type: 'string' }, error_description: { type: 'string' } } },
    example: { error: 'invalid_request', error_description: 'grant_type is required' },
  },
  files: { schema: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } }, example: { message: 'File not found' } },
}
const V1_ENVELOPE = {
  schema: {
    type: 'object',
    required: ['success', 'reasons'],
    properties: {
      success: { type: 'boolean' },
      processId: { type: 'string' },
      reasons: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
      requestId: { type: 'string' },
    },
  },
  example: {
    success: false,
    processId: '3F4E8A2B9C1D0E7F',
    reasons: [{ code: '50000020', message: 'Zuora-Track-Id must be at most 64 US-ASCII characters and must not contain : ; " or \'' }],
    requestId: '5948abde-b875-4d06-ad07-c2138853d8bc',
  },
}
const envelopeOf = (family: Family) => ERROR_ENVELOPES[family] ?? V1_ENVELOPE
/** The API gateway's 401, the same for every family. */
const UNAUTHORIZED = {
  description: 'No token, or a token that is not valid',
  content: {
    'application/json': {
      schema: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
      example: { message: 'Authentication error' },
    },
  },
}

/** Hand-written request examples where a generated one would say little. */
const REQUEST_EXAMPLES: Record<string, Json> = {
  POST_DataQueryJob: {
    query: 'SELECT accountnumber, name, balance FROM account WHERE status = \'Active\'',
    outputFormat: 'CSV',
    compression: 'GZIP',
    output: { target: 'S3' },
  },
  POST_CustomObjectBulkJob: { namespace: 'default', object: 'Vehicle', operation: 'create' },
  POST_CreateAutoBackfillJob: { type: 'RatePlanCharge', batchSize: 1000, dryRun: false },
  POST_CustomObjectRecords: { records: [{ VIN__c: '1HGCM82633A004352', make__c: 'Honda' }], allowPartialSuccess: false },
}

/** Request bodies routes read themselves (a form, a CSV stream, a multipart upload), for the document. */
const REQUEST_BODIES: Record<string, Json> = {
  createToken: {
    required: true,
    content: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          required: ['grant_type'],
          properties: {
            client_id: { type: 'string', description: 'The OAuth client id (or send it by HTTP Basic authentication)' },
            client_secret: { type: 'string', description: 'Its secret' },
            grant_type: { type: 'string', enum: ['client_credentials'] },
          },
        },
        example: { client_id: '1dc52a9f-5e74-4b1f-97c7-2e7f9bda3b48', client_secret: 'NcS7oqiwQ75HPczaRfHzyjxAxpMTP0EmvpKnHOZS', grant_type: 'client_credentials' },
      },
    },
  },
  POST_UploadFileForCustomObjectBulkJob: {
    required: true,
    content: {
      'text/csv': {
        schema: { type: 'string', description: 'UTF-8 CSV, a header of field names first, at most 15 MB' },
        example: 'VIN__c,make__c\n1HGCM82633A004352,Honda\n',
      },
    },
  },
  POST_CreateDataBackfillJob: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['type', 'file'],
          properties: {
            type: { type: 'string', description: 'The backfill type: ProductRatePlanCharge, RatePlanCharge, InvoiceDetail, MemoDetail, InvoiceItemAdjustment' },
            file: { type: 'string', format: 'binary', description: "The CSV file, as the type's template" },
            checksum: { type: 'string', description: "The file's MD5, 32 hexadecimal characters" },
          },
        },
      },
    },
  },
}

/**
 * Completes the document @fastify/swagger built (its transformObject, once): what Redocly's
 * recommended rules ask of every operation, and JSON Schema that OpenAPI 3.0 does not have
 * (a numeric exclusiveMinimum) written as 3.0 writes it.
 */
export function finishDocument(document: Json): Json {
  downgradeExclusiveBounds(document)
  const schemas = document.components?.schemas ?? {}
  const usedTags = new Set<string>()
  const operationIds = new Set<string>()
  for (const [path, item] of Object.entries(document.paths ?? {}) as [string, Json][]) {
    const family = familyOf(path)
    for (const method of HTTP_METHODS) {
      if (!item[method]) continue
      // A HEAD route Fastify made from a GET shares its object, operationId included.
      const operation = (item[method] = { ...item[method], responses: { ...item[method].responses } })
      operation.operationId ??= derivedOperationId(method, path)
      if (operationIds.has(operation.operationId)) operation.operationId = `${method}${capitalise(operation.operationId)}`
      operationIds.add(operation.operationId)
      operation.summary ??= `${method.toUpperCase()} ${path}`
      for (const tag of operation.tags ?? []) usedTags.add(tag)
      const responses = (operation.responses ??= {})
      const secured = !(Array.isArray(operation.security) && operation.security.length === 0)
      if (secured && !responses['401'] && family !== 'admin') responses['401'] = UNAUTHORIZED
      if (!Object.keys(responses).some((status) => status.startsWith('4'))) {
        // Every request's Zuora-Track-Id is checked before its route runs (plugins/zuora-headers.ts).
        const envelope = envelopeOf(family)
        responses['400'] = {
          description: 'Invalid request: a header that breaks its rules (Zuora-Track-Id)',
          content: { 'application/json': { schema: envelope.schema, example: envelope.example } },
        }
      }
      for (const [status, response] of Object.entries(responses) as [string, Json][]) {
        for (const media of Object.values(response.content ?? {}) as Json[]) {
          if (media.example !== undefined || media.examples !== undefined || !media.schema) continue
          if (status.startsWith('4') || status.startsWith('5') || status.startsWith('2')) media.example = sample(media.schema, schemas)
        }
      }
      if (!operation.requestBody && REQUEST_BODIES[operation.operationId]) operation.requestBody = REQUEST_BODIES[operation.operationId]
      const requestJson = operation.requestBody?.content?.['application/json']
      if (requestJson?.schema && requestJson.example === undefined) {
        requestJson.example = REQUEST_EXAMPLES[operation.operationId] ?? sample(requestJson.schema, schemas)
      }
    }
  }
  document.tags = [...usedTags].sort().map((name) => ({ name, description: TAGS[name] ?? `zjobs' ${name} operations` }))
  return document
}

/** The document as read at `request`'s address: servers and the token URL point at this server. */
export function servedDocument(document: Json, request: FastifyRequest, publicUrl: string | undefined): Json {
  const base = (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '')
  const schemes = document.components.securitySchemes
  return {
    ...document,
    servers: [{ url: base, description: 'This zjobs server' }],
    components: {
      ...document.components,
      securitySchemes: {
        ...schemes,
        oauth2: { ...schemes.oauth2, flows: { clientCredentials: { ...schemes.oauth2.flows.clientCredentials, tokenUrl: `${base}/oauth/token` } } },
      },
    },
  }
}

/** `get /admin/tenants/{tenantId}/users` -> `getAdminTenantsUsers` (zjobs' own operations). */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((part) => part && !part.startsWith('{'))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
  const byParameter = path.includes('{') ? `By${path.match(/\{([^}]+)\}/g)!.map((p) => capitalise(p.slice(1, -1))).join('And')}` : ''
  return `${method}${words.map(capitalise).join('')}${byParameter}`
}
const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

/** OpenAPI 3.0 bounds (`exclusiveMinimum: true` beside `minimum`); a one-branch anyOf unwrapped. */
function downgradeExclusiveBounds(node: Json): void {
  if (Array.isArray(node)) return node.forEach(downgradeExclusiveBounds)
  if (!node || typeof node !== 'object') return
  for (const value of Object.values(node)) downgradeExclusiveBounds(value)
  if (Array.isArray(node.anyOf)) {
    // @fastify/swagger writes null as {type: object, nullable: true, enum: [null]}: the union
    // becomes nullable instead (generators such as openapi-typescript fail on the null enum).
    const isNull = (branch: Json) => Array.isArray(branch?.enum) && branch.enum.length === 1 && branch.enum[0] === null
    if (node.anyOf.some(isNull)) {
      node.anyOf = node.anyOf.filter((branch: Json) => !isNull(branch))
      node.nullable = true
    }
    // A union of literals of one type is an enum, as OpenAPI and generated clients read it.
    const type = node.anyOf[0]?.type
    const literals = node.anyOf.every(
      (branch: Json) => branch.type === type && typeof type === 'string' && Array.isArray(branch.enum) && Object.keys(branch).every((key) => ['type', 'enum'].includes(key)),
    )
    if (literals && node.anyOf.length > 0) {
      const values = node.anyOf.flatMap((branch: Json) => branch.enum)
      delete node.anyOf
      Object.assign(node, { type, enum: node.nullable ? [...values, null] : values })
    } else if (node.anyOf.length === 1) {
      const [only] = node.anyOf
      delete node.anyOf
      Object.assign(node, { ...only, ...node })
    }
  }
  if (typeof node.exclusiveMinimum === 'number') {
    node.minimum = node.exclusiveMinimum
    node.exclusiveMinimum = true
  }
  if (typeof node.exclusiveMaximum === 'number') {
    node.maximum = node.exclusiveMaximum
    node.exclusiveMaximum = true
  }
}

const SAMPLE_UUID = '5948abde-b875-4d06-ad07-c2138853d8bc'

/** A value that fits `schema`, for an example. */
export function sample(schema: Json, schemas: Record<string, Json>, name = '', depth = 0): unknown {
  if (!schema || depth > 8) return null
  if (schema.$ref) return sample(schemas[String(schema.$ref).split('/').pop()!], schemas, name, depth + 1)
  if (schema.example !== undefined) return schema.example
  if (schema.default !== undefined) return schema.default
  if (schema.const !== undefined) return schema.const
  if (Array.isArray(schema.enum)) return schema.enum[0]
  const union = schema.anyOf ?? schema.oneOf
  if (Array.isArray(union)) {
    const branch = union.find((candidate: Json) => candidate.type !== 'null') ?? union[0]
    return sample(branch, schemas, name, depth + 1)
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((part: Json) => sample(part, schemas, name, depth + 1)))
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  switch (type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [key, property] of Object.entries(schema.properties ?? {})) out[key] = sample(property, schemas, key, depth + 1)
      return out
    }
    case 'array': {
      const item = sample(schema.items, schemas, name, depth + 1)
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => item).slice(0, schema.maxItems ?? 1)
    }
    case 'integer':
    case 'number': {
      let value = schema.minimum ?? 0
      if (schema.exclusiveMinimum === true) value += 1
      if (schema.maximum !== undefined && value > schema.maximum) value = schema.maximum
      return value
    }
    case 'boolean':
      return false
    case 'string':
      return sampleString(schema, name)
    default:
      return null
  }
}

function sampleString(schema: Json, name: string): string {
  switch (schema.format) {
    case 'uuid':
      return SAMPLE_UUID
    case 'date-time':
      return '2026-05-01T12:00:00.000Z'
    case 'date':
      return '2026-05-01'
    case 'email':
      return 'admin@example.com'
    case 'uri':
    case 'url':
      return 'http://localhost:8080/files/5948abde'
  }
  let value = /id$/i.test(name) ? '8a28b6a18f2e4b0c018f30c4e57a00a1' : name ? `${name} value` : 'text'
  const min = schema.minLength ?? 0
  const max = schema.maxLength ?? Infinity
  if (value.length < min) value = value.padEnd(min, '0')
  if (value.length > max) value = value.slice(0, max)
  return value
}
