// Routes that exist only in tests, registered beside the real ones, so the platform plugins
// (auth, scope, limits, idempotency, compression, errors) can be exercised in each family.
import type { FastifyInstance } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { callerOf } from '../../src/http/context.ts'
import { invalid } from '../../src/platform/errors.ts'

export interface FixtureState {
  calls: number
  /** Resolves requests parked on /v1/fixtures/wait. */
  release: () => void
}

export function fixtures(state: FixtureState = { calls: 0, release: () => {} }) {
  let gate = Promise.withResolvers<void>()
  state.release = () => {
    gate.resolve()
    gate = Promise.withResolvers<void>()
  }
  return async function fixtureRoutes(app: FastifyInstance) {
    app.get('/v1/fixtures/whoami', async (request) => {
      const { principal, scope } = callerOf(request)
      return {
        tenantId: principal.tenant.id,
        userId: principal.user.id,
        entityId: scope.entityId,
        orgIds: scope.orgIds,
        zuoraVersion: request.zuoraVersion,
      }
    })

    const counter = async (request: { query: unknown; body: unknown }) => {
      const query = request.query as { delayMs?: string; fail?: string; park?: string }
      state.calls += 1
      const call = state.calls
      if (query.delayMs) await sleep(Number(query.delayMs))
      // Parked until the test calls state.release(): a request in flight for as long as the test needs.
      if (query.park) await gate.promise
      if (query.fail) throw invalid(`fixture failure ${call}`)
      return { call, body: request.body ?? null }
    }
    app.post('/v1/fixtures/counter', counter)
    app.patch('/v1/fixtures/counter', counter)
    app.post('/v1/fixtures/other-counter', counter)

    app.get('/v1/fixtures/size/:bytes', async (request, reply) => {
      const bytes = Number((request.params as { bytes: string }).bytes)
      return reply.type('application/json; charset=utf-8').send(JSON.stringify({ data: 'x'.repeat(Math.max(0, bytes - 11)) }))
    })
    app.get('/v1/fixtures/csv/:bytes', async (request, reply) => {
      const bytes = Number((request.params as { bytes: string }).bytes)
      return reply.type('text/csv').send('a,b\n'.repeat(Math.ceil(bytes / 4)).slice(0, bytes))
    })
    app.get('/v1/fixtures/binary/:bytes', async (request, reply) => {
      const bytes = Number((request.params as { bytes: string }).bytes)
      return reply.type('application/octet-stream').send(Buffer.alloc(bytes, 1))
    })

    app.get('/v1/fixtures/wait', async () => {
      await gate.promise
      return { released: true }
    })

    for (const prefix of ['/v1', '/query', '/objects', '/admin']) {
      app.get(`${prefix}/fixtures/boom`, async () => {
        throw new Error('secret internal detail at /srv/zjobs/src/thing.ts:42')
      })
      app.post(
        `${prefix}/fixtures/typed`,
        {
          schema: {
            body: {
              type: 'object',
              required: ['n', 'kind'],
              additionalProperties: false,
              properties: { n: { type: 'integer' }, kind: { type: 'string', enum: ['a', 'b'] } },
            },
          },
        },
        async (request) => ({ echo: request.body }),
      )
    }
  }
}
