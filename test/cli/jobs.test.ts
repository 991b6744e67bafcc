// `zjobs jobs ls|show|watch|cancel` as child processes: jobs of every family in one list,
// found by id, followed to their end, cancelled or stopped.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { seedTenant } from '../../src/billing/seed.ts'
import { createBatchJob, createFileJob, getBatchJob, getFileJob } from '../../src/client/backfill.ts'
import { follow } from '../../src/client/follow.ts'
import { createDefinitions, getBulkJob, submitBulkJob } from '../../src/client/objects.ts'
import { getQuery, submitQuery } from '../../src/client/query.ts'
import { BIN } from '../helpers/process.ts'
import { expectError, expectExit, json, runZjobs, spawnZjobs, startCliServer, until, type CliResult, type CliServer } from './helpers.ts'

/** The job commands and what their examples start with. */
const JOB_COMMANDS = [
  'query', 'objects import', 'objects define', 'objects records', 'backfill run', 'backfill template', 'backfill auto',
  'backfill stop', 'jobs ls', 'jobs show', 'jobs watch', 'jobs cancel',
]

const RUNAWAY = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r'
const csvQuery = (query: string) => ({ query, outputFormat: 'CSV', compression: 'NONE', output: { target: 'S3' } }) as const

describe('zjobs jobs', () => {
  let cli: CliServer
  const ids: Record<string, string> = {}
  const zjobs = (...args: string[]) => runZjobs(args, cli.env(), cli.dir)
  before(async () => {
    cli = await startCliServer()
    const { client } = cli
    const tenantId = cli.server.server.bootstrap.tenant.id
    await seedTenant(cli.server.server.db, tenantId, { accounts: 2, seed: 5 })
    // One job of each family, through the same client the commands use.
    ids.query = (await submitQuery(client, csvQuery('SELECT 1 AS one'))).id
    ids.failed = (await submitQuery(client, csvQuery('SELECT nope FROM account'))).id
    await createDefinitions(client, {
      Gadget: { object: 'Gadget', label: 'Gadget', properties: { name__c: { type: 'string', label: 'Name', maxLength: 20 } }, required: ['name__c'] },
    })
    ids.pending = (await submitBulkJob(client, { namespace: 'default', object: 'Gadget', operation: 'create' })).Id
    ids.deleted = (await submitBulkJob(client, { namespace: 'default', object: 'Gadget', operation: 'delete' })).Id
    writeFileSync(join(cli.dir, 'ids.csv'), `Id,Is Unbilled\n${'0'.repeat(32)},true\n`)
    const { openAsBlob } = await import('node:fs')
    ids.backfill = await createFileJob(client, 'RatePlanCharge', await openAsBlob(join(cli.dir, 'ids.csv')), { fileName: 'ids.csv' })
    ids.auto = await createBatchJob(client, { type: 'RatePlanCharge', dryRun: true })
    ids.booking = await createBatchJob(client, { type: 'BookingDate' })
    await Promise.all([
      follow((s) => getQuery(client, ids.query, s), (j) => j.queryStatus === 'completed'),
      follow((s) => getQuery(client, ids.failed, s), (j) => j.queryStatus === 'failed'),
      follow((s) => getBulkJob(client, ids.deleted, s), (j) => j.status === 'completed'),
      follow((s) => getFileJob(client, ids.backfill, s), (j) => j.status === 'Completed'),
      follow((s) => getBatchJob(client, 'propagation', ids.auto, s), (j) => j.status === 'COMPLETED'),
      follow((s) => getBatchJob(client, 'bookingDate', ids.booking, s), (j) => j.status === 'COMPLETED'),
    ])
  })
  after(() => cli.close())

  test('ls lists every family, newest first; --json gives the common shape with the job as its API answers it', async () => {
    const result = await zjobs('jobs', 'ls', '--json')
    expectExit(result, 0)
    const jobs = json(result)
    assert.deepEqual(
      jobs.map((j: { family: string; id: string }) => `${j.family} ${j.id}`),
      [
        `bookingdate ${ids.booking}`,
        `auto ${ids.auto}`,
        `backfill ${ids.backfill}`,
        `objects ${ids.deleted}`,
        `objects ${ids.pending}`,
        `query ${ids.failed}`,
        `query ${ids.query}`,
      ],
    )
    for (const job of jobs) {
      assert.deepEqual(
        Object.keys(job).filter((k) => k !== 'error' && k !== 'updatedAt').sort(),
        ['createdAt', 'family', 'id', 'job', 'progress', 'state', 'status', 'title'],
      )
      assert.ok(!Number.isNaN(Date.parse(job.createdAt)))
    }
    const byId = Object.fromEntries(jobs.map((j: { id: string }) => [j.id, j]))
    assert.deepEqual([byId[ids.failed].status, byId[ids.failed].state], ['failed', 'failed'])
    assert.match(byId[ids.failed].error, /cannot be resolved/)
    assert.deepEqual([byId[ids.pending].status, byId[ids.pending].state], ['pending', 'queued'])
    assert.equal(byId[ids.backfill].progress, '100% (1/1, 1 failed)')
    assert.equal(byId[ids.auto].title, 'RatePlanCharge')
    assert.equal(byId[ids.query].job.queryStatus, 'completed')
  })

  test('ls filters by --family and --status (common states), --limit; text is tab-separated off a terminal', async () => {
    const [failed, queued, limited, text, bad] = await Promise.all([
      zjobs('jobs', 'ls', '--status', 'failed', '--json'),
      zjobs('jobs', 'ls', '--family', 'objects,query', '--status', 'queued', '--status', 'running', '--json'),
      zjobs('jobs', 'ls', '--family', 'backfill', '--family', 'auto', '--limit', '1', '--json'),
      zjobs('jobs', 'ls', '--family', 'query'),
      zjobs('jobs', 'ls', '--status', 'finished'),
    ])
    assert.deepEqual(json(failed).map((j: { id: string }) => j.id), [ids.failed])
    assert.deepEqual(json(queued).map((j: { id: string }) => j.id), [ids.pending])
    assert.deepEqual(json(limited).map((j: { id: string }) => j.id), [ids.auto])
    expectExit(text, 0)
    const lines = text.stdout.trim().split('\n').map((line) => line.split('\t'))
    assert.deepEqual(lines[0], ['FAMILY', 'ID', 'STATUS', 'CREATED', 'PROGRESS', 'JOB'])
    assert.deepEqual(lines.slice(1).map((cells) => [cells[0], cells[1], cells[2], cells[4]]), [
      ['query', ids.failed, 'failed', ''],
      ['query', ids.query, 'completed', '1 row'],
    ])
    assert.match(lines[1][5], /^SELECT nope FROM account \(Column 'nope' cannot be resolved\)$/)
    expectError(bad, 2, /--status must be among queued, running, completed, failed, cancelled, stopped/)
  })

  test('show finds a job of any family by its id', async () => {
    const results = await Promise.all(Object.values(ids).map((id) => zjobs('jobs', 'show', id, '--json')))
    results.forEach((result, i) => {
      expectExit(result, 0)
      assert.equal(json(result).id, Object.values(ids)[i])
    })
    const text = await zjobs('jobs', 'show', ids.backfill)
    expectExit(text, 0)
    assert.match(text.stdout, /^family: +backfill\nid: +[0-9a-f]{32}\nstatus: +Completed \(completed\)\n/)
    assert.match(text.stdout, /\nfailedCount: +1\n/)
    expectError(await zjobs('jobs', 'show', 'nope'), 2, /nope is not a job id/)
    expectError(await zjobs('jobs', 'show', '0'.repeat(32)), 3, /no job 0{32} in backfill, auto, bookingdate/)
    expectError(await zjobs('jobs', 'show', ids.query, '--family', 'objects'), 3, /71013040/)
  })

  test('cancel cancels a pending bulk job and a running query', async () => {
    const cancelled = await zjobs('jobs', 'cancel', ids.pending, '--json')
    expectExit(cancelled, 0)
    assert.deepEqual([json(cancelled).family, json(cancelled).status, json(cancelled).state], ['objects', 'cancelled', 'cancelled'])
    assert.equal((await getBulkJob(cli.client, ids.pending)).status, 'cancelled')

    const runaway = (await submitQuery(cli.client, csvQuery(RUNAWAY))).id
    const text = await zjobs('jobs', 'cancel', runaway)
    expectExit(text, 0)
    assert.equal(text.stdout, `query job ${runaway}: asked to cancel; now cancelled\n`)
    assert.equal((await getQuery(cli.client, runaway)).queryStatus, 'cancelled')
    // A job that has ended cannot be: the server says why.
    expectError(await zjobs('jobs', 'cancel', ids.query), 3, /\(HTTP 400, DELETE \/query\/jobs\/\{jobId\}/)
  })

  test('watch ID follows a job to its end: exit 0 when it completes, 1 when it fails', async () => {
    const id = (await submitQuery(cli.client, csvQuery('SELECT 2 AS two'))).id
    const [done, failed] = await Promise.all([zjobs('jobs', 'watch', id, '--json'), zjobs('jobs', 'watch', ids.failed)])
    expectExit(done, 0)
    const updates = done.stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.equal(updates.at(-1).status, 'completed')
    assert.ok(updates.every((u) => u.id === id))
    expectError(failed, 1, new RegExp(`^zjobs: query job ${ids.failed} ended failed: Column 'nope'`))
    assert.match(failed.stdout, new RegExp(`^\\S+  query  ${ids.failed}  failed  `))
  })

  test('watch without an id prints a line per job that changes, until Ctrl-C (exit 0)', async () => {
    const watching = spawnZjobs(['jobs', 'watch', '--family', 'query', '--interval', '0.2', '--json'], cli.env(), cli.dir)
    await until(() => watching.stdout().includes(ids.query), 'the first list')
    const id = (await submitQuery(cli.client, csvQuery('SELECT 3 AS three'))).id
    await until(() => watching.stdout().split('\n').some((line) => line.includes(id) && line.includes('"completed"')), 'the new job completed')
    watching.child.kill('SIGINT')
    const result = await watching.done
    expectExit(result, 0)
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
    // Each job once per state it was seen in: the known ones once.
    assert.equal(lines.filter((line) => line.id === ids.query).length, 1)
    assert.equal(lines.filter((line) => line.id === id).at(-1).status, 'completed')
  })

  test('every job command has a description and examples in --help', async () => {
    const results = await Promise.all(JOB_COMMANDS.map((command) => zjobs(...command.split(' '), '--help')))
    results.forEach((result, i) => {
      expectExit(result, 0)
      const [usage, , description] = result.stdout.split('\n')
      assert.match(usage, new RegExp(`^Usage: zjobs ${JOB_COMMANDS[i]}[| ]`))
      assert.ok(description.length > 10, `${JOB_COMMANDS[i]}: a description`)
      const examples = /\nExamples:\n((?: {2}zjobs [^\n]+\n)+)/.exec(result.stdout)
      assert.ok(examples, `${JOB_COMMANDS[i]}: examples`)
      for (const line of examples[1].trim().split('\n')) assert.match(line.trim(), new RegExp(`^zjobs ${JOB_COMMANDS[i]}\\b`))
      assert.match(result.stdout, /\nExit codes: 0 done, 1 /)
    })
    const version = await zjobs('--version')
    expectExit(version, 0)
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  })

  test('on a terminal: tables with a bold header and coloured states, a status line and a download bar', async (t) => {
    if (!existsSync('/usr/bin/script')) return t.skip('no script(1) to give the command a terminal')
    const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`
    const inTerminal = (...args: string[]) =>
      new Promise<CliResult>((resolve, reject) => {
        const env = cli.env({ TERM: 'xterm-256color', COLUMNS: '200' })
        delete env.NO_COLOR
        delete env.FORCE_COLOR
        delete env.NODE_DISABLE_COLORS
        // Node.js gives a terminal two colours when CI is set (as CI runs this suite): a user's terminal has none of these.
        delete env.CI
        const command = [process.execPath, BIN, ...args].map(quote).join(' ')
        const child = spawn('script', ['-qec', command, '/dev/null'], { env, cwd: cli.dir, stdio: ['ignore', 'pipe', 'pipe'] })
        let stdout = ''
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
        child.on('error', reject)
        child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr: '' }))
      })
    const listed = await inTerminal('jobs', 'ls', '--family', 'query')
    expectExit(listed, 0)
    assert.match(listed.stdout, /\x1b\[1mFAMILY\x1b\[22m +\x1b\[1mID\x1b\[22m/)
    assert.match(listed.stdout, new RegExp(`query +${ids.query} +\\x1b\\[32mcompleted\\x1b\\[39m +\\d+[smhd] ago +1 row +SELECT 1 AS one`))
    assert.match(listed.stdout, /\x1b\[31mfailed\x1b\[39m/)

    const queried = await inTerminal('query', "SELECT n FROM (VALUES (1), (2)) AS t(n)", '--out', 'tty.csv')
    expectExit(queried, 0)
    assert.match(queried.stdout, /query [0-9a-f-]{36} (accepted|in_progress|completed) · \d+\.\d s/)
    assert.match(queried.stdout, /downloading \|/)
    assert.match(queried.stdout, /zjobs: 2 rows \(\d+ B\) to tty\.csv in/)
    assert.doesNotMatch(queried.stdout, /submitted/, 'the status line replaces the submission note')
  })
})
