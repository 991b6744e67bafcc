// npm test: type-check, then run the whole suite twice, on the embedded database and on a
// PostgreSQL server (ZJOBS_TEST_DATABASE_URL, or a throwaway cluster started here).
//
//   npm test                          both backends
//   npm test -- --backend embedded    one backend
//   npm test -- test/oauth.test.ts    some files (or folders: npm test -- test/backfill/)
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startCluster, type Cluster } from './pg-cluster.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', multiple: true },
    'skip-typecheck': { type: 'boolean', default: false },
  },
})

const backends = values.backend ?? (process.env.ZJOBS_TEST_BACKENDS?.split(',') || ['embedded', 'postgres'])
// A folder stands for the test files under it (node --test takes files and globs only).
const files = positionals.length > 0
  ? positionals.map((path) => (existsSync(path) && statSync(path).isDirectory() ? `${path.replace(/\/+$/, '')}/**/*.test.ts` : path))
  : ['test/**/*.test.ts']

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): boolean {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return result.status === 0
}

let ok = true
if (!values['skip-typecheck']) {
  console.log('# type-check')
  ok = run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']) && ok
  // The console's sources: the browser's types and Preact's JSX (console/tsconfig.json).
  ok = run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'console']) && ok
}

for (const backend of backends) {
  let cluster: Cluster | undefined
  const env: NodeJS.ProcessEnv = { ZJOBS_TEST_BACKEND: backend }
  if (backend === 'postgres') {
    if (!process.env.ZJOBS_TEST_DATABASE_URL) {
      cluster = await startCluster()
      env.ZJOBS_TEST_DATABASE_URL = cluster.url
    }
  } else if (backend !== 'embedded') {
    console.error(`unknown backend ${backend}: use embedded or postgres`)
    process.exit(2)
  }
  console.log(`# tests on the ${backend} database`)
  try {
    ok =
      run(
        process.execPath,
        ['--test', '--test-concurrency=2', '--test-timeout=300000', '--test-reporter=spec', ...files],
        env,
      ) && ok
  } finally {
    cluster?.stop()
  }
}
process.exit(ok ? 0 : 1)
