// "The same rows into the same storage": a table zjobs filled, found by its growth, is
// copied in structure (CREATE TABLE ... (LIKE ... INCLUDING ALL): columns, defaults,
// constraints, indexes) and its rows of one tenant are loaded into the copy with COPY FROM
// STDIN, timed alone.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'

const COPY_TABLE = 'public.zjobs_bench_storage_copy'

/** Bytes of every user table (with its indexes and TOAST). */
export async function tableSizes(client: pg.Client): Promise<Map<string, number>> {
  const { rows } = await client.query<{ name: string; bytes: string }>(
    `SELECT c.oid::regclass::text AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
  )
  return new Map(rows.map((row) => [row.name, Number(row.bytes)]))
}

/** The table that grew most between two tableSizes. */
export function grownTable(before: Map<string, number>, after: Map<string, number>): string {
  let best = ''
  let growth = 0
  for (const [name, bytes] of after) {
    const delta = bytes - (before.get(name) ?? 0)
    if (delta > growth) [best, growth] = [name, delta]
  }
  if (!best) throw new Error('no table grew')
  return best
}

/** Loads `table`'s rows of `tenantId` into a structural copy of it; returns the load's ms and rows. */
export async function copyIntoLikeTable(client: pg.Client, table: string, tenantId: string): Promise<{ ms: number; rows: number }> {
  const { rows: columns } = await client.query<{ name: string; tenant: boolean }>(
    `SELECT quote_ident(attname) AS name, attname = 'tenant_id' AS tenant
     FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [table],
  )
  const names = columns.map((column) => column.name).join(', ')
  const where = columns.some((column) => column.tenant) ? `WHERE tenant_id = ${Number(tenantId)}` : ''
  await client.query(`DROP TABLE IF EXISTS ${COPY_TABLE}`)
  await client.query(`CREATE TABLE ${COPY_TABLE} (LIKE ${table} INCLUDING ALL)`)
  try {
    // The rows in COPY's text format, read before the clock starts.
    const chunks: Buffer[] = []
    await pipeline(client.query(copyTo(`COPY (SELECT ${names} FROM ${table} ${where}) TO STDOUT`)), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) chunks.push(chunk)
    })
    const text = Buffer.concat(chunks)
    const started = performance.now()
    const stream = client.query(copyFrom(`COPY ${COPY_TABLE} (${names}) FROM STDIN`))
    await pipeline(Readable.from([text]), stream)
    return { ms: performance.now() - started, rows: Number(stream.rowCount) }
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${COPY_TABLE}`)
  }
}
