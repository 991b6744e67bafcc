// The baseline of the API read and latency scenarios: a bare Fastify server (no auth, no
// plugins, no logging) answering with the best plain read PostgreSQL offers for the same
// answer, through the same driver and pool size, on the same database: a job by its primary
// key; a page of jobs as an indexed keyset SELECT (tenant, kind, newest first) of the same
// columns, from a copy of the jobs table that has the index matching it (so the baseline does
// not depend on zjobs' own indexes). Run as a child process, like zjobs.
//   BENCH_BASELINE={"connection":{...},"poolMax":10,"tenantId":"10001"} node bench/baseline-server.ts
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import pg from 'pg'

export interface BaselineSettings {
  connection: pg.PoolConfig
  poolMax: number
  /** Tenant whose jobs the read routes select. */
  tenantId: string
  /** `GET /objects/jobs`: the table it reads (made by keysetCopy) and the bulk jobs' kind. */
  objectJobs?: { table: string; kind: string }
}

/**
 * A copy of the jobs table with its primary key and one index, the one a newest-first page of
 * a tenant's jobs of one kind reads in order: the keyset baseline's table. Drop it afterwards.
 */
export async function keysetCopy(client: pg.Client, table: string): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${table}`)
  await client.query(`CREATE TABLE ${table} (LIKE jobs INCLUDING DEFAULTS)`)
  await client.query(`INSERT INTO ${table} SELECT * FROM jobs`)
  await client.query(`ALTER TABLE ${table} ADD PRIMARY KEY (tenant_id, id)`)
  await client.query(`CREATE INDEX ON ${table} (tenant_id, kind, created_at DESC, id DESC)`)
  await client.query(`ANALYZE ${table}`)
}

// The columns zjobs' job store selects (src/jobs/store.ts), so both read the same row.
const COLUMNS = `tenant_id, id, kind, state, stop_requested, created_by, entity_id, org_ids, params, progress, result,
  error, attempts, max_attempts, created_at, started_at, updated_at, finished_at, lease_token`

async function serve(settings: BaselineSettings): Promise<void> {
  const pool = new pg.Pool({ ...settings.connection, max: settings.poolMax })
  const app = Fastify({ logger: false })
  app.get<{ Params: { id: string } }>('/query/jobs/:id', async (request, reply) => {
    const { rows } = await pool.query(`SELECT ${COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2`, [settings.tenantId, request.params.id])
    if (!rows[0]) return reply.code(404).send({ code: 1001 })
    return { data: rows[0] }
  })
  const objectJobs = settings.objectJobs
  if (objectJobs) {
    app.get<{ Querystring: { pageSize?: string } }>('/objects/jobs', async (request) => {
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM ${objectJobs.table} WHERE tenant_id = $1 AND kind = $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
        [settings.tenantId, objectJobs.kind, Number(request.query.pageSize ?? 25)],
      )
      return { count: rows.length, jobs: rows }
    })
  }
  app.post('/select-one', async () => (await pool.query('SELECT 1 AS one')).rows[0])
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  process.stdout.write(`listening ${address}\n`)
}

export interface BaselineServer {
  url: string
  stop(): Promise<void>
}

export async function startBaselineServer(settings: BaselineSettings): Promise<BaselineServer> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_BASELINE: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /listening (\S+)/.exec(out)
      if (match) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`baseline server exited (${code})`)))
  })
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

if (import.meta.main) await serve(JSON.parse(process.env.BENCH_BASELINE!) as BaselineSettings)
