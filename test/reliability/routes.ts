// What the reliability suites share: the operations /openapi.json documents, the error
// envelope each family answers in, and a fingerprint of what a refused request must not
// change in the database.
import assert from 'node:assert/strict'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import type { HttpResponse } from '../helpers/http.ts'
import type { TestServer } from '../helpers/server.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

export interface Operation {
  method: string
  /** The documented path, with `{name}` placeholders. */
  path: string
  pathParams: string[]
  queryParams: string[]
  /** Media types of the documented request body, if it has one. */
  bodyTypes: string[]
  bodySchema?: Json
  /** Needs no bearer token (health checks, /oauth/token, signed links). */
  open: boolean
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** A response's body as text, decompressed as its Content-Encoding says. */
export function decoded(response: HttpResponse): string {
  switch (response.headers['content-encoding']) {
    case 'gzip':
      return gunzipSync(response.body).toString('utf8')
    case 'br':
      return brotliDecompressSync(response.body).toString('utf8')
    case 'deflate':
      return inflateSync(response.body).toString('utf8')
    default:
      return response.text
  }
}

/** Every operation of the server's /openapi.json. */
export async function operations(server: TestServer): Promise<Operation[]> {
  const response = await fetch(`${server.url}/openapi.json`)
  assert.equal(response.status, 200)
  const doc = (await response.json()) as Json
  const result: Operation[] = []
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (!METHODS.includes(method)) continue
      const parameters: Json[] = [...(item.parameters ?? []), ...(op.parameters ?? [])]
      const content = op.requestBody?.content ?? {}
      result.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        bodyTypes: Object.keys(content),
        bodySchema: content['application/json']?.schema,
        open: Array.isArray(op.security) && op.security.length === 0,
      })
    }
  }
  assert.ok(result.length > 40, `the document lists the routes (${result.length})`)
  return result
}

export const operationName = (op: Operation) => `${op.method} ${op.path}`

/** Fills a documented path's placeholders. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for {${name}} in ${path}`)
    return values[name]
  })
}

/** A small valid-looking value of a JSON schema: required fields, first enum values, minimums. */
export function sampleOf(schema: Json, depth = 0): Json {
  if (!schema || depth > 6) return null
  if (schema.default !== undefined) return schema.default
  if (schema.enum) return schema.enum[0]
  if (schema.const !== undefined) return schema.const
  if (schema.anyOf ?? schema.oneOf) return sampleOf((schema.anyOf ?? schema.oneOf)[0], depth + 1)
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'object': {
      const out: Record<string, Json> = {}
      for (const name of schema.required ?? []) out[name] = sampleOf(schema.properties?.[name], depth + 1)
      return out
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 1 }, () => sampleOf(schema.items, depth + 1))
    case 'integer':
    case 'number':
      return schema.minimum ?? 1
    case 'boolean':
      return false
    case 'string':
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000'
      if (schema.format === 'date') return '2026-01-01'
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z'
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1))
    default:
      return null
  }
}

export type Family = 'dataQuery' | 'customObjects' | 'oauth' | 'admin' | 'files' | 'v1'

/** The family a request path belongs to, as a client of Zuora's APIs knows it. */
export function familyOf(path: string): Family {
  if (path.startsWith('/query')) return 'dataQuery'
  if (path.startsWith('/objects')) return 'customObjects'
  if (path.startsWith('/oauth/')) return 'oauth'
  if (path.startsWith('/admin')) return 'admin'
  if (path.startsWith('/files/')) return 'files'
  return 'v1'
}

/**
 * A refusal in its family's envelope, never the framework's (`{statusCode, error, message}`)
 * and never a 5xx. Returns a description of what is wrong, or undefined.
 */
