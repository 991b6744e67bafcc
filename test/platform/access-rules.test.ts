// Who may do what, where, on its own (no server, no database): the functions that enforce
// the families' permissions, the tenant, entity and owner of a job a caller may reach, the
// entity and orgs a request's headers choose, and the statuses Data Query shows. Each check is
// what a client is told (status, code, message) for a caller and a job. The job rows come from
// an in-memory stand-in of the jobs table that answers the few statements these functions
// make; the database's own behaviour is tested end to end elsewhere (test/reliability/isolation.test.ts,
// test/platform/scope.test.ts). This file is the test list of `npm run mutate -- --scope permissions`.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import Fastify from 'fastify'
import { backfillCaller, checkJobId, checkStopBody, displayName, findJob, LIST_LIMIT, ok, processId, stopJob } from '../../src/backfill/common.ts'
import { loadConfig } from '../../src/config.ts'
import { errorBody, sendError, type Family } from '../../src/http/errors.ts'
import { auth, resolveScope } from '../../src/http/plugins/auth.ts'
import type { Job, JobState, StopFlag } from '../../src/jobs/types.ts'
import { allowed, requireAccess, requireRecordAccess, scopeOf, type Access } from '../../src/objects/permissions.ts'
import { Resource } from '../../src/objects/errors.ts'
import type { Caller } from '../../src/platform/caller.ts'
import { REAL_CLOCK, TenantClock } from '../../src/platform/clock.ts'
import { ApiError, conflict } from '../../src/platform/errors.ts'
import type { Principal } from '../../src/platform/oauth.ts'
import type { Permission, Tenant, User } from '../../src/platform/tenants.ts'
import {
  cancelQuery,
  DATA_QUERY_LIFECYCLE,
  findQuery,
  listQueries,
  readQuery,
  requireDataQueryPermission,
  shownQuery,
  SOURCE_DATA,
  submitQuery,
  toDataQueryJob,
  type DataQueryJob,
  type QueryStatus,
  type SubmitRequest,
} from '../../src/query/service.ts'
import type { Db } from '../../src/storage/db.ts'
import { aJob } from '../helpers/jobs.ts'

const TENANT = '10000'
const OTHER_TENANT = '10001'
const ENTITY_A = '0a000000-0000-4000-8000-00000000000a'
const ENTITY_B = '0b000000-0000-4000-8000-00000000000b'
const ORG_1 = 'a1000000-0000-4000-8000-00000000000a'
const ORG_2 = 'b2000000-0000-4000-8000-00000000000b'
const ORG_3 = 'c3000000-0000-4000-8000-00000000000c'
const ALICE = 'a'.repeat(32)
const BOB = 'b'.repeat(32)

function tenant(extra: Partial<Tenant> = {}): Tenant {
  return { id: TENANT, name: 't', timeZone: 'UTC', defaultZuoraVersion: '2023-01-01', isDefault: true, entities: [], orgs: [], createdAt: '', ...extra }
}
function user(extra: Partial<User> = {}): User {
  return { id: ALICE, tenantId: TENANT, username: 'alice', email: null, admin: false, permissions: [], entityIds: null, orgIds: null, ...extra }
}
function principal(u: Partial<User> = {}, t: Partial<Tenant> = {}, entityIds: string[] = []): Principal {
  return { tenant: tenant(t), user: user(u), entityIds, clientId: 'c', jti: 'j', expiresAt: 0 }
}
function caller(u: Partial<User> = {}, entityId: string | null = null): Caller {
  return { principal: principal(u), scope: { entityId, orgIds: null }, clock: REAL_CLOCK }
}
const withPermissions = (...permissions: Permission[]) => caller({ permissions })
const admin = caller({ admin: true })

/** What a client of `family` is told for `error`: status and body. */
function told(family: Family, error: unknown) {
  assert.ok(error instanceof ApiError, `an ApiError, not ${String(error)}`)
  return { status: error.status, body: errorBody(family, error, 'req') as Record<string, unknown> }
}
function refusal(family: Family, work: () => unknown) {
  try {
    work()
  } catch (error) {
    return told(family, error)
  }
  assert.fail('not refused')
}
async function refusalOf(family: Family, work: Promise<unknown>) {
  try {
    await work
  } catch (error) {
    return told(family, error)
  }
  assert.fail('not refused')
}
const v1Code = (answer: { body: Record<string, unknown> }) => (answer.body.reasons as { code: string }[])[0].code

// ---------------------------------------------------------------------------------------------
// An in-memory jobs table answering the statements of the functions under test.

function job(extra: Partial<Job> & { id: string }): Job {
  return aJob({
    tenantId: TENANT,
    kind: 'data_query.live',
    createdBy: ALICE,
    params: { query: 'SELECT 1', sourceData: 'LIVE', useIndexJoin: false },
    maxAttempts: 4,
    ...extra,
  })
}

const row = (j: Job) => ({
  tenant_id: j.tenantId,
  id: j.id,
  kind: j.kind,
  state: j.state,
  stop_requested: j.stopRequested,
  created_by: j.createdBy,
  entity_id: j.entityId,
  org_ids: j.orgIds,
  params: j.params,
  progress: j.progress,
  result: j.result,
  error: j.error,
  error_code: j.errorCode,
  attempts: j.attempts,
  max_attempts: j.maxAttempts,
  created_at: j.createdAt,
  started_at: j.startedAt,
  updated_at: j.updatedAt,
  finished_at: j.finishedAt,
  lease_token: null,
  policy: null,
})

