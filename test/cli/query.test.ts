// `zjobs query` as a child process against a running server: outputs, files, formats,
// compression and encryption, --json, exit codes, and Ctrl-C cancelling the job on the server.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { getQuery, listQueries } from '../../src/client/query.ts'
import { createTenantWithClient } from '../helpers/server.ts'
import { expectError, expectExit, json, runZjobs, spawnZjobs, startCliServer, until, type CliServer } from './helpers.ts'

const TWO_ROWS = "SELECT n, s FROM (VALUES (1, 'a,b'), (2, NULL)) AS t(n, s) ORDER BY n"
const TWO_ROWS_CSV = 'n,s\n1,"a,b"\n2,\n'
const RUNAWAY = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r'

describe('zjobs query', () => {
  let cli: CliServer
  const zjobs = (...args: string[]) => runZjobs(args, cli.env(), cli.dir)
  const file = (name: string) => join(cli.dir, name)
  before(async () => {
    cli = await startCliServer()
  })
  after(() => cli.close())

  test('writes the result to standard output, with notes on standard error (none with --quiet)', async () => {
    const [loud, quiet] = await Promise.all([zjobs('query', TWO_ROWS), zjobs('query', TWO_ROWS, '--quiet')])
    expectExit(loud, 0)
    assert.equal(loud.stdout, TWO_ROWS_CSV)
    assert.match(loud.stderr, /^zjobs: query job [0-9a-f-]{36} submitted\nzjobs: 2 rows \(\d+ B\) to standard output in [\d.]+ s\n$/)
    expectExit(quiet, 0)
    assert.equal(quiet.stdout, TWO_ROWS_CSV)
    assert.equal(quiet.stderr, '')
  })

  test('--out writes the file and nothing else; --json prints the job and the file', async () => {
    const plain = await zjobs('query', TWO_ROWS, '--out', 'two.csv')
    expectExit(plain, 0)
    assert.equal(plain.stdout, '')
    assert.equal(readFileSync(file('two.csv'), 'utf8'), TWO_ROWS_CSV)

    const result = await zjobs('query', TWO_ROWS, '--out', 'two-again.csv', '--json', '--source', 'warehouse')
    expectExit(result, 0)
    const body = json(result)
    assert.deepEqual(Object.keys(body).sort(), ['file', 'job'])
    assert.deepEqual(body.file, { path: 'two-again.csv', bytes: Buffer.byteLength(TWO_ROWS_CSV) })
    assert.equal(body.job.queryStatus, 'completed')
    assert.equal(body.job.outputRows, 2)
    assert.equal(body.job.sourceData, 'WAREHOUSE')
    assert.equal(body.job.query, TWO_ROWS)
    assert.match(body.job.dataFile, /\/files\/[0-9a-f]{32}\?/)
    // The job the server has is the one printed.
    assert.equal((await getQuery(cli.client, body.job.id)).queryStatus, 'completed')
    assert.equal(readFileSync(file('two-again.csv'), 'utf8'), TWO_ROWS_CSV)
    assert.deepEqual(readdirSync(cli.dir).filter((name) => name.includes('partial')), [], 'no partial file left')
  })

  test('formats: jsonl, tsv, dsv with its separator', async () => {
    const [jsonl, tsv, dsv] = await Promise.all([
      zjobs('query', TWO_ROWS, '--format', 'jsonl', '-q'),
      zjobs('query', TWO_ROWS, '--format', 'tsv', '-q'),
      zjobs('query', TWO_ROWS, '--format', 'dsv', '--separator', '|', '-q'),
    ])
    for (const result of [jsonl, tsv, dsv]) expectExit(result, 0)
    assert.deepEqual(jsonl.stdout.trim().split('\n').map((line) => JSON.parse(line)), [{ n: 1, s: 'a,b' }, { n: 2, s: null }])
    assert.equal(tsv.stdout, 'n\ts\n1\ta,b\n2\t\n')
    assert.equal(dsv.stdout, 'n|s\n1|a,b\n2|\n')
  })

  test('gzip and zip results are decompressed; --raw keeps the file as downloaded', async () => {
    const [gzip, zip, raw, rawZip] = await Promise.all([
      zjobs('query', TWO_ROWS, '--compression', 'gzip', '-q'),
      zjobs('query', TWO_ROWS, '--compression', 'zip', '--out', 'two-zip.csv'),
      zjobs('query', TWO_ROWS, '--compression', 'gzip', '--raw', '--out', 'two.csv.gz'),
      zjobs('query', TWO_ROWS, '--compression', 'zip', '--raw', '--out', 'two.zip'),
    ])
    for (const result of [gzip, zip, raw, rawZip]) expectExit(result, 0)
    assert.equal(gzip.stdout, TWO_ROWS_CSV)
    assert.equal(readFileSync(file('two-zip.csv'), 'utf8'), TWO_ROWS_CSV)
    const compressed = readFileSync(file('two.csv.gz'))
    assert.deepEqual([...compressed.subarray(0, 2)], [0x1f, 0x8b])
    assert.equal(gunzipSync(compressed).toString('utf8'), TWO_ROWS_CSV)
    assert.equal(readFileSync(file('two.zip')).subarray(0, 4).toString('latin1'), 'PK\x03\x04')
    assert.deepEqual(readdirSync(cli.dir).filter((name) => name.includes('partial')), [])
  })

  test('--encrypt-with: a private key decrypts here, a public key leaves the file encrypted', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    writeFileSync(file('private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
    writeFileSync(file('public.pem'), publicKey.export({ type: 'spki', format: 'pem' }))
    const [decrypted, encrypted] = await Promise.all([
      zjobs('query', TWO_ROWS, '--encrypt-with', 'private.pem', '--compression', 'gzip', '-q'),
      zjobs('query', TWO_ROWS, '--encrypt-with', 'public.pem', '--out', 'two.csv.enc', '--json'),
    ])
    expectExit(decrypted, 0)
    assert.equal(decrypted.stdout, TWO_ROWS_CSV)
    expectExit(encrypted, 0)
    // CMS: a BER SEQUENCE of indefinite length, then the OID of AuthEnvelopedData.
    assert.deepEqual(readFileSync(file('two.csv.enc')).subarray(0, 4), Buffer.from([0x30, 0x80, 0x06, 0x0b]))
    assert.match(json(encrypted).job.dataFile, /\/files\//)
    // zjobs decrypt opens what was kept.
    const opened = await runZjobs(['decrypt', '--key', 'private.pem', '--in', 'two.csv.enc', '--out', '-'], cli.env(), cli.dir)
    expectExit(opened, 0)
    assert.equal(opened.stdout, TWO_ROWS_CSV)
  })

  test('a failing query exits 1 with its errorMessage; --json still prints the job', async () => {
    const [plain, withJson] = await Promise.all([
      zjobs('query', 'SELECT nope FROM account'),
      zjobs('query', 'SELECT nope FROM account', '--json', '--out', 'never.csv'),
    ])
    expectError(plain, 1, /^zjobs: query job [0-9a-f-]{36} failed: Column 'nope' cannot be resolved$/)
    assert.equal(plain.stdout, '')
    expectError(withJson, 1, /cannot be resolved/)
    const body = json(withJson)
    assert.equal(body.job.queryStatus, 'failed')
    assert.match(body.job.errorMessage, /Column 'nope' cannot be resolved/)
    assert.equal(body.file, undefined)
    assert.ok(!readdirSync(cli.dir).includes('never.csv'))
  })

  test('bad usage exits 2 before anything is sent; a refused request exits 3 with the vendor code and message', async () => {
    const before = (await listQueries(cli.client, { pageSize: 1000 })).length
    const cases: [string[], RegExp][] = [
      [['query', 'SELECT 1', '--format', 'dsv'], /--separator/],
      [['query', 'SELECT 1', '--separator', ';'], /--separator goes with --format dsv/],
      [['query', 'SELECT 1', '--json'], /with --json, name the result file with --out/],
      [['query', 'SELECT 1', '--format', 'xml'], /format/],
      [['query', 'SELECT 1', '--encrypt-with', 'missing.pem'], /cannot read missing\.pem: ENOENT/],
      [['query', '   '], /the query is empty/],
      [['query', 'SELECT 1', '--out', 'nowhere/one.csv'], /cannot write nowhere\/one\.csv: there is no folder nowhere/],
    ]
    const results = await Promise.all(cases.map(([args]) => zjobs(...args)))
    results.forEach((result, i) => {
      expectExit(result, 2)
      assert.match(result.stderr, cases[i][1])
    })
    assert.equal((await listQueries(cli.client, { pageSize: 1000 })).length, before, 'no job submitted')

    const [wrongSecret, badSeparator] = await Promise.all([
      runZjobs(['query', 'SELECT 1'], cli.env({ ZJOBS_CLIENT_SECRET: 'not-the-secret' }), cli.dir),
      // A separator only the server refuses.
      zjobs('query', 'SELECT 1', '--format', 'dsv', '--separator', '"'),
    ])
    expectError(wrongSecret, 3, /^zjobs: invalid_client: Invalid client_id or client_secret \(HTTP 401, POST \/oauth\/token, request [0-9a-f-]{36}\)$/)
    expectError(badSeparator, 3, /^zjobs: 400: .*columnSeparator.* \(HTTP 400, POST \/query\/jobs, request [0-9a-f-]{36}\)$/)
  })

  test('--entity-id picks the entity of a multi-entity tenant (Zuora-Entity-Ids)', async () => {
    const other = await createTenantWithClient(cli.server, { name: 'Entities CLI', entities: ['Global', 'Europe'] })
    const europe = other.tenant.entities.find((entity: { name: string }) => entity.name === 'Europe')
    const env = cli.env({ ZJOBS_CLIENT_ID: other.clientId, ZJOBS_CLIENT_SECRET: other.clientSecret })
    const [scoped, unscoped] = await Promise.all([
      runZjobs(['query', 'SELECT 1 AS one', '--entity-id', europe.id, '-q'], env, cli.dir),
      runZjobs(['query', 'SELECT 1 AS one', '-q'], env, cli.dir),
    ])
    expectExit(scoped, 0)
    assert.equal(scoped.stdout, 'one\n1\n')
    expectError(unscoped, 3, /\(HTTP 400, POST \/query\/jobs/)
  })

  test('Ctrl-C (SIGINT) cancels the running query on the server, then exits 130', async () => {
    const running = spawnZjobs(['query', RUNAWAY], cli.env(), cli.dir)
    const id = await until(() => /query job ([0-9a-f-]{36}) submitted/.exec(running.stderr())?.[1], 'the submission')
    await until(async () => (await getQuery(cli.client, id)).queryStatus === 'in_progress', 'the query to run')
    running.child.kill('SIGINT')
    const result = await running.done
    expectError(result, 130, new RegExp(`^zjobs: interrupted: query job ${id} cancelled on the server \\(cancelled\\)$`))
    assert.equal(result.stdout, '')
    assert.equal((await getQuery(cli.client, id)).queryStatus, 'cancelled')
  })
})
