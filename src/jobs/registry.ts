// Every job kind zjobs runs, from the API families. Workers (in any thread or process)
// build their handlers from this one list.
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../storage/db.ts'
import { seedJobKind } from '../billing/seed-job.ts'
import type { JobKind } from './types.ts'

export interface JobDeps {
  config: Config
  db: Db
  log: FastifyBaseLogger
}

export function jobKinds(_deps: JobDeps): JobKind[] {
  return [seedJobKind as JobKind]
}
