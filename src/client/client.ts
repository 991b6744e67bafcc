// The HTTP client of the public API (zjobs or Zuora itself), shared by the job CLI, the
// console and the tests: OAuth client credentials (token kept and renewed), retries with
// back-off on network errors, 429 and 502-504 (Retry-After honoured, within a bound), every
// error envelope decoded into one ZuoraError, downloads as web streams with progress.
// Web platform only (fetch, streams, AbortSignal, crypto.randomUUID): no Node.js modules.
import { errorFromResponse, ZuoraError } from './errors.ts'
import { fillPath, OPERATIONS, type Operation } from './operations.ts'

export interface Credentials {
  clientId: string
  clientSecret: string
}

/** A bearer token from elsewhere (minted locally, a console's session); asked again after a 401. */
export type TokenSource = (options: { renew: boolean }) => Promise<string>

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number
  /** Back-off before the first retry when the server names no Retry-After; doubled each time, with jitter. */
  baseDelayMs: number
  maxDelayMs: number
  /** The longest Retry-After the client waits; a server asking for more gets an error at once. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 }

/** Told before each retry, so that a front-end can say so. */
export interface RetryNotice {
  method: string
  path: string
  /** 1 for the first retry. */
  attempt: number
  retries: number
  delayMs: number
  /** `HTTP 429`, `HTTP 503`, or the network error's message. */
  reason: string
  /** True when the delay is the server's Retry-After. */
  retryAfter: boolean
}

export interface ClientOptions {
  /** `http://localhost:8080`, `https://rest.test.zuora.com` */
  baseUrl: string
  credentials?: Credentials
  token?: TokenSource
  /** Sent as Zuora-Entity-Ids (multi-entity tenants). */
  entityId?: string
  /** Extra headers on every API call (User-Agent where allowed, Zuora-Track-Id...). */
  headers?: Record<string, string>
  retry?: Partial<RetryPolicy>
  /** How long an attempt may wait for the answer's headers (default 60 s). */
  timeoutMs?: number
  onRetry?(notice: RetryNotice): void
  fetch?: typeof fetch
  /** A token got earlier (a console tab's, kept across reloads): used while it lasts, as if just asked for. */
  initialToken?: KeptToken
  /** Told of each new token (to keep it for a later session: see initialToken). */
  onToken?(token: KeptToken): void
}

/** A bearer token and when it expires (epoch milliseconds). */
export interface KeptToken {
  value: string
  expires: number
}

/** A body that can be sent again on a retry: a value (string, Blob, FormData...) or a factory of fresh ones. */
export type BodySource = RequestBody | (() => RequestBody)
type RequestBody = NonNullable<RequestInit['body']>

export interface CallOptions {
  params?: Record<string, string>
  query?: Record<string, string | number | boolean | string[] | undefined>
  /** A JSON body (Content-Type: application/json). */
  json?: unknown
  body?: BodySource
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface Download {
  /** The bytes; counted into `onProgress` as they are read. */
  body: ReadableStream<Uint8Array>
  /** Content-Length, when the server sent one. */
  size?: number
  contentType?: string
  /** From Content-Disposition, when the server sent one. */
  fileName?: string
}

export interface DownloadOptions {
  signal?: AbortSignal
  /** Send the bearer token (Zuora's /apps/v1/files), if the link is on the API's origin; never for a signed or pre-signed link. */
  authenticated?: boolean
  onProgress?(bytes: number): void
}

const RETRIED_STATUSES = new Set([429, 502, 503, 504])
const TOKEN_MARGIN_MS = 60_000

export class ZuoraClient {
  readonly baseUrl: string
  readonly #options: ClientOptions
  readonly #retry: RetryPolicy
  readonly #fetch: typeof fetch
  #token?: { value: string; expires: number }
  #pendingToken?: Promise<string>
  #warming?: Promise<string>

  constructor(options: ClientOptions) {
    if (!options.credentials && !options.token) throw new Error('ZuoraClient needs credentials or a token source')
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#options = options
    this.#retry = { ...DEFAULT_RETRY, ...options.retry }
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    if (options.initialToken && options.initialToken.expires - TOKEN_MARGIN_MS > Date.now()) this.#token = { ...options.initialToken }
  }

  /** Calls `operation` and answers its JSON body; a non-2xx answer throws a ZuoraError. */
  async call<T>(operation: Operation, options: CallOptions = {}): Promise<T> {
    const response = await this.send(operation, options)
    const text = await response.text()
    if (!text) return undefined as T
    try {
      return JSON.parse(text) as T
    } catch (cause) {
      throw new ZuoraError('protocol', `the answer of ${operation.method} ${operation.path} is not JSON: ${text.slice(0, 100)}`, {
        status: response.status,
        method: operation.method,
        path: operation.path,
        cause,
      })
    }
  }

