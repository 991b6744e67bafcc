// Per-tenant rate and concurrency limits on their own (src/http/plugins/limits.ts): the fixed
// windows and what they report, the requests in flight, and the plugin's answers on an inline
// Fastify whose requests carry a principal (no token, no database). The limits through a real
// server are in test/platform/limits.test.ts; this file is the test list of
// `npm run mutate -- --scope limits`.
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, mock, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/config.ts'
import { sendError } from '../../src/http/errors.ts'
import { ConcurrencyLimiter, limits, RateLimiter, tenantRateLimiter } from '../../src/http/plugins/limits.ts'
import { TenantClock } from '../../src/platform/clock.ts'
import type { Principal } from '../../src/platform/oauth.ts'

const MINUTE = 60_000
const T0 = Date.parse('2026-03-01T00:00:00Z')

describe('the rate limiter', () => {
  test('counts each key in fixed windows aligned to its clock, and refuses past any window\'s limit', () => {
    const limiter = new RateLimiter([
      { seconds: 60, limit: 3 },
      { seconds: 3600, limit: 5 },
    ])
    const at = T0 + 10_000
    const first = limiter.hit('t1', at)
    assert.deepEqual(first, { allowed: true, limit: 3, limitHeader: '3, 3;w=60, 5;w=3600', remaining: 2, reset: 50 })
    assert.deepEqual(limiter.hit('t1', at + 1_500), { ...first, remaining: 1, reset: 49 }, 'reset rounds up')
    assert.equal(limiter.hit('t1', at).remaining, 0)
    const refused = limiter.hit('t1', at)
    assert.deepEqual(refused, { ...first, allowed: false, remaining: 0 }, 'a refused request is not counted')
    assert.equal(limiter.hit('t2', at).remaining, 2, 'each key its own counters')
    // The next minute: the minute's count starts afresh, the hour's does not (4 of 5 used now),
    // and the hour is the window closest to exhaustion (1 of 5 left against 2 of 3).
    assert.deepEqual(limiter.hit('t1', T0 + MINUTE), { allowed: true, limit: 5, limitHeader: '5, 3;w=60, 5;w=3600', remaining: 1, reset: 3540 })
    assert.deepEqual(limiter.hit('t1', T0 + MINUTE), { allowed: true, limit: 5, limitHeader: '5, 3;w=60, 5;w=3600', remaining: 0, reset: 3540 })
    assert.deepEqual(limiter.hit('t1', T0 + 2 * MINUTE), { allowed: false, limit: 5, limitHeader: '5, 3;w=60, 5;w=3600', remaining: 0, reset: 3480 })
    // The next hour: both afresh.
    assert.equal(limiter.hit('t1', T0 + 60 * MINUTE).allowed, true)
  })

  test('the window closest to exhaustion is the smallest share of its limit left, the first on a tie', () => {
    const limiter = new RateLimiter([
      { seconds: 60, limit: 10 },
      { seconds: 3600, limit: 4 },
      { seconds: 86_400, limit: 100 },
    ])
    const decision = limiter.hit('t', T0)
    assert.deepEqual([decision.limit, decision.remaining, decision.reset], [4, 3, 3600])
    const tie = new RateLimiter([
      { seconds: 60, limit: 2 },
      { seconds: 3600, limit: 2 },
    ])
    assert.deepEqual([tie.hit('t', T0).limit, tie.hit('t', T0).reset], [2, 60])
  })

  test('the window closest to exhaustion is by share left, not by requests left', () => {
    const limiter = new RateLimiter([
      { seconds: 60, limit: 10 },
      { seconds: 3600, limit: 100 },
    ])
    // Ten requests a minute for six minutes, then one: 9 of 10 left in the minute, 39 of 100 in the hour.
    for (let minute = 0; minute < 6; minute++) for (let i = 0; i < 10; i++) assert.ok(limiter.hit('t', T0 + minute * MINUTE).allowed)
    const decision = limiter.hit('t', T0 + 6 * MINUTE)
    assert.deepEqual([decision.limit, decision.remaining], [100, 39])
  })

  test('the tenant\'s windows: minute, hour and day from the settings', () => {
    const limiter = tenantRateLimiter(loadConfig({}, { rateLimitPerMinute: 7, rateLimitPerHour: 8, rateLimitPerDay: 9 }))
    assert.equal(limiter.hit('t', T0).limitHeader, '7, 7;w=60, 8;w=3600, 9;w=86400')
  })

  describe('forgetting idle keys', () => {
    afterEach(() => mock.timers.reset())

    test('a key idle (in real time) for longer than the longest window is forgotten, one used meanwhile is not', () => {
      mock.timers.enable({ apis: ['Date'], now: T0 })
      const limiter = new RateLimiter([{ seconds: 60, limit: 1 }])
      // On a frozen tenant clock its window never rolls over: only forgetting the key resets it.
      const frozen = T0
      assert.equal(limiter.hit('idle', frozen).allowed, true)
      assert.equal(limiter.hit('busy', frozen).allowed, true)
      mock.timers.setTime(T0 + 30_000)
      assert.equal(limiter.hit('busy', frozen).allowed, false, 'busy: refused, and seen')
      mock.timers.setTime(T0 + 61_000)
      assert.equal(limiter.hit('idle', frozen).allowed, true, 'idle for 61 s of a 60 s window: forgotten')
      assert.equal(limiter.hit('busy', frozen).allowed, false, 'busy: seen 31 s ago, kept')
      mock.timers.setTime(T0 + 100_000)
      assert.equal(limiter.hit('idle', frozen).allowed, false, 'no sweep within a minute of the last')
      mock.timers.setTime(T0 + 161_000)
      assert.equal(limiter.hit('busy', frozen).allowed, true, 'idle for 100 s: forgotten at the next sweep')
    })

    test('idle keys are looked for once a minute, not at every request', () => {
      mock.timers.enable({ apis: ['Date'], now: T0 })
      const limiter = new RateLimiter([{ seconds: 60, limit: 1 }])
      assert.equal(limiter.hit('x', T0).allowed, true, 'the first request looks (and finds nothing)')
      mock.timers.setTime(T0 + 60_000)
      assert.equal(limiter.hit('y', T0).allowed, true, 'a minute on: looks again; x idle for 60 s is kept')
      mock.timers.setTime(T0 + 61_000)
      assert.equal(limiter.hit('x', T0).allowed, false, 'a second later x is idle for 61 s, but nobody looks until the next minute')
    })

    test('a key idle for exactly the longest window is kept', () => {
      mock.timers.enable({ apis: ['Date'], now: T0 })
      const limiter = new RateLimiter([
        { seconds: 60, limit: 1 },
        { seconds: 30, limit: 5 },
      ])
      assert.equal(limiter.hit('a', T0).allowed, true)
      mock.timers.setTime(T0 + 60_000)
      assert.equal(limiter.hit('b', T0).allowed, true, 'a sweep')
      assert.equal(limiter.hit('a', T0).allowed, false, 'kept: idle for 60 s, not longer')
    })
  })
})

