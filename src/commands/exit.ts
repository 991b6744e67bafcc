// Exit codes of the job commands, for scripts (README: "Exit codes"). Every error a command
// raises on purpose carries its code; runCli (src/cli.ts) prints its message on one line.
import { ZuoraError } from '../client/errors.ts'

export const EXIT = {
  ok: 0,
  /** The job failed, or was cancelled or stopped by someone else. */
  failed: 1,
  /** Bad arguments, options or configuration (no credentials, unreadable file, unknown profile). */
  usage: 2,
  /** The server refused a request (4xx): its code and message say why. */
  refused: 3,
  /** No answer (network), or 429 and 5xx beyond the retries: worth trying again later. */
  unavailable: 4,
  /** The job completed, but some rows failed (their errors are in the file named). */
  partial: 5,
  /** Interrupted (Ctrl-C): a running query was cancelled on the server first. */
  interrupted: 130,
} as const

export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number) {
    super(message)
    this.exitCode = exitCode
  }
}

export const usage = (message: string) => new CliError(message, EXIT.usage)

/** A CliError for anything a command ends in (ZuoraErrors by kind; other errors as they are). */
export function toCliError(error: unknown): unknown {
  if (error instanceof CliError) return error
  if (error instanceof ZuoraError) {
    return new CliError(error.describe(), error.kind === 'refused' ? EXIT.refused : EXIT.unavailable)
  }
  return error
}
