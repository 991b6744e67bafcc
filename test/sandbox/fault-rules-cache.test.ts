// A process's cache of fault rules reads the database once a second; while a read is stalled the
// timer adds no other behind it (it used to queue one a second, without bound, each run in turn
// once the database answered).
import assert from 'node:assert/strict'
import { mock, test } from 'node:test'
import pino from 'pino'
import { REFRESH_MS, RequestRules } from '../../src/sandbox/faults/layer.ts'
import type { Db } from '../../src/storage/db.ts'

test('a stalled database read holds back the timer: one read waits, not one per second', async () => {
  mock.timers.enable({ apis: ['setInterval'] })
  try {
    let stalled = false
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let reads = 0
    const db = {
      async query(text: string) {
        reads += 1
        if (stalled) await released
        return { rows: text.includes('fault_rules_version') ? [{ version: String(reads) }] : [], rowCount: 0 }
      },
    } as unknown as Db
    const rules = new RequestRules(db, pino({ level: 'silent' }))
    await rules.start()
    const started = reads
    assert.equal(started, 2, 'the version and the rules, read at start')

    stalled = true
    for (let second = 0; second < 30; second++) mock.timers.tick(REFRESH_MS)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(reads, started + 1, 'one read under way, none queued behind it')

    release()
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
    assert.ok(reads <= started + 2, `after the stall: ${reads - started} reads, not 30 queued ones`)
    rules.stop()
  } finally {
    mock.timers.reset()
  }
})
