// What a fault rule may say, beyond what the route schema checks, and the rule as stored: its
// operations resolved (request rules), its job kinds (job and rows rules), its defaults filled
// in. Every refusal is a 400 naming the field, raised before anything is written.
import { invalid, missing } from '../../platform/errors.ts'
import type { JobEffect, RowsEffect } from '../../jobs/faults.ts'
import type { Family } from '../../http/errors.ts'
import { code, CoCategory, Resource } from '../../objects/errors.ts'
import { JOB_TYPES } from '../job-types.ts'
import type { Operations } from './operations.ts'

/** The statuses a request fault can answer with, per family (every family answers these; the token route never says 404). */
export const FAULT_STATUSES: Record<string, readonly number[]> = {
  default: [400, 401, 403, 404, 429, 500, 502, 503, 504],
  oauth: [400, 401, 403, 429, 500, 502, 503, 504],
}
const statusesOf = (family: Family) => FAULT_STATUSES[family] ?? FAULT_STATUSES.default

/** Most latency a rule adds to one call: two minutes. */
export const MAX_LATENCY_MS = 120_000
/** Job types whose files have rows a rule can refuse. */
export const ROW_JOB_TYPES = ['customObjectBulk', 'dataBackfill'] as const

export type Latency = { fixed: number } | { uniform: { min: number; max: number } } | { logNormal: { median: number; sigma: number } }

export interface RequestEffect {
  status?: number
  code?: number | string
  message?: string
  retryAfter?: number
  latencyMs?: Latency
  drop?: 'reset' | 'empty'
}

export interface FaultMatch {
  method?: string
  path?: string
  operationId?: string
}

/** An operation a request rule matches: its method and template; `literals` the path's own values where the rule named one. */
export interface Target {
  method: string
  template: string
  family: Family
  operationId: string | null
  /** Per segment: the value a request's path must have there, or null (any). */
  literals: (string | null)[]
}

export interface FaultInput {
  match?: FaultMatch
  effect?: RequestEffect
  job?: { type: string; fail?: { errorMessage?: string }; transientFailures?: number }
  rows?: { type: string; rowNumbers?: number[]; fraction?: number; seed?: number; code?: number; message?: string }
  times?: number
  probability?: number
  seed?: number
  description?: string
}

/** The rule as stored (fault_rules.rule): the input, completed, plus what matching needs. */
export interface StoredRule extends Omit<FaultInput, 'job' | 'rows'> {
  job?: JobEffect
  rows?: RowsEffect
  targets?: Target[]
}

export type RuleKind = 'request' | 'job' | 'rows'

const DEFAULT_ROW_MESSAGE = 'The row was refused (a fault forced through the sandbox control plane)'
const DEFAULT_JOB_MESSAGE = 'The job failed (a fault forced through the sandbox control plane)'

