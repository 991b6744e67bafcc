// The Data Backfill family's routes (Zuora's tag "Data Backfill"): file jobs and templates,
// auto backfill, booking date.
import type { FastifyInstance } from 'fastify'
import type { AppDeps } from '../http/context.ts'
import { batchJobRoutes } from './batch/routes.ts'
import { fileJobRoutes } from './files/routes.ts'

export async function dataBackfillRoutes(app: FastifyInstance, deps: AppDeps) {
  await app.register(fileJobRoutes, deps)
  await app.register(batchJobRoutes, deps)
}
