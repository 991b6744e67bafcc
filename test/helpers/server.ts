// Starts a real zjobs server for a test file, on the backend the run is for
// (ZJOBS_TEST_BACKEND): a fresh embedded data folder, or a fresh database on the PostgreSQL
// server at ZJOBS_TEST_DATABASE_URL.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { loadConfig, type Config } from '../../src/config.ts'
import { startServer, type RunningServer, type ServerOptions } from '../../src/main.ts'
import { request, type HttpResponse, type RequestOptions } from './http.ts'
import { checkVendorAnswer } from './vendor.ts'

export const backend = (process.env.ZJOBS_TEST_BACKEND ?? 'embedded') as 'embedded' | 'postgres'

export const DEFAULT_CLIENT_ID = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d'
export const DEFAULT_CLIENT_SECRET = 'zjobs-test-client-secret-0123456789'
export const ADMIN_TOKEN = 'zjobs-test-admin-token'

export interface TestServer {
  url: string
  server: RunningServer
  config: Config
  /** A token of the default tenant's admin user. */
  token(): Promise<string>
  /** An authenticated call of the default admin user (or with `token`). */
  api(method: string, path: string, options?: RequestOptions & { token?: string }): Promise<HttpResponse>
  /** A call of the admin plane. */
  admin(method: string, path: string, body?: unknown): Promise<HttpResponse>
  close(): Promise<void>
}

/** Settings for a test database of the current backend, created empty. */
export async function testDatabase(): Promise<{ overrides: Partial<Config>; drop(): Promise<void> }> {
  if (backend === 'postgres') {
    const adminUrl = process.env.ZJOBS_TEST_DATABASE_URL
    if (!adminUrl) throw new Error('ZJOBS_TEST_DATABASE_URL is not set')
    const name = `zjobs_test_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    const dataDir = mkdtempSync(join(tmpdir(), 'zjobs-test-'))
    return {
      overrides: { databaseUrl: url.toString(), dataDir },
      async drop() {
        const client = new pg.Client({ connectionString: adminUrl })
        await client.connect()
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await client.end()
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  }
  // zjobs copies its migrated template cluster into the new folder (src/storage/embedded).
  const dataDir = mkdtempSync(join(tmpdir(), 'zjobs-test-'))
  return {
    overrides: { dataDir, databaseUrl: undefined },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      logLevel: process.env.ZJOBS_TEST_LOG ? 'debug' : 'silent',
      adminToken: ADMIN_TOKEN,
      defaultClientId: DEFAULT_CLIENT_ID,
      defaultClientSecret: DEFAULT_CLIENT_SECRET,
      shutdownTimeoutMs: 2000,
      ...overrides,
    },
  )
}

export async function startTestServer(overrides: Partial<Config> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const database = await testDatabase()
  const config = testConfig({ ...database.overrides, ...overrides })
  const server = await startServer(config, options)
  let cachedToken: string | undefined
  const token = async () => (cachedToken ??= await issueToken(server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
  return {
    url: server.url,
    server,
    config,
    token,
    async api(method, path, options = {}) {
      const bearer = options.token ?? (await token())
      const response = await request(`${server.url}${path}`, {
        ...options,
        method,
        headers: { authorization: `Bearer ${bearer}`, ...options.headers },
      })
      // Every answer of a vendor operation the suite reads is checked against Zuora's schema.
      checkVendorAnswer(method, path, response.status, response.headers['content-type'], () => response.json())
      return response
    },
    admin(method, path, body) {
      return request(`${server.url}${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    },
    async close() {
      await server.close()
      await database.drop()
    },
  }
}

export async function issueToken(
  url: string,
  clientId: string,
  clientSecret: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await request(`${url}/oauth/token`, {
    method: 'POST',
    headers,
    form: { client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' },
  })
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${response.text}`)
  return response.json().access_token
}

/** A new tenant with a user and an OAuth client, through the admin plane; returns a token for it. */
export async function createTenantWithClient(
  server: TestServer,
  tenant: Record<string, unknown> = { name: `tenant-${randomBytes(3).toString('hex')}` },
  user: Record<string, unknown> = { username: 'someone' },
  tokenHeaders: Record<string, string> = {},
) {
  const created = await server.admin('POST', '/admin/tenants', tenant)
  if (created.status !== 201) throw new Error(`tenant: ${created.status} ${created.text}`)
  const tenantBody = created.json()
  const userResponse = await server.admin('POST', `/admin/tenants/${tenantBody.id}/users`, user)
  if (userResponse.status !== 201) throw new Error(`user: ${userResponse.status} ${userResponse.text}`)
  const userBody = userResponse.json()
  const client = await server.admin('POST', `/admin/tenants/${tenantBody.id}/oauth-clients`, { userId: userBody.id })
  if (client.status !== 201) throw new Error(`client: ${client.status} ${client.text}`)
  const { client_id, client_secret } = client.json()
  const token = await issueToken(server.url, client_id, client_secret, tokenHeaders)
  return { tenant: tenantBody, user: userBody, clientId: client_id, clientSecret: client_secret, token }
}
