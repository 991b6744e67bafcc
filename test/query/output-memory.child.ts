// Run by output-memory.test.ts in its own process (with a pinned young generation): writes
// ROWS generated rows through CSV + GZIP + encryption into a hashing sink and prints, as JSON,
// the rows and bytes written and the RSS after warm-up and at its peak.
import { createHash, generateKeyPairSync } from 'node:crypto'
import { Writable } from 'node:stream'
import { openResultFile } from '../../src/query/output/result-file.ts'
import { JOB_ID, MIXED_COLUMNS, mixedRows } from './output-helpers.ts'

const ROWS = Number(process.env.ROWS ?? 1_000_000)
const BATCH = 2000
const WARM_UP_ROWS = 100_000

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
const file = openResultFile({
  jobId: JOB_ID,
  format: 'CSV',
  compression: 'GZIP',
  encryptionKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
})
// A reader that keeps nothing (a hash, as an upload would), and is slower now and then.
const hash = createHash('sha256')
let stored = 0
let writes = 0
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    hash.update(chunk)
    stored += chunk.length
    if (++writes % 50 === 0) setTimeout(done, 1)
    else done()
  },
})
file.stream.pipe(sink)
const sinkDone = new Promise((resolve, reject) => sink.on('finish', resolve).on('error', reject))

file.writeHeader(MIXED_COLUMNS)
let baseline = 0
let peak = 0
for (let at = 0; at < ROWS; at += BATCH) {
  await file.writeRows(mixedRows(at, BATCH))
  const rss = process.memoryUsage.rss()
  // The first rows warm up: JIT, zlib and cipher buffers, the young generation.
  if (at === WARM_UP_ROWS) baseline = rss
  if (at > WARM_UP_ROWS) peak = Math.max(peak, rss)
}
const summary = await file.end()
await sinkDone
process.stdout.write(`${JSON.stringify({ ...summary, stored, baseline, peak })}\n`)