describe('the concurrency limiter', () => {
  test('hands out slots per key up to the limit and takes them back', () => {
    const limiter = new ConcurrencyLimiter(2)
    assert.equal(limiter.limit, 2)
    assert.equal(limiter.acquire('a'), 1)
    assert.equal(limiter.acquire('a'), 0)
    assert.equal(limiter.acquire('a'), -1)
    assert.equal(limiter.acquire('b'), 1, 'each key its own slots')
    limiter.release('a')
    assert.equal(limiter.acquire('a'), 0)
    limiter.release('a')
    limiter.release('a')
    assert.equal(limiter.acquire('a'), 1, 'all released')
    limiter.release('a')
    limiter.release('a')
    assert.equal(limiter.acquire('a'), 1, 'a release too many frees nothing more')
    assert.equal(limiter.acquire('a'), 0)
    assert.equal(limiter.acquire('a'), -1)
  })
})

describe('the limits plugin', () => {
  let app: FastifyInstance
  const clock = new TenantClock([{ since: 0, mode: 'frozen', at: T0 + 30_000 }])
  const principalOf = (tenantId: string) => ({ tenant: { id: tenantId } }) as Principal
  const gates: PromiseWithResolvers<void>[] = []

  before(async () => {
    app = Fastify({ forceCloseConnections: true })
    app.setErrorHandler((error, request, reply) => sendError(request, reply, error))
    // What the auth plugin decides, from test headers.
    app.decorateRequest('principal', null)
    app.decorateRequest('scope', null)
    app.decorateRequest('clock', null)
    app.addHook('onRequest', async (request) => {
      const tenant = request.headers['x-tenant']
      if (typeof tenant !== 'string') return
      request.principal = principalOf(tenant)
      const entity = request.headers['x-entity']
      request.scope = { entityId: typeof entity === 'string' ? entity : null, orgIds: null }
      if (request.headers['x-frozen']) request.clock = clock
    })
    const config = loadConfig({}, { rateLimitPerMinute: 1000, rateLimitPerHour: 8, rateLimitPerDay: 100_000, concurrencyLimit: 1 })
    await app.register(limits, { limiter: tenantRateLimiter(config), config })
    const handler = async (request: { headers: Record<string, unknown> }) => {
      if (request.headers['x-wait']) {
        const gate = Promise.withResolvers<void>()
        gates.push(gate)
        await gate.promise
      }
      return { ok: true }
    }
    for (const path of ['/v1/x', '/query/jobs', '/apps/x', '/health']) app.get(path, handler)
    await app.listen({ port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    // A test that failed holds its request: let it end, so that the server closes.
    for (const gate of gates.splice(0)) gate.resolve()
    await app.close()
  })

  const url = (path: string) => `http://127.0.0.1:${(app.server.address() as { port: number }).port}${path}`
  const get = (path: string, headers: Record<string, string> = {}) => fetch(url(path), { headers })
  const reasons = async (answer: Response) => ((await answer.json()) as { reasons: { code: string; message: string }[] }).reasons
  /** Waits until `request` is held in its handler (or fails the test if it was answered instead). */
  const held = async (request: Promise<Response>) => {
    let answered = false
    request.then(
      () => (answered = true),
      () => (answered = true),
    )
    while (gates.length === 0 && !answered) await new Promise((resolve) => setImmediate(resolve))
    assert.equal(gates.length, 1, 'the request is held in its handler')
  }

  test('a request without a principal is not limited', async () => {
    for (let i = 0; i < 6; i++) {
      const answer = await get('/health')
      assert.equal(answer.status, 200)
      assert.equal(answer.headers.get('ratelimit-limit'), null)
    }
  })

  test("each request of a tenant is counted on its clock and told the limits; past them, 429 in the family's envelope", async () => {
    const headers = { 'x-tenant': 'rate', 'x-frozen': '1' }
    for (let i = 1; i <= 8; i++) {
      const answer = await get('/v1/x', headers)
      assert.equal(answer.status, 200)
      assert.equal(answer.headers.get('ratelimit-limit'), '8, 1000;w=60, 8;w=3600, 100000;w=86400')
      assert.equal(answer.headers.get('ratelimit-remaining'), String(8 - i))
      // The frozen clock is 30 s into its hour's window.
      assert.equal(answer.headers.get('ratelimit-reset'), '3570')
    }
    const refused = await get('/query/jobs', headers)
    assert.equal(refused.status, 429)
    assert.deepEqual(await refused.json(), { code: 429, message: 'Too many requests: the tenant has exceeded its rate limit' })
    assert.deepEqual(
      ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'].map((name) => refused.headers.get(name)),
      ['8, 1000;w=60, 8;w=3600, 100000;w=86400', '0', '3570', '3570'],
    )
    const v1 = await get('/v1/x', headers)
    assert.equal((await reasons(v1))[0].code, '50000070')
    assert.equal((await get('/v1/x', { 'x-tenant': 'another' })).status, 200, 'another tenant counts apart')
  })

  test('requests in flight per tenant and entity: past the limit, 429 with Retry-After 1; a slot is freed when its answer ends', async () => {
    const waiting = get('/v1/x', { 'x-tenant': 'busy', 'x-wait': '1' })
    await held(waiting)
    const refused = await get('/v1/x', { 'x-tenant': 'busy' })
    assert.equal(refused.status, 429)
    assert.equal((await reasons(refused))[0].message, 'Your total number of concurrent requests have exceeded the limit allowed by the system. Please resubmit your request later.')
    assert.deepEqual(
      ['concurrency-limit-type', 'concurrency-limit-limit', 'concurrency-limit-remaining', 'retry-after'].map((name) => refused.headers.get(name)),
      ['Default', '1', '0', '1'],
    )
    assert.equal((await get('/v1/x', { 'x-tenant': 'busy', 'x-entity': 'e1' })).status, 200, 'another entity of the tenant has its own slots')
    assert.equal((await get('/v1/x', { 'x-tenant': 'calm' })).status, 200, 'another tenant too')
    gates.shift()!.resolve()
    assert.equal((await waiting).status, 200)
    const after = await get('/v1/x', { 'x-tenant': 'busy' })
    assert.equal(after.status, 200, 'the slot was given back')
    assert.deepEqual(
      ['concurrency-limit-type', 'concurrency-limit-limit', 'concurrency-limit-remaining'].map((name) => after.headers.get(name)),
      ['Default', '1', '0'],
    )
    // Zuora documents the concurrency headers for v1 operations only.
    const query = await get('/query/jobs', { 'x-tenant': 'busy' })
    assert.deepEqual([query.status, query.headers.get('concurrency-limit-limit')], [200, null])
    const apps = await get('/apps/x', { 'x-tenant': 'busy' })
    assert.equal(apps.headers.get('concurrency-limit-limit'), '1')
  })

  test('an entity\'s slot is its own, also when held', async () => {
    const waiting = get('/query/jobs', { 'x-tenant': 'ent', 'x-entity': 'e1', 'x-wait': '1' })
    await held(waiting)
    assert.equal((await get('/query/jobs', { 'x-tenant': 'ent', 'x-entity': 'e1' })).status, 429)
    assert.equal((await get('/query/jobs', { 'x-tenant': 'ent' })).status, 200, 'the tenant without an entity is another key')
    assert.equal((await get('/query/jobs', { 'x-tenant': 'ent2', 'x-entity': 'e1' })).status, 200, "another tenant's entity of the same id too")
    gates.shift()!.resolve()
    await waiting
  })
})
