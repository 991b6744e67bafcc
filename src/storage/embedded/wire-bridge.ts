// Serves one PGlite instance over the PostgreSQL wire protocol to many client connections,
// so the same driver code (node-postgres) runs on the embedded database and on a
// PostgreSQL server.
//
// PGlite is a single session. pglite-socket's multiplexer interleaves extended-protocol
// messages of different connections (Parse from one between Bind and Execute of another:
// "unnamed prepared statement does not exist" under load), so zjobs uses this bridge instead.
// A connection owns the database from the first message of a unit until the unit ends
// (Sync or a simple Query) and for as long as it keeps a transaction open; other
// connections wait their turn in arrival order. Session state (SET, named statements) is
// shared by all connections: zjobs code only uses SET LOCAL inside transactions.
//
// PGlite runs a unit to its end without yielding, so a socket cannot drain meanwhile: output
// beyond SPILL_AFTER_BYTES goes to a file, sent once the unit is done, and a big result (a
// COPY TO STDOUT, a wide FETCH) never sits in memory whole.
import type { PGlite } from '@electric-sql/pglite'
import { randomBytes } from 'node:crypto'
import { createReadStream, openSync, unlinkSync, writeSync } from 'node:fs'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { drainedOrClosed } from '../../platform/streams.ts'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102

// After these the client waits for the server's answer, so a unit of work ends there.
// Sync and Query end the protocol's implicit transaction; Flush does not (a portal stays open).
const ENDS_UNIT = new Set(['S', 'Q', 'H'])
const ENDS_IMPLICIT_TRANSACTION = new Set(['S', 'Q'])
const COPY_FROM_STDIN = /\bcopy\b[\s\S]*\bfrom\s+stdin\b/i
const SPILL_AFTER_BYTES = 8 * 1024 * 1024

interface Unit {
  bytes: Buffer
  last: string
}

export class WireBridge {
  readonly #db: PGlite
  #owner: BridgeConnection | null = null
  readonly #queue: { connection: BridgeConnection; grant: () => void }[] = []
  readonly #connections = new Set<BridgeConnection>()
  readonly #onError: (error: unknown) => void
  /** Where output that does not fit a socket's buffer waits (see SPILL_AFTER_BYTES). */
  readonly spillDir: string

  constructor(db: PGlite, onError: (error: unknown) => void, spillDir: string) {
    this.#db = db
    this.#onError = onError
    this.spillDir = spillDir
  }

