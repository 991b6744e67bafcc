// The public API's client: what the job CLI, the console and the tests import.
export * from './backfill.ts'
export * from './client.ts'
export * from './errors.ts'
export * from './follow.ts'
export * from './jobs.ts'
export * from './objects.ts'
export * from './operations.ts'
export * from './query.ts'
