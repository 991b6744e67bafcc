// Stream helpers shared by the writers that stream to a file or a socket.
import type { Writable } from 'node:stream'

/** Resolves when `stream` wants more, or is closed (a failure destroyed it): never hangs on a dead stream. */
export function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      stream.off('drain', settle)
      stream.off('close', settle)
      resolve()
    }
    stream.on('drain', settle)
    stream.on('close', settle)
  })
}
