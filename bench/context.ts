// What every scenario gets: the backend, zjobs under test, the sizes of this run, a scratch
// folder, and a way to reach the database directly (for data setup and baselines).
import type pg from 'pg'
import { connect, type Backend } from './backend.ts'
import type { Sizes } from './sizes.ts'
import type { Zjobs } from './zjobs.ts'

export interface Context {
  backend: Backend
  zjobs: Zjobs
  sizes: Sizes
  /** Scratch folder of this backend's run (downloads, generated files). */
  workDir: string
  log(message: string): void
}

/** Runs `work` on a new connection (embedded: the running zjobs' socket, which a restart closes). */
export async function withClient<T>(context: Context, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(context.backend)
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** Milliseconds `work` takes. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}

/** The pool size of zjobs' API thread (src/storage/db.ts default), given to the baselines too. */
export const API_POOL_SIZE = 10