class Jobs {
  readonly rows = new Map<string, Job>()
  /** Advisory locks taken, as [family, key]. */
  readonly locks: unknown[][] = []
  transactions = 0
  queries = 0

  constructor(...jobs: Job[]) {
    for (const j of jobs) this.rows.set(`${j.tenantId}/${j.id}`, j)
  }

  get db(): Db {
    return this as unknown as Db
  }

  async transaction<T>(work: (tx: Jobs) => Promise<T>): Promise<T> {
    this.transactions++
    return work(this)
  }

  async query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }> {
    this.queries++
    const text = sql.replace(/\s+/g, ' ').trim()
    const at = (tenantId: unknown, id: unknown) => this.rows.get(`${tenantId}/${id}`)
    if (text.startsWith('SELECT pg_advisory_xact_lock')) {
      this.locks.push(params)
      return { rows: [] }
    }
    if (text.startsWith('SELECT count(*)::int AS n FROM jobs')) {
      const [tenantId, kinds, states] = params as [string, string[], string[]]
      const n = [...this.rows.values()].filter((j) => j.tenantId === tenantId && kinds.includes(j.kind) && states.includes(j.state)).length
      return { rows: [{ n }] }
    }
    if (/^SELECT .* FROM jobs WHERE tenant_id = \$1 AND id = \$2( FOR UPDATE)?$/.test(text)) {
      const found = at(params[0], params[1])
      return { rows: found ? [row(found)] : [] }
    }
    if (text.startsWith('UPDATE jobs SET state = $3')) {
      const found = at(params[0], params[1])!
      Object.assign(found, { state: params[2] as JobState, finishedAt: new Date() })
      return { rows: [row(found)] }
    }
    if (text.startsWith('UPDATE jobs SET stop_requested = $3')) {
      const found = at(params[0], params[1])!
      found.stopRequested = params[2] as StopFlag
      return { rows: [row(found)] }
    }
    if (text.startsWith('INSERT INTO jobs')) {
      const [tenantId, id, kind, state, createdBy, entityId, orgIds, params_, progress, maxAttempts] = params as string[]
      const inserted = job({
        tenantId,
        id,
        kind,
        state: state as JobState,
        createdBy,
        entityId,
        orgIds: orgIds as unknown as string[] | null,
        params: JSON.parse(params_),
        progress: JSON.parse(progress),
        maxAttempts: Number(maxAttempts),
      })
      this.rows.set(`${tenantId}/${id}`, inserted)
      return { rows: [row(inserted)] }
    }
    throw new Error(`the stand-in does not answer: ${text}`)
  }
}

// ---------------------------------------------------------------------------------------------

describe('Custom Objects permissions', () => {
  const cases: [Access, Permission, string, string][] = [
    ['view', 'viewCustomObjects', '12', 'view'],
    ['create', 'editCustomObjects', '15', 'create'],
    ['update', 'editCustomObjects', '13', 'update'],
    ['delete', 'deleteCustomObjects', '14', 'delete'],
  ]
  for (const [access, permission, category, word] of cases) {
    test(`${access} needs ${permission}: definitions and jobs answer 403, records 401 with code ${Resource.record}${category}`, () => {
      assert.equal(allowed(withPermissions(permission), access), true)
      assert.equal(allowed(admin, access), true, 'an admin has every permission')
      const others = (['viewCustomObjects', 'editCustomObjects', 'deleteCustomObjects', 'dataQuery', 'dataBackfill'] as Permission[]).filter((p) => p !== permission)
      const without = withPermissions(...others)
      assert.equal(allowed(without, access), false)
      requireAccess(withPermissions(permission), access)
      requireRecordAccess(admin, access)

      assert.deepEqual(
        refusal('customObjects', () => requireAccess(without, access)),
        { status: 403, body: { code: Number(`${Resource.record}${category}`), message: `User does not have permission to ${word} custom objects.` } },
      )
      assert.deepEqual(
        refusal('customObjects', () => requireAccess(without, access, Resource.job)),
        { status: 403, body: { code: Number(`${Resource.job}${category}`), message: `User does not have permission to ${word} custom objects.` } },
      )
      const code = Number(`${Resource.record}${category}`)
      assert.deepEqual(refusal('customObjects', () => requireRecordAccess(without, access)), {
        status: 401,
        body: { code, message: 'Unauthorized to process object record.', details: [{ code, message: 'Unauthorized Action' }] },
      })
    })
  }

  test('definitions are kept per tenant and entity', () => {
    assert.deepEqual(scopeOf(caller({}, ENTITY_A)), { tenantId: TENANT, entityId: ENTITY_A })
    assert.deepEqual(scopeOf(caller()), { tenantId: TENANT, entityId: null })
  })
})

