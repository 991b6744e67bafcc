// The seeds of the randomized suites in `npm test` (test/helpers/seed.ts): the variable's when
// set, else the commit's: the same at every run of a commit, another at another commit.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { headCommit, seedOf, suiteSeed } from '../helpers/seed.ts'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

test('a suite seed: the variable replays a run; otherwise the commit decides, per suite', () => {
  assert.deepEqual(suiteSeed('chaos', 'ZJOBS_CHAOS_SEED', { ZJOBS_CHAOS_SEED: '1234' }, A), { seed: 1234, source: 'ZJOBS_CHAOS_SEED' })
  assert.throws(() => suiteSeed('chaos', 'ZJOBS_CHAOS_SEED', { ZJOBS_CHAOS_SEED: 'x' }, A), /ZJOBS_CHAOS_SEED must be a non-negative integer/)
  const fromA = suiteSeed('chaos', 'ZJOBS_CHAOS_SEED', {}, A)
  assert.deepEqual(fromA, { seed: seedOf(A, 'chaos'), source: `commit ${A.slice(0, 12)}` })
  assert.equal(suiteSeed('chaos', 'ZJOBS_CHAOS_SEED', { ZJOBS_CHAOS_SEED: '' }, A).seed, fromA.seed, 'an empty variable is unset')
  assert.notEqual(suiteSeed('chaos', 'ZJOBS_CHAOS_SEED', {}, B).seed, fromA.seed, 'another commit, other choices')
  assert.notEqual(suiteSeed('fuzz', 'ZJOBS_FUZZ_SEED', {}, A).seed, fromA.seed, 'another suite, other choices')
  for (const seed of [fromA.seed, seedOf(B, 'fuzz')]) assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 31)
  // Outside a checkout: a fixed seed, the same at every run.
  assert.deepEqual(suiteSeed('chaos', 'ZJOBS_CHAOS_SEED', {}, null), { seed: seedOf('no-commit', 'chaos'), source: 'no git checkout: a fixed seed' })
})

test('the commit is read from the checkout', () => {
  const commit = headCommit()
  if (commit !== undefined) assert.match(commit, /^[0-9a-f]{40}$/)
})
