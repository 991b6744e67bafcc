// Loaded into a zjobs process by the soak (NODE_OPTIONS="--expose-gc --import=<this file>"): every
// ZJOBS_MEMORY_PROBE_MS it forces a full garbage collection and appends the process's memory to
// $ZJOBS_MEMORY_PROBE_DIR/<pid>.jsonl, one JSON line a sample: resident memory, and V8's heap
// with only what is still reachable in it (heapUsed after the collection), which tells a leak
// (live objects piling up) from V8 sizing its heap to the load (resident memory that a
// collection does not give back). Test code: the server knows nothing of it.
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8'
import { isMainThread } from 'node:worker_threads'

export interface MemorySample {
  /** Milliseconds since the epoch. */
  at: number
  /** MB, rounded to a tenth. */
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
  /** V8's malloced memory (outside the heap), MB. */
  malloced: number
  /** Of heapTotal, the young generation (new space): what a high allocation rate makes V8 grow. */
  newSpace: number
}

const dir = process.env.ZJOBS_MEMORY_PROBE_DIR
const every = Number(process.env.ZJOBS_MEMORY_PROBE_MS ?? 5000)
const gc = (globalThis as { gc?: () => void }).gc

if (isMainThread && dir) {
  const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10
  const file = join(dir, `${process.pid}.jsonl`)
  const sample = () => {
    gc?.()
    const memory = process.memoryUsage()
    const line: MemorySample = {
      at: Date.now(),
      rss: mb(memory.rss),
      heapUsed: mb(memory.heapUsed),
      heapTotal: mb(memory.heapTotal),
      external: mb(memory.external),
      arrayBuffers: mb(memory.arrayBuffers),
      malloced: mb(getHeapStatistics().malloced_memory),
      newSpace: mb(getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0),
    }
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`)
    } catch {
      // The soak removed its folder: the process is being stopped.
    }
  }
  setInterval(sample, every).unref()
}
