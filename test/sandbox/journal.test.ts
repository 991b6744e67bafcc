// The request journal's memory is bounded whatever the database does: while it does not take a
// batch, notes wait in one buffer that keeps the newest MAX_BUFFERED (up to a batch more), and one batch is written
// at a time. Before, each flush queued its batch behind the stalled write, so a stall held every
// request's note made during it (found while looking for the soak's memory growth).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import { FLUSH_ENTRIES, Journal, MAX_BUFFERED, type JournalEntry } from '../../src/sandbox/journal.ts'
import type { Queryable } from '../../src/storage/db.ts'

const entry = (n: number): JournalEntry => ({
  tenantId: '10000',
  at: new Date(0),
  method: 'GET',
  path: `/query/jobs?n=${n}`,
  operationId: null,
  status: 200,
  durationMs: 1,
  requestId: `r${n}`,
  trackId: null,
  requestBytes: null,
  responseBytes: null,
  fault: null,
})

/** A database that holds every statement until released; counts the notes it was given. */
function stalledDatabase() {
  let release!: () => void
  let released = new Promise<void>((resolve) => (release = resolve))
  const state = { inserts: 0, written: [] as string[], waiting: 0 }
  const db = {
    async query(text: string, values?: unknown[]) {
      state.waiting += 1
      await released
      state.waiting -= 1
      if (text.startsWith('INSERT')) {
        state.inserts += 1
        state.written.push(...(values![7] as string[]))
      }
      return { rows: [], rowCount: 0 }
    },
  } as unknown as Queryable
  return {
    db,
    state,
    release: () => release(),
    stallAgain: () => (released = new Promise<void>((resolve) => (release = resolve))),
  }
}

test('a stalled database: the journal holds at most the batch being written and MAX_BUFFERED notes, the newest', async () => {
  const database = stalledDatabase()
  const journal = new Journal(database.db, 1_000_000, pino({ level: 'silent' }))
  const notes = 5 * MAX_BUFFERED
  // The first batch (FLUSH_ENTRIES notes) reaches the database, which stalls; the rest arrive.
  for (let n = 0; n < FLUSH_ENTRIES; n++) journal.record(entry(n))
  await new Promise((resolve) => setImmediate(resolve))
  for (let n = FLUSH_ENTRIES; n < notes; n++) {
    journal.record(entry(n))
    if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(database.state.waiting, 1, 'one batch written at a time')
  database.release()
  await journal.flush()
  // The first batch was under way; of the rest, the newest MAX_BUFFERED (up to a batch more).
  const held = database.state.written.length
  assert.ok(held >= FLUSH_ENTRIES + MAX_BUFFERED && held < FLUSH_ENTRIES + MAX_BUFFERED + FLUSH_ENTRIES, `notes held through the stall: ${held}`)
  assert.deepEqual(database.state.written.slice(FLUSH_ENTRIES), Array.from({ length: held - FLUSH_ENTRIES }, (_, i) => `r${notes - (held - FLUSH_ENTRIES) + i}`), 'after the first batch, the newest notes')
  assert.equal(database.state.inserts, 2)
})

test('a flush writes every note made before it, in order, a batch at a time', async () => {
  const database = stalledDatabase()
  database.release()
  const journal = new Journal(database.db, 1_000_000, pino({ level: 'silent' }))
  for (let n = 0; n < 1234; n++) journal.record(entry(n))
  await journal.flush()
  assert.deepEqual(database.state.written, Array.from({ length: 1234 }, (_, n) => `r${n}`))
  // Notes made while a batch is written wait for the next one.
  database.stallAgain()
  journal.record(entry(1234))
  const first = journal.flush()
  await new Promise((resolve) => setImmediate(resolve))
  journal.record(entry(1235))
  const second = journal.flush()
  assert.notEqual(first, second, 'a second batch waits behind the one under way')
  assert.equal(journal.flush(), second, 'and only one waits')
  database.release()
  await second
  assert.deepEqual(database.state.written.slice(1234), ['r1234', 'r1235'])
})