/** Checks a POST .../faults body against the operations of this server; the rule to store, or a 400. */
export function parseFaultRule(input: FaultInput, operations: Operations): { kind: RuleKind; rule: StoredRule } {
  const kinds = (['match', 'job', 'rows'] as const).filter((key) => input[key] !== undefined)
  if (kinds.length === 0) throw missing('A fault rule needs one of match (with effect), job or rows')
  if (kinds.length > 1) throw invalid(`A fault rule has one of match, job or rows, not ${kinds.join(' and ')}`)
  if (input.seed !== undefined && input.probability === undefined) throw invalid('seed goes with probability: it seeds its draws')
  const common = {
    ...(input.times !== undefined ? { times: input.times } : {}),
    ...(input.probability !== undefined ? { probability: input.probability, seed: input.seed ?? 0 } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
  }
  if (input.match) {
    if (!input.effect) throw missing('effect is required with match: what the matching calls get')
    const targets = resolveMatch(input.match, operations)
    const effect = checkEffect(input.effect, targets)
    return { kind: 'request', rule: { match: input.match, effect, ...common, targets } }
  }
  if (input.effect) throw invalid('effect goes with match: job and rows rules say their own effect')
  if (input.job) {
    const { type, fail, transientFailures } = input.job
    const jobType = JOB_TYPES.find((known) => known.type === type)
    if (!jobType) throw invalid(`job.type: '${type}' is not a job type; it can be: ${JOB_TYPES.map((known) => known.type).join(', ')}`)
    if ((fail === undefined) === (transientFailures === undefined)) throw invalid('job takes one of fail ({"errorMessage": ...}) or transientFailures (a count)')
    const job: JobEffect = fail
      ? { type, kinds: [...jobType.kinds], fail: { errorMessage: fail.errorMessage ?? DEFAULT_JOB_MESSAGE } }
      : { type, kinds: [...jobType.kinds], transientFailures }
    return { kind: 'job', rule: { job, ...common } }
  }
  const rows = input.rows!
  const jobType = JOB_TYPES.find((known) => known.type === rows.type)
  if (!jobType || !(ROW_JOB_TYPES as readonly string[]).includes(rows.type)) {
    throw invalid(`rows.type: '${rows.type}' has no file rows to refuse; it can be: ${ROW_JOB_TYPES.join(', ')}`)
  }
  if ((rows.rowNumbers === undefined) === (rows.fraction === undefined)) throw invalid('rows takes one of rowNumbers (a list) or fraction (with seed)')
  if (rows.seed !== undefined && rows.fraction === undefined) throw invalid('rows.seed goes with rows.fraction: it picks the rows')
  if (rows.code !== undefined && rows.type !== 'customObjectBulk') {
    throw invalid('rows.code: a Data Backfill result file shows a refused row\'s message only; leave the code out')
  }
  if (rows.code !== undefined && !/^71\d{6}$/.test(String(rows.code))) throw invalid(`rows.code: ${rows.code} is not a Custom Objects code (8 digits, 71xxxxxx)`)
  const effect: RowsEffect = {
    type: rows.type,
    kinds: [...jobType.kinds],
    ...(rows.rowNumbers ? { rowNumbers: [...new Set(rows.rowNumbers)].sort((a, b) => a - b) } : { fraction: rows.fraction, seed: rows.seed ?? 0 }),
    code: rows.type === 'customObjectBulk' ? (rows.code ?? code(Resource.record, CoCategory.invalid)) : null,
    message: rows.message ?? DEFAULT_ROW_MESSAGE,
  }
  return { kind: 'rows', rule: { rows: effect, ...common } }
}

function resolveMatch(match: FaultMatch, operations: Operations): Target[] {
  const method = match.method?.toUpperCase()
  if (match.operationId !== undefined) {
    if (match.path !== undefined || match.method !== undefined) throw invalid('match takes an operationId, or a method and path, not both')
    const operation = operations.byOperationId(match.operationId)
    if (!operation) throw invalid(`match.operationId: '${match.operationId}' is not an operation of Data Query, Custom Objects, Data Backfill or /oauth/token`)
    return [{ method: operation.method, template: operation.template, family: operation.family, operationId: operation.operationId, literals: [] }]
  }
  if (match.path === undefined) throw missing('match needs a path (with a method, or any) or an operationId')
  if (!match.path.startsWith('/')) throw invalid(`match.path: '${match.path}' is not a path (it starts with /)`)
  if (method !== undefined && !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw invalid(`match.method: '${match.method}' is not an HTTP method of the API`)
  const found = operations.byPath(method, match.path)
  if (found.length === 0) {
    throw invalid(`match: ${method ?? 'no method'} ${match.path} is not an operation of Data Query, Custom Objects, Data Backfill or /oauth/token`)
  }
  const segments = match.path.split('?')[0].replace(/\/+$/, '').split('/')
  return found.map((operation) => ({
    method: operation.method,
    template: operation.template,
    family: operation.family,
    operationId: operation.operationId,
    literals: operation.template.split('/').map((segment, i) => (segment === '{}' && !/^\{[^}]*\}$/.test(segments[i]) ? decodeURIComponent(segments[i]) : null)),
  }))
}

function checkEffect(effect: RequestEffect, targets: Target[]): RequestEffect {
  const { status, drop, latencyMs } = effect
  if (status === undefined && drop === undefined && latencyMs === undefined) throw missing('effect needs a status, latencyMs or drop')
  if (drop !== undefined && status !== undefined) throw invalid('effect: drop closes the connection; it takes no status')
  if (status === undefined && (effect.code !== undefined || effect.message !== undefined || effect.retryAfter !== undefined)) {
    throw invalid('effect: code, message and retryAfter go with a status')
  }
  if (status !== undefined) {
    for (const target of targets) {
      const statuses = statusesOf(target.family)
      if (!statuses.includes(status)) {
        throw invalid(`effect.status: ${target.method} ${target.template.replaceAll('{}', '{...}')} never answers ${status}; a fault can answer ${statuses.join(', ')}`)
      }
    }
    if (effect.retryAfter !== undefined && status !== 429 && status !== 503) throw invalid('effect.retryAfter goes with status 429 or 503')
    if (effect.code !== undefined) checkCode(effect.code, targets)
  }
  if (latencyMs) {
    const given = Object.keys(latencyMs)
    if (given.length !== 1) throw invalid('effect.latencyMs takes one of fixed, uniform or logNormal')
    if ('uniform' in latencyMs && latencyMs.uniform.min > latencyMs.uniform.max) throw invalid('effect.latencyMs.uniform: min is above max')
  }
  return effect
}

function checkCode(value: number | string, targets: Target[]): void {
  for (const target of targets) {
    const text = String(value)
    const ok =
      target.family === 'oauth'
        ? /^[a-z_]{1,64}$/.test(text)
        : target.family === 'dataQuery'
          ? /^\d{1,9}$/.test(text)
          : target.family === 'customObjects'
            ? /^71\d{6}$/.test(text)
            : /^\d{8}$/.test(text)
    if (!ok) {
      const wanted = { oauth: 'an OAuth error such as invalid_request', dataQuery: 'a number', customObjects: 'a Custom Objects code (71xxxxxx)' }[target.family as string] ?? 'an 8-digit code'
      throw invalid(`effect.code: ${JSON.stringify(value)} is not a code ${target.method} ${target.template.replaceAll('{}', '{...}')} answers with; it takes ${wanted}`)
    }
  }
}

/** A rule as the admin plane shows it: what was given, completed, without the matching internals. */
export function ruleView(rule: StoredRule): Record<string, unknown> {
  const { targets: _targets, job, rows, ...rest } = rule
  const strip = <T extends { kinds?: string[] }>(value: T | undefined) => {
    if (!value) return undefined
    const { kinds: _kinds, ...shown } = value
    return shown
  }
  return { ...rest, ...(job ? { job: strip(job) } : {}), ...(rows ? { rows: strip(rows) } : {}) }
}
