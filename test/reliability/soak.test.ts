// A short soak (test/reliability/soak.ts) on PostgreSQL: two API and two worker processes under
// mixed load for 40 seconds, a worker killed half-way. The full run is `npm run soak`.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backend } from '../helpers/server.ts'
import { runSoak } from './soak.ts'

test(
  'soak: two API and two worker processes under mixed load, no errors, every job ends',
  { skip: backend !== 'postgres' && 'several processes share a database only on PostgreSQL' },
  async () => {
    const figures = await runSoak({ seconds: 40, readers: 16, windows: 4 })
    assert.equal(figures.serverErrors, 0, figures.unexpected.join('\n'))
    assert.equal(figures.errors, 0, figures.unexpected.join('\n'))
    assert.ok(figures.jobs > 10, `jobs of every kind were submitted (${figures.jobs})`)
    assert.equal(figures.jobsEnded, figures.jobs, figures.unexpected.join('\n'))
    assert.deepEqual(figures.unexpected, [])
    assert.ok(figures.requests > 1000, `load was applied (${figures.requests} requests)`)
  },
)