describe('Data Backfill: the caller and its jobs', () => {
  test('needs the dataBackfill permission (403, 50000010), an admin has it', () => {
    const allowedCaller = withPermissions('dataBackfill')
    assert.equal(backfillCaller(allowedCaller), allowedCaller)
    assert.equal(backfillCaller(admin), admin)
    const answer = refusal('v1', () => backfillCaller(withPermissions('dataQuery', 'viewCustomObjects', 'editCustomObjects')))
    assert.equal(answer.status, 403)
    assert.equal(v1Code(answer), '50000010')
    assert.match(JSON.stringify(answer.body), /You do not have the permission to use Data Backfill/)
  })

  test('a job id is 32 hexadecimal characters, read in lower case; anything else is a clear 400', () => {
    assert.equal(checkJobId('ABCDEF0123456789ABCDEF0123456789'), 'abcdef0123456789abcdef0123456789')
    const short = refusal('v1', () => checkJobId('abc'))
    assert.equal(short.status, 400)
    assert.equal(v1Code(short), '50000020')
    assert.match(JSON.stringify(short.body), /Invalid jobId 'abc': a job id is exactly 32 characters, not 3/)
    const long = 'x'.repeat(50)
    assert.match(JSON.stringify(refusal('v1', () => checkJobId(long)).body), new RegExp(`Invalid jobId '${'x'.repeat(37)}\\.\\.\\.': a job id is exactly 32 characters, not 50`))
    assert.match(JSON.stringify(refusal('v1', () => checkJobId('x'.repeat(40))).body), new RegExp(`Invalid jobId '${'x'.repeat(40)}': a job id is exactly 32 characters, not 40`))
    const notHex = refusal('v1', () => checkJobId('g'.repeat(32)))
    assert.equal(notHex.status, 400)
    assert.match(JSON.stringify(notHex.body), /Invalid jobId 'g{32}': a job id is 32 hexadecimal characters/)
    // Each end of the pattern counts: a non-hexadecimal first or last character.
    assert.equal(refusal('v1', () => checkJobId(`z${'a'.repeat(31)}`)).status, 400)
    assert.equal(refusal('v1', () => checkJobId(`${'a'.repeat(31)}z`)).status, 400)
  })

  const FILE = 'data_backfill.file'
  const id = 'c'.repeat(32)

  test('a job is found in the caller\'s tenant, of the operation\'s kind, in the caller\'s entity; else 404 50000040', async () => {
    const jobs = new Jobs(
      job({ id, kind: FILE, entityId: ENTITY_A }),
      job({ tenantId: OTHER_TENANT, id: 'd'.repeat(32), kind: FILE }),
    )
    const found = await findJob(jobs.db, withPermissions('dataBackfill'), FILE, id.toUpperCase(), 'file job')
    assert.equal(found.id, id)
    assert.equal((await findJob(jobs.db, caller({}, ENTITY_A), FILE, id, 'file job')).id, id)
    const missing = await refusalOf('v1', findJob(jobs.db, caller(), FILE, 'd'.repeat(32), 'file job'))
    assert.deepEqual([missing.status, v1Code(missing)], [404, '50000040'])
    assert.match(JSON.stringify(missing.body), new RegExp(`No file job with id ${'d'.repeat(32)} exists`))
    const otherKind = await refusalOf('v1', findJob(jobs.db, caller(), 'data_backfill.propagation', id, 'auto backfill job'))
    assert.equal(otherKind.status, 404)
    const otherEntity = await refusalOf('v1', findJob(jobs.db, caller({}, ENTITY_B), FILE, id, 'file job'))
    assert.equal(otherEntity.status, 404)
    assert.equal((await refusalOf('v1', findJob(jobs.db, caller(), FILE, 'short', 'file job'))).status, 400)
  })

  test('a stop ends a job not started, asks a running one, refuses an ended or stopping one (409 50000030)', async () => {
    const jobs = new Jobs(
      job({ id: '1'.repeat(32), kind: FILE, state: 'pending' }),
      job({ id: '2'.repeat(32), kind: FILE, state: 'running' }),
      job({ id: '3'.repeat(32), kind: FILE, state: 'completed' }),
      job({ id: '4'.repeat(32), kind: FILE, state: 'running', stopRequested: 'stop' }),
      job({ id: '5'.repeat(32), kind: FILE, state: 'queued' }),
    )
    const get = (n: string) => jobs.rows.get(`${TENANT}/${n.repeat(32)}`)!
    await stopJob(jobs.db, { ...get('1') }, 'file job')
    assert.equal(get('1').state, 'stopped')
    await stopJob(jobs.db, { ...get('5') }, 'file job')
    assert.equal(get('5').state, 'stopped')
    await stopJob(jobs.db, { ...get('2') }, 'file job')
    assert.deepEqual([get('2').state, get('2').stopRequested], ['running', 'stop'])
    const ended = await refusalOf('v1', stopJob(jobs.db, { ...get('3') }, 'file job'))
    assert.deepEqual([ended.status, v1Code(ended)], [409, '50000030'])
    assert.match(JSON.stringify(ended.body), new RegExp(`The file job ${'3'.repeat(32)} cannot be stopped: it is completed`))
    const stopping = await refusalOf('v1', stopJob(jobs.db, { ...get('4') }, 'file job'))
    assert.match(JSON.stringify(stopping.body), /cannot be stopped: it is already stopping/)
    assert.equal(jobs.transactions, 3, 'refused before any write')
  })

  test('a stop that loses a race says what the job is now', async () => {
    const running = job({ id: '6'.repeat(32), kind: FILE, state: 'running' })
    const jobs = new Jobs({ ...running, state: 'completed' })
    const ended = await refusalOf('v1', stopJob(jobs.db, running, 'file job'))
    assert.match(JSON.stringify(ended.body), /cannot be stopped: it is completed/)
    const asked = new Jobs({ ...running, stopRequested: 'stop' })
    assert.match(JSON.stringify((await refusalOf('v1', stopJob(asked.db, running, 'file job'))).body), /it is already stopping/)
    const gone = Object.assign(new Jobs(), {
      transaction: async () => {
        throw conflict('gone')
      },
    })
    assert.match(JSON.stringify((await refusalOf('v1', stopJob(gone.db, running, 'file job'))).body), /it is gone/)
    const broken = Object.assign(new Jobs(), {
      transaction: async () => {
        throw new ApiError(503, '61', 'database unavailable')
      },
    })
    assert.equal((await refusalOf('v1', stopJob(broken.db, running, 'file job'))).status, 503, 'any other failure is not a 409')
    const thrown = Object.assign(new Jobs(), {
      transaction: async () => {
        throw new Error('connection lost')
      },
    })
    await assert.rejects(stopJob(thrown.db, running, 'file job'), /connection lost/)
  })

  test('the envelope, names and stop body', () => {
    assert.match(processId(), /^[0-9A-F]{16}$/)
    const answer = ok({ id: 'r1' } as never, { jobId: 'x' })
    assert.deepEqual({ ...answer, processId: 'P' }, { success: true, processId: 'P', requestId: 'r1', jobId: 'x' })
    assert.deepEqual(Object.keys(ok({ id: 'r1' } as never)).sort(), ['processId', 'requestId', 'success'])
    assert.equal(displayName(principal({ email: 'a@example.com' })), 'a@example.com')
    assert.equal(displayName(principal()), 'alice')
    checkStopBody({ status: 'Stopping' })
    const refused = refusal('v1', () => checkStopBody({ status: 'Stopped' }))
    assert.equal(refused.status, 400)
    assert.match(JSON.stringify(refused.body), /Invalid status 'Stopped': the only value accepted is Stopping/)
    assert.equal(LIST_LIMIT, 1000)
  })
})

