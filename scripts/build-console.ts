// Builds the web console (console/ -> console/dist/) with Vite, then writes a gzip and a
// brotli copy of each text file beside it (the server sends them as they are: no compression
// per request). npm runs it as the package's `prepare` script, on every `npm ci` and `npm
// install`, so that `npm ci && npm start` serves the console; `npm run build:console` runs it
// by hand. A build whose sources (console/, src/client/) and Vite are unchanged is skipped.
//   node scripts/build-console.ts [--force]
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const ROOT = new URL('..', import.meta.url).pathname
const CONSOLE = join(ROOT, 'console')
export const DIST = join(CONSOLE, 'dist')
const STAMP = join(DIST, '.build-stamp')
/** Files served compressed: the rest (images) are compressed already or tiny. */
const COMPRESSED = /\.(html|js|css|svg|json|txt|map)$/

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : files(path)
    return [path]
  })
}

/** What the build depends on: the console's sources, the API client it bundles, the build tools' versions. */
export function sourceHash(): string {
  const hash = createHash('sha256')
  for (const file of [...files(CONSOLE), ...files(join(ROOT, 'src/client'))].sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  for (const name of ['vite', 'preact']) {
    const manifest = join(ROOT, 'node_modules', name, 'package.json')
    hash.update(existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : 'none')
  }
  return hash.digest('hex')
}

export function isBuilt(): boolean {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === sourceHash()
}

export async function buildConsole(options: { force?: boolean; quiet?: boolean } = {}): Promise<'built' | 'up to date' | 'skipped'> {
  const say = (message: string) => options.quiet || process.stdout.write(`zjobs console: ${message}\n`)
  if (!options.force && isBuilt()) {
    say('up to date (console/dist)')
    return 'up to date'
  }
  let vite: typeof import('vite')
  try {
    vite = await import('vite')
  } catch {
    // An install without Vite (npm ci --ignore-scripts then --omit=dev): the server says so at /console.
    say('not built: Vite is not installed (npm ci installs it)')
    return 'skipped'
  }
  const started = performance.now()
  await vite.build({ configFile: join(CONSOLE, 'vite.config.ts'), logLevel: 'warn' })
  let bytes = 0
  for (const file of files(DIST)) {
    if (!COMPRESSED.test(file)) continue
    const content = readFileSync(file)
    bytes += content.length
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }))
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } }),
    )
  }
  writeFileSync(STAMP, `${sourceHash()}\n`)
  const size = files(DIST)
    .filter((file) => file.endsWith('.br'))
    .reduce((sum, file) => sum + statSync(file).size, 0)
  say(`built console/dist in ${((performance.now() - started) / 1000).toFixed(1)} s (${(bytes / 1024).toFixed(0)} KB, ${(size / 1024).toFixed(0)} KB brotli)`)
  return 'built'
}

if (import.meta.main) {
  await buildConsole({ force: process.argv.includes('--force') })
}
