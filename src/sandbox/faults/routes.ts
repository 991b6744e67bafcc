// The admin plane of faults and the request journal: POST/GET/DELETE
// /admin/tenants/{tenantId}/faults[/{ruleId}], GET/DELETE /admin/tenants/{tenantId}/requests.
// Every refusal is an admin error naming the field, raised before anything is written.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { notFound } from '../../platform/errors.ts'
import { requireTenant } from '../../platform/tenants.ts'
import type { Db } from '../../storage/db.ts'
import { parseInstant } from '../input.ts'
import { JOB_TYPES } from '../job-types.ts'
import { parseFaultRule, ROW_JOB_TYPES, ruleView, type FaultInput } from './input.ts'
import type { SandboxLayer } from './layer.ts'
import { deleteRules, getRule, insertRule, listRules, type RuleRow } from './store.ts'

const Latency = Type.Object(
  {
    fixed: Type.Optional(Type.Number({ minimum: 0, maximum: 120_000, description: 'Every matching call waits this long' })),
    uniform: Type.Optional(
      Type.Object({ min: Type.Number({ minimum: 0, maximum: 120_000 }), max: Type.Number({ minimum: 0, maximum: 120_000 }) }, { additionalProperties: false }),
    ),
    logNormal: Type.Optional(
      Type.Object(
        { median: Type.Number({ exclusiveMinimum: 0, maximum: 120_000 }), sigma: Type.Number({ minimum: 0, maximum: 5 }) },
        { additionalProperties: false, description: 'median * e^(sigma * N(0,1)), at most 120,000 ms' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Milliseconds added before the call is served (drawn from the rule\'s seed)' },
)
const Effect = Type.Object(
  {
    status: Type.Optional(Type.Integer({ description: 'An error in the family\'s envelope: 400, 401, 403, 404, 429, 500, 502, 503, 504 (the token route: not 404)' })),
    code: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 64 })], { description: "The family's code instead of its default for the status" })),
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    retryAfter: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'Retry-After seconds (429, 503; default 1 for 429)' })),
    latencyMs: Type.Optional(Latency),
    drop: Type.Optional(Type.Union([Type.Literal('reset'), Type.Literal('empty')], { description: 'reset: the connection is reset; empty: closed with no answer' })),
  },
  { additionalProperties: false },
)
const Match = Type.Object(
  {
    method: Type.Optional(Type.String({ minLength: 1, maxLength: 10 })),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'A path template (/query/jobs/{job-id}) or a path (/query/jobs/5948abde-...)' })),
    operationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Zuora's operationId (GET_DataQueryJob; createToken for /oauth/token)" })),
  },
  { additionalProperties: false },
)
const JobRule = Type.Object(
  {
    type: Type.String({ description: `A job type: ${JOB_TYPES.map((type) => type.type).join(', ')}` }),
    fail: Type.Optional(Type.Object({ errorMessage: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })) }, { additionalProperties: false })),
    transientFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Attempts that fail transiently before the job runs' })),
  },
  { additionalProperties: false },
)
const RowsRule = Type.Object(
  {
    type: Type.String({ description: ROW_JOB_TYPES.join(' or ') }),
    rowNumbers: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 100_000, description: 'The row numbers the job reports' })),
    fraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'A share of the rows, picked by seed' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
    code: Type.Optional(Type.Integer({ description: 'customObjectBulk: the code shown in /errors (default 71100020)' })),
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false },
)
const FaultBody = Type.Object(
  {
    match: Type.Optional(Match),
    effect: Type.Optional(Effect),
    job: Type.Optional(JobRule),
    rows: Type.Optional(RowsRule),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Fire on the next N matching calls (or jobs), then never; default: every time' })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Fire on a matching call with this probability, drawn from seed' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Seeds probability and latency draws (default 0)' })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
)
const FaultView = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String(),
    kind: Type.String({ description: 'request, job or rows' }),
    matched: Type.Integer({ description: 'Calls (or jobs) that matched, fired or not' }),
    fired: Type.Integer(),
    remaining: Type.Union([Type.Integer(), Type.Null()], { description: 'Firings left (times), null: no limit' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: true },
)
const JournalEntry = Type.Object({
  time: Type.String({ format: 'date-time' }),
  method: Type.String(),
  path: Type.String({ description: 'The path and query string, secret-looking parameters replaced' }),
  operationId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no answer (the connection was dropped)' }),
  durationMs: Type.Number(),
  requestId: Type.String({ description: 'Zuora-Request-Id' }),
  trackId: Type.Union([Type.String(), Type.Null()], { description: 'Zuora-Track-Id' }),
  requestBytes: Type.Union([Type.Integer(), Type.Null()]),
  responseBytes: Type.Union([Type.Integer(), Type.Null()]),
  fault: Type.Union([Type.Object({ ruleId: Type.String(), effect: Type.String() }), Type.Null()]),
})
const TenantParams = Type.Object({ tenantId: Type.String() })
const RuleParams = Type.Object({ tenantId: Type.String(), ruleId: Type.String() })
const JournalQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Most entries (default and most: the journal size, 1,000)' })),
    since: Type.Optional(Type.String({ description: 'Only requests at or after this time (ISO-8601 with a zone)' })),
  },
  { additionalProperties: false },
)

