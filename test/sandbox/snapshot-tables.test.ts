// Every table with a tenant_id column is named in the reset's and snapshot's list
// (src/sandbox/snapshot/tables.ts), so a new table of a tenant's data is neither forgotten by a
// reset nor left out of a snapshot without a reason; and no table keys a job's rows with a
// foreign key (a reset deletes jobs in a bounded time: their rows go with a statement trigger).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { tablesWithTenantId } from '../../src/sandbox/snapshot/store.ts'
import { TENANT_TABLES } from '../../src/sandbox/snapshot/tables.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(() => server?.close())

test('every table holding tenants\' rows says what a reset and a snapshot do with it', async () => {
  const tables = await tablesWithTenantId(server.server.db)
  const named = new Set(TENANT_TABLES.map((table) => table.name))
  const unnamed = tables.filter((table) => !named.has(table))
  assert.deepEqual(unnamed, [], `add these to TENANT_TABLES in src/sandbox/snapshot/tables.ts: ${unnamed.join(', ')}`)
  for (const table of TENANT_TABLES) {
    if (table.snapshot === 'none' && table.reset !== 'none') assert.ok(table.why, `${table.name}: say why a snapshot leaves it out`)
  }
})

test('no foreign key references jobs: their rows go with them through a statement trigger', async () => {
  const { rows } = await server.server.db.query<{ name: string }>(
    `SELECT conrelid::regclass::text AS name FROM pg_constraint WHERE contype = 'f' AND confrelid = 'jobs'::regclass`,
  )
  assert.deepEqual(rows.map((row) => row.name), [])
})