describe('Data Query: the caller, its jobs and their statuses', () => {
  const Q1 = '11111111-1111-4111-8111-111111111111'
  const Q2 = '22222222-2222-4222-8222-222222222222'
  const Q3 = '33333333-3333-4333-8333-333333333333'

  test('needs the dataQuery permission (403, code 403), an admin has it', () => {
    requireDataQueryPermission(withPermissions('dataQuery'))
    requireDataQueryPermission(admin)
    assert.deepEqual(refusal('dataQuery', () => requireDataQueryPermission(withPermissions('dataBackfill', 'viewCustomObjects'))), {
      status: 403,
      body: { code: 403, message: 'You do not have the permission to use Data Query' },
    })
  })

  test("a job is the caller's tenant's, entity's and (unless admin) the caller's own: 1001 not found, 1009 restricted", async () => {
    const jobs = new Jobs(
      job({ id: Q1, createdBy: ALICE, entityId: ENTITY_A }),
      job({ id: Q2, createdBy: BOB }),
      job({ id: Q3, kind: 'data_backfill.file' }),
      job({ tenantId: OTHER_TENANT, id: '44444444-4444-4444-8444-444444444444' }),
    )
    assert.equal((await findQuery(jobs.db, caller({}, ENTITY_A), Q1.toUpperCase())).id, Q1)
    assert.equal((await findQuery(jobs.db, caller({ admin: true, id: BOB }), Q1)).id, Q1, 'an admin reads any job of the tenant')
    const noSuch = (id: string) => ({ status: 404, body: { code: 1001, message: `No such query: ${id}` } })
    const before = jobs.queries
    assert.deepEqual(await refusalOf('dataQuery', findQuery(jobs.db, caller(), 'not-a-uuid')), noSuch('not-a-uuid'))
    assert.equal(jobs.queries, before, 'an id that is no UUID is not looked up')
    assert.deepEqual(await refusalOf('dataQuery', findQuery(jobs.db, caller(), Q3)), noSuch(Q3), 'another family\'s job')
    const elsewhere = '44444444-4444-4444-8444-444444444444'
    assert.deepEqual(await refusalOf('dataQuery', findQuery(jobs.db, admin, elsewhere)), noSuch(elsewhere), 'another tenant\'s job')
    assert.deepEqual(await refusalOf('dataQuery', findQuery(jobs.db, caller({}, ENTITY_B), Q1)), noSuch(Q1), 'another entity\'s job')
    assert.deepEqual(await refusalOf('dataQuery', findQuery(jobs.db, caller({ admin: true }, ENTITY_B), Q1)), noSuch(Q1), 'even for an admin')
    assert.deepEqual(await refusalOf('dataQuery', findQuery(jobs.db, caller(), Q2)), {
      status: 403,
      body: { code: 1009, message: `Access denied for restricted job ${Q2}` },
    })
  })

  test('the status a client sees of each state; a retrying query stays in_progress; a cancel asked shows cancelled', () => {
    const expected: [JobState, number, StopFlag | null, QueryStatus][] = [
      ['pending', 0, null, 'accepted'],
      ['queued', 0, null, 'accepted'],
      ['queued', 1, null, 'in_progress'],
      ['running', 1, null, 'in_progress'],
      ['running', 1, 'cancel', 'cancelled'],
      ['running', 1, 'stop', 'in_progress'],
      ['completed', 1, null, 'completed'],
      ['failed', 1, null, 'failed'],
      ['cancelled', 0, null, 'cancelled'],
      ['stopped', 1, null, 'cancelled'],
    ]
    for (const [state, attempts, stopRequested, status] of expected) {
      assert.equal(DATA_QUERY_LIFECYCLE.statusOf(job({ id: Q1, state, attempts, stopRequested })), status, `${state} after ${attempts} attempts, ${stopRequested}`)
    }
    assert.deepEqual(DATA_QUERY_LIFECYCLE.stages(job({ id: Q1 })), ['queued', 'running'])
    assert.equal(DATA_QUERY_LIFECYCLE.type, 'dataQuery')
    assert.deepEqual([...DATA_QUERY_LIFECYCLE.kinds], ['data_query.live', 'data_query.warehouse'])
    assert.deepEqual(SOURCE_DATA, ['LIVE', 'WAREHOUSE'])
  })

  test('a list reads the caller\'s own jobs (an admin\'s: all) of its entity, in the states of the status asked', async () => {
    const calls: { tenantId: string; options: Record<string, unknown>; filter?: (job: Job) => boolean }[] = []
    const views = {
      list: async (tenantId: string, options: Record<string, unknown>, lifecycle: unknown, filter?: (job: Job) => boolean) => {
        assert.equal(lifecycle, DATA_QUERY_LIFECYCLE)
        calls.push({ tenantId, options, filter })
        return []
      },
    } as never
    await listQueries(views, caller({}, ENTITY_A), { pageSize: 7 })
    await listQueries(views, admin, { pageSize: 20, queryStatus: 'accepted' })
    assert.deepEqual(calls[0].tenantId, TENANT)
    assert.deepEqual(calls[0].options, { kinds: ['data_query.live', 'data_query.warehouse'], states: undefined, createdBy: ALICE, entityId: ENTITY_A, limit: 7 })
    assert.equal(calls[0].filter, undefined)
    assert.deepEqual(calls[1].options, { kinds: ['data_query.live', 'data_query.warehouse'], states: ['pending', 'queued'], createdBy: undefined, entityId: null, limit: 20 })
    const states: Record<QueryStatus, JobState[]> = {
      accepted: ['pending', 'queued'],
      in_progress: ['running', 'queued'],
      completed: ['completed'],
      failed: ['failed'],
      cancelled: ['cancelled', 'stopped'],
    }
    for (const [status, expected] of Object.entries(states) as [QueryStatus, JobState[]][]) {
      await listQueries(views, caller(), { pageSize: 1, queryStatus: status })
      const call = calls.at(-1)!
      assert.deepEqual(call.options.states, expected, status)
      // The filter keeps the jobs that show the status asked: a queued retry is in_progress, not accepted.
      for (const state of expected) {
        for (const attempts of [0, 1]) {
          const shown = job({ id: Q1, state, attempts })
          assert.equal(call.filter!(shown), DATA_QUERY_LIFECYCLE.statusOf(shown) === status, `${status}: ${state} after ${attempts}`)
        }
      }
    }
    assert.equal(calls.at(-5)!.filter!(job({ id: Q1, state: 'queued', attempts: 1 })), false, 'accepted: a retrying query is not')
    assert.equal(calls.at(-4)!.filter!(job({ id: Q1, state: 'queued', attempts: 1 })), true, 'in_progress: a retrying query is')
  })

  test('a read counts, a submit\'s or cancel\'s answer does not', async () => {
    const shown: unknown[] = []
    const views = {
      showOne: async (j: Job, lifecycle: unknown, options: { read: boolean }) => {
        shown.push([j.id, lifecycle === DATA_QUERY_LIFECYCLE, options.read])
        return j
      },
    } as never
    const jobs = new Jobs(job({ id: Q1 }))
    assert.equal((await readQuery(jobs.db, views, caller(), Q1)).id, Q1)
    await shownQuery(views, job({ id: Q2 }) as DataQueryJob)
    assert.deepEqual(shown, [[Q1, true, true], [Q2, true, false]])
    await assert.rejects(readQuery(jobs.db, views, caller({ id: BOB }), Q1), (error: ApiError) => error.status === 403)
  })

  test('a cancel of a query not ended: at once if not started, asked if running; else 400 code 1003', async () => {
    const jobs = new Jobs(
      job({ id: Q1, state: 'queued' }),
      job({ id: Q2, state: 'running', attempts: 1 }),
      job({ id: Q3, state: 'completed', attempts: 1 }),
      job({ id: '55555555-5555-4555-8555-555555555555', state: 'running', stopRequested: 'cancel' }),
      job({ id: '66666666-6666-4666-8666-666666666666', state: 'pending' }),
    )
    assert.equal((await cancelQuery(jobs.db, caller(), Q1)).state, 'cancelled')
    assert.equal((await cancelQuery(jobs.db, caller(), '66666666-6666-4666-8666-666666666666')).state, 'cancelled')
    const asked = await cancelQuery(jobs.db, caller(), Q2)
    assert.deepEqual([asked.state, asked.stopRequested], ['running', 'cancel'])
    const notCancellable = (id: string) => ({ status: 400, body: { code: 1003, message: `Query job ${id} is not in accepted or in_progress status` } })
    assert.deepEqual(await refusalOf('dataQuery', cancelQuery(jobs.db, caller(), Q3)), notCancellable(Q3))
    const transactions = jobs.transactions
    assert.deepEqual(await refusalOf('dataQuery', cancelQuery(jobs.db, caller(), '55555555-5555-4555-8555-555555555555')), notCancellable('55555555-5555-4555-8555-555555555555'))
    assert.equal(jobs.transactions, transactions, 'a cancel already asked is refused before any write')
    assert.equal((await refusalOf('dataQuery', cancelQuery(jobs.db, caller({ id: BOB }), Q2))).status, 403, "another user's query")
    // A failure other than the conflict is not a 1003.
    const broken = Object.assign(new Jobs(job({ id: Q1 })), {
      transaction: async () => {
        throw new ApiError(503, '61', 'database unavailable')
      },
    })
    assert.equal((await refusalOf('dataQuery', cancelQuery(broken.db, caller(), Q1))).status, 503)
  })

  const config = loadConfig({}, { dataQueryLiveQueued: 2, dataQueryWarehouseQueued: 1, dataQueryRetries: 3, dataQueryResultUrlTtlSeconds: 600 })
  const request: SubmitRequest = { query: 'SELECT 1', outputFormat: 'CSV', compression: 'NONE', sourceData: 'LIVE', useIndexJoin: false } as SubmitRequest

  test('a submission is refused with 429 when its source\'s queue of the tenant is full, counted under the tenant\'s lock', async () => {
    const jobs = new Jobs(
      job({ id: Q1, state: 'queued' }),
      job({ id: Q2, state: 'running' }),
      job({ id: Q3, state: 'queued', kind: 'data_query.warehouse' }),
      job({ tenantId: OTHER_TENANT, id: '77777777-7777-4777-8777-777777777777', state: 'queued' }),
    )
    const submitter = { ...caller({ email: 'alice@example.com', permissions: ['dataQuery'] }, ENTITY_A), scope: { entityId: ENTITY_A, orgIds: [ORG_1] } }
    const first = await submitQuery(jobs.db, config, submitter, request)
    assert.deepEqual(
      [first.tenantId, first.kind, first.state, first.createdBy, first.entityId, first.orgIds, first.maxAttempts],
      [TENANT, 'data_query.live', 'queued', ALICE, ENTITY_A, [ORG_1], 4],
    )
    assert.deepEqual(first.params, { ...request, createdByEmail: 'alice@example.com', admin: false, viewCustomObjects: false, timeZone: 'UTC' })
    assert.deepEqual(jobs.locks, [[7_310_004, Number(TENANT)]])
    const full = await refusalOf('dataQuery', submitQuery(jobs.db, config, submitter, request))
    assert.deepEqual(full, {
      status: 429,
      body: { code: 429, message: 'The queue of LIVE queries is full: 2 queries are waiting to run. Submit again when one of them has started, or cancel one.' },
    })
    const warehouse = { ...request, sourceData: 'WAREHOUSE' } as SubmitRequest
    assert.equal((await refusalOf('dataQuery', submitQuery(jobs.db, config, submitter, warehouse))).status, 429, 'the warehouse queue holds 1')
    const other = { ...caller({ admin: true }), principal: principal({ admin: true }, { id: OTHER_TENANT }) }
    const elsewhere = await submitQuery(jobs.db, config, other, request)
    assert.equal(elsewhere.tenantId, OTHER_TENANT, 'another tenant\'s queue')
    assert.deepEqual([elsewhere.params.admin, elsewhere.params.viewCustomObjects], [true, true])
    const viewer = await submitQuery(new Jobs().db, config, withPermissions('dataQuery', 'viewCustomObjects'), warehouse)
    assert.deepEqual([viewer.kind, viewer.params.viewCustomObjects, viewer.entityId, viewer.orgIds], ['data_query.warehouse', true, null, null])
  })

  test('what a client reads of a job: status, retries left, the result link once completed, the error once failed', () => {
    const files = { signedUrl: (file: { id: string; tenantId: string }, ttl: number, now: number) => `link:${file.tenantId}/${file.id}:${ttl}:${now}` } as never
    const base = { id: Q1, maxAttempts: 4, createdBy: ALICE, params: { ...request, createdByEmail: 'a@example.com' } as never }
    const completed = toDataQueryJob(
      job({ ...base, state: 'completed', attempts: 2, result: { fileId: 'f1', outputRows: 3, processingTime: 12 } }) as DataQueryJob,
      files,
      config,
      5000,
    )
    assert.deepEqual(completed, {
      id: Q1,
      query: 'SELECT 1',
      useIndexJoin: false,
      sourceData: 'LIVE',
      queryStatus: 'completed',
      remainingRetries: 2,
      retries: 3,
      updatedOn: '2026-01-01T00:00:00.000Z',
      createdOn: '2026-01-01T00:00:00.000Z',
      createdBy: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa',
      createdByUserEmail: 'a@example.com',
      dataFile: `link:${TENANT}/f1:600:5000`,
      outputRows: 3,
      processingTime: 12,
    })
    const retrying = toDataQueryJob(job({ ...base, state: 'queued', attempts: 2 }) as DataQueryJob, files, config, 0)
    assert.deepEqual([retrying.queryStatus, retrying.remainingRetries], ['in_progress', 1])
    const running = toDataQueryJob(job({ ...base, state: 'running', attempts: 1 }) as DataQueryJob, files, config, 0)
    assert.deepEqual([running.queryStatus, running.remainingRetries, 'dataFile' in running, 'errorMessage' in running], ['in_progress', 3, false, false])
    const fresh = toDataQueryJob(job({ ...base, state: 'queued', attempts: 0, createdBy: null, params: { ...request } as never }) as DataQueryJob, files, config, 0)
    assert.deepEqual([fresh.queryStatus, fresh.remainingRetries, fresh.createdBy, 'createdByUserEmail' in fresh], ['accepted', 3, undefined, false])
    const spent = toDataQueryJob(job({ ...base, state: 'failed', attempts: 9, error: 'boom' }) as DataQueryJob, files, config, 0)
    assert.deepEqual([spent.queryStatus, spent.remainingRetries, spent.errorMessage], ['failed', 0, 'boom'])
    const failed = toDataQueryJob(job({ ...base, state: 'failed', attempts: 1 }) as DataQueryJob, files, config, 0)
    assert.equal(failed.errorMessage, 'The query failed')
    const noResult = toDataQueryJob(job({ ...base, state: 'completed', attempts: 1 }) as DataQueryJob, files, config, 0)
    assert.equal('dataFile' in noResult, false)
    const cancelled = toDataQueryJob(job({ ...base, state: 'running', attempts: 1, stopRequested: 'cancel', result: { fileId: 'f' } as never }) as DataQueryJob, files, config, 0)
    assert.deepEqual([cancelled.queryStatus, 'dataFile' in cancelled], ['cancelled', false])
  })
})

