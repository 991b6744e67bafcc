// /objects/jobs as a Zuora client drives it: submit, upload the CSV (raw text/csv), poll,
// read the row errors, list, cancel; bulk create, update and delete checked against the
// records afterwards, every answer against Zuora's schemas, every refused upload with its
// code and nothing changed; the 5-job limit, permissions, and records going with their
// tenant or definition.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { BATCH_ROWS } from '../../src/objects/bulk/job.ts'
import type { HttpResponse } from '../helpers/http.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { assertVendorResponse } from '../helpers/vendor.ts'
import { call, createTenantWithClient, define, runFileJob, storedRecords, userWith, vehicle, waitForJob } from './helpers.ts'

const JOBS = '/objects/jobs'
const JOB = '/objects/jobs/{id}'
const FILES = '/objects/jobs/{id}/files'
const ERRORS = '/objects/jobs/{id}/errors'
const CANCEL = '/objects/jobs/{id}/cancel'
const RECORDS = '/objects/records/default/{object}'
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000'
const MB = 1024 * 1024

interface Job {
  Id: string
  CreatedById: string
  CreatedDate: string
  UpdatedById: string
  UpdatedDate: string
  namespace: string
  object: string
  operation: string
  status: string
  processingTime: number
  recordsProcessed: number
  error?: { code: number; message: string }
}
interface JobError {
  code: number
  message: string
  record: Record<string, unknown>
  row: number
}
type Condition = { field: string; operator: string; value: unknown }
type Row = Record<string, unknown> & { Id: string; VIN__c: string }
type UploadOptions = { operation?: 'create' | 'update'; contentType?: string; encoding?: string }

/** A job's files on disk (partial ones too) and the tenant's rows: what a refused upload must leave as it was. */
function filesOnDisk(server: TestServer, tenantId: string): string[] {
  try {
    return readdirSync(join(server.config.dataDir, 'files', tenantId), { recursive: true }).map(String).sort()
  } catch {
    return []
  }
}

