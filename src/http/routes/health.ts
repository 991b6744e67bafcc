import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { AppDeps } from '../context.ts'

const Status = Type.Object({ status: Type.String() })

export async function healthRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db'>) {
  const config = { auth: 'none', family: 'plain' } as const

  // The process is up; never touches the database, so it answers while a long query runs.
  app.get('/healthz', { config, schema: { tags: ['health'], summary: 'Liveness: the process is up', operationId: 'getHealthz', security: [], response: { 200: Status } } }, async () => ({ status: 'ok' }))

  // The database answers.
  app.get(
    '/readyz',
    { config, schema: { tags: ['health'], summary: 'Readiness: the database answers', operationId: 'getReadyz', security: [], response: { 200: Status, 503: Status } } },
    async (_request, reply) => {
      const ready = await Promise.race([
        deps.db.query('SELECT 1').then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(resolve, 2000, false).unref()),
      ])
      return ready ? { status: 'ready' } : reply.code(503).send({ status: 'unavailable' })
    },
  )
}
