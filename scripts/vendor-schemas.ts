// Derives test/fixtures/vendor-openapi.json, the facts of Zuora's OpenAPI description the
// tests check responses against (paths, operations, schemas: types, enums, required fields,
// formats), from the vendor subset beside the project (../shared/vendor-spec), leaving out
// any prose (descriptions, summaries, examples). The tests read the fixture, so a clone of
// the repository alone runs them; test/vendor-fixture.test.ts keeps it equal to this
// derivation whenever the vendor file is there.
//
//   node scripts/vendor-schemas.ts            writes the fixture
//   node scripts/vendor-schemas.ts --check    exits 1 when the fixture differs
import { readFileSync, writeFileSync } from 'node:fs'

export const VENDOR_FILE = new URL('../../shared/vendor-spec/zuora-openapi-subset-2026-05-01.json', import.meta.url)
export const FIXTURE_FILE = new URL('../test/fixtures/vendor-openapi.json', import.meta.url)

const PROSE = new Set(['description', 'summary', 'example', 'examples', 'externalDocs', 'x-code-samples'])

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** The document without prose, keys in their order; a schema property named like a prose key is kept. */
function withoutProse(value: Json, inProperties = false): Json {
  if (Array.isArray(value)) return value.map((item) => withoutProse(item))
  if (value === null || typeof value !== 'object') return value
  const result: { [key: string]: Json } = {}
  for (const [key, item] of Object.entries(value)) {
    if (!inProperties && PROSE.has(key)) continue
    result[key] = withoutProse(item, key === 'properties' && !inProperties)
  }
  return result
}

export function deriveFixture(vendor: string): string {
  const spec = JSON.parse(vendor) as { [key: string]: Json }
  const derived = withoutProse({
    'x-derived-from': 'Zuora OpenAPI "full compact" subset, info.version 2026-05-01 (shared/vendor-spec); prose removed by scripts/vendor-schemas.ts',
    openapi: spec.openapi,
    info: spec.info,
    paths: spec.paths,
    components: spec.components,
  })
  return `${JSON.stringify(derived, null, 1)}\n`
}

if (import.meta.main) {
  const fixture = deriveFixture(readFileSync(VENDOR_FILE, 'utf8'))
  if (process.argv.includes('--check')) {
    const current = readFileSync(FIXTURE_FILE, 'utf8')
    if (current !== fixture) {
      console.error('test/fixtures/vendor-openapi.json differs from its derivation: run node scripts/vendor-schemas.ts')
      process.exit(1)
    }
  } else {
    writeFileSync(FIXTURE_FILE, fixture)
  }
}
