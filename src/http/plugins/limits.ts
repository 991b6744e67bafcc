// Zuora's per-tenant rate limits (requests per minute, hour and day, reported in RateLimit-*
// headers) and concurrency limits (requests in flight, reported in Concurrency-Limit-*).
// Counters live in this process: several API processes each enforce the limits for the
// requests they serve (see docs/decisions.md).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import { ApiError, Category } from '../../platform/errors.ts'
import { familyOf } from '../errors.ts'

export interface RateWindow {
  seconds: number
  limit: number
}

export interface RateDecision {
  allowed: boolean
  /** The limit of the window closest to exhaustion. */
  limit: number
  /** `50000, 50000;w=60, 2250000;w=3600, ...`: the window closest to exhaustion, then each window. */
  limitHeader: string
  remaining: number
  /** Seconds until the window closest to exhaustion starts afresh. */
  reset: number
}

/**
 * Fixed windows aligned to the clock, one set of counters per key (tenant, IP). `now` is the
 * key's clock (a tenant's, which the sandbox may have set): its windows follow it.
 */
export class RateLimiter {
  readonly #windows: RateWindow[]
  readonly #counters = new Map<string, { starts: number[]; counts: number[]; seen: number }>()
  #lastSweep = 0

  constructor(windows: RateWindow[]) {
    this.#windows = windows
  }

  hit(key: string, now = Date.now()): RateDecision {
    const real = Date.now()
    this.#sweep(real)
    let counter = this.#counters.get(key)
    if (!counter) {
      counter = { starts: this.#windows.map(() => 0), counts: this.#windows.map(() => 0), seen: real }
      this.#counters.set(key, counter)
    }
    counter.seen = real
    const starts = this.#windows.map((w) => Math.floor(now / (w.seconds * 1000)) * w.seconds * 1000)
    starts.forEach((start, i) => {
      if (counter.starts[i] !== start) {
        counter.starts[i] = start
        counter.counts[i] = 0
      }
    })
    const allowed = this.#windows.every((w, i) => counter.counts[i] < w.limit)
    if (allowed) counter.counts.forEach((_, i) => counter.counts[i]++)

    // The window closest to exhaustion: the smallest share of its limit left.
    let closest = 0
    const share = (i: number) => (this.#windows[i].limit - counter.counts[i]) / this.#windows[i].limit
    for (let i = 1; i < this.#windows.length; i++) if (share(i) < share(closest)) closest = i
    const window = this.#windows[closest]
    return {
      allowed,
      limit: window.limit,
      limitHeader: [String(window.limit), ...this.#windows.map((w) => `${w.limit};w=${w.seconds}`)].join(', '),
      remaining: Math.max(0, window.limit - counter.counts[closest]),
      reset: Math.ceil((starts[closest] + window.seconds * 1000 - now) / 1000),
    }
  }

  // Forget keys idle (in real time) for longer than the longest window, so many distinct IPs
  // cannot grow memory.
  #sweep(real: number): void {
    if (real - this.#lastSweep < 60_000) return
    this.#lastSweep = real
    const longest = Math.max(...this.#windows.map((w) => w.seconds)) * 1000
    for (const [key, counter] of this.#counters) {
      if (real - counter.seen > longest) this.#counters.delete(key)
    }
  }
}

/** Requests in flight per key. */
export class ConcurrencyLimiter {
  readonly #limit: number
  readonly #inFlight = new Map<string, number>()

  constructor(limit: number) {
    this.#limit = limit
  }

  get limit(): number {
    return this.#limit
  }

  /** Takes a slot; returns the slots left after it, or -1 when none was free. */
  acquire(key: string): number {
    const current = this.#inFlight.get(key) ?? 0
    if (current >= this.#limit) return -1
    this.#inFlight.set(key, current + 1)
    return this.#limit - current - 1
  }

  release(key: string): void {
    const current = (this.#inFlight.get(key) ?? 1) - 1
    if (current <= 0) this.#inFlight.delete(key)
    else this.#inFlight.set(key, current)
  }
}

export const tenantRateLimiter = (config: Config) =>
  new RateLimiter([
    { seconds: 60, limit: config.rateLimitPerMinute },
    { seconds: 3600, limit: config.rateLimitPerHour },
    { seconds: 86_400, limit: config.rateLimitPerDay },
  ])

const CONCURRENCY_MESSAGE =
  'Your total number of concurrent requests have exceeded the limit allowed by the system. Please resubmit your request later.'

export const limits = fp(async (app: FastifyInstance, deps: { limiter: RateLimiter; config: Config }) => {
  const concurrency = new ConcurrencyLimiter(deps.config.concurrencyLimit)

  app.addHook('onRequest', async (request, reply) => {
    const principal = request.principal
    if (!principal) return
    const tenantId = principal.tenant.id
    const rate = deps.limiter.hit(tenantId, request.clock ? request.clock.now() : undefined)
    const rateHeaders = {
      'RateLimit-Limit': rate.limitHeader,
      'RateLimit-Remaining': String(rate.remaining),
      'RateLimit-Reset': String(rate.reset),
    }
    reply.headers(rateHeaders)
    if (!rate.allowed) {
      throw new ApiError(429, Category.limitExceeded, 'Too many requests: the tenant has exceeded its rate limit', {
        headers: { ...rateHeaders, 'Retry-After': String(rate.reset) },
      })
    }

    const key = request.scope?.entityId ? `${tenantId}/${request.scope.entityId}` : tenantId
    const remaining = concurrency.acquire(key)
    const concurrencyHeaders = {
      'Concurrency-Limit-Type': 'Default',
      'Concurrency-Limit-Limit': String(concurrency.limit),
      'Concurrency-Limit-Remaining': String(Math.max(0, remaining)),
    }
    if (remaining < 0) {
      throw new ApiError(429, Category.limitExceeded, CONCURRENCY_MESSAGE, {
        headers: { ...concurrencyHeaders, 'Retry-After': '1' },
      })
    }
    reply.raw.once('close', () => concurrency.release(key))
    // Zuora documents these headers for /v1 operations only.
    if (familyOf(request.url) === 'v1') reply.headers(concurrencyHeaders)
  })
})