export function envelopeProblem(path: string, response: HttpResponse): string | undefined {
  const { status } = response
  // The path as it goes out: a client's URL parser resolves dot segments (`/files/%2e%2e` is `/`).
  const sent = new URL(path, 'http://localhost').pathname
  // A request the URL parser made into another one (`/objects/jobs/%2e%2e/files` goes out as
  // `/objects/files`) may be no operation at all: zjobs' 501 for what it does not serve, in the
  // family's envelope, is the right answer to it (docs/decisions.md, "What zjobs does not serve
  // answers 501"). Any other 5xx is a failure.
  const unserved = status === 501 && sent !== path.split('?')[0] && /not supported by zjobs/.test(decoded(response))
  if (status >= 500 && !unserved) return `a ${status}`
  if (status < 400) return undefined
  let body: Json
  try {
    body = JSON.parse(decoded(response))
  } catch {
    return `a ${status} whose body is not JSON: ${decoded(response).slice(0, 200)}`
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return `a ${status} whose body is not an object`
  if ('statusCode' in body || 'stack' in body) return `a framework-shaped ${status}: ${decoded(response).slice(0, 200)}`
  const family = familyOf(sent)
  // The API gateway's 401 is the same for every family but the admin plane's and OAuth's
  // (a family may answer its own 401 too: Custom Objects records without the permission).
  if (status === 401 && family !== 'admin' && family !== 'oauth' && body.message === 'Authentication error' && Object.keys(body).length === 1) {
    return response.headers['www-authenticate'] ? undefined : 'a 401 without WWW-Authenticate'
  }
  const text = (value: unknown) => typeof value === 'string' && value.length > 0
  switch (family) {
    case 'dataQuery':
    case 'customObjects':
      return typeof body.code === 'number' && text(body.message) ? undefined : `not {code, message}: ${decoded(response).slice(0, 300)}`
    case 'oauth':
      return text(body.error) && text(body.error_description) ? undefined : `not {error, error_description}: ${decoded(response).slice(0, 300)}`
    case 'files':
      return text(body.message) ? undefined : `not {message}: ${decoded(response).slice(0, 300)}`
    case 'admin':
    case 'v1': {
      // One reason or more (a body with several problems names each).
      const reasons: Json[] = Array.isArray(body.reasons) ? body.reasons : []
      const shaped =
        body.success === false &&
        /^[0-9A-F]{16}$/.test(body.processId) &&
        body.requestId === response.headers['zuora-request-id'] &&
        reasons.length >= 1 &&
        reasons.every((reason) => typeof reason?.code === 'string' && /^\d{8}$/.test(reason.code) && text(reason?.message))
      if (!shaped) return `not the v1 envelope: ${decoded(response).slice(0, 300)}`
      const outside = reasons.find((reason) => family === 'admin' && !/^800000\d\d$/.test(reason.code))
      if (outside) return `an admin code outside 800000xx: ${outside.code}`
      return undefined
    }
  }
}

/** Tables a refused request must leave exactly as they were. */
const KEPT = [
  'tenants',
  'users',
  'entities',
  'orgs',
  'oauth_clients',
  'jobs',
  'files',
  'custom_object_definitions',
  'custom_object_records',
  'custom_object_record_counts',
  'custom_object_job_errors',
  'data_backfill_row_errors',
  'tenant_clocks',
  'lifecycle_policies',
  'job_lifecycles',
  'fault_rules',
  'billing.account',
  'billing.rateplancharge',
  'billing.orderlineitem',
]

/**
 * One digest of every row of the tables a refusal must not change; with `tenantId`, of that
 * tenant's rows only (what an operation on another tenant must not change).
 */
export async function fingerprint(server: TestServer, options: { tenantId?: string } = {}): Promise<Record<string, string>> {
  const parts = KEPT.map((table) => {
    const conditions = [VISIBLE[table], options.tenantId === undefined ? undefined : `t.${table === 'tenants' ? 'id' : 'tenant_id'} = $1`].filter(Boolean)
    return `(SELECT count(*) || ':' || coalesce(md5(string_agg(${ROW[table] ?? 't::text'}, ',' ORDER BY ${ROW[table] ?? 't::text'})), '') FROM ${table} t${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}) AS "${table}"`
  })
  const { rows } = await server.server.db.query<Record<string, string>>(`SELECT ${parts.join(', ')}`, options.tenantId === undefined ? [] : [options.tenantId])
  return rows[0]
}

/**
 * What of a row is digested, where not all of it: a fault rule's counts of the calls it matched
 * and fired on move with the tenant's own calls (a rule created by a fuzzed request matches later ones).
 */
const ROW: Record<string, string> = {
  fault_rules: '(t.tenant_id, t.id, t.kind, t.rule, t.times)::text',
}

/**
 * Rows no client reaches are left out of a digest: a reset deletes a tenant's definitions at once
 * and purges their records in the background, while later requests run.
 */
const VISIBLE: Record<string, string> = {
  custom_object_records: 'EXISTS (SELECT 1 FROM custom_object_definitions d WHERE d.tenant_id = t.tenant_id AND d.id = t.definition_id)',
  custom_object_record_counts: 'EXISTS (SELECT 1 FROM custom_object_definitions d WHERE d.tenant_id = t.tenant_id AND d.id = t.definition_id)',
}

/** The tables whose digest differs. */
export function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((table) => before[table] !== after[table])
}
