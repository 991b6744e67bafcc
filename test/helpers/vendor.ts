// Checks response bodies against Zuora's own OpenAPI schemas, the contract a Zuora client is
// written against: test/fixtures/vendor-openapi.json, derived from Zuora's published file
// (scripts/vendor-schemas.ts says how), or the file at ZJOBS_VENDOR_SPEC.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const SPEC_PATH = process.env.ZJOBS_VENDOR_SPEC ?? new URL('../fixtures/vendor-openapi.json', import.meta.url).pathname

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

function loadSpec(): Json {
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'))
  // Allowance 1: DataQueryJobCommon.id and .createdBy say format uuid and also length 64;
  // no value satisfies both. Real ids are 36-character UUIDs: drop the length bounds.
  const common = spec.components?.schemas?.DataQueryJobCommon?.properties
  for (const field of ['id', 'createdBy']) {
    if (common?.[field]) {
      delete common[field].minLength
      delete common[field].maxLength
    }
  }
  // Allowance 6 (a defect the vendor README does not list): DataBackfillJob's uploadedOn,
  // completedOn and startedProcessingOn say format date-time, but every Zuora example of them
  // is an epoch-millisecond string ("1699517693000", spec §9), which is what clients parse:
  // drop the format.
  const backfillJob = spec.components?.schemas?.DataBackfillJob?.properties
  for (const field of ['uploadedOn', 'completedOn', 'startedProcessingOn']) delete backfillJob?.[field]?.format
  // Allowance 7 (not in the vendor README): CustomObjectAllFieldsDefinition is allOf [the five
  // system fields, a map whose every value is a custom field with origin "custom"]. A map's
  // additionalProperties covers every key of the other branch too, so the system fields Zuora
  // itself shows (origin "system") can never validate: the map excludes them here.
  const allFields = spec.components?.schemas?.CustomObjectAllFieldsDefinition
  const systemNames = Object.keys(allFields?.allOf?.[0]?.properties ?? {})
  if (allFields?.allOf?.[1]) {
    allFields.allOf[1] = {
      type: 'object',
      properties: Object.fromEntries(systemNames.map((name) => [name, {}])),
      additionalProperties: { $ref: '#/components/schemas/CustomObjectCustomFieldDefinition' },
    }
  }
  // Allowance 8 (not in the vendor README): the DELETE answers of definitions and records say
  // format uri, which JSON schema reads as an absolute URI; Zuora's own samples answer a path
  // ("/objects/definitions/default/test_custom_object"): check it as a URI reference.
  for (const path of ['/objects/definitions/default/{object}', '/objects/records/default/{object}/{id}']) {
    const schema = spec.paths?.[path]?.delete?.responses?.['200']?.content?.['application/json']?.schema
    if (schema?.format === 'uri') schema.format = 'uri-reference'
  }
  return spec
}

const spec = loadSpec()
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
addFormats(ajv)
// Allowance 2: the vendor file uses the non-standard formats Int32, datetime and URL; they
// constrain nothing. (int32, int64, binary and byte are OpenAPI's own, also unchecked here.)
for (const format of ['Int32', 'datetime', 'URL', 'int32', 'int64', 'binary', 'byte']) ajv.addFormat(format, true)
ajv.addSchema(spec, 'vendor')

const validators = new Map<string, ValidateFunction>()

const pointerEscape = (part: string) => part.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * The schema the vendor gives for `method path` answering `status`. Allowance 4: the backfill
 * envelopes are inline allOf schemas, so the path's own response schema is used, never a
 * component name. A status the vendor does not list falls back to its 4XX/5XX/default entry.
 */
function validatorFor(method: string, path: string, status: number, contentType: string): ValidateFunction {
  const key = `${method} ${path} ${status} ${contentType}`
  let validate = validators.get(key)
  if (validate) return validate
  const operation = spec.paths?.[path]?.[method.toLowerCase()]
  assert.ok(operation, `the vendor spec has no operation ${method} ${path}`)
  const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => operation.responses?.[k])
  assert.ok(statusKey, `the vendor spec has no ${status} response for ${method} ${path}`)
  const content = operation.responses[statusKey].content ?? {}
  assert.ok(content[contentType], `the vendor spec has no ${contentType} body for ${method} ${path} ${status}`)
  const pointer = ['paths', path, method.toLowerCase(), 'responses', statusKey, 'content', contentType, 'schema']
    .map(pointerEscape)
    .join('/')
  validate = ajv.compile({ $ref: `vendor#/${pointer}` })
  validators.set(key, validate)
  return validate
}

/** Fails the test unless `body` validates against the vendor's schema for the response. */
export function assertVendorResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const validate = validatorFor(method, path, status, contentType)
  if (!validate(body)) {
    assert.fail(
      `${method} ${path} ${status} does not match the vendor schema:\n${ajv.errorsText(validate.errors, { separator: '\n' })}\n` +
        `body: ${JSON.stringify(body).slice(0, 2000)}`,
    )
  }
}

export function vendorOperation(method: string, path: string): Json {
  return spec.paths?.[path]?.[method.toLowerCase()]
}

/** The vendor's path templates, those with the most literal segments first (`.../{type}/template` before `.../{jobId}`). */
const templates = Object.keys(spec.paths ?? {})
  .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
  .sort((a, b) => (b.template.match(/\/[^{/][^/]*/g)?.length ?? 0) - (a.template.match(/\/[^{/][^/]*/g)?.length ?? 0))

/**
 * Checks any answer of a vendor operation against the vendor's schema for its status, when the
 * vendor gives one: every response the suite reads through a test server's `api` (test/helpers/
 * server.ts) is checked, not only those a test checks by name. An answer whose status or
 * content type the vendor does not describe is left to the test.
 */
export function checkVendorAnswer(method: string, url: string, status: number, contentType: string | undefined, body: () => unknown): void {
  const path = new URL(url, 'http://localhost').pathname
  const template = templates.find(({ pattern }) => pattern.test(path))?.template
  const operation = template && spec.paths[template][method.toLowerCase()]
  if (!operation) return
  const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => operation.responses?.[k])
  const type = contentType?.split(';')[0]?.trim()
  if (!statusKey || !type || !operation.responses[statusKey].content?.[type]) return
  if (type !== 'application/json') return
  assertVendorResponse(method, template, status, body(), type)
}
