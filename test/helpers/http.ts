// A plain HTTP client for tests: no automatic decompression or header rewriting, so tests
// see exactly the bytes and headers a Zuora client would.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json<T = any>(): T
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string | undefined>
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>
}

export function request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name] = value
  let payload: Buffer | undefined
  if (options.form) {
    payload = Buffer.from(new URLSearchParams(options.form).toString())
    headers['content-type'] ??= 'application/x-www-form-urlencoded'
  } else if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
    payload = Buffer.from(options.body)
  } else if (options.body !== undefined) {
    payload = Buffer.from(JSON.stringify(options.body))
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
  }
  if (payload) headers['content-length'] = String(payload.length)
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        const text = body.toString('utf8')
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text,
          json: () => JSON.parse(text),
        })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}
