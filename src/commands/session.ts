// What every job command runs in: its output, its connection, errors turned into one line
// and an exit code, and Ctrl-C.
import type { ZuoraClient } from '../client/client.ts'
import { ZuoraError } from '../client/errors.ts'
import { connect, type Connection, type ConnectionFlags, type LocalTokenMinter } from './connection.ts'
import { CliError, EXIT, toCliError } from './exit.ts'
import { Output, type OutputFlags } from './output.ts'

export type CommonFlags = ConnectionFlags & OutputFlags

export interface Session {
  out: Output
  client: ZuoraClient
  connection: Connection
  /** Aborted by the first Ctrl-C (SIGINT); a second one exits at once. */
  interrupt: AbortSignal
}

/** The reason an interrupted signal carries. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted')
  }
}

export const isInterrupted = (error: unknown) => error instanceof Interrupted

export async function withSession(flags: CommonFlags, mintLocal: LocalTokenMinter, work: (session: Session) => Promise<void>): Promise<void> {
  const out = new Output(flags)
  const connection = connect(flags, out, mintLocal)
  // The token is asked for while the command loads what it needs; abandoned if it ends first.
  const warming = new AbortController()
  connection.client.warmUp(warming.signal)
  await out.ready()
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) {
      out.clearStatus()
      process.exit(EXIT.interrupted)
    }
    controller.abort(new Interrupted())
  }
  process.on('SIGINT', onSigint)
  try {
    await work({ out, client: connection.client, connection, interrupt: controller.signal })
  } catch (error) {
    out.clearStatus()
    if (isInterrupted(error)) throw new CliError('interrupted', EXIT.interrupted)
    if (error instanceof ZuoraError && error.kind === 'network' && (connection.source === 'locator' || connection.source === 'default')) {
      const hint = connection.source === 'default' ? ' (no running `zjobs start` found for this data folder: start one, or name a server with --url)' : ''
      throw new CliError(`${error.describe()}${hint}`, EXIT.unavailable)
    }
    throw toCliError(error)
  } finally {
    warming.abort()
    out.clearStatus()
    process.off('SIGINT', onSigint)
  }
}
