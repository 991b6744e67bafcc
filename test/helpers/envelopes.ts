// Assertions on the error envelopes a client receives.
import assert from 'node:assert/strict'
import type { HttpResponse } from './http.ts'

/**
 * The v1 CommonResponse failure envelope, exactly: `{success: false, processId, reasons:
 * [{code, message}], requestId}` with the request id of the response's Zuora-Request-Id.
 * `code` is the whole 8-digit code, or a pattern for it. Returns the body.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function assertV1Error(response: HttpResponse, status: number, code: string | RegExp): any {
  assert.equal(response.status, status, response.text)
  assert.match(String(response.headers['content-type']), /^application\/json/)
  const body = response.json()
  assert.deepEqual(Object.keys(body).sort(), ['processId', 'reasons', 'requestId', 'success'])
  assert.equal(body.success, false)
  assert.match(body.processId, /^[0-9A-F]{16}$/)
  assert.match(body.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.equal(body.requestId, response.headers['zuora-request-id'])
  assert.equal(body.reasons.length, 1)
  assert.deepEqual(Object.keys(body.reasons[0]).sort(), ['code', 'message'])
  if (typeof code === 'string') assert.equal(body.reasons[0].code, code)
  else assert.match(body.reasons[0].code, code)
  assert.equal(typeof body.reasons[0].message, 'string')
  assert.ok(body.reasons[0].message.length > 0)
  return body
}

/** An 8-digit code of any resource in `category` (its last two digits). */
export const category = (digits: string) => new RegExp(`^\\d{6}${digits}$`)
