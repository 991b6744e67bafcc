// npm run mutate: mutation testing (StrykerJS) of the code that enforces tenancy, entity and
// org scope, permissions, limits and status mapping, and what a job shows, each scope against
// the smallest set of fast tests that guard it (unit tests that call the enforcing functions,
// or one inline server). Not part of npm test: each mutant runs its scope's tests once. The
// scores and the reasons for every survivor are in docs/reliability.md.
//
//   npm run mutate                                    every scope, one after the other
//   npm run mutate -- --scope permissions             one scope (lifecycle, errors, limits, permissions, engine, worker)
//   npm run mutate -- --scope engine --concurrency 1  fewer test processes at once (default 2)
//   npm run mutate -- --scope errors --mutate src/http/errors.ts:40-80   narrower than the scope
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

/**
 * A scope: the code mutated (a file, or `file:from-to` for the lines of the functions that
 * enforce a rule) and the test files that must catch the mutants, on the embedded database.
 * `timeoutMs` is added to the tests' own time before a mutant counts as a timeout (an endless
 * loop a mutant makes): keep it short where the tests are.
 */
interface Scope {
  mutate: string[]
  tests: string[]
  timeoutMs: number
}
const SCOPES: Record<string, Scope> = {
  // The job states a client sees: the one mapping of real state, policy, reads and clock.
  lifecycle: { mutate: ['src/jobs/lifecycle.ts'], tests: ['test/sandbox/lifecycle.test.ts'], timeoutMs: 5_000 },
  // Every refusal's status, category and envelope per family (one inline Fastify, no database).
  errors: { mutate: ['src/http/errors.ts'], tests: ['test/platform/error-mapping.test.ts'], timeoutMs: 5_000 },
  // Per-tenant rate and concurrency limits (the limiters, and the plugin on an inline Fastify).
  limits: { mutate: ['src/http/plugins/limits.ts'], tests: ['test/platform/limits-unit.test.ts'], timeoutMs: 5_000 },
  // Who may do what, where: Custom Objects permissions, Data Backfill's and Data Query's
  // permission and job lookup (tenant, entity, owner), Data Query's statuses, and the entity and
  // orgs a request's headers choose.
  permissions: {
    mutate: [
      'src/objects/permissions.ts',
      'src/backfill/common.ts',
      'src/query/service.ts',
      'src/http/plugins/auth.ts',
    ],
    tests: ['test/platform/access-rules.test.ts'],
    timeoutMs: 5_000,
  },
  // The job engine's claims under the per-tenant running limits (a tenant's override, lease
  // takeover): SQL, so its tests run real jobs on the embedded database (about 12 s a mutant
  // on an idle machine, 50 s on a busy one).
  engine: {
    mutate: ['src/jobs/store.ts:296-333'],
    tests: ['test/jobs/engine.test.ts'],
    timeoutMs: 15_000,
  },
  // A claimed job's run: attempts, batches under the lease, stop, cancel and forced failure
  // between batches, retries and their delay, permanent failures, shutdown (an in-memory jobs table).
  worker: { mutate: ['src/jobs/worker.ts'], tests: ['test/jobs/worker-unit.test.ts'], timeoutMs: 5_000 },
}

const { values } = parseArgs({
  options: {
    scope: { type: 'string', multiple: true },
    concurrency: { type: 'string', default: '2' },
    mutate: { type: 'string', multiple: true },
  },
})
const scopes = values.scope ?? Object.keys(SCOPES)
let failed = false
mkdirSync('.stryker-tmp', { recursive: true })
for (const name of scopes) {
  const scope = SCOPES[name]
  if (!scope) {
    console.error(`unknown scope ${name}: ${Object.keys(SCOPES).join(', ')}`)
    process.exit(2)
  }
  const mutate = values.mutate ?? scope.mutate
  const config = {
    $schema: '../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    packageManager: 'npm',
    mutate,
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
    timeoutMS: scope.timeoutMs,
    tempDirName: '.stryker-tmp',
    ignorePatterns: ['.zjobs', 'test-results', 'bench/results', 'reports', '.stryker-tmp', 'console/dist', 'docs/images'],
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    thresholds: { high: 80, low: 60, break: null },
  }
  const file = `.stryker-tmp/stryker.${name}.json`
  writeFileSync(file, JSON.stringify(config, null, 2))
  console.log(`# mutation testing: ${name} (${mutate.join(', ')}) against ${scope.tests.join(', ')}`)
  const result = spawnSync(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', file], {
    stdio: 'inherit',
    env: { ...process.env, ZJOBS_TEST_BACKEND: 'embedded' },
  })
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
