import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ConfigError, loadConfig, settings } from '../src/config.ts'
import { configTable } from '../scripts/config-doc.ts'

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
