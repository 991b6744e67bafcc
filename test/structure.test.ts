// The house rules a change could break without any behaviour changing: no import circles
// among the source files (type-only imports included: a circle of types is still two files
// that cannot be understood apart).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SRC = join(ROOT, 'src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

// Static imports and re-exports, with or without `type`; dynamic import() is a deliberate
// deferral and does not count.
const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]/gm

/** Each source file's imports of other source files, paths relative to the repository. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(IMPORT)].map((match) => relative(ROOT, resolve(dirname(file), match[1] ?? match[2])))
    graph.set(relative(ROOT, file), targets.filter((target) => target.startsWith('src/')))
  }
  return graph
}

/** Every cycle of the graph, each once, as its files in order. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found = new Map<string, string[]>()
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string) => {
    state.set(file, 'open')
    stack.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next))
        found.set([...cycle].sort().join(' '), cycle)
      } else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file)
  return [...found.values()]
}

test('the import graph is read: it sees the imports it should', () => {
  const graph = importGraph()
  assert.ok(graph.size > 100, `${graph.size} source files`)
  assert.ok(graph.get('src/jobs/worker.ts')?.includes('src/jobs/store.ts'), 'a plain import')
  assert.ok(graph.get('src/jobs/worker.ts')?.includes('src/storage/db.ts'), 'a type-only import')
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']], 'a planted circle is found')
})

test('no source file imports itself back through others (no import circles)', () => {
  assert.deepEqual(cycles(importGraph()).map((cycle) => cycle.join(' -> ')), [])
})

const FAMILIES = ['src/query/', 'src/objects/', 'src/backfill/', 'src/billing/']
const isRouteFile = (file: string) => /(^|\/|-)routes\.ts$/.test(file)

test('an API family reaches HTTP only from its route files', () => {
  const offenders = [...importGraph()]
    .filter(([file]) => FAMILIES.some((family) => file.startsWith(family)) && !isRouteFile(file))
    .flatMap(([file, targets]) => targets.filter((target) => target.startsWith('src/http/')).map((target) => `${file} -> ${target}`))
  assert.deepEqual(offenders, [])
  assert.ok(isRouteFile('src/objects/records/routes.ts') && isRouteFile('src/query/routes.ts') && !isRouteFile('src/query/service.ts'))
})

test('Data Query and Data Backfill throw their errors by name, from their catalogues', () => {
  const offenders = [...importGraph().keys()]
    .filter((file) => /^src\/(query|backfill)\//.test(file) && !file.endsWith('/errors.ts'))
    .filter((file) => /new ApiError\(/.test(readFileSync(join(ROOT, file), 'utf8')))
  assert.deepEqual(offenders, [])
})