  attach(socket: Socket): void {
    const connection = new BridgeConnection(this, socket)
    this.#connections.add(connection)
    socket.once('close', () => this.#connections.delete(connection))
  }

  closeAll(): void {
    for (const connection of this.#connections) connection.destroy()
  }

  get db(): PGlite {
    return this.#db
  }

  reportError(error: unknown): void {
    this.#onError(error)
  }

  acquire(connection: BridgeConnection): Promise<void> {
    if (this.#owner === connection) return Promise.resolve()
    if (this.#owner === null) {
      this.#owner = connection
      return Promise.resolve()
    }
    return new Promise((grant) => this.#queue.push({ connection, grant }))
  }

  release(connection: BridgeConnection): void {
    if (this.#owner !== connection) return
    const next = this.#queue.shift()
    this.#owner = next?.connection ?? null
    next?.grant()
  }

  owns(connection: BridgeConnection): boolean {
    return this.#owner === connection
  }

  forget(connection: BridgeConnection): void {
    const index = this.#queue.findIndex((entry) => entry.connection === connection)
    if (index >= 0) this.#queue.splice(index, 1)
  }
}

class BridgeConnection {
  readonly #bridge: WireBridge
  readonly #socket: Socket
  #buffer: Buffer = Buffer.alloc(0)
  #started = false
  #pending: Buffer[] = []
  #work: Promise<void> = Promise.resolve()
  #closed = false

  constructor(bridge: WireBridge, socket: Socket) {
    this.#bridge = bridge
    this.#socket = socket
    socket.setNoDelay(true)
    socket.on('data', (data) => this.#receive(data))
    socket.on('error', () => this.#close())
    socket.on('close', () => this.#close())
  }

  destroy(): void {
    this.#socket.destroy()
  }

  #receive(data: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data])
    for (;;) {
      if (!this.#started) {
        if (this.#buffer.length < 8) return
        const length = this.#buffer.readInt32BE(0)
        if (this.#buffer.length < length) return
        const code = this.#buffer.readInt32BE(4)
        const message = this.#buffer.subarray(0, length)
        this.#buffer = this.#buffer.subarray(length)
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.#socket.write('N')
          continue
        }
        if (code === CANCEL_REQUEST) {
          this.#socket.end()
          return
        }
        this.#started = true
        this.#schedule({ bytes: Buffer.from(message), last: 'startup' })
        continue
      }
      if (this.#buffer.length < 5) return
      const length = this.#buffer.readInt32BE(1) + 1
      if (this.#buffer.length < length) return
      const message = Buffer.from(this.#buffer.subarray(0, length))
      this.#buffer = this.#buffer.subarray(length)
      const type = String.fromCharCode(message[0])
      if (type === 'X') {
        this.#socket.end()
        return
      }
      this.#pending.push(message)
      if (ENDS_UNIT.has(type)) {
        const bytes = this.#pending.length === 1 ? message : Buffer.concat(this.#pending)
        this.#pending = []
        this.#schedule({ bytes, last: type })
      }
    }
  }

  #schedule(unit: Unit): void {
    this.#work = this.#work.then(() => this.#run(unit))
  }

  async #run(unit: Unit): Promise<void> {
    if (this.#closed) return
    if (unit.last === 'Q' && COPY_FROM_STDIN.test(unit.bytes.toString('utf8', 5))) {
      // PGlite cannot take COPY data over the wire (it aborts the whole database): refuse it.
      this.#socket.write(errorThenReady('COPY FROM STDIN is not supported by the embedded database'))
      return
    }
    await this.#bridge.acquire(this)
    const db = this.#bridge.db
    let spill: SpillFile | undefined
    try {
      if (this.#closed) return
      this.#socket.cork()
      await db.execProtocolRawStream(unit.bytes, {
        onRawData: (chunk) => {
          if (this.#closed) return
          if (!spill && this.#socket.writableLength >= SPILL_AFTER_BYTES) spill = new SpillFile(this.#bridge.spillDir)
          if (spill) spill.write(chunk)
          else this.#socket.write(Buffer.from(chunk))
        },
      })
      this.#socket.uncork()
    } catch (error) {
      this.#bridge.reportError(error)
      this.#socket.destroy()
    } finally {
      const unitOpen = !ENDS_IMPLICIT_TRANSACTION.has(unit.last) && unit.last !== 'startup'
      if (this.#closed) await this.#abandon()
      else if (!unitOpen && !db.isInTransaction()) this.#bridge.release(this)
    }
    // Other connections may take the database while this one's output is sent (or, after a
    // failure, the file is only closed).
    if (!spill) return
    try {
      await spill.sendTo(this.#socket)
    } catch (error) {
      this.#bridge.reportError(error)
      this.#socket.destroy()
    }
  }

  #close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#pending = []
    this.#bridge.forget(this)
    // If a unit is running, #run abandons ownership when it ends; otherwise do it now.
    this.#work = this.#work.then(() => this.#abandon())
  }

  async #abandon(): Promise<void> {
    if (!this.#bridge.owns(this)) return
    const db = this.#bridge.db
    try {
      // End whatever the vanished client left open: an explicit transaction or an
      // extended-protocol exchange that never reached Sync.
      if (db.isInTransaction()) await db.exec('ROLLBACK')
      await db.execProtocolRaw(SYNC)
    } catch (error) {
      this.#bridge.reportError(error)
    } finally {
      this.#bridge.release(this)
    }
  }
}

const SYNC = Buffer.from([0x53, 0, 0, 0, 4])

/** An unnamed file (unlinked at once: nothing stays behind, whatever happens) that output waits in. */
class SpillFile {
  readonly #fd: number
  // Writes gathered into large ones: PGlite hands over output in pieces of a few KB.
  readonly #buffer = Buffer.allocUnsafe(1024 * 1024)
  #buffered = 0

  constructor(dir: string) {
    const path = join(dir, `zjobs-spill-${randomBytes(8).toString('hex')}`)
    this.#fd = openSync(path, 'w+', 0o600)
    unlinkSync(path)
  }

  write(chunk: Uint8Array): void {
    if (this.#buffered + chunk.length > this.#buffer.length) this.#flush()
    if (chunk.length >= this.#buffer.length) this.#writeAll(chunk)
    else {
      this.#buffer.set(chunk, this.#buffered)
      this.#buffered += chunk.length
    }
  }

  #flush(): void {
    this.#writeAll(this.#buffer.subarray(0, this.#buffered))
    this.#buffered = 0
  }

  #writeAll(bytes: Uint8Array): void {
    for (let written = 0; written < bytes.length; ) written += writeSync(this.#fd, bytes, written)
  }

  /** Sends the file to `socket` with its backpressure, then closes it; stops early if the socket closes. */
  async sendTo(socket: Socket): Promise<void> {
    this.#flush()
    const file = createReadStream('', { fd: this.#fd, start: 0, highWaterMark: 1024 * 1024 })
    try {
      for await (const chunk of file) {
        if (socket.destroyed) return
        if (!socket.write(chunk)) await drainedOrClosed(socket)
      }
    } finally {
      file.destroy()
    }
  }
}

function errorThenReady(message: string): Buffer {
  const fields = Buffer.concat([
    field('S', 'ERROR'),
    field('V', 'ERROR'),
    field('C', '0A000'),
    field('M', message),
    Buffer.from([0]),
  ])
  const header = Buffer.alloc(5)
  header.write('E', 0)
  header.writeInt32BE(fields.length + 4, 1)
  const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49])
  return Buffer.concat([header, fields, ready])
}

function field(code: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(code), Buffer.from(value, 'utf8'), Buffer.from([0])])
}