/** Sends `size` bytes (the `head`, then newlines, which are blank lines and no records) chunked: no Content-Length. */
function streamUpload(server: TestServer, token: string, id: string, head: string, size: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}/objects/jobs/${id}/files`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' }, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString(), json: () => JSON.parse(body.toString()) })
        })
      },
    )
    req.on('error', reject)
    const chunk = Buffer.alloc(64 * 1024, '\n')
    let left = size - Buffer.byteLength(head)
    req.write(head)
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left)
        left -= piece.length
        if (!req.write(piece)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

describe('custom object bulk jobs', () => {
  let server: TestServer
  let tenantId: string

  const submit = async (body: Record<string, unknown>, token?: string): Promise<Job> =>
    (await call(server, 'POST', '/objects/jobs', JOBS, 200, { body: { namespace: 'default', ...body }, token })).json()
  const refusedSubmit = async (body: Record<string, unknown>, status: number, token?: string) =>
    (await call(server, 'POST', '/objects/jobs', JOBS, status, { body: { namespace: 'default', ...body }, token })).json()
  const getJob = async (id: string, token?: string): Promise<Job> => (await call(server, 'GET', `/objects/jobs/${id}`, JOB, 200, { token })).json()
  const upload = (id: string, csv: string | Buffer, status = 200, contentType = 'text/csv', token?: string) =>
    call(server, 'POST', `/objects/jobs/${id}/files`, FILES, status, { body: csv, headers: { 'content-type': contentType }, token })
  const jobErrors = async (id: string, token?: string): Promise<JobError[]> =>
    (await call(server, 'GET', `/objects/jobs/${id}/errors`, ERRORS, 200, { token })).json().errors
  const cancel = async (id: string, status = 200, token?: string) => (await call(server, 'PATCH', `/objects/jobs/${id}/cancel`, CANCEL, status, { token })).json()
  const deleteJob = async (object: string, conditions?: Condition[]) => {
    const job = await submit({ object, operation: 'delete', ...(conditions ? { filter: { conditions } } : {}) })
    assert.equal(job.status, 'accepted', 'a delete job needs no file')
    return waitForJob(server, job.Id) as Promise<Job>
  }
  /** Records of `object` through the records API, by VIN. */
  const records = async (q: string, object = 'Vehicle', token?: string): Promise<Row[]> => {
    const found = (await call(server, 'GET', `/objects/records/default/${object}?pageSize=1000&q=${encodeURIComponent(q)}`, RECORDS, 200, { token })).json()
    return (found.records as Row[]).sort((a, b) => (a.VIN__c < b.VIN__c ? -1 : 1))
  }
  const vins = async (q: string, object = 'Vehicle') => (await records(q, object)).map((record) => record.VIN__c)
  const createRecords = async (rows: Record<string, unknown>[], object = 'Vehicle'): Promise<Row[]> =>
    (await call(server, 'POST', `/objects/records/default/${object}`, RECORDS, 200, { body: { records: rows } })).json().records
  const bulkJobRows = async (tenant: string) =>
    (await server.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND kind = 'custom_objects.bulk'`, [tenant])).rows[0].n

  before(async () => {
    server = await startTestServer({}, { workers: 'inline' })
    tenantId = server.server.bootstrap.tenant.id
    await define(server, { Vehicle: vehicle() })
  })
  after(() => server.close())

  test('create: pending until its file arrives, then completed; every value stored, absent columns at their defaults', async () => {
    const started = Date.now()
    const job = await submit({ object: 'Vehicle', operation: 'create' })
    assert.equal(job.status, 'pending')
    assert.equal(job.namespace, 'default')
    assert.equal(job.object, 'Vehicle')
    assert.equal(job.operation, 'create')
    assert.equal(job.processingTime, 0)
    assert.equal(job.recordsProcessed, 0)
    assert.equal(job.error, undefined)
    assert.equal((await getJob(job.Id)).status, 'pending', 'nothing runs without the file')

    const csv = [
      'VIN__c,make__c,seats__c,MSRP__c,electric__c,delivered__c,inspected__c,extras__c,tracker__c,notes__c,site__c,owner__c',
      'C1,Create,5,23990.5,true,2024-07-09,2024-07-09T14:41:17.377+08:00,roof;tint,8AD084A67F9C7138017FAB8A8B511B5A,"comma, ""quote""',
      'and newline",https://example.com/c1,a@example.com',
      'C2,Create,2,41990,FALSE,,,,,,,',
      'C3,Create,,,,,,,,,,',
    ].join('\n')
    const uploaded = (await upload(job.Id, csv)).json()
    assert.equal(uploaded.Id, job.Id)
    assert.ok(['in_progress', 'completed'].includes(uploaded.status), uploaded.status)
    const done = (await waitForJob(server, job.Id)) as Job
    const finished = Date.now()
    assert.equal(done.status, 'completed')
    assert.equal(done.recordsProcessed, 3)
    assert.ok(done.processingTime > 0 && done.processingTime <= finished - started + 1, `processingTime ${done.processingTime} within ${finished - started} ms`)
    assert.ok(done.UpdatedDate >= done.CreatedDate)
    assert.equal(done.CreatedDate, job.CreatedDate)
    assert.deepEqual(await jobErrors(job.Id), [])

    const [c1, c2, c3] = await records('make__c:Create')
    assert.deepEqual(
      { ...c1, Id: undefined, CreatedById: undefined, UpdatedById: undefined, CreatedDate: undefined, UpdatedDate: undefined },
      {
        Id: undefined,
        type: 'Vehicle',
        VIN__c: 'C1',
        make__c: 'Create',
        notes__c: 'comma, "quote"\nand newline',
        site__c: 'https://example.com/c1',
        seats__c: 5,
        MSRP__c: 23990.5,
        electric__c: true,
        delivered__c: '2024-07-09',
        inspected__c: '2024-07-09T06:41:17.377Z',
        color__c: 'white',
        extras__c: 'roof;tint',
        tracker__c: '8ad084a6-7f9c-7138-017f-ab8a8b511b5a',
        owner__c: 'a@example.com',
        CreatedById: undefined,
        UpdatedById: undefined,
        CreatedDate: undefined,
        UpdatedDate: undefined,
      },
    )
    assert.equal(c1.CreatedById, job.CreatedById.replaceAll('-', ''), 'the records are the submitter\'s')
    assert.ok(String(c1.CreatedDate) >= job.CreatedDate)
    assert.equal(c2.electric__c, false)
    assert.equal(c2.MSRP__c, 41990)
    assert.equal(c2.color__c, 'white', 'a column the file does not have takes its default')
    for (const field of ['delivered__c', 'inspected__c', 'notes__c', 'tracker__c']) assert.equal(c2[field], undefined, `an empty cell is no value (${field})`)
    assert.equal(c3.seats__c, undefined)
    assert.equal(c3.MSRP__c, undefined)

    // CRLF line ends; a file without the electric and color columns: both defaults.
    const second = await runFileJob(server, 'Vehicle', 'create', 'VIN__c,make__c\r\nC4,Create\r\n')
    assert.equal(second.job.status, 'completed')
    assert.equal(second.job.recordsProcessed, 1)
    const [c4] = await records('VIN__c:C4')
    assert.equal(c4.electric__c, false)
    assert.equal(c4.color__c, 'white')
    // A gzip-compressed upload (Content-Encoding: gzip), as Zuora accepts on every request.
    const zipped = await submit({ object: 'Vehicle', operation: 'create' })
    await call(server, 'POST', `/objects/jobs/${zipped.Id}/files`, FILES, 200, {
      body: gzipSync('VIN__c,make__c,seats__c\nC5,Create,3\n'),
      headers: { 'content-type': 'text/csv; charset=UTF-8', 'content-encoding': 'gzip' },
    })
    assert.equal(((await waitForJob(server, zipped.Id)) as Job).recordsProcessed, 1)
    assert.equal((await records('VIN__c:C5'))[0].seats__c, 3)
    assert.deepEqual(await vins('make__c:Create'), ['C1', 'C2', 'C3', 'C4', 'C5'])
  })

  test('row failures: the job completes, /errors lists each refused row (header = row 1) with its record, code and message', async () => {
    await createRecords([{ VIN__c: 'R0', make__c: 'Rows' }])
    const csv = [
      'VIN__c,make__c,seats__c,MSRP__c,electric__c,delivered__c,color__c,inspected__c',
      'R1,Rows,4,100,true,2024-01-01,red,', // 2: good
      'R2,Rows,four,,,,,', // 3: integer
      'R3,Rows,,fast,,,,', // 4: number
      'R4,Rows,,,yes,,,', // 5: boolean
      'R5,Rows,,,,09/07/2024,,', // 6: date
      'R6,Rows,,,,,green,', // 7: picklist
      'R1,Rows,,,,,,', // 8: the VIN of row 2 (first one wins)
      'R7,,,,,,,', // 9: required make__c missing
      'R0,Rows,,,,,,', // 10: the VIN of a stored record
      'RRRRRRRRRRRRRRRRRR,Rows,,,,,,', // 11: 18 characters, max 17
      'R8,Rows,1', // 12: 3 values for 8 columns
      'R9,Rows,10,,,,,', // 13: over the maximum 9
      'R10,Rows,3,,,,,2024-07-09', // 14: a date for a date-time
      'R11,Rows,2,,,,black,2024-07-09T00:00:00Z', // 15: good
      'R12,Rows,,,,,,,extra', // 16: 9 values for 8 columns
    ].join('\n')
    const { job, errors } = await runFileJob(server, 'Vehicle', 'create', `${csv}\n`)
    assert.equal(job.status, 'completed', 'refused rows do not fail the job')
    assert.equal(job.error, undefined)
    assert.equal(job.recordsProcessed, 15, 'every row is processed, written or refused')
    assert.deepEqual(
      errors.map((error: JobError) => [error.row, error.code]),
      [
        [3, 71012523],
        [4, 71012524],
        [5, 71012525],
        [6, 71012520],
        [7, 71012520],
        [8, 71012530],
        [9, 71012522],
        [10, 71012530],
        [11, 71012526],
        [12, 71012520],
        [13, 71012523],
        [14, 71012520],
        [16, 71012520],
      ],
    )
    const byRow = new Map<number, JobError>(errors.map((error: JobError) => [error.row, error]))
    assert.deepEqual(byRow.get(4), {
      code: 71012524,
      message: 'Field [MSRP__c] is a number field but received a string value.',
      record: { VIN__c: 'R3', make__c: 'Rows', seats__c: '', MSRP__c: 'fast', electric__c: '', delivered__c: '', color__c: '', inspected__c: '' },
      row: 4,
    })
    assert.match(byRow.get(8)!.message, /Field \[VIN__c\] must be unique/)
    assert.equal(byRow.get(8)!.record.VIN__c, 'R1')
    assert.match(byRow.get(9)!.message, /make__c/)
    assert.match(byRow.get(10)!.message, /Field \[VIN__c\] must be unique/)
    assert.deepEqual(byRow.get(12)!.record, { VIN__c: 'R8', make__c: 'Rows', seats__c: '1' })
    assert.match(byRow.get(12)!.message, /3 values.*8 columns/)
    for (const error of errors) assert.ok(error.message.length > 0)

    assert.deepEqual(await vins('make__c:Rows'), ['R0', 'R1', 'R11'], 'the good rows landed, the bad ones did not')
    const [r1] = await records('VIN__c:R1')
    assert.equal(r1.seats__c, 4, 'the first of two rows with one unique value wins')
    assert.equal(r1.color__c, 'red')

    // Rows are records: a quoted value over several lines is one row.
    const multi = await runFileJob(server, 'Vehicle', 'create', 'VIN__c,make__c,notes__c\nM1,Multi,"line one\nline two\n"\nM2,Multi,n\nM1,Multi,dup\n')
    assert.deepEqual(multi.errors.map((error: JobError) => [error.row, error.code, error.record.notes__c]), [[4, 71012530, 'dup']])
    assert.equal((await records('VIN__c:M1'))[0].notes__c, 'line one\nline two\n')

    // A relationship to a record that does not exist.
    await define(server, {
      Lease: {
        object: 'Lease',
        label: 'Lease',
        properties: { vehicle__c: { type: 'string', format: 'uuid', label: 'Vehicle' }, term__c: { type: 'integer', label: 'Term' } },
        filterable: ['term__c'],
        relationships: [{ cardinality: 'manyToOne', namespace: 'default', object: 'Vehicle', fields: { vehicle__c: 'Id' } }],
      },
    })
    const leases = await runFileJob(server, 'Lease', 'create', `vehicle__c,term__c\n${r1.Id},12\n${NO_SUCH_ID},24\n`)
    assert.equal(leases.job.status, 'completed')
    assert.deepEqual(
      leases.errors.map((error: JobError) => [error.row, error.code, error.record]),
      [[3, 71012530, { vehicle__c: NO_SUCH_ID, term__c: '24' }]],
    )
    assert.match(leases.errors[0].message, /Field \[vehicle__c\]/)
    const stored = (await call(server, 'GET', '/objects/records/default/Lease', RECORDS, 200)).json().records
    assert.deepEqual(stored.map((lease: Row) => [lease.vehicle__c, lease.term__c]), [[r1.Id, 12]])
  })

  test('update: the Id column names the record, absent columns go back to their defaults; unknown ids are row errors', async () => {
    await define(server, { Other: vehicle('Other') })
    const [{ Id: scrapId }] = await createRecords([{ VIN__c: 'UZ', make__c: 'Upd' }], 'Other')
    const [u1, u2, u3] = await createRecords([
      { VIN__c: 'U1', make__c: 'Upd', seats__c: 2, color__c: 'red', notes__c: 'old' },
      { VIN__c: 'U2', make__c: 'Upd', seats__c: 2 },
      { VIN__c: 'U3', make__c: 'Upd', seats__c: 2 },
    ])
    const csv = [
      'Id,VIN__c,make__c,seats__c',
      `${u1.Id},U1,Upd,7`, // 2: good
      `${NO_SUCH_ID},UX,Upd,1`, // 3: no such record
      'not-an-id,UY,Upd,1', // 4: no record id
      `${u2.Id},U3,Upd,3`, // 5: U3's VIN
      `${u3.Id.toUpperCase()},U3b,Upd,`, // 6: good, seats cleared
      `${scrapId},UZ,Upd,1`, // 7: a record of another object
      `${u1.Id},U1,Upd,8`, // 8: U1 again: applied after row 2
    ].join('\n')
    const { job, errors } = await runFileJob(server, 'Vehicle', 'update', csv)
    assert.equal(job.status, 'completed')
    assert.equal(job.operation, 'update')
    assert.equal(job.recordsProcessed, 7)
    assert.deepEqual(
      errors.map((error: JobError) => [error.row, error.code]),
      [
        [3, 71012540],
        [4, 71012520],
        [5, 71012530],
        [7, 71012540],
      ],
    )
    assert.equal(errors[0].record.Id, NO_SUCH_ID)
    assert.match(errors[0].message, new RegExp(NO_SUCH_ID))
    assert.equal(errors[1].record.Id, undefined, 'an Id that is no UUID is not shown as one')
    assert.equal(errors[1].record.VIN__c, 'UY')
    assert.deepEqual(await vins('make__c:Upd'), ['U1', 'U2', 'U3b'], 'no record was created, U2 kept its VIN')
    assert.deepEqual((await records('make__c:Upd', 'Other')).map((r) => r.VIN__c), ['UZ'], 'the other object\'s record is untouched')
    const [after1, after2, after3] = await records('make__c:Upd')
    assert.equal(after1.Id, u1.Id)
    assert.equal(after1.seats__c, 8, 'the later row of the same record wins')
    assert.equal(after1.color__c, 'white', 'a column the update file does not have is reset to its default')
    assert.equal(after1.notes__c, undefined, 'and a field without a default is cleared')
    assert.equal(after1.CreatedDate, u1.CreatedDate)
    assert.ok(String(after1.UpdatedDate) >= String(u1.UpdatedDate))
    assert.equal(after2.seats__c, 2, 'a refused row changes nothing')
    assert.equal(after3.Id, u3.Id)
    assert.equal(after3.seats__c, undefined)

    // The id column in lower case, as some of Zuora's pages spell it.
    const lower = await runFileJob(server, 'Vehicle', 'update', `id,VIN__c,make__c\n${u2.Id},U2,Upd2\n`)
    assert.deepEqual(lower.errors, [])
    assert.equal((await records('VIN__c:U2'))[0].make__c, 'Upd2')
  })

  test('delete: one or two conditions (EQ, GT, LT, GE, LE) on filterable fields, or none for every record', async () => {
    await define(server, { Scrap: vehicle('Scrap') })
    const made = Array.from({ length: 12 }, (_, i) => ({
      VIN__c: `D${String(i).padStart(2, '0')}`,
      make__c: i < 3 ? 'Gone' : 'Keep',
      seats__c: (i % 9) + 1,
      MSRP__c: i * 1000,
      delivered__c: `2024-01-${String(i + 1).padStart(2, '0')}`,
    }))
    await createRecords(made, 'Scrap')
    let left = made
    const expectDelete = async (conditions: Condition[] | undefined, doomed: (record: (typeof made)[number]) => boolean) => {
      const gone = left.filter(doomed)
      const job = await deleteJob('Scrap', conditions)
      assert.equal(job.status, 'completed', JSON.stringify(job))
      assert.equal(job.operation, 'delete')
      assert.equal(job.recordsProcessed, gone.length, JSON.stringify(conditions))
      left = left.filter((record) => !doomed(record))
      assert.deepEqual(await vins('_exists_:VIN__c', 'Scrap'), left.map((r) => r.VIN__c))
      assert.deepEqual(await jobErrors(job.Id), [])
    }
    await expectDelete([{ field: 'make__c', operator: 'EQ', value: 'Gone' }], (r) => r.make__c === 'Gone')
    await expectDelete(
      [
        { field: 'seats__c', operator: 'GE', value: 8 },
        { field: 'MSRP__c', operator: 'LT', value: '9000' },
      ],
      (r) => r.seats__c >= 8 && r.MSRP__c < 9000,
    )
    await expectDelete(
      [
        { field: 'delivered__c', operator: 'GT', value: '2024-01-04' },
        { field: 'delivered__c', operator: 'LE', value: '2024-01-06' },
      ],
      (r) => r.delivered__c > '2024-01-04' && r.delivered__c <= '2024-01-06',
    )
    await expectDelete(
      [
        { field: 'electric__c', operator: 'EQ', value: false },
        { field: 'seats__c', operator: 'LE', value: '3' },
      ],
      (r) => r.seats__c <= 3,
    )
    await expectDelete([{ field: 'CreatedDate', operator: 'LT', value: '2000-01-01T00:00:00.000Z' }], () => false)
    const vehiclesBefore = (await storedRecords(server, tenantId, 'Vehicle')).length
    await expectDelete(undefined, () => true)
    assert.equal(left.length, 0)
    assert.equal((await storedRecords(server, tenantId, 'Scrap')).length, 0)
    assert.equal((await storedRecords(server, tenantId, 'Vehicle')).length, vehiclesBefore, 'only the job\'s object')

    // Refused filters: no job is made.
    await createRecords([{ VIN__c: 'DX', make__c: 'Keep', notes__c: 'n' }], 'Scrap')
    const jobsBefore = await bulkJobRows(tenantId)
    for (const [filter, operation, code] of [
      [{ conditions: [{ field: 'notes__c', operator: 'EQ', value: 'n' }] }, 'delete', 71013320], // not filterable
      [{ conditions: [{ field: 'extras__c', operator: 'EQ', value: 'roof' }] }, 'delete', 71013320], // not filterable
      [{ conditions: [{ field: 'wheels__c', operator: 'EQ', value: 4 }] }, 'delete', 71013321], // unknown
      [{ conditions: [{ field: 'seats__c', operator: 'GT', value: 'many' }] }, 'delete', 71013320], // not an integer
      [{ conditions: [{ field: 'make__c', operator: 'GT', value: 'M' }] }, 'delete', 71013320], // a range on text
      [{ conditions: [] }, 'delete', 71013320],
      [{ conditions: [1, 2, 3].map((n) => ({ field: 'seats__c', operator: 'GE', value: n })) }, 'delete', 71013320],
      [{ conditions: [{ field: 'make__c', operator: 'EQ', value: 'Keep' }] }, 'create', 71013220], // create jobs take no filter
    ] as const) {
      const refused = await refusedSubmit({ object: 'Scrap', operation, filter }, 400)
      assert.equal(refused.code, code, `${JSON.stringify(filter)}: ${JSON.stringify(refused)}`)
      assert.ok(refused.message.length > 0)
    }
    const badOperator = await refusedSubmit({ object: 'Scrap', operation: 'delete', filter: { conditions: [{ field: 'seats__c', operator: 'NE', value: 1 }] } }, 400)
    assert.equal(badOperator.code, 71013020)
    const noObject = await refusedSubmit({ object: 'Spaceship', operation: 'delete' }, 400)
    assert.equal(noObject.code, 71013020)
    assert.equal((await refusedSubmit({ object: 'Scrap', operation: 'merge' }, 400)).code, 71013020)
    assert.equal((await refusedSubmit({ namespace: 'com_zuora', object: 'SavedQuery', operation: 'delete' }, 400)).code, 71013020)
    assert.equal(await bulkJobRows(tenantId), jobsBefore)
    assert.deepEqual(await vins('_exists_:VIN__c', 'Scrap'), ['DX'])
  })

  test('files of several batches: rows numbered across batches, a duplicate across a batch boundary refused, counts add up', async () => {
    await define(server, { Fleet: vehicle('Fleet') })
    const batch = BATCH_ROWS
    const count = 2 * batch + 1200
    // lines[k] is row k + 1; batches of `batch` rows: rows 2 to batch + 1, then batch + 2 to 2 * batch + 1, then the rest.
    const lines = ['VIN__c,make__c,seats__c', ...Array.from({ length: count }, (_, i) => `F${i},Fleet,${(i % 9) + 1}`)]
    lines[batch] = `F${batch - 1},Fleet,0` // the last row of batch 1: under the minimum
    lines[batch + 1] = 'F0,Fleet,1' // the first row of batch 2: row 2's VIN, written by batch 1
    lines[2 * batch + 2] = `F${2 * batch},Fleet,2` // the previous row's VIN, in the same batch (3)
    const created = await runFileJob(server, 'Fleet', 'create', lines.join('\n'))
    assert.equal(created.job.status, 'completed')
    assert.equal(created.job.recordsProcessed, count)
    assert.deepEqual(
      created.errors.map((error: JobError) => [error.row, error.code, error.record.VIN__c]),
      [
        [batch + 1, 71012523, `F${batch - 1}`],
        [batch + 2, 71012530, 'F0'],
        [2 * batch + 3, 71012530, `F${2 * batch}`],
      ],
    )
    const stored = await storedRecords(server, tenantId, 'Fleet')
    assert.equal(stored.length, count - 3)
    assert.equal(stored.find((record) => record.data.VIN__c === 'F0')!.data.seats__c, 1)
    assert.equal(stored.find((record) => record.data.VIN__c === `F${2 * batch}`)!.data.seats__c, ((2 * batch) % 9) + 1)

    const update = ['Id,VIN__c,make__c,seats__c', ...stored.map((record) => `${record.id},${record.data.VIN__c},Fleet,9`), `${NO_SUCH_ID},FX,Fleet,9`]
    const updated = await runFileJob(server, 'Fleet', 'update', update.join('\n'))
    assert.equal(updated.job.recordsProcessed, count - 2)
    assert.deepEqual(updated.errors.map((error: JobError) => [error.row, error.code]), [[count - 1, 71012540]])
    const nines = await server.server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1 AND definition_id = (SELECT id FROM custom_object_definitions WHERE tenant_id = $1 AND object = 'Fleet') AND data->>'seats__c' = '9'`,
      [tenantId],
    )
    assert.equal(nines.rows[0].n, count - 3)

    // More records than one delete statement takes (its speed is the benchmark's to watch).
    const deleted = await deleteJob('Fleet', [{ field: 'seats__c', operator: 'EQ', value: 9 }])
    assert.equal(deleted.status, 'completed')
    assert.equal(deleted.recordsProcessed, count - 3)
    assert.equal((await storedRecords(server, tenantId, 'Fleet')).length, 0)
  })

  test('bad uploads are refused with 400 (objectJob.file or .file.headers) and change nothing: the job stays pending, no record, no file', async () => {
    const token = await server.token()
    const state = async () => ({
      records: (await server.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1', [tenantId])).rows[0].n,
      files: (await server.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM files WHERE tenant_id = $1', [tenantId])).rows[0].n,
      onDisk: filesOnDisk(server, tenantId),
    })
    /** A new pending job refuses `body`; the job is left pending (and returned). */
    const refused = async (
      label: string,
      body: string | Buffer | ((id: string) => Promise<HttpResponse>),
      code: number,
      message: RegExp,
      options: UploadOptions = {},
    ) => {
      const job = await submit({ object: 'Vehicle', operation: options.operation ?? 'create' })
      const before = await state()
      const response =
        typeof body === 'function'
          ? await body(job.Id)
          : await server.api('POST', `/objects/jobs/${job.Id}/files`, {
              body,
              headers: { 'content-type': options.contentType === '' ? undefined : (options.contentType ?? 'text/csv'), 'content-encoding': options.encoding },
            })
      assert.equal(response.status, 400, `${label}: ${response.text}`)
      assertVendorResponse('POST', FILES, 400, response.json())
      assert.equal(response.json().code, code, `${label}: ${response.text}`)
      assert.match(response.json().message, message, label)
      const after = await getJob(job.Id)
      assert.equal(after.status, 'pending', `${label}: the job waits for a good file`)
      assert.equal(after.recordsProcessed, 0)
      assert.deepEqual(await state(), before, `${label}: nothing stored`)
      return job
    }
    const good = 'VIN__c,make__c\nBAD1,Bad\n'
    const cases: [string, string | Buffer | ((id: string) => Promise<HttpResponse>), number, RegExp, UploadOptions?][] = [
      ['a quoted field never closed', 'VIN__c,make__c\n"BAD1,Bad\nBAD2,Bad\n', 71013620, /never closed/],
      ['a quote inside an unquoted field', 'VIN__c,make__c\nBA"D1,Bad\n', 71013620, /quote inside an unquoted field, line 2/],
      ['text after a closing quote', 'VIN__c,make__c\n"BAD1"x,Bad\n', 71013620, /closing quote/],
      ['invalid UTF-8', Buffer.concat([Buffer.from('VIN__c,make__c\nBAD1,B'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('d\n')]), 71013620, /UTF-8/],
      ['UTF-8 cut inside a character', Buffer.concat([Buffer.from('VIN__c,make__c\nBAD1,Bad'), Buffer.from([0xc3])]), 71013620, /UTF-8/],
      ['UTF-16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]), 71013620, /UTF-16/],
      ['an unknown column', 'VIN__c,make__c,wheels__c\nBAD1,Bad,4\n', 71013721, /wheels__c/],
      ['a column twice', 'VIN__c,make__c,VIN__c\nBAD1,Bad,BAD2\n', 71013720, /twice/],
      ['a column twice, case aside', 'VIN__c,make__c,vin__c\nBAD1,Bad,BAD2\n', 71013720, /twice/],
      ['a column without a name', 'VIN__c,,make__c\nBAD1,x,Bad\n', 71013720, /no name/],
      ['a system field', 'VIN__c,make__c,CreatedDate\nBAD1,Bad,2024-01-01T00:00:00Z\n', 71013720, /CreatedDate/],
      ['an Id column in a create file', `Id,VIN__c,make__c\n${NO_SUCH_ID},BAD1,Bad\n`, 71013720, /Id/],
      ['an update file without Id', 'VIN__c,make__c\nBAD1,Bad\n', 71013722, /Id column/, { operation: 'update' }],
      ['an empty file', '', 71013620, /./],
      ['only blank lines', '\n\n\r\n', 71013620, /empty/],
      ['JSON', '{"VIN__c":"BAD1","make__c":"Bad"}', 71013620, /text\/csv/, { contentType: 'application/json' }],
      ['CSV sent as JSON', good, 71013620, /./, { contentType: 'application/json' }],
      ['no Content-Type', good, 71013620, /text\/csv/, { contentType: '' }],
      ['text/plain', good, 71013620, /text\/csv/, { contentType: 'text/plain' }],
      ['another charset', good, 71013620, /UTF-8/, { contentType: 'text/csv; charset=ISO-8859-1' }],
      ['over 15 MB, declared', Buffer.alloc(15 * MB + 100_000, '\n').fill(good, 0, good.length), 71013620, /15 MB/],
      ['over 15 MB once gunzipped', gzipSync(Buffer.alloc(15 * MB + 1, '\n').fill(good, 0, good.length)), 71013620, /15 MB/, { encoding: 'gzip' }],
      ['over 15 MB, streamed without a length', (id) => streamUpload(server, token, id, good, 15 * MB + 100_000), 71013620, /15 MB/],
    ]
    const left: Job[] = []
    for (const [label, body, code, message, options] of cases) {
      left.push(await refused(label, body, code, message, options))
      // No more than 5 jobs wait at once.
      if (left.length === 4) for (const job of left.splice(0)) assert.equal((await cancel(job.Id)).status, 'cancelled')
    }
    // A job that refused a file takes a good one afterwards.
    const retried = left.pop()!
    for (const job of left) await cancel(job.Id)
    await upload(retried.Id, good)
    assert.equal(((await waitForJob(server, retried.Id)) as Job).status, 'completed')
    assert.deepEqual(await vins('make__c:Bad'), ['BAD1'])

    // Exactly 15 MB is allowed; a byte order mark is no part of the first column's name.
    const bom = `\uFEFFVIN__c,make__c\nBOM1,Bom\n`
    const limit = await runFileJob(server, 'Vehicle', 'create', Buffer.alloc(15 * MB, '\n').fill(bom, 0, Buffer.byteLength(bom)))
    assert.equal(limit.job.status, 'completed')
    assert.equal(limit.job.recordsProcessed, 1)
    assert.deepEqual(limit.errors, [])
    const streamedJob = await submit({ object: 'Vehicle', operation: 'create' })
    const streamed = await streamUpload(server, token, streamedJob.Id, 'VIN__c,make__c\nBOM2,Bom\n', 15 * MB)
    assert.equal(streamed.status, 200, streamed.text)
    assert.equal(((await waitForJob(server, streamedJob.Id)) as Job).status, 'completed')
    assert.deepEqual(await vins('make__c:Bom'), ['BOM1', 'BOM2'])

    // Jobs that are not pending: completed, cancelled, a delete job, in progress; an unknown job.
    const completed = await runFileJob(server, 'Vehicle', 'create', 'VIN__c,make__c\nDONE1,Done\n')
    const again = await upload(completed.job.Id, 'VIN__c,make__c\nDONE2,Done\n', 400)
    assert.equal(again.json().code, 71013620)
    assert.match(again.json().message, /completed/)
    const cancelled = await submit({ object: 'Vehicle', operation: 'create' })
    await cancel(cancelled.Id)
    assert.equal((await upload(cancelled.Id, 'VIN__c,make__c\nDONE3,Done\n', 400)).json().code, 71013620)
    assert.equal((await getJob(cancelled.Id)).status, 'cancelled')
    const deleting = await submit({ object: 'Vehicle', operation: 'delete', filter: { conditions: [{ field: 'make__c', operator: 'EQ', value: 'Nobody' }] } })
    assert.equal((await upload(deleting.Id, 'VIN__c,make__c\nDONE4,Done\n', 400)).json().code, 71013620)
    await waitForJob(server, deleting.Id)
    const unknown = await upload(NO_SUCH_ID, 'VIN__c,make__c\nDONE5,Done\n', 404)
    assert.equal(unknown.json().code, 71013040)
    assert.deepEqual(await vins('make__c:Done'), ['DONE1'])
  })


  test('list: newest first, 25 by default, at most 100, cursor pages without repeats, status filter; another tenant sees none of it', async () => {
    const other = await createTenantWithClient(server, { name: 'bulk list tenant' })
    const token = other.token
    await define(server, { Vehicle: vehicle() }, token)
    const submitted: Job[] = []
    for (let i = 0; i < 24; i++) {
      const job = await submit({ object: 'Vehicle', operation: i % 2 ? 'create' : 'update' }, token)
      submitted.push(job)
      const cancelled = await cancel(job.Id, 200, token)
      assert.equal(cancelled.status, 'cancelled')
      assert.equal(cancelled.Id, job.Id)
    }
    for (let i = 0; i < 2; i++) {
      const job = await submit({ object: 'Vehicle', operation: 'delete' }, token)
      submitted.push(job)
      assert.equal(((await waitForJob(server, job.Id, token)) as Job).status, 'completed')
    }
    const pending = await submit({ object: 'Vehicle', operation: 'create' }, token)
    submitted.push(pending)
    const newestFirst = submitted.map((job) => job.Id).reverse()

    const list = async (query: string, as = token) => (await call(server, 'GET', `/objects/jobs${query}`, JOBS, 200, { token: as })).json() as { count: number; cursor?: string; jobs: Job[] }
    const first = await list('')
    assert.equal(first.count, 25)
    assert.equal(first.jobs.length, 25)
    assert.equal(first.cursor, first.jobs[24].Id)
    assert.deepEqual(first.jobs.map((job) => job.Id), newestFirst.slice(0, 25))
    const all = await list('?pageSize=100')
    assert.equal(all.count, 27)
    assert.deepEqual(all.jobs.map((job) => job.Id), newestFirst)
    assert.equal(all.jobs[0].status, 'pending')
    for (let i = 1; i < all.jobs.length; i++) assert.ok(all.jobs[i - 1].CreatedDate >= all.jobs[i].CreatedDate)

    const paged: string[] = []
    let cursor: string | undefined
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 10, 'paging ends')
      const page = await list(`?pageSize=4${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(page.count, page.jobs.length)
      paged.push(...page.jobs.map((job) => job.Id))
      if (page.jobs.length < 4) break
      cursor = page.cursor
    }
    assert.deepEqual(paged, newestFirst, 'every job once, in order')
    const last = await list(`?cursor=${newestFirst[26]}`)
    assert.deepEqual(last, { count: 0, jobs: [] }, 'after the last job: an empty page')

    const byStatus = async (status: string, pageSize = 100) => {
      const ids: string[] = []
      let after: string | undefined
      for (;;) {
        const page = await list(`?status=${status}&pageSize=${pageSize}${after ? `&cursor=${after}` : ''}`)
        for (const job of page.jobs) assert.equal(job.status, status)
        ids.push(...page.jobs.map((job) => job.Id))
        if (page.jobs.length < pageSize) return ids
        after = page.cursor
      }
    }
    assert.deepEqual(await byStatus('cancelled', 5), newestFirst.slice(3))
    assert.deepEqual(await byStatus('completed'), newestFirst.slice(1, 3))
    assert.deepEqual(await byStatus('pending'), [pending.Id])
    assert.deepEqual(await byStatus('accepted'), [])
    assert.deepEqual(await byStatus('failed'), [])

    for (const [bad, code] of [
      ['pageSize=101', 71013020],
      ['pageSize=0', 71013020],
      ['pageSize=ten', 71013020],
      ['status=done', 71013020],
      [`cursor=${NO_SUCH_ID}`, 71013120],
      ['cursor=nope', 71013120],
    ] as const) {
      const refused = await call(server, 'GET', `/objects/jobs?${bad}`, undefined, 400, { token })
      assert.equal(refused.json().code, code, `${bad}: ${refused.text}`)
    }
    // The other tenant's jobs are not in this list, nor its jobs in theirs.
    const mine = await list('?pageSize=100', await server.token())
    assert.ok(mine.jobs.length > 0)
    assert.ok(mine.jobs.every((job) => !newestFirst.includes(job.Id)))
    const cursorOfAnother = await call(server, 'GET', `/objects/jobs?cursor=${newestFirst[0]}`, undefined, 400)
    assert.equal(cursorOfAnother.json().code, 71013120)

    // Retrieve: unknown ids and another tenant's are not found, and the job is not touched.
    const theirs = pending.Id
    for (const id of [NO_SUCH_ID, theirs, 'not-a-uuid']) {
      const notFound = await call(server, 'GET', `/objects/jobs/${id}`, JOB, 404)
      assert.deepEqual(notFound.json(), { code: 71013040, message: `Job not found for id '${id}'.` })
      assert.equal((await call(server, 'GET', `/objects/jobs/${id}/errors`, ERRORS, 404)).json().code, 71013040)
      assert.equal((await call(server, 'PATCH', `/objects/jobs/${id}/cancel`, CANCEL, 404)).json().code, 71013040)
      assert.equal((await upload(id, 'VIN__c,make__c\nX,Y\n', 404)).json().code, 71013040)
    }
    assert.equal((await getJob(theirs, token)).status, 'pending')
    const retrieved = await getJob(theirs.toUpperCase(), token)
    assert.equal(retrieved.Id, theirs, 'ids are not case-sensitive')

    // Cancel: pending (and accepted: see the suite without workers); not once finished.
    const cancelled = await cancel(pending.Id, 200, token)
    assert.equal(cancelled.status, 'cancelled')
    // From submission to the cancel: the job was submitted well before this test's other calls.
    const lifetime = Date.parse(cancelled.UpdatedDate) - Date.parse(cancelled.CreatedDate)
    assert.ok(cancelled.processingTime > 0 && cancelled.processingTime <= lifetime, `processingTime ${cancelled.processingTime} of ${lifetime} ms`)
    assert.equal((await getJob(pending.Id, token)).status, 'cancelled')
    for (const id of [pending.Id, newestFirst[1]]) {
      const refused = await call(server, 'PATCH', `/objects/jobs/${id}/cancel`, CANCEL, 400, { token })
      assert.equal(refused.json().code, 71013620, refused.text)
    }
    assert.equal((await getJob(newestFirst[1], token)).status, 'completed')
  })

  test('permissions: view to read, edit to create and update, delete to delete (403 with 71012512-15); refusals make no job', async () => {
    const viewer = await userWith(server, tenantId, 'bulk-viewer', ['viewCustomObjects'])
    const editor = await userWith(server, tenantId, 'bulk-editor', ['editCustomObjects'])
    const deleter = await userWith(server, tenantId, 'bulk-deleter', ['deleteCustomObjects'])
    const adminJob = await submit({ object: 'Vehicle', operation: 'create' })
    const jobsBefore = await bulkJobRows(tenantId)
    const denied = async (method: string, path: string, vendorPath: string | undefined, token: string, code: number, body?: unknown, contentType?: string) => {
      const response = await call(server, method, path, vendorPath, 403, { token, body, headers: contentType ? { 'content-type': contentType } : {} })
      assert.equal(response.json().code, code, `${method} ${path}: ${response.text}`)
      assert.match(response.json().message, /^User does not have permission to (view|create|update|delete) custom objects\.$/)
    }
    // Reading takes View.
    assert.ok((await call(server, 'GET', '/objects/jobs', JOBS, 200, { token: viewer })).json().jobs.some((job: Job) => job.Id === adminJob.Id))
    assert.equal((await getJob(adminJob.Id, viewer)).Id, adminJob.Id)
    assert.deepEqual(await jobErrors(adminJob.Id, viewer), [])
    for (const token of [editor, deleter]) {
      await denied('GET', '/objects/jobs', undefined, token, 71012512)
      await denied('GET', `/objects/jobs/${adminJob.Id}`, undefined, token, 71012512)
      await denied('GET', `/objects/jobs/${adminJob.Id}/errors`, undefined, token, 71012512)
    }
    // Submitting takes Edit (create, update) or Delete (delete).
    for (const [operation, code] of [
      ['create', 71012515],
      ['update', 71012513],
      ['delete', 71012514],
    ] as const) {
      await denied('POST', '/objects/jobs', JOBS, viewer, code, { namespace: 'default', object: 'Vehicle', operation })
    }
    await denied('POST', '/objects/jobs', JOBS, editor, 71012514, { namespace: 'default', object: 'Vehicle', operation: 'delete' })
    await denied('POST', '/objects/jobs', JOBS, deleter, 71012515, { namespace: 'default', object: 'Vehicle', operation: 'create' })
    await denied('POST', '/objects/jobs', JOBS, deleter, 71012513, { namespace: 'default', object: 'Vehicle', operation: 'update' })
    // Uploading and cancelling take what the job's operation takes.
    await denied('POST', `/objects/jobs/${adminJob.Id}/files`, FILES, viewer, 71012515, 'VIN__c,make__c\nPERM1,Perm\n', 'text/csv')
    await denied('POST', `/objects/jobs/${adminJob.Id}/files`, FILES, deleter, 71012515, 'VIN__c,make__c\nPERM1,Perm\n', 'text/csv')
    await denied('PATCH', `/objects/jobs/${adminJob.Id}/cancel`, undefined, viewer, 71012515)
    await denied('PATCH', `/objects/jobs/${adminJob.Id}/cancel`, undefined, deleter, 71012515)
    assert.equal(await bulkJobRows(tenantId), jobsBefore, 'no refused submission made a job')
    assert.equal((await getJob(adminJob.Id)).status, 'pending', 'nor touched the admin\'s job')
    assert.deepEqual(await vins('make__c:Perm'), [])

    // With the permission, each does its part.
    await upload(adminJob.Id, 'VIN__c,make__c\nPERM1,Perm\n', 200, 'text/csv', editor)
    assert.equal(((await waitForJob(server, adminJob.Id, viewer)) as Job).status, 'completed')
    const edited = await submit({ object: 'Vehicle', operation: 'update' }, editor)
    assert.equal((await cancel(edited.Id, 200, editor)).status, 'cancelled')
    const deleting = await submit({ object: 'Vehicle', operation: 'delete', filter: { conditions: [{ field: 'make__c', operator: 'EQ', value: 'Perm' }] } }, deleter)
    assert.equal(deleting.status, 'accepted')
    const deleted = (await waitForJob(server, deleting.Id)) as Job
    assert.equal(deleted.recordsProcessed, 1)
    assert.deepEqual(await vins('make__c:Perm'), [])
  })

  test('records go with their tenant (admin delete) and their definition (deleted once a delete job emptied it)', async () => {
    const count = async (sql: string, params: unknown[]) => (await server.server.db.query<{ n: number }>(sql, params)).rows[0].n
    const doomed = await createTenantWithClient(server, { name: 'bulk doomed tenant' })
    await define(server, { Vehicle: vehicle(), Scrap: vehicle('Scrap') }, doomed.token)
    const rows = Array.from({ length: 30 }, (_, i) => `T${i},Doomed`).join('\n')
    const created = await runFileJob(server, 'Vehicle', 'create', `VIN__c,make__c\n${rows}\nT0,Doomed\n`, doomed.token)
    assert.equal(created.errors.length, 1)
    await runFileJob(server, 'Scrap', 'create', `VIN__c,make__c\n${rows}\n`, doomed.token)
    const mineBefore = await count('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1', [tenantId])
    assert.ok(mineBefore > 0)
    const tables = ['custom_object_records', 'custom_object_definitions', 'custom_object_job_errors', 'jobs', 'files']
    for (const table of tables) assert.ok((await count(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [doomed.tenant.id])) > 0, table)
    assert.equal(await count('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1', [doomed.tenant.id]), 60)

    const deleted = await server.admin('DELETE', `/admin/tenants/${doomed.tenant.id}`)
    assert.equal(deleted.status, 200, deleted.text)
    for (const table of tables) assert.equal(await count(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [doomed.tenant.id]), 0, `${table} of the deleted tenant`)
    assert.equal(await count('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1', [tenantId]), mineBefore, 'other tenants keep theirs')

    // A definition with records cannot go; once a delete job has emptied it, it can, and none of its records remain.
    await define(server, { Temp: vehicle('Temp') })
    await runFileJob(server, 'Temp', 'create', 'VIN__c,make__c\nX1,Temp\nX2,Temp\nX3,Temp\n')
    const definitionId = (await server.server.db.query<{ id: string }>(`SELECT id FROM custom_object_definitions WHERE tenant_id = $1 AND object = 'Temp'`, [tenantId])).rows[0].id
    const busy = await call(server, 'DELETE', '/objects/definitions/default/Temp', undefined, 400)
    assert.equal(busy.json().code, 71000030)
    const emptied = await deleteJob('Temp')
    assert.equal(emptied.recordsProcessed, 3)
    const gone = await call(server, 'DELETE', '/objects/definitions/default/Temp', '/objects/definitions/default/{object}', 200)
    assert.equal(gone.json(), '/objects/definitions/default/Temp')
    assert.equal(await count('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1 AND definition_id = $2', [tenantId, definitionId]), 0)
    assert.equal(await count('SELECT count(*)::int AS n FROM custom_object_records WHERE tenant_id = $1', [tenantId]), mineBefore)
    // A job of the deleted object can no longer be submitted.
    assert.equal((await refusedSubmit({ object: 'Temp', operation: 'create' }, 400)).code, 71013020)
  })

})

