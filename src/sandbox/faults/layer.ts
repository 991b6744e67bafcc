// The request side of the sandbox's faults, and the request journal: one Fastify plugin in
// front of the routes (DESIGN §10). After authentication and the rate limits, a request of a
// tenant with request rules is matched against them in the order they were added; the first
// that fires (counted in the database, so `times` holds across processes) adds its latency,
// drops the connection, or answers its error in the family's envelope before anything is
// read or written. A tenant without rules pays one map lookup. /oauth/token's tenant is its
// client's. Every answered request of a tenant is noted in its journal.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { setTimeout as sleep } from 'node:timers/promises'
import { familyOf, type Family } from '../../http/errors.ts'
import { claimFiring, draw } from '../../jobs/faults.ts'
import type { Db } from '../../storage/db.ts'
import { Journal, journalPath } from '../journal.ts'
import { MAX_LATENCY_MS, type Latency, type RequestEffect, type StoredRule, type Target } from './input.ts'
import { Operations, templateOf } from './operations.ts'
import { sendFault } from './respond.ts'
import { liveRequestRules, rulesVersion, tenantOfClient } from './store.ts'

/** How often a process looks whether any rule was added or removed elsewhere. */
export const REFRESH_MS = 1000

interface CachedRule {
  id: string
  rule: StoredRule
  targets: Target[]
  /** Its claim found it used up (or gone): not tried again until the rules are read again. */
  exhausted: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of a request that has no principal (/oauth/token: its client's). */
    sandboxTenant: string | null
    /** The fault rule that fired on the request. */
    sandboxFault: { ruleId: string; effect: string } | null
  }
}

/**
 * Every tenant's request rules that may still fire, per process: read at start, and again when
 * the database's rules version has moved (looked at once a second, and at once after a change
 * made through this process).
 */
export class RequestRules {
  readonly #db: Db
  readonly #log: FastifyBaseLogger
  #byTenant = new Map<string, CachedRule[]>()
  #version: string | undefined
  #refreshing: Promise<void> = Promise.resolve()
  /** Reads queued or under way: the timer adds none while one waits (a stalled database would queue one a second). */
  #queued = 0
  #timer: NodeJS.Timeout | undefined

  constructor(db: Db, log: FastifyBaseLogger) {
    this.#db = db
    this.#log = log
  }

  async start(): Promise<void> {
    await this.refresh()
    this.#timer = setInterval(() => {
      if (this.#queued === 0) void this.refresh()
    }, REFRESH_MS)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  of(tenantId: string): CachedRule[] | undefined {
    return this.#byTenant.get(tenantId)
  }

