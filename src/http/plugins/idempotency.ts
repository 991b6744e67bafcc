// Idempotency-Key on POST and PATCH: the first response (status, headers, body), success or
// failure, is kept for the configured time and replayed for the same key; a duplicate while
// the first is still in flight gets 409; the key reused by another tenant, URL or method 422.
// An answer that says "try again later" (429, 503) changed nothing and is not kept: the retry
// it asks for, with the same key, runs.
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import { REAL_CLOCK } from '../../platform/clock.ts'
import { ApiError, Category, invalid } from '../../platform/errors.ts'
import type { Db } from '../../storage/db.ts'

const MAX_KEY_LENGTH = 255
const TRY_AGAIN = new Set([429, 503])
// A first request that never answered (its process died) stops blocking its key after
// Zuora's request timeout.
const ABANDONED_AFTER_SECONDS = 120
// Headers that describe this exchange rather than the stored response.
const NOT_REPLAYED = new Set([
  'zuora-request-id',
  'zuora-track-id',
  'content-length',
  'content-encoding',
  'vary',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'concurrency-limit-type',
  'concurrency-limit-limit',
  'concurrency-limit-remaining',
  'retry-after',
  'connection',
  'date',
  'keep-alive',
])

interface StoredResponse {
  tenant_id: string
  method: string
  url: string
  status_code: number | null
  headers: Record<string, string> | null
  body: Buffer | null
  created_at: Date
  abandoned: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: string | null
  }
}

export const idempotency = fp(async (app: FastifyInstance, deps: { db: Db; config: Config }) => {
  const { db } = deps
  const ttlSeconds = deps.config.idempotencyTtlHours * 3600
  app.decorateRequest('idempotencyKey', null)

  app.addHook('preValidation', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (key === undefined || !request.principal) return
    if (request.method !== 'POST' && request.method !== 'PATCH') return
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw invalid(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters long`)
    }
    const tenantId = request.principal.tenant.id
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await db.query(
        `INSERT INTO idempotency_keys (tenant_id, idem_key, method, url) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [tenantId, key, request.method, request.url],
      )
      if (claimed.rowCount === 1) {
        request.idempotencyKey = key
        return
      }
      const { rows } = await db.query<StoredResponse>(
        `SELECT tenant_id, method, url, status_code, headers, body, created_at,
           created_at < now() - make_interval(secs => $2) AS abandoned
         FROM idempotency_keys WHERE idem_key = $1`,
        [key, ABANDONED_AFTER_SECONDS],
      )
      const stored = rows[0]
      if (!stored) continue // removed meanwhile: claim it again
      // A key is kept for its time on its tenant's clock; a request's process dying is real time.
      const clock = String(stored.tenant_id) === tenantId && request.clock ? request.clock : REAL_CLOCK
      const fresh = clock.at(stored.created_at.getTime()) + ttlSeconds * 1000 > clock.now()
      if (!fresh || (stored.status_code === null && stored.abandoned)) {
        // Expired, or its first request died: start afresh with this request. An expired key
        // leaves the job it submitted (a job whose answer was lost keeps it: the retry finds it).
        await db.query(
          `WITH gone AS (
             DELETE FROM idempotency_keys WHERE idem_key = $1 AND tenant_id = $2 AND status_code IS NOT DISTINCT FROM $3 RETURNING tenant_id
           )
           UPDATE jobs SET idempotency_key = NULL FROM gone WHERE $4 AND jobs.tenant_id = gone.tenant_id AND jobs.idempotency_key = $1`,
          [key, stored.tenant_id, stored.status_code, !fresh],
        )
        continue
      }
      if (String(stored.tenant_id) !== tenantId || stored.method !== request.method || stored.url !== request.url) {
        throw new ApiError(
          422,
          Category.invalidValue,
          'Idempotency-Key was already used with another tenant, URL or HTTP method',
        )
      }
      if (stored.status_code === null) {
        throw new ApiError(409, Category.lockContention, 'A request with the same Idempotency-Key is still in progress')
      }
      return replay(reply, stored)
    }
    throw new ApiError(409, Category.lockContention, 'A request with the same Idempotency-Key is still in progress')
  })

  // Registered before response compression, so the stored body is the uncompressed one.
  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey
    if (!key) return payload
    const tenantId = request.principal!.tenant.id
    if ((typeof payload === 'string' || Buffer.isBuffer(payload)) && !TRY_AGAIN.has(reply.statusCode)) {
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined && !NOT_REPLAYED.has(name.toLowerCase())) headers[name] = String(value)
      }
      await db.query(
        'UPDATE idempotency_keys SET status_code = $3, headers = $4, body = $5 WHERE tenant_id = $1 AND idem_key = $2',
        [tenantId, key, reply.statusCode, headers, Buffer.from(payload)],
      )
    } else {
      // A streamed answer cannot be kept, and a "try again" is not to be: release the key.
      await db.query('DELETE FROM idempotency_keys WHERE tenant_id = $1 AND idem_key = $2', [tenantId, key])
    }
    return payload
  })
})

function replay(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  reply.code(stored.status_code!)
  for (const [name, value] of Object.entries(stored.headers ?? {})) reply.header(name, value)
  reply.header('Idempotent-Replayed', 'true')
  return reply.send(stored.body ?? '')
}

