// Shared by the sandbox tests: admin calls of the control plane, checked, the v1 admin error, and
// the settings of a real `zjobs start` on a test database.
import assert from 'node:assert/strict'
import type { HttpResponse } from '../helpers/http.ts'
import { databaseEnv, freePort, processEnv } from '../helpers/process.ts'
import { ADMIN_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, testDatabase, type TestServer } from '../helpers/server.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** An admin call that must answer `status`; its JSON body. */
export async function admin(server: TestServer, method: string, path: string, body?: unknown, status = 200): Promise<Json> {
  const response = await server.admin(method, path, body)
  assert.equal(response.status, status, `${method} ${path}: ${response.text}`)
  return response.json()
}

/**
 * The admin plane's error: the v1 envelope, an 8-digit code of Zuora's `category` (the last two
 * digits: 20 invalid, 21 unknown field, 22 missing field, 30 rule, 40 not found), a message
 * naming what was wrong.
 */
export function assertAdminError(response: HttpResponse, status: number, category: string, message: RegExp): void {
  assert.equal(response.status, status, response.text)
  const body = response.json()
  assert.equal(body.success, false, response.text)
  assert.match(body.processId, /^[0-9A-F]{16}$/)
  assert.equal(body.reasons.length, 1)
  assert.match(body.reasons[0].code, new RegExp(`^\\d{6}${category}$`), response.text)
  assert.match(body.reasons[0].message, message)
}

/**
 * What a real `zjobs start` of a sandbox test runs on: a fresh test database, a free port, the
 * test's admin token and default client, and `extra` settings. Drop the database after the test.
 */
export async function processSettings(extra: Record<string, string> = {}) {
  const database = await testDatabase()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = processEnv({
    ...databaseEnv(database.overrides),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ZJOBS_ADMIN_TOKEN: ADMIN_TOKEN,
    ZJOBS_DEFAULT_CLIENT_ID: DEFAULT_CLIENT_ID,
    ZJOBS_DEFAULT_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    ...extra,
  })
  return { database, url, env }
}