  /** Reads the rules again if the version moved (or `force`). */
  refresh(force = false): Promise<void> {
    this.#queued += 1
    this.#refreshing = this.#refreshing.then(async () => {
      const version = await rulesVersion(this.#db)
      if (!force && version === this.#version) return
      const byTenant = new Map<string, CachedRule[]>()
      for (const row of await liveRequestRules(this.#db)) {
        const rules = byTenant.get(row.tenantId) ?? []
        rules.push({ id: row.id, rule: row.rule, targets: row.rule.targets ?? [], exhausted: false })
        byTenant.set(row.tenantId, rules)
      }
      this.#byTenant = byTenant
      this.#version = version
    }).catch((error) => this.#log.warn({ err: error }, 'could not read the fault rules'))
      .finally(() => (this.#queued -= 1))
    return this.#refreshing
  }
}

/** Milliseconds of latency for the rule's `match`-th call: fixed, or drawn from its seed. */
export function latencyOf(latency: Latency, seed: number, match: number): number {
  if ('fixed' in latency) return latency.fixed
  const u = draw(seed ^ 0x5bd1e995, match)
  if ('uniform' in latency) return latency.uniform.min + u * (latency.uniform.max - latency.uniform.min)
  const v = draw(seed ^ 0x27d4eb2d, match)
  const z = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v)
  return Math.min(MAX_LATENCY_MS, latency.logNormal.median * Math.exp(latency.logNormal.sigma * z))
}

const describe = (effect: RequestEffect, latencyMs: number | undefined) =>
  [effect.drop ? `drop ${effect.drop}` : undefined, effect.status ? `status ${effect.status}` : undefined, latencyMs !== undefined ? `latency ${Math.round(latencyMs)} ms` : undefined]
    .filter(Boolean)
    .join(', ')

const decode = (segment: string | undefined) => {
  try {
    return segment === undefined ? undefined : decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export interface SandboxLayer {
  rules: RequestRules
  journal: Journal
  operations: Operations
  plugin: (app: FastifyInstance) => Promise<void>
}

export function sandboxLayer(db: Db, log: FastifyBaseLogger, journalSize: number): SandboxLayer {
  const rules = new RequestRules(db, log)
  const journal = new Journal(db, journalSize, log)
  const operations = new Operations()
  const clients = new Map<string, string>()

  const note = (request: FastifyRequest, reply: FastifyReply, tenantId: string, status: number | null) => {
    const length = status === null ? undefined : reply.getHeader('content-length')
    const requestLength = request.headers['content-length']
    const trackId = request.headers['zuora-track-id']
    journal.record({
      tenantId,
      at: new Date(),
      method: request.method,
      path: journalPath(request.url),
      operationId: (request.routeOptions.schema?.operationId as string | undefined) ?? null,
      status,
      durationMs: reply.elapsedTime,
      requestId: request.id,
      trackId: typeof trackId === 'string' && trackId !== '' ? trackId.slice(0, 64) : null,
      requestBytes: requestLength === undefined ? null : Number(requestLength) || 0,
      responseBytes: length === undefined ? null : Number(length),
      fault: request.sandboxFault,
    })
  }

  const apply = async (request: FastifyRequest, reply: FastifyReply, tenantId: string, cached: CachedRule[]) => {
    const url = request.routeOptions.url
    if (!url) return
    const template = templateOf(url)
    let segments: string[] | undefined
    for (const rule of cached) {
      if (rule.exhausted) continue
      const target = rule.targets.find(
        (t) =>
          t.method === request.method &&
          t.template === template &&
          t.literals.every((value, i) => value === null || value === decode((segments ??= request.url.split('?')[0].split('/'))[i])),
      )
      if (!target) continue
      const claim = await claimFiring(db, tenantId, rule.id, rule.rule)
      if (!claim) {
        rule.exhausted = true
        continue
      }
      if (!claim.fired) continue
      const effect = rule.rule.effect!
      const latency = effect.latencyMs ? latencyOf(effect.latencyMs, rule.rule.seed ?? 0, claim.match) : undefined
      request.sandboxFault = { ruleId: rule.id, effect: describe(effect, latency) }
      if (latency !== undefined) await sleep(latency)
      if (effect.drop) {
        note(request, reply, tenantId, null)
        reply.hijack()
        const socket = request.raw.socket
        if (effect.drop === 'reset') socket.resetAndDestroy()
        else socket.end(() => socket.destroy())
        return reply
      }
      if (effect.status !== undefined) return sendFault(request, reply, target.family as Family, effect)
      return
    }
  }

  const clientOf = (request: FastifyRequest): string | undefined => {
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      return colon > 0 ? decode(decoded.slice(0, colon)) : undefined
    }
    const value = (request.body as Record<string, unknown> | undefined)?.client_id
    return typeof value === 'string' && value.length === 36 ? value : undefined
  }

  const plugin = fp(async (app: FastifyInstance) => {
    app.decorateRequest('sandboxTenant', null)
    app.decorateRequest('sandboxFault', null)
    app.addHook('onRoute', (route) => {
      const family = (route.config as { family?: Family } | undefined)?.family ?? familyOf(route.url)
      for (const method of [route.method].flat()) operations.add(method, route.url, family, route.schema?.operationId as string | undefined)
    })
    app.addHook('onRequest', async (request, reply) => {
      const principal = request.principal
      if (!principal) return
      const cached = rules.of(principal.tenant.id)
      if (cached) return apply(request, reply, principal.tenant.id, cached)
    })
    // The token route's tenant is its client's: known once its form is read.
    app.addHook('preValidation', async (request, reply) => {
      if (request.routeOptions.url !== '/oauth/token' || request.principal) return
      const clientId = clientOf(request)
      if (!clientId) return
      let tenantId = clients.get(clientId)
      if (tenantId === undefined) {
        tenantId = await tenantOfClient(db, clientId)
        if (tenantId === undefined) return
        if (clients.size >= 10_000) clients.clear()
        clients.set(clientId, tenantId)
      }
      request.sandboxTenant = tenantId
      const cached = rules.of(tenantId)
      if (cached) return apply(request, reply, tenantId, cached)
    })
    app.addHook('onResponse', (request, reply, done) => {
      const tenantId = request.principal?.tenant.id ?? request.sandboxTenant
      if (tenantId && journal.size > 0) note(request, reply, tenantId, reply.statusCode)
      done()
    })
    app.addHook('onClose', async () => {
      rules.stop()
      await journal.close()
    })
    await rules.start()
  })

  return { rules, journal, operations, plugin }
}
