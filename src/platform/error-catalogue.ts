// A family's catalogue of the error codes a client can receive: each code named once, with its
// HTTP status and when a client gets it, and thrown by that name (as supabase/storage's ERRORS
// does). The family's docs page lists the same entries (scripts/error-codes.ts writes them,
// test/docs.test.ts checks the page agrees).
import { ApiError, Category, type ApiErrorOptions } from './errors.ts'

/** One code of a family: what its docs page lists. */
export interface CodeEntry {
  code: string
  status: number
  /** When a client gets it, in a few words. */
  when: string
}

/** A code the family's own code throws, with the message it says. */
interface Thrown<A extends unknown[]> extends Omit<CodeEntry, 'code'> {
  code: string | number
  category: Category
  message: (...args: A) => string
  headers?: Record<string, string>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entries = Record<string, Thrown<any[]>>
type Throwers<T extends Entries> = { [K in keyof T]: (...args: Parameters<T[K]['message']>) => ApiError }

export interface Catalogue<T extends Entries> {
  /** One factory per name: `Errors.notFound(id)` is the ApiError to throw. */
  errors: Throwers<T>
  /** Every code in order: the thrown ones, then those the HTTP layer raises for the family. */
  codes: CodeEntry[]
}

/**
 * A family's catalogue. `raised` lists the codes the HTTP layer answers for the family
 * (validation, body limits, rate limits, unexpected errors): not thrown by name, but a client
 * receives them all the same, so the docs list them.
 */
export function catalogue<T extends Entries>(thrown: T, raised: CodeEntry[]): Catalogue<T> {
  const errors = Object.fromEntries(
    Object.entries(thrown).map(([name, entry]) => [
      name,
      (...args: unknown[]) => {
        const options: ApiErrorOptions = { code: entry.code, ...(entry.headers ? { headers: entry.headers } : {}) }
        return new ApiError(entry.status, entry.category, entry.message(...args), options)
      },
    ]),
  ) as unknown as Throwers<T>
  const codes = [...Object.values(thrown).map(({ code, status, when }) => ({ code: String(code), status, when })), ...raised]
  return { errors, codes }
}

/** An entry's message taken as given: for codes whose situations are many (an invalid value). */
export const said = (message: string) => message

/** The docs table of `codes`: one row per entry, by status, then code. */
export function codesTable(codes: CodeEntry[]): string {
  const sorted = [...codes].sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))
  const rows = sorted.map(({ status, code, when }) => `| ${status} | \`${code}\` | ${when} |`)
  return ['| HTTP | Code | When |', '| --- | --- | --- |', ...rows].join('\n')
}
