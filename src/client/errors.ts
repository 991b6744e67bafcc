// One error type for everything a call of the public API can end in: a vendor error (any of
// Zuora's envelopes, decoded to its code and message), a refusal to wait any longer (429 or
// 503 past the retry bound), or no answer at all (network). Free of Node.js-only code: the
// console runs it in a browser.

/** What went wrong, for a caller deciding what to do (a CLI's exit code, a UI's message). */
export type ErrorKind =
  /** The server answered 4xx (other than 429): the request itself is refused. */
  | 'refused'
  /** 429 or 5xx: the server is busy or failing; the retries allowed were spent. */
  | 'unavailable'
  /** No HTTP answer: connection refused or reset, DNS, timeout. */
  | 'network'
  /** The answer was not what the API documents (no JSON where JSON was due). */
  | 'protocol'

export class ZuoraError extends Error {
  readonly kind: ErrorKind
  /** HTTP status; 0 when there was no answer. */
  readonly status: number
  /** The vendor's error code (`71013020`, `50000020`, `400`, `invalid_client`), when it gave one. */
  readonly code?: string
  /** The server's Zuora-Request-Id, to quote to support. */
  readonly requestId?: string
  readonly method?: string
  readonly path?: string
  /** The decoded body, as sent. */
  readonly body?: unknown

  constructor(
    kind: ErrorKind,
    message: string,
    details: { status?: number; code?: string; requestId?: string; method?: string; path?: string; body?: unknown; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'ZuoraError'
    this.kind = kind
    this.status = details.status ?? 0
    this.code = details.code
    this.requestId = details.requestId
    this.method = details.method
    this.path = details.path
    this.body = details.body
  }

  /** One line: the vendor's code and message, then the HTTP status and request id. */
  describe(): string {
    const where = [this.status ? `HTTP ${this.status}` : undefined, this.method && this.path ? `${this.method} ${this.path}` : undefined]
      .filter(Boolean)
      .join(', ')
    const code = this.code && !this.message.startsWith(this.code) ? `${this.code}: ` : ''
    return `${code}${this.message}${where ? ` (${where}${this.requestId ? `, request ${this.requestId}` : ''})` : ''}`
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/**
 * The code and message of an error body, whichever family's envelope it is in:
 * Data Query and Custom Objects `{code, message, details?}`, the v1 `CommonResponse`
 * `{success: false, reasons: [{code, message}]}`, Zuora's older v1 `{Errors: [{Code, Message}]}`,
 * OAuth `{error, error_description}`, the gateway's `{message}`.
 */
export function decodeErrorBody(body: unknown): { code?: string; message?: string } {
  const b = body as Json
  if (!b || typeof b !== 'object') return {}
  const text = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : String(value))
  const reasons: Json[] | undefined = Array.isArray(b.reasons) ? b.reasons : Array.isArray(b.Errors) ? b.Errors : undefined
  if (reasons && reasons.length > 0) {
    const code = text(reasons[0].code ?? reasons[0].Code)
    const message = reasons.map((reason) => text(reason.message ?? reason.Message)).filter(Boolean).join('; ')
    return { code, message: message || undefined }
  }
  if (typeof b.error === 'string') return { code: b.error, message: text(b.error_description) ?? b.error }
  let message = text(b.message ?? b.Message)
  // Custom Objects put each refused record in `details`: the first one says which.
  const detail = Array.isArray(b.details) ? text(b.details[0]?.message) : undefined
  if (detail && message && !message.includes(detail)) message = `${message}: ${detail}`
  return { code: text(b.code ?? b.Code), message: message ?? detail }
}

/** A ZuoraError from an HTTP answer with an error status. */
export function errorFromResponse(
  status: number,
  statusText: string,
  bodyText: string,
  context: { method: string; path: string; requestId?: string },
): ZuoraError {
  let body: unknown = bodyText
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined
  } catch {
    // Not JSON: a proxy's page, a plain-text error.
  }
  const decoded = typeof body === 'object' ? decodeErrorBody(body) : {}
  const plain = typeof body === 'string' ? body.trim().replace(/\s+/g, ' ').slice(0, 200) : ''
  const message = decoded.message ?? (plain || statusText || `HTTP ${status}`)
  const kind = status === 429 || status >= 500 ? 'unavailable' : 'refused'
  return new ZuoraError(kind, message, { status, code: decoded.code, body, ...context })
}
