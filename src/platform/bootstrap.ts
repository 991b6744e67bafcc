// What a first start sets up: the admin-plane token, and a default tenant with an admin user
// and an OAuth client, so a developer can call the API at once.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import type { Db } from '../storage/db.ts'
import { newSecret } from './ids.ts'
import {
  createOAuthClient,
  createTenant,
  createUser,
  findUserByName,
  getDefaultTenant,
  type Tenant,
  type User,
} from './tenants.ts'

const BOOTSTRAP_LOCK = 7_310_002 // arbitrary, constant: "zjobs bootstrap"

export interface Bootstrap {
  adminToken: string
  /** True when zjobs made the admin token up (it is then printed). */
  adminTokenGenerated: boolean
  tenant: Tenant
  user: User
  clientId: string
  /** Known only when the client was created now or its secret is fixed by the environment. */
  clientSecret?: string
}

export async function bootstrap(db: Db, config: Config): Promise<Bootstrap> {
  const lock = await db.pool.connect()
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK])
    const admin = await adminToken(db, config)
    let tenant = await getDefaultTenant(db)
    const created = !tenant
    tenant ??= await createTenant(db, { name: 'Default', isDefault: true })
    const user =
      (await findUserByName(db, tenant.id, 'admin')) ??
      (await createUser(db, tenant.id, { username: 'admin', email: 'admin@example.com', admin: true }))

    let clientId: string
    let clientSecret: string | undefined
    if (config.defaultClientId || config.defaultClientSecret || created) {
      const client = await createOAuthClient(db, tenant.id, {
        userId: user.id,
        clientId: config.defaultClientId,
        clientSecret: config.defaultClientSecret,
      })
      clientId = client.client_id
      clientSecret = client.client_secret
    } else {
      const { rows } = await db.query<{ client_id: string }>(
        'SELECT client_id FROM oauth_clients WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at LIMIT 1',
        [tenant.id, user.id],
      )
      clientId = rows[0]?.client_id ?? (await createOAuthClient(db, tenant.id, { userId: user.id })).client_id
    }
    return { ...admin, tenant, user, clientId, clientSecret }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]).catch(() => {})
    lock.release()
  }
}

/** The configured admin token, or one generated once and kept (data folder or database). */
async function adminToken(db: Db, config: Config): Promise<Pick<Bootstrap, 'adminToken' | 'adminTokenGenerated'>> {
  if (config.adminToken) return { adminToken: config.adminToken, adminTokenGenerated: false }
  if (db.kind === 'embedded') {
    const file = join(config.dataDir, 'admin-token')
    if (existsSync(file)) return { adminToken: readFileSync(file, 'utf8').trim(), adminTokenGenerated: true }
    const token = newSecret(40)
    writeFileSync(file, `${token}\n`, { mode: 0o600 })
    return { adminToken: token, adminTokenGenerated: true }
  }
  const { rows } = await db.query<{ value: string }>(
    `INSERT INTO server_settings (name, value) VALUES ('admin_token', $1)
     ON CONFLICT (name) DO UPDATE SET value = server_settings.value RETURNING value`,
    [newSecret(40)],
  )
  return { adminToken: rows[0].value, adminTokenGenerated: true }
}
