import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ConfigError, loadConfig, settings } from '../src/config.ts'
import { configTable } from '../scripts/config-doc.ts'
import { PAGES, withSection } from '../scripts/error-codes.ts'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

test('the README documents every setting exactly as the code reads it', () => {
  const start = readme.indexOf('<!-- config-table:start -->')
  const end = readme.indexOf('<!-- config-table:end -->')
  assert.ok(start > 0 && end > start, 'README has the configuration table markers')
  const documented = readme.slice(start + '<!-- config-table:start -->'.length, end).trim()
  assert.equal(documented, configTable(), 'README table differs: run `node scripts/config-doc.ts`')
  for (const setting of Object.values(settings)) assert.ok(documented.includes(`\`${setting.env}\``))
})

test('the README quick start has the install-and-start and install-and-test commands CI runs', () => {
  assert.match(readme, /npm ci && npm start/)
  assert.match(readme, /npm ci && npm test/)
  const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')
  assert.match(ci, /^npm ci && npm test$/m)
})

test('invalid settings are refused with a clear message', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (error: unknown) => {
    assert.ok(error instanceof ConfigError)
    assert.match(error.message, /PORT must be an integer/)
    return true
  })
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of/)
  assert.throws(() => loadConfig({ ZJOBS_DEFAULT_CLIENT_ID: 'short' }), /36 characters/)
  assert.equal(loadConfig({ PORT: '9090' }).port, 9090)
  assert.equal(loadConfig({}).databaseUrl, undefined)
})

test("each family's docs page lists its error codes exactly as its catalogue names them", () => {
  for (const { page, section } of PAGES) {
    const text = readFileSync(page, 'utf8')
    assert.equal(withSection(text, section()), text, `${page.pathname}: run node scripts/error-codes.ts`)
  }
  const backfill = readFileSync(PAGES[2]!.page, 'utf8')
  assert.match(backfill, /\| 404 \| `50000040` \| No such job/, 'a thrown code is listed')
  assert.match(backfill, /\| 500 \| `SystemError` \|/, 'a code the HTTP layer raises is listed')
  assert.throws(() => withSection('no markers', 'x'), /no <!-- error-codes/)
})

test('docs/architecture.md names paths that exist, and the README links it', () => {
  const map = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8')
  const paths = [...map.matchAll(/`((?:src|test|scripts|docs|console)\/[\w./-]*?)`/g)].map((match) => match[1]!)
  assert.ok(paths.length > 30, `${paths.length} paths named`)
  const missing = paths.filter((path) => !existsSync(new URL(`../${path}`, import.meta.url)))
  assert.deepEqual(missing, [])
  assert.match(readme, /\[docs\/architecture\.md\]\(docs\/architecture\.md\)/)
})