describe('the entity and orgs a request acts in', () => {
  const multiEntity = (entityIds: string[]) => principal({}, { entities: [{ id: ENTITY_A, name: 'a', displayName: 'A' }, { id: ENTITY_B, name: 'b', displayName: 'B' }] as never }, entityIds)
  const scopeRefusal = (p: Principal, entity?: string | string[], org?: string | string[]) => refusal('v1', () => resolveScope(p, entity, org))

  test('a tenant without entities takes no Zuora-Entity-Ids (400) and acts in none', () => {
    assert.deepEqual(resolveScope(principal(), undefined, undefined), { entityId: null, orgIds: null })
    assert.deepEqual(resolveScope(principal(), '  ', undefined), { entityId: null, orgIds: null }, 'a blank header says nothing')
    const answer = scopeRefusal(principal(), ENTITY_A)
    assert.deepEqual([answer.status, v1Code(answer)], [400, '50000020'])
    assert.match(JSON.stringify(answer.body), /Zuora-Entity-Ids is not accepted: Multi-entity is not enabled for this tenant/)
  })

  test('a token of one entity acts in it; of several, the header must choose one of them (400 missing, 403 not the token\'s)', () => {
    assert.equal(resolveScope(multiEntity([ENTITY_A]), undefined, undefined).entityId, ENTITY_A)
    const missing = scopeRefusal(multiEntity([ENTITY_A, ENTITY_B]))
    assert.deepEqual([missing.status, v1Code(missing)], [400, '50000023'])
    assert.match(JSON.stringify(missing.body), /Zuora-Entity-Ids is required: the token is valid for more than one entity/)
    assert.equal(resolveScope(multiEntity([ENTITY_A, ENTITY_B]), ` ${ENTITY_B.toUpperCase()} `, undefined).entityId, ENTITY_B)
    assert.equal(resolveScope(multiEntity([ENTITY_A, ENTITY_B]), [ENTITY_A], undefined).entityId, ENTITY_A)
    const two = scopeRefusal(multiEntity([ENTITY_A, ENTITY_B]), [ENTITY_A, ENTITY_B])
    assert.equal(two.status, 400, 'two entities are not one')
    assert.match(JSON.stringify(two.body), /Zuora-Entity-Ids must be a single 36-character entity id/)
    const notTokens = scopeRefusal(multiEntity([ENTITY_A]), ENTITY_B.toUpperCase())
    assert.deepEqual([notTokens.status, v1Code(notTokens)], [403, '50000010'])
    assert.match(JSON.stringify(notTokens.body), new RegExp(`Entity ${ENTITY_B.toUpperCase()} is not accessible with this token`))
  })

  const multiOrg = (orgIds: string[] | null) => principal({ orgIds }, { orgs: [{ id: ORG_1, name: 'one' }, { id: ORG_2, name: 'two' }] as never })

  test('a tenant without orgs takes no Zuora-Org-Ids (400); with orgs, the user\'s orgs unless the header narrows them (403 outside them)', () => {
    assert.equal(resolveScope(principal(), undefined, '').orgIds, null)
    const answer = scopeRefusal(principal(), undefined, ORG_1)
    assert.deepEqual([answer.status, v1Code(answer)], [400, '50000020'])
    assert.match(JSON.stringify(answer.body), /Zuora-Org-Ids is not accepted: Multi-Org is not enabled for this tenant/)
    assert.deepEqual(resolveScope(multiOrg(null), undefined, undefined).orgIds, [ORG_1, ORG_2])
    assert.deepEqual(resolveScope(multiOrg([ORG_2]), undefined, undefined).orgIds, [ORG_2])
    assert.deepEqual(resolveScope(multiOrg(null), undefined, ` ${ORG_2.toUpperCase()} , ${ORG_1},${ORG_2}`).orgIds, [ORG_2, ORG_1])
    assert.deepEqual(resolveScope(multiOrg(null), undefined, [ORG_1, ORG_2]).orgIds, [ORG_1, ORG_2])
    const outside = scopeRefusal(multiOrg([ORG_1]), undefined, `${ORG_1},${ORG_2}`)
    assert.deepEqual([outside.status, v1Code(outside)], [403, '50000010'])
    assert.match(JSON.stringify(outside.body), new RegExp(`Org ${ORG_2} is not accessible to this user`))
    const empty = scopeRefusal(multiOrg(null), undefined, `${ORG_1},`)
    assert.equal(empty.status, 403)
    assert.match(JSON.stringify(empty.body), /Org \(empty\) is not accessible to this user/)
    const two = scopeRefusal(multiOrg([ORG_1]), undefined, `${ORG_2},${ORG_1},${ORG_3}`)
    assert.match(JSON.stringify(two.body), new RegExp(`Org ${ORG_2}, ${ORG_3} is not accessible to this user`))
    const both = scopeRefusal(multiOrg([ORG_1]), undefined, `${ORG_2},`)
    assert.match(JSON.stringify(both.body), new RegExp(`Org ${ORG_2} is not accessible`))
  })
})

