// A token kept from an earlier session (the console keeps its tab's): used while it lasts
// instead of asking /oauth/token again; each new token is told to whoever keeps it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ZuoraClient, type KeptToken } from '../../src/client/client.ts'

function fakeServer() {
  const calls: string[] = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input))
    calls.push(`${init?.method ?? 'GET'} ${url.pathname} ${new Headers(init?.headers).get('authorization') ?? ''}`.trim())
    if (url.pathname === '/oauth/token') return Response.json({ access_token: `t${calls.length}`, expires_in: 3599 })
    return Response.json({ data: [] })
  }) as typeof globalThis.fetch
  return { calls, fetch }
}

test('a kept token that lasts is used at once; a new one is told', async () => {
  const server = fakeServer()
  const told: KeptToken[] = []
  const kept = { value: 'kept', expires: Date.now() + 3_600_000 }
  const client = new ZuoraClient({ baseUrl: 'http://zjobs', credentials: { clientId: 'c', clientSecret: 's' }, fetch: server.fetch, initialToken: kept, onToken: (token) => told.push(token) })
  await client.call({ method: 'GET', path: '/query/jobs' })
  assert.deepEqual(server.calls, ['GET /query/jobs Bearer kept'])
  assert.equal(told.length, 0)
  await client.token(true)
  assert.equal(told.length, 1)
  assert.equal(told[0].value, 't2')
  assert.ok(told[0].expires > Date.now() + 3_500_000 && told[0].expires <= Date.now() + 3_599_000)
})

test('a kept token about to expire (within a minute) is not used', async () => {
  const server = fakeServer()
  const client = new ZuoraClient({
    baseUrl: 'http://zjobs',
    credentials: { clientId: 'c', clientSecret: 's' },
    fetch: server.fetch,
    initialToken: { value: 'old', expires: Date.now() + 30_000 },
  })
  await client.call({ method: 'GET', path: '/query/jobs' })
  assert.deepEqual(server.calls, ['POST /oauth/token', 'GET /query/jobs Bearer t1'])
})
