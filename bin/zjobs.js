#!/usr/bin/env node
// zjobs is TypeScript run by Node.js 24's type stripping. The machine's own Node may be
// older, so this launcher (plain JavaScript, runnable anywhere) hands the command to the
// Node.js 24 binary the project pins in its dependencies.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import module from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const cli = join(root, 'src', 'cli.ts')
const major = Number(process.versions.node.split('.')[0])

if (major >= 24) {
  // Node.js keeps each module's type-stripped and compiled form in its compile cache (in the
  // temp folder, NODE_COMPILE_CACHE to move it, NODE_DISABLE_COMPILE_CACHE=1 to turn it off):
  // a command loads in half the time. The job runner's thread inherits it through the variable.
  const cache = module.enableCompileCache()
  if (cache.directory) process.env.NODE_COMPILE_CACHE = cache.directory
  const { runCli } = await import(cli)
  await runCli(process.argv)
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(pinned)) {
    console.error(`zjobs needs Node.js 24; run "npm install" in ${root} to fetch it.`)
    process.exit(1)
  }
  // This launcher again, run by the pinned Node.js (which takes the branch above).
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
}
