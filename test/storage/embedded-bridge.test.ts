// The embedded database's wire bridge: output too big for a socket's buffer waits in a file
// beside the database, arrives whole and in order, and does not keep other connections out
// once the statement that made it has run. (The bridge is the embedded backend's; the test
// runs it whatever backend the suite is on.)
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/storage/embedded/index.ts'
import { embeddedTemplate } from '../helpers/server.ts'

let dataDir: string
let database: EmbeddedDatabase

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'zjobs-bridge-'))
  cpSync(await embeddedTemplate(), join(dataDir, 'pgdata'), { recursive: true })
  database = await startEmbeddedDatabase(dataDir)
})

after(async () => {
  await database?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function connect(): Promise<pg.Client> {
  const client = new pg.Client(database.connection)
  await client.connect()
  return client
}

/** Spill files the database thread (in this process) holds open: unlinked at once, seen through /proc. */
const openSpillFiles = () =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).includes(`${dataDir}/zjobs-spill-`)
    } catch {
      return false
    }
  }).length

// About 40 MB of text: five times what the bridge keeps in memory for a socket.
const ROWS = 400_000
const BIG = `SELECT g, md5(g::text) || repeat('x', 60) AS filler FROM generate_series(1, ${ROWS}) g`

test('a COPY bigger than a socket buffer arrives whole and in order, then the connection goes on', async () => {
  const client = await connect()
  try {
    const hash = createHash('sha256')
    let bytes = 0
    const copy = client.query(copyTo(`COPY (${BIG}) TO STDOUT`))
    let spilled = false
    for await (const chunk of copy as AsyncIterable<Buffer>) {
      hash.update(chunk)
      bytes += chunk.length
      spilled ||= openSpillFiles() > 0
    }
    assert.ok(spilled, 'the output waited in a file')
    const expected = await client.query<{ digest: string; bytes: number }>(
      `SELECT encode(sha256(convert_to(string_agg(g || E'\\t' || filler || E'\\n', '' ORDER BY g), 'UTF8')), 'hex') AS digest,
         sum(octet_length(g || E'\\t' || filler) + 1)::int AS bytes FROM (${BIG}) s`,
    )
    assert.equal(copy.rowCount, ROWS)
    assert.equal(bytes, expected.rows[0].bytes)
    assert.equal(hash.digest('hex'), expected.rows[0].digest)
    // The same connection's next answer comes after the spilled output, not inside it.
    assert.deepEqual((await client.query('SELECT 42 AS n')).rows, [{ n: 42 }])
    assert.deepEqual(readdirSync(dataDir).filter((name) => name.startsWith('zjobs-spill-')), [], 'spill files have no name')
    assert.equal(openSpillFiles(), 0, 'and are closed once sent')
  } finally {
    await client.end()
  }
})

test('a big result read slowly does not keep other connections waiting, nor does a reader that leaves', async () => {
  const reader = await connect()
  const other = await connect()
  try {
    const rows = reader.query({ text: BIG, rowMode: 'array' })
    // The reader's socket is paused: its output cannot all be delivered until it reads again.
    reader.connection.stream.pause()
    assert.deepEqual((await other.query('SELECT 1 AS n')).rows, [{ n: 1 }])
    reader.connection.stream.resume()
    assert.equal((await rows).rows.length, ROWS)
  } finally {
    await reader.end()
  }
  // A reader that disconnects in the middle of its output frees everything.
  const leaver = await connect()
  leaver.on('error', () => {})
  const copy = leaver.query(copyTo(`COPY (${BIG}) TO STDOUT`))
  for await (const _chunk of copy as AsyncIterable<Buffer>) break
  leaver.connection.stream.destroy()
  assert.deepEqual((await other.query('SELECT 2 AS n')).rows, [{ n: 2 }])
  await other.end()
})