describe('the auth plugin', () => {
  const TOKEN = 'tok-1'
  const ADMIN_TOKEN = 'admin-secret'
  const clock = new TenantClock([{ since: 0, mode: 'frozen', at: 1_000 }])
  const verified = principal({ permissions: ['dataQuery'] }, { defaultZuoraVersion: '2021-08-20', entities: [{ id: ENTITY_A, name: 'a', displayName: 'A' }] as never }, [ENTITY_A])

  async function app() {
    const server = Fastify()
    server.setErrorHandler((error, request, reply) => sendError(request, reply, error))
    const clockOf: string[] = []
    await server.register(auth, {
      verifier: { verify: async (token: string) => (token === TOKEN ? verified : undefined) } as never,
      adminToken: ADMIN_TOKEN,
      settings: { clockOf: async (tenantId: string) => (clockOf.push(tenantId), clock) } as never,
    })
    // What the plugin decided: the decorations are null where it decided nothing.
    const seen = (request: { principal: unknown; scope: unknown; zuoraVersion: unknown; clock: unknown }) => ({
      principal: request.principal === null ? null : request.principal === verified,
      scope: request.scope,
      version: request.zuoraVersion,
      clock: request.clock === null ? null : request.clock === clock,
    })
    for (const path of ['/v1/x', '/query/jobs', '/objects/x', '/apps/x']) server.get(path, async (request) => seen(request))
    server.get('/v1/open', { config: { auth: 'none' } }, async (request) => seen(request))
    server.get('/admin/x', async (request) => seen(request))
    server.get('/health', async (request) => seen(request))
    server.get('/v1/admin-only', { config: { auth: 'admin' } }, async () => 'ok')
    return { server, clockOf }
  }

  test('a tenant route takes a bearer token of the tenant, and gets its principal, clock, scope and version', async (t) => {
    const { server, clockOf } = await app()
    t.after(() => server.close())
    const get = (url: string, headers: Record<string, string> = {}) => server.inject({ method: 'GET', url, headers })
    const ok = await get('/v1/x', { authorization: `Bearer ${TOKEN}`, 'zuora-version': '2024-05-20' })
    assert.deepEqual(ok.json(), { principal: true, scope: { entityId: ENTITY_A, orgIds: null }, version: '2024-05-20', clock: true })
    assert.deepEqual(clockOf, [TENANT])
    for (const authorization of [`bearer ${TOKEN}`, `Bearer   ${TOKEN}  `, `BEARER\t${TOKEN}`]) {
      assert.equal((await get('/query/jobs', { authorization })).statusCode, 200, authorization)
    }
    assert.equal((await get('/v1/x', { authorization: `Bearer ${TOKEN}`, 'zuora-version': 'latest' })).json().version, '2021-08-20', 'an unsupported version is the tenant\'s default')
    assert.equal((await get('/v1/x', { authorization: `Bearer ${TOKEN}` })).json().version, '2021-08-20')
    for (const [url, headers] of [
      ['/v1/x', {}],
      ['/objects/x', { authorization: 'Bearer wrong' }],
      ['/apps/x', { authorization: `Basic ${TOKEN}` }],
      ['/v1/x', { authorization: `Bearer ${TOKEN} more` }],
      ['/v1/x', { authorization: `xBearer ${TOKEN}` }],
      ['/v1/x', { authorization: 'Bearer ' }],
      ['/v1/x', { authorization: ADMIN_TOKEN }],
      ['/v1/x', { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ] as [string, Record<string, string>][]) {
      const refused = await get(url, headers)
      assert.equal(refused.statusCode, 401, `${url} ${JSON.stringify(headers)}`)
      assert.deepEqual(refused.json(), { message: 'Authentication error' })
      assert.match(String(refused.headers['www-authenticate']), /^Basic realm=Zuora API/)
    }
    const wrongEntity = await get('/v1/x', { authorization: `Bearer ${TOKEN}`, 'zuora-entity-ids': ENTITY_B })
    assert.equal(wrongEntity.statusCode, 403, 'the scope is resolved from the headers')
    const orgs = await get('/v1/x', { authorization: `Bearer ${TOKEN}`, 'zuora-org-ids': ORG_1 })
    assert.equal(orgs.statusCode, 400, 'and the orgs: this tenant has none')
  })

  test('the admin plane takes the admin token only; open routes and unknown paths take none', async (t) => {
    const { server, clockOf } = await app()
    t.after(() => server.close())
    const get = (url: string, authorization?: string) => server.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} })
    assert.equal((await get('/admin/x', `Bearer ${ADMIN_TOKEN}`)).statusCode, 200)
    assert.equal((await get('/v1/admin-only', `Bearer ${ADMIN_TOKEN}`)).statusCode, 200, 'a route that says admin')
    assert.equal((await get('/v1/admin-only', `Bearer ${TOKEN}`)).statusCode, 401)
    for (const authorization of [undefined, `Bearer ${TOKEN}`, 'Bearer admin-secreT', `Bearer ${ADMIN_TOKEN}x`]) {
      const refused = await get('/admin/x', authorization)
      assert.equal(refused.statusCode, 401, String(authorization))
      assert.equal(refused.headers['www-authenticate'], 'Bearer realm="zjobs admin"')
    }
    const admin = (await get('/admin/x', `Bearer ${ADMIN_TOKEN}`)).json()
    assert.deepEqual(admin, { principal: null, scope: null, version: null, clock: null }, 'the admin plane has no tenant principal')
    assert.deepEqual((await get('/health')).json(), { principal: null, scope: null, version: null, clock: null })
    assert.equal((await get('/v1/open')).statusCode, 200, 'a route that says none')
    assert.equal((await get('/v1/nothing-here')).statusCode, 404, 'an unknown path is not found, not unauthorized')
    assert.equal((await get('/admin/nothing-here')).statusCode, 404)
    assert.deepEqual(clockOf, [])
  })
})
