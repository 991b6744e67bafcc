// The bench as a client of zjobs' HTTP API: calls, tenants with their own tokens, polling,
// downloads to a file.
import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { ADMIN_TOKEN, CLIENT_ID, CLIENT_SECRET, type Zjobs } from './zjobs.ts'

export interface Reply {
  status: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

export interface CallOptions {
  token?: string
  /** Sent as JSON. */
  json?: unknown
  /** Sent as is (with its content type). */
  body?: RequestInit['body']
  contentType?: string
}

export async function call(zjobs: Zjobs, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}` }
  let body = options.body
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.contentType) headers['content-type'] = options.contentType
  const response = await fetch(`${zjobs.url}${path}`, { method, headers, body })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed }
}

/** Throws unless the reply has one of `statuses`. */
export function expect(reply: Reply, what: string, ...statuses: number[]): Reply {
  if (!statuses.includes(reply.status)) throw new Error(`${what}: HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 500)}`)
  return reply
}

export async function token(zjobs: Zjobs, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET): Promise<string> {
  const response = await fetch(`${zjobs.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' }),
  })
  if (!response.ok) throw new Error(`token: HTTP ${response.status} ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}

export interface BenchTenant {
  id: string
  token: string
}

/** A new tenant with an admin user and an OAuth client, through the admin plane. */
export async function createTenant(zjobs: Zjobs, name: string): Promise<BenchTenant> {
  const tenant = expect(await call(zjobs, 'POST', '/admin/tenants', { json: { name: `${name} ${Date.now()}` } }), 'tenant', 201).body
  const user = expect(await call(zjobs, 'POST', `/admin/tenants/${tenant.id}/users`, { json: { username: 'bench', admin: true } }), 'user', 201).body
  const client = expect(await call(zjobs, 'POST', `/admin/tenants/${tenant.id}/oauth-clients`, { json: { userId: user.id } }), 'client', 201).body
  return { id: String(tenant.id), token: await token(zjobs, client.client_id, client.client_secret) }
}

/** Calls `read` every `intervalMs` until `done` says so; returns the last reply. */
export async function poll(read: () => Promise<Reply>, done: (reply: Reply) => boolean, intervalMs: number, what: string, timeoutMs = 6 * 3600_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const reply = await read()
    if (done(reply)) return reply
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${timeoutMs} ms: ${JSON.stringify(reply.body).slice(0, 300)}`)
    await sleep(intervalMs)
  }
}

/** Streams `url` into `path`; returns the bytes written. */
export async function download(url: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, { headers })
  if (!response.ok || !response.body) throw new Error(`download ${url}: HTTP ${response.status} ${await response.text()}`)
  const file = createWriteStream(path)
  await pipeline(Readable.fromWeb(response.body), file)
  return file.bytesWritten
}

/** Seeds `accounts` accounts through the admin plane's seed job and waits for it. */
export async function seedThroughApi(zjobs: Zjobs, tenantId: string, accounts: number): Promise<void> {
  const job = expect(await call(zjobs, 'POST', `/admin/tenants/${tenantId}/seed`, { json: { accounts } }), 'seed', 202).body
  const final = await poll(
    () => call(zjobs, 'GET', `/admin/tenants/${tenantId}/jobs/${job.id}`),
    (reply) => ['completed', 'failed', 'cancelled', 'stopped'].includes(reply.body?.state),
    100,
    'seed job',
  )
  if (final.body.state !== 'completed') throw new Error(`seed job ${final.body.state}: ${final.body.error}`)
}
