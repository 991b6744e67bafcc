// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temporary folder,
// start on a free loopback port, stop and remove it afterwards. PostgreSQL refuses to run as
// root, so under root the server runs as the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Cluster {
  url: string
  stop(): void
}

export function findPostgresBin(): string | undefined {
  const candidates: string[] = []
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim())
  } catch {
    // no pg_config on PATH
  }
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) {
      candidates.push(join(debian, version, 'bin'))
    }
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startCluster(): Promise<Cluster> {
  const bin = findPostgresBin()
  if (!bin) throw new Error('PostgreSQL server binaries not found (install Debian package "postgresql")')
  const asRoot = process.getuid?.() === 0
  const base = mkdtempSync(join(tmpdir(), 'zjobs-pg-'))
  chmodSync(base, 0o777)
  const dataDir = join(base, 'data')
  const port = await freePort()
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args]
    const result = spawnSync(file, argv, { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`)
  }
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'])
  const options = [
    `-p ${port}`,
    `-k ${base}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
  ].join(' ')
  run('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(base, 'server.log'), '-w', 'start'])
  let stopped = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return
      stopped = true
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop'])
      } finally {
        rmSync(base, { recursive: true, force: true })
      }
    },
  }
}
