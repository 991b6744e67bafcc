// The server serves the console's built files and nothing of its build: no source file under
// src/ imports Vite, Preact or the console's sources, so `zjobs start` stays as fast as it was
// (the build runs at install, scripts/build-console.ts). And the console's sources call the API
// only through the shared client: no fetch of an API path of their own.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { test } from 'node:test'

const ROOT = new URL('../../', import.meta.url).pathname

function files(dir: string, extensions: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : files(path, extensions)
    return extensions.test(entry.name) ? [path] : []
  })
}

test('no server source imports the build tooling or the console', () => {
  const offenders = files(join(ROOT, 'src'), /\.ts$/).filter((file) =>
    /(?:from|import)\s*\(?\s*['"](?:vite|preact|preact\/[^'"]*|playwright-core|[./]+\/console\/[^'"]*)['"]/.test(readFileSync(file, 'utf8')),
  )
  assert.deepEqual(offenders.map((file) => relative(ROOT, file)), [])
})

test("the console's sources call the API through src/client only", () => {
  const offenders = files(join(ROOT, 'console/src'), /\.tsx?$/).filter((file) => {
    const text = readFileSync(file, 'utf8')
    // The XHR fetch is the client's transport (uploads); nothing else fetches by itself.
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
    // A call of its own (fetch, XHR), or a string starting with an API path.
    return !file.endsWith('xhr-fetch.ts') && /\bfetch\s*\(|XMLHttpRequest|['"`]\/(?:query|objects|v1|apps|files|admin|oauth)\//.test(code)
  })
  assert.deepEqual(offenders.map((file) => relative(ROOT, file)), [])
})