  /** Calls `operation` and answers the Response (2xx only: anything else throws a ZuoraError). */
  async send(operation: Operation, options: CallOptions = {}): Promise<Response> {
    const url = new URL(this.baseUrl + fillPath(operation.path, options.params))
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item))
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.#options.headers, ...options.headers }
    if (this.#options.entityId) headers['zuora-entity-ids'] = this.#options.entityId
    let body: BodySource | undefined = options.body
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    }
    return this.#authenticated(operation.method, operation.path, url, headers, body, options.signal)
  }

  /**
   * Streams a file: a signed link (Data Query's dataFile, S3's pre-signed URLs) as it is, or,
   * with `authenticated`, a file of the tenant's with the bearer token. Retries until the
   * answer's headers arrive; the body itself is read once.
   */
  async download(url: string, options: DownloadOptions = {}): Promise<Download> {
    // Identity: the file's exact bytes and length (the server would gzip text on the fly).
    const headers: Record<string, string> = { 'accept-encoding': 'identity' }
    const path = new URL(url).pathname
    // The bearer token goes to the API's own origin only, never to a link elsewhere.
    const response = options.authenticated && sameOrigin(new URL(url), new URL(this.baseUrl))
      ? await this.#authenticated('GET', path, new URL(url), headers, undefined, options.signal)
      : await this.#checked('GET', path, () => this.#attempt(url, { method: 'GET', headers }, options.signal), options.signal)
    const length = Number(response.headers.get('content-length'))
    let read = 0
    const source = response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() })
    const body = options.onProgress
      ? source.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength
              options.onProgress!(read)
              controller.enqueue(chunk)
            },
          }),
        )
      : source
    return {
      body,
      size: Number.isFinite(length) && response.headers.has('content-length') ? length : undefined,
      contentType: response.headers.get('content-type') ?? undefined,
      fileName: fileNameOf(response.headers.get('content-disposition')),
    }
  }

  /** A bearer token: the one in hand while it lasts, else a new one (client credentials or the token source). */
  async token(renew = false): Promise<string> {
    const warming = this.#warming
    this.#warming = undefined
    if (!renew && warming) return warming
    if (!renew && this.#token && this.#token.expires - TOKEN_MARGIN_MS > Date.now()) return this.#token.value
    this.#pendingToken ??= this.#newToken(renew).finally(() => (this.#pendingToken = undefined))
    return this.#pendingToken
  }

  /**
   * Starts getting a token at once, while the caller gets ready (a command loading what it
   * needs): the next call takes its outcome, failure included. `signal` abandons it.
   */
  warmUp(signal?: AbortSignal): void {
    if (this.#token || this.#pendingToken) return
    const warming = (this.#pendingToken = this.#newToken(false, signal).finally(() => (this.#pendingToken = undefined)))
    warming.catch(() => {})
    this.#warming = warming
  }

  async #newToken(renew: boolean, signal?: AbortSignal): Promise<string> {
    if (this.#options.token) {
      const value = await this.#options.token({ renew })
      // A token from elsewhere is kept until the server refuses it.
      this.#token = { value, expires: Number.POSITIVE_INFINITY }
      this.#options.onToken?.({ ...this.#token })
      return value
    }
    const { clientId, clientSecret } = this.#options.credentials!
    const { method, path } = OPERATIONS.token
    const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' })
    const response = await this.#checked(
      method,
      path,
      () =>
        this.#attempt(
          this.baseUrl + path,
          { method, headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: form },
          signal,
        ),
      signal,
    )
    const grant = (await response.json()) as { access_token?: string; expires_in?: number }
    if (!grant.access_token) throw new ZuoraError('protocol', 'the token answer has no access_token', { status: response.status, method, path })
    this.#token = { value: grant.access_token, expires: Date.now() + (grant.expires_in ?? 3600) * 1000 }
    this.#options.onToken?.({ ...this.#token })
    return grant.access_token
  }

  /** A call with the bearer token; a 401 gets one new token and one more try. */
  async #authenticated(
    method: string,
    path: string,
    url: URL,
    headers: Record<string, string>,
    body: BodySource | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    // POST and PATCH carry an Idempotency-Key: a retry after a lost answer replays the first
    // answer instead of making a second job. A 429 or 503 was not acted on: its retry gets a new key.
    const keyed = method === 'POST' || method === 'PATCH'
    let key = keyed ? crypto.randomUUID() : undefined
    for (let renewed = false; ; renewed = true) {
      const token = await this.token(renewed)
      const response = await this.#checked(
        method,
        path,
        (status) => {
          if (keyed && status !== undefined) key = crypto.randomUUID()
          const init: RequestInit & { duplex?: 'half' } = {
            method,
            headers: { ...headers, authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
          }
          if (body !== undefined) {
            init.body = typeof body === 'function' ? body() : body
            if (init.body instanceof ReadableStream) init.duplex = 'half'
          }
          return this.#attempt(url.toString(), init, signal)
        },
        signal,
        renewed ? undefined : 401,
      )
      if (response.status === 401 && !renewed) {
        await response.body?.cancel()
        continue
      }
      return response
    }
  }

  /** One attempt, bounded by the timeout until its headers arrive. */
  async #attempt(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${(this.#options.timeoutMs ?? 60_000) / 1000} s`)), this.#options.timeoutMs ?? 60_000)
    try {
      return await this.#fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal })
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      throw timeout.signal.aborted ? timeout.signal.reason : error
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Runs `attempt` until it answers something other than a network error, 429 or 502-504, at
   * most 1 + retries times; answers a 2xx (or `pass`), throws a ZuoraError for anything else.
   * `attempt` is told the status of the previous answer when it was retried.
   */
  async #checked(
    method: string,
    path: string,
    attempt: (previousStatus?: number) => Promise<Response>,
    signal?: AbortSignal,
    pass?: number,
  ): Promise<Response> {
    const { retries } = this.#retry
    let previousStatus: number | undefined
    for (let retry = 0; ; retry++) {
      let response: Response
      try {
        response = await attempt(previousStatus)
      } catch (error) {
        if (signal?.aborted) throw signal.reason
        const reason = error instanceof Error ? networkReason(error) : String(error)
        if (retry >= retries) {
          throw new ZuoraError('network', `cannot reach ${this.baseUrl}: ${reason}${retries ? ` (after ${retries} retries)` : ''}`, {
            method,
            path,
            cause: error,
          })
        }
        await this.#wait({ method, path, attempt: retry + 1, retries, delayMs: this.#backoff(retry), reason, retryAfter: false }, signal)
        previousStatus = undefined
        continue
      }
      if (response.ok || response.status === pass) return response
      const requestId = response.headers.get('zuora-request-id') ?? undefined
      if (RETRIED_STATUSES.has(response.status)) {
        const retryAfter = retryAfterMs(response.headers.get('retry-after'))
        const tooLong = retryAfter !== undefined && retryAfter > this.#retry.maxRetryAfterMs
        if (retry < retries && !tooLong) {
          await response.body?.cancel()
          const delayMs = retryAfter ?? this.#backoff(retry)
          await this.#wait(
            { method, path, attempt: retry + 1, retries, delayMs, reason: `HTTP ${response.status}`, retryAfter: retryAfter !== undefined },
            signal,
          )
          previousStatus = response.status
          continue
        }
        const error = errorFromResponse(response.status, response.statusText, await response.text(), { method, path, requestId })
        const why = tooLong
          ? `the server asks to retry after ${Math.round(retryAfter! / 1000)} s, longer than the ${this.#retry.maxRetryAfterMs / 1000} s this client waits`
          : `gave up after ${retries} retries`
        throw new ZuoraError(error.kind, `${error.message} (${why})`, {
          status: error.status,
          code: error.code,
          requestId,
          method,
          path,
          body: error.body,
        })
      }
      throw errorFromResponse(response.status, response.statusText, await response.text(), { method, path, requestId })
    }
  }

  #backoff(retry: number): number {
    const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** retry)
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
  }

  async #wait(notice: RetryNotice, signal: AbortSignal | undefined): Promise<void> {
    this.#options.onRetry?.(notice)
    await sleep(notice.delayMs, signal)
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Retry-After as milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** The same scheme, port and host; every loopback name is one host (zjobs' links say localhost). */
function sameOrigin(a: URL, b: URL): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port) return false
  return a.hostname === b.hostname || (LOOPBACK.has(a.hostname) && LOOPBACK.has(b.hostname))
}

/** fetch's "fetch failed" says little: the cause's code (ECONNREFUSED...) says what happened. */
function networkReason(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` ${cause.message}` : ''}`
  return cause?.message ?? error.message
}

function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim())
    } catch {
      // fall back to the plain name
    }
  }
  return /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1] ?? /filename\s*=\s*([^;\s]+)/i.exec(disposition)?.[1]
}
