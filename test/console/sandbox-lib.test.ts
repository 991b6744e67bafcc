// The console's sandbox tools without a browser: a rule typed as JSON, a rule and a journal
// entry in a few words.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { durationText, parseRule, remainingText, ruleEffect, ruleTarget, statusText } from '../../console/src/lib/sandbox.ts'

describe('console: sandbox tools', () => {
  test('a rule typed as JSON: an object, else what is wrong with the text', () => {
    assert.deepEqual(parseRule(' {"match": {"operationId": "GET_DataQueryJob"}, "effect": {"status": 503}, "times": 2} '), {
      match: { operationId: 'GET_DataQueryJob' },
      effect: { status: 503 },
      times: 2,
    })
    // The server judges the rule itself (an unknown field, a status the family never answers).
    assert.deepEqual(parseRule('{"nonsense": 1}'), { nonsense: 1 })
    assert.throws(() => parseRule('  '), /Type a rule/)
    assert.throws(() => parseRule('{"match": '), /not JSON/)
    for (const text of ['[]', 'null', '3', '"rule"']) assert.throws(() => parseRule(text), /must be a JSON object/, text)
  })

  test('what a rule matches and does', () => {
    assert.equal(ruleTarget({ match: { operationId: 'GET_DataQueryJob' } }), 'GET_DataQueryJob')
    assert.equal(ruleTarget({ match: { method: 'POST', path: '/objects/jobs' } }), 'POST /objects/jobs')
    assert.equal(ruleTarget({ match: { path: '/query/jobs/{job-id}' } }), 'any method /query/jobs/{job-id}')
    assert.equal(ruleTarget({ job: { type: 'dataQuery', transientFailures: 2 } }), 'the next dataQuery job')
    assert.equal(ruleTarget({ rows: { type: 'customObjectBulk', rowNumbers: [3] } }), 'rows of the next customObjectBulk file')
    assert.equal(ruleTarget({}), '')

    assert.equal(ruleEffect({ match: {}, effect: { status: 429, retryAfter: 7 } }), 'status 429, Retry-After 7')
    assert.equal(ruleEffect({ match: {}, effect: { status: 500, code: 50000060 }, probability: 0.33, seed: 7 }), 'status 500; code 50000060; p=0.33, seed 7')
    assert.equal(ruleEffect({ match: {}, effect: { drop: 'reset' } }), 'drop (reset)')
    assert.equal(ruleEffect({ match: {}, effect: { latencyMs: { fixed: 300 } } }), '+300 ms')
    assert.equal(ruleEffect({ match: {}, effect: { latencyMs: { uniform: { min: 100, max: 900 } } } }), '+100–900 ms')
    assert.equal(ruleEffect({ match: {}, effect: { latencyMs: { logNormal: { median: 200, sigma: 0.5 } } }, probability: 1 }), '+~200 ms (log-normal); p=1, seed 0')
    assert.equal(ruleEffect({ job: { type: 'customObjectBulk', fail: { errorMessage: 'Simulated outage' } } }), 'fails: Simulated outage')
    assert.equal(ruleEffect({ job: { type: 'customObjectBulk', fail: {} } }), 'fails')
    assert.equal(ruleEffect({ job: { type: 'dataQuery', transientFailures: 2 } }), 'fails transiently 2×')
    assert.equal(ruleEffect({ rows: { type: 'customObjectBulk', rowNumbers: [3, 5] } }), 'rows 3, 5 refused')
    assert.equal(ruleEffect({ rows: { type: 'dataBackfill', fraction: 0.1, seed: 7 } }), '10% of rows refused')
  })

  test('counts, statuses and durations', () => {
    assert.equal(remainingText({ remaining: null }), 'no limit')
    assert.equal(remainingText({ remaining: 0 }), '0')
    assert.equal(statusText({ status: 503 }), '503')
    assert.equal(statusText({ status: null }), 'dropped')
    assert.equal(durationText(3.14), '3.1 ms')
    assert.equal(durationText(1234.4), '1,234 ms')
    assert.equal(durationText(12_345), '12.3 s')
  })
})
