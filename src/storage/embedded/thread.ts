// Worker-thread entry that hosts the embedded database. PGlite executes queries
// synchronously on the thread that owns it, so it lives here, away from the thread that
// serves HTTP, and is reached over a unix socket through the wire bridge.
import { PGlite } from '@electric-sql/pglite'
import { createServer } from 'node:net'
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { WireBridge } from './wire-bridge.ts'

interface ThreadData {
  pgdataDir: string
  socketPath: string
}

const { pgdataDir, socketPath } = workerData as ThreadData
const port = parentPort!

try {
  const db = await PGlite.create({ dataDir: pgdataDir })
  // Output waiting for a slow reader spills next to the database, not into memory (or a tmpfs).
  const onError = (error: unknown) => port.postMessage({ type: 'error', message: String(error) })
  const bridge = new WireBridge(db, onError, dirname(pgdataDir))
  rmSync(socketPath, { force: true })
  const server = createServer((socket) => bridge.attach(socket))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, resolve)
  })
  port.on('message', async (message: { type: string }) => {
    if (message.type !== 'stop') return
    server.close()
    bridge.closeAll()
    await db.close()
    rmSync(socketPath, { force: true })
    port.postMessage({ type: 'stopped' })
  })
  port.postMessage({ type: 'ready' })
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
}
