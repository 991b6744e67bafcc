#!/usr/bin/env node
// zjobs is TypeScript run by Node.js 24's type stripping. The machine's own Node may be
// older, so this launcher (plain JavaScript, runnable anywhere) hands the command to the
// Node.js 24 binary the project pins in its dependencies.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const cli = join(root, 'src', 'cli.ts')
const major = Number(process.versions.node.split('.')[0])

if (major >= 24) {
  const { runCli } = await import(cli)
  await runCli(process.argv)
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(pinned)) {
    console.error(`zjobs needs Node.js 24; run "npm install" in ${root} to fetch it.`)
    process.exit(1)
  }
  const child = spawn(pinned, [cli, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
}
