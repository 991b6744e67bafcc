// Polling a job until it ends: the first read soon after submission (most small jobs are
// done within a few hundred milliseconds), then less and less often, up to a ceiling.
import { sleep } from './client.ts'

export interface FollowOptions<T> {
  signal?: AbortSignal
  /** Told of every read, the first included. */
  onUpdate?(job: T): void
  /** Milliseconds before the first read after the one made at once (default 100). */
  firstDelayMs?: number
  /** Ceiling of the delay between reads (default 2000). */
  maxDelayMs?: number
}

/** Delays between reads: 100, 150, 225, ... ms up to the ceiling. */
export function* pollDelays(firstDelayMs = 100, maxDelayMs = 2000): Generator<number> {
  for (let delay = firstDelayMs; ; delay = Math.min(maxDelayMs, Math.round(delay * 1.5))) yield delay
}

/** Reads the job until `ended` says so, and answers its last state. */
export async function follow<T>(read: (signal?: AbortSignal) => Promise<T>, ended: (job: T) => boolean, options: FollowOptions<T> = {}): Promise<T> {
  const delays = pollDelays(options.firstDelayMs, options.maxDelayMs)
  for (;;) {
    const job = await read(options.signal)
    options.onUpdate?.(job)
    if (ended(job)) return job
    await sleep(delays.next().value as number, options.signal)
  }
}