const view = (row: RuleRow) => ({
  id: row.id,
  tenantId: row.tenantId,
  kind: row.kind,
  ...ruleView(row.rule),
  matched: row.matched,
  fired: row.fired,
  remaining: row.times === null ? null : Math.max(0, row.times - row.fired),
  createdAt: row.createdAt.toISOString(),
})

export function faultRoutes(deps: { db: Db }, layer: SandboxLayer) {
  return async (app: FastifyInstance) => {
    const { db } = deps
    const config = { auth: 'admin', family: 'admin' } as const
    const tags = ['sandbox']
    const security = [{ adminToken: [] }]

    app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof FaultBody> }>(
      '/admin/tenants/:tenantId/faults',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Add a fault rule to a tenant: an HTTP effect on matching calls, a job failure, or refused rows',
          description:
            'One of: `match` + `effect` (status in the family\'s envelope, 429 with Retry-After, latencyMs, drop); `job` (`fail` or `transientFailures`); ' +
            '`rows` (`rowNumbers` or `fraction` + `seed`, `code`, `message`). `times`: the next N matches; `probability` + `seed`: drawn, the same on every run.',
          params: TenantParams,
          body: FaultBody,
          response: { 201: FaultView },
        },
      },
      async (request, reply) => {
        const tenant = await requireTenant(db, request.params.tenantId)
        const { kind, rule } = parseFaultRule(request.body as FaultInput, layer.operations)
        const row = await insertRule(db, tenant.id, randomUUID(), kind, rule)
        if (kind === 'request') await layer.rules.refresh(true)
        return reply.code(201).send(view(row))
      },
    )

    app.get<{ Params: Static<typeof TenantParams> }>(
      '/admin/tenants/:tenantId/faults',
      {
        config,
        schema: {
          tags,
          security,
          summary: "List a tenant's fault rules, in the order they are tried, with how often each matched and fired",
          params: TenantParams,
          response: { 200: Type.Object({ faults: Type.Array(FaultView) }) },
        },
      },
      async (request) => {
        const tenant = await requireTenant(db, request.params.tenantId)
        return { faults: (await listRules(db, tenant.id)).map(view) }
      },
    )

    app.get<{ Params: Static<typeof RuleParams> }>(
      '/admin/tenants/:tenantId/faults/:ruleId',
      { config, schema: { tags, security, summary: 'Read one fault rule', params: RuleParams, response: { 200: FaultView } } },
      async (request) => {
        const tenant = await requireTenant(db, request.params.tenantId)
        const row = await getRule(db, tenant.id, request.params.ruleId)
        if (!row) throw notFound(`Fault rule ${request.params.ruleId} does not exist in tenant ${tenant.id}`)
        return view(row)
      },
    )

    app.delete<{ Params: Static<typeof RuleParams> }>(
      '/admin/tenants/:tenantId/faults/:ruleId',
      {
        config,
        schema: { tags, security, summary: 'Remove one fault rule', params: RuleParams, response: { 200: Type.Object({ id: Type.String(), deleted: Type.Boolean() }) } },
      },
      async (request) => {
        const tenant = await requireTenant(db, request.params.tenantId)
        if ((await deleteRules(db, tenant.id, request.params.ruleId)) === 0) {
          throw notFound(`Fault rule ${request.params.ruleId} does not exist in tenant ${tenant.id}`)
        }
        await layer.rules.refresh(true)
        return { id: request.params.ruleId, deleted: true }
      },
    )

    app.delete<{ Params: Static<typeof TenantParams> }>(
      '/admin/tenants/:tenantId/faults',
      {
        config,
        schema: { tags, security, summary: "Remove every fault rule of a tenant", params: TenantParams, response: { 200: Type.Object({ deleted: Type.Integer() }) } },
      },
      async (request) => {
        const tenant = await requireTenant(db, request.params.tenantId)
        const deleted = await deleteRules(db, tenant.id)
        await layer.rules.refresh(true)
        return { deleted }
      },
    )

    app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof JournalQuery> }>(
      '/admin/tenants/:tenantId/requests',
      {
        config,
        schema: {
          tags,
          security,
          summary: "A tenant's recent requests, newest first (no bodies, secrets or tokens), with the fault rule that fired on each",
          params: TenantParams,
          querystring: JournalQuery,
          response: { 200: Type.Object({ requests: Type.Array(JournalEntry), size: Type.Integer({ description: 'Requests the journal keeps per tenant' }) }) },
        },
      },
      async (request) => {
        const since = request.query.since === undefined ? undefined : new Date(parseInstant(request.query.since, 'since'))
        const tenant = await requireTenant(db, request.params.tenantId)
        const entries = await layer.journal.list(tenant.id, request.query.limit ?? layer.journal.size, since)
        return {
          requests: entries.map(({ tenantId: _tenantId, at, ...entry }) => ({ time: at.toISOString(), ...entry })),
          size: layer.journal.size,
        }
      },
    )

    app.delete<{ Params: Static<typeof TenantParams> }>(
      '/admin/tenants/:tenantId/requests',
      {
        config,
        schema: { tags, security, summary: "Clear a tenant's request journal", params: TenantParams, response: { 200: Type.Object({ deleted: Type.Integer() }) } },
      },
      async (request) => {
        const tenant = await requireTenant(db, request.params.tenantId)
        return { deleted: await layer.journal.clear(tenant.id) }
      },
    )
  }
}
