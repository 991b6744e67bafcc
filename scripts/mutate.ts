// npm run mutate: mutation testing (StrykerJS) of the code that decides what a client is told
// and what a job shows, against the tests that guard it. Not part of npm test: each mutant
// runs its scope's tests once. The scores are in docs/reliability.md.
//
//   npm run mutate                        every scope
//   npm run mutate -- --scope lifecycle   one scope (lifecycle, errors, permissions, engine)
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

/** A scope: the files mutated and the test files that must catch the mutants, on the embedded database. */
const SCOPES: Record<string, { mutate: string[]; tests: string[] }> = {
  // The job states a client sees: the one mapping of real state, policy, reads and clock.
  lifecycle: { mutate: ['src/jobs/lifecycle.ts'], tests: ['test/sandbox/lifecycle.test.ts'] },
  // Every refusal's status, category and envelope per family.
  errors: {
    mutate: ['src/http/errors.ts'],
    tests: ['test/platform/errors.test.ts', 'test/platform/admin-errors.test.ts', 'test/reliability/found.test.ts', 'test/reliability/fuzz.test.ts'],
  },
  // Custom Objects permissions: who may view, edit, delete.
  permissions: { mutate: ['src/objects/permissions.ts'], tests: ['test/objects/records.test.ts', 'test/objects/definitions.test.ts', 'test/reliability/isolation.test.ts'] },
  // The job engine's claims, leases, retries, stop and cancel.
  engine: { mutate: ['src/jobs/store.ts', 'src/jobs/worker.ts'], tests: ['test/jobs/engine.test.ts'] },
}

const { values } = parseArgs({ options: { scope: { type: 'string', multiple: true }, concurrency: { type: 'string', default: '2' } } })
const scopes = values.scope ?? Object.keys(SCOPES)
let failed = false
mkdirSync('.stryker-tmp', { recursive: true })
for (const name of scopes) {
  const scope = SCOPES[name]
  if (!scope) {
    console.error(`unknown scope ${name}: ${Object.keys(SCOPES).join(', ')}`)
    process.exit(2)
  }
  const config = {
    $schema: '../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    packageManager: 'npm',
    mutate: scope.mutate,
    // Any test runner: the command's exit code says whether the mutant was caught.
    testRunner: 'command',
    commandRunner: {
      command: `${process.execPath} --test --test-concurrency=1 --test-reporter=dot ${scope.tests.join(' ')}`,
    },
    coverageAnalysis: 'off',
    // Stryker rewrites tsconfig.json through the TypeScript compiler's JavaScript API, which
    // TypeScript 7 (the native compiler) does not have; Node.js strips the types, no build runs.
    tsconfigFile: 'stryker-has-no-tsconfig.json',
    concurrency: Number(values.concurrency),
    timeoutMS: 120_000,
    tempDirName: '.stryker-tmp',
    ignorePatterns: ['.zjobs', 'test-results', 'bench/results', 'reports', '.stryker-tmp'],
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    thresholds: { high: 80, low: 60, break: null },
  }
  const file = `.stryker-tmp/stryker.${name}.json`
  writeFileSync(file, JSON.stringify(config, null, 2))
  console.log(`# mutation testing: ${name} (${scope.mutate.join(', ')}) against ${scope.tests.join(', ')}`)
  const result = spawnSync(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', file], {
    stdio: 'inherit',
    env: { ...process.env, ZJOBS_TEST_BACKEND: 'embedded' },
  })
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