// Without workers nothing runs: jobs stay accepted (delete) or in progress (a create job with
// its file), so the states that are only moments long with workers can be held and tested.
describe('custom object bulk jobs that do not run', () => {
  let server: TestServer
  let tenantId: string

  const submit = (operation: string, token?: string, status = 200) =>
    call(server, 'POST', '/objects/jobs', JOBS, status, { body: { namespace: 'default', object: 'Vehicle', operation }, token })
  const active = async () =>
    (
      await server.server.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND kind = 'custom_objects.bulk' AND state IN ('pending', 'queued', 'running')`,
        [tenantId],
      )
    ).rows[0].n

  before(async () => {
    server = await startTestServer({}, { workers: 'none' })
    tenantId = server.server.bootstrap.tenant.id
    await define(server, { Vehicle: vehicle() })
  })
  after(() => server.close())

  test('cancel: from accepted and pending, not from in progress; an in-progress job takes no second file', async () => {
    const accepted = (await submit('delete')).json() as Job
    assert.equal(accepted.status, 'accepted')
    assert.equal((await call(server, 'GET', `/objects/jobs/${accepted.Id}`, JOB, 200)).json().status, 'accepted')
    const cancelled = (await call(server, 'PATCH', `/objects/jobs/${accepted.Id}/cancel`, CANCEL, 200)).json() as Job
    assert.equal(cancelled.status, 'cancelled')
    assert.equal(cancelled.recordsProcessed, 0)

    const running = (await submit('create')).json() as Job
    const uploaded = await call(server, 'POST', `/objects/jobs/${running.Id}/files`, FILES, 200, { body: 'VIN__c,make__c\nW1,Wait\n', headers: { 'content-type': 'text/csv' } })
    assert.equal(uploaded.json().status, 'in_progress', 'the file is in: the job is under way')
    assert.equal(uploaded.json().processingTime, 0)
    assert.equal(uploaded.json().recordsProcessed, 0)
    const second = await call(server, 'POST', `/objects/jobs/${running.Id}/files`, FILES, 400, { body: 'VIN__c,make__c\nW2,Wait\n', headers: { 'content-type': 'text/csv' } })
    assert.equal(second.json().code, 71013620)
    assert.match(second.json().message, /in_progress/)
    const refused = await call(server, 'PATCH', `/objects/jobs/${running.Id}/cancel`, CANCEL, 400)
    assert.equal(refused.json().code, 71013620)
    assert.equal((await call(server, 'GET', `/objects/jobs/${running.Id}`, JOB, 200)).json().status, 'in_progress')
    const list = (await call(server, 'GET', '/objects/jobs?status=in_progress', JOBS, 200)).json()
    assert.deepEqual(list.jobs.map((job: Job) => job.Id), [running.Id])
    assert.deepEqual((await call(server, 'GET', '/objects/jobs?status=accepted', JOBS, 200)).json().jobs, [])
    assert.equal((await storedRecords(server, tenantId, 'Vehicle')).length, 0, 'nothing ran')
  })

  test('at most 5 jobs accepted, pending or in progress per tenant: the 6th is refused until one is cancelled', async () => {
    // One in progress from the test before; four more: accepted and pending.
    assert.equal(await active(), 1)
    const accepted = (await submit('delete')).json() as Job
    const pending = [(await submit('create')).json(), (await submit('update')).json(), (await submit('delete')).json()] as Job[]
    assert.equal(await active(), 5)
    for (const operation of ['create', 'update', 'delete']) {
      const refused = await submit(operation, undefined, 400)
      assert.equal(refused.json().code, 71013030, refused.text)
      assert.match(refused.json().message, /5 bulk jobs/)
    }
    assert.equal(await active(), 5, 'the refused submissions made no job')
    // The limit is per tenant.
    const other = await createTenantWithClient(server, { name: 'bulk limit tenant' })
    await define(server, { Vehicle: vehicle() }, other.token)
    assert.equal((await submit('create', other.token)).json().status, 'pending')

    await call(server, 'PATCH', `/objects/jobs/${accepted.Id}/cancel`, CANCEL, 200)
    const next = (await submit('create')).json() as Job
    assert.equal(next.status, 'pending')
    assert.equal((await submit('create', undefined, 400)).json().code, 71013030)

    // Racing submissions cannot overshoot: with 3 active, 2 of 6 get in.
    for (const job of [next, pending[0]]) await call(server, 'PATCH', `/objects/jobs/${job.Id}/cancel`, CANCEL, 200)
    assert.equal(await active(), 3)
    const racers = await Promise.all(Array.from({ length: 6 }, () => server.api('POST', '/objects/jobs', { body: { namespace: 'default', object: 'Vehicle', operation: 'create' } })))
    assert.deepEqual(racers.map((response) => response.status).sort(), [200, 200, 400, 400, 400, 400])
    for (const response of racers) assertVendorResponse('POST', JOBS, response.status, response.json())
    assert.equal(await active(), 5)
  })
})

