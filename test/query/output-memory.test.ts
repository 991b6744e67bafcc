// A million rows through CSV + GZIP + encryption with flat memory: the pipeline holds a few
// batches at most, whatever the result's size. (Speed: npm run bench, the export scenario.)
//
// The measurement runs in its own process with V8's young generation pinned to 16 MB
// semi-spaces (V8's size on small machines). Left alone, V8 sizes it by the machine's memory:
// on 24 GB it grows to 2 x 64 MB under any allocation-heavy loop (the row generator alone
// takes it there), a fixed cost of the runtime that would hide what the pipeline holds.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const MB = 1024 * 1024
const ROWS = 1_000_000
const CHILD = fileURLToPath(new URL('./output-memory.child.ts', import.meta.url))

test(`${ROWS.toLocaleString('en')} rows through CSV + GZIP + encryption: RSS grows by less than 50 MB`, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-semi-space-size=16', CHILD], {
    env: { ...process.env, ROWS: String(ROWS) },
  })
  const result = JSON.parse(stdout) as { rows: number; bytes: number; stored: number; baseline: number; peak: number }
  assert.equal(result.rows, ROWS)
  assert.equal(result.bytes, result.stored)
  assert.ok(result.stored > 10 * MB, `${result.stored} bytes stored`)
  const growth = (result.peak - result.baseline) / MB
  console.log(
    `# ${ROWS} rows, ${(result.stored / MB).toFixed(1)} MB stored, RSS ${(result.baseline / MB).toFixed(0)} MB after warm-up, peak +${growth.toFixed(1)} MB`,
  )
  assert.ok(growth < 50, `RSS grew by ${growth.toFixed(1)} MB`)
})
