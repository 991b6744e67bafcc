// The seed of a randomized suite in `npm test` (the crash harness, the fuzzer): the variable
// that replays a run when it is set, else one derived from the checked-out commit and the
// suite's name. The same commit always draws the same choices, so a failure in CI is
// reproduced by running the same commit again, and a submission is never blocked by a seed
// drawn unluckily at run time; another commit draws other choices, so over time the suite
// still searches (docs/decisions.md, "Seeds of the randomized suites in CI").
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { ROOT } from './process.ts'

export interface SuiteSeed {
  seed: number
  /** Where it came from, for the suite's first line: the variable, or the commit. */
  source: string
}

/** The commit checked out, or undefined outside a git checkout. */
export function headCommit(cwd = ROOT): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined
  } catch {
    return undefined
  }
}

/** A seed in [0, 2^31) from a commit and a suite's name. */
export function seedOf(commit: string, suite: string): number {
  return createHash('sha256').update(`${commit}:${suite}`).digest().readUInt32BE(0) & 0x7fffffff
}

/**
 * The suite's seed: `variable` when set (a number), else derived from HEAD and `suite`; outside
 * a git checkout (a source archive; `commit` null), a fixed one, still the same at every run.
 */
export function suiteSeed(suite: string, variable: string, env: NodeJS.ProcessEnv = process.env, commit: string | null = headCommit() ?? null): SuiteSeed {
  const given = env[variable]
  if (given !== undefined && given !== '') {
    const seed = Number(given)
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`${variable} must be a non-negative integer, not ${JSON.stringify(given)}`)
    return { seed, source: variable }
  }
  if (!commit) return { seed: seedOf('no-commit', suite), source: 'no git checkout: a fixed seed' }
  return { seed: seedOf(commit, suite), source: `commit ${commit.slice(0, 12)}` }
}
