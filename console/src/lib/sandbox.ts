// What the tenant's sandbox tools compute: a fault rule typed as JSON read into an object (the
// server judges the rule itself), a rule and a journal entry in a few words.
import type { FaultRule, FaultRuleInput, JournalEntry } from '../../../src/client/admin.ts'

/** The rule the text holds: a JSON object, else an Error saying what is wrong with the text. */
export function parseRule(text: string): FaultRuleInput {
  if (!text.trim()) throw new Error('Type a rule: a JSON object such as {"match": {"operationId": "GET_DataQueryJob"}, "effect": {"status": 503}, "times": 2}')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new Error(`The rule is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('The rule must be a JSON object, with match and effect, job, or rows')
  return value as FaultRuleInput
}

/** What a rule matches: its operation or path, its job type, its rows' job type. */
export function ruleTarget(rule: FaultRuleInput): string {
  if (rule.match) {
    const { operationId, method, path } = rule.match
    return operationId ?? [method ?? 'any method', path].filter(Boolean).join(' ')
  }
  if (rule.job) return `the next ${rule.job.type} job`
  if (rule.rows) return `rows of the next ${rule.rows.type} file`
  return ''
}

/** What a rule does, in a few words. */
export function ruleEffect(rule: FaultRuleInput): string {
  const parts: string[] = []
  const effect = rule.effect
  if (effect) {
    if (effect.status !== undefined) parts.push(`status ${effect.status}${effect.retryAfter !== undefined ? `, Retry-After ${effect.retryAfter}` : ''}`)
    if (effect.code !== undefined) parts.push(`code ${effect.code}`)
    if (effect.drop) parts.push(`drop (${effect.drop})`)
    const latency = effect.latencyMs
    if (latency?.fixed !== undefined) parts.push(`+${latency.fixed} ms`)
    if (latency?.uniform) parts.push(`+${latency.uniform.min}–${latency.uniform.max} ms`)
    if (latency?.logNormal) parts.push(`+~${latency.logNormal.median} ms (log-normal)`)
  }
  if (rule.job?.fail) parts.push(`fails${rule.job.fail.errorMessage ? `: ${rule.job.fail.errorMessage}` : ''}`)
  if (rule.job?.transientFailures !== undefined) parts.push(`fails transiently ${rule.job.transientFailures}×`)
  if (rule.rows) {
    const which = rule.rows.rowNumbers ? `rows ${rule.rows.rowNumbers.join(', ')}` : `${((rule.rows.fraction ?? 0) * 100).toLocaleString('en-US')}% of rows`
    parts.push(`${which} refused`)
  }
  if (rule.probability !== undefined) parts.push(`p=${rule.probability}, seed ${rule.seed ?? 0}`)
  return parts.join('; ')
}

/** Firings left: a number, or "no limit". */
export const remainingText = (rule: Pick<FaultRule, 'remaining'>): string => (rule.remaining === null ? 'no limit' : String(rule.remaining))

/** A journal entry's answer: its status, or that the connection was dropped. */
export const statusText = (entry: Pick<JournalEntry, 'status'>): string => (entry.status === null ? 'dropped' : String(entry.status))

/** A journal entry's duration, to a tenth of a millisecond under 10 ms, whole milliseconds above. */
export function durationText(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`
  if (ms < 10_000) return `${Math.round(ms).toLocaleString('en-US')} ms`
  return `${(ms / 1000).toFixed(1)} s`
}
