// Tenants with their entities (multi-entity) and orgs (multi-org), users and OAuth clients.
import type { PoolClient } from 'pg'
import type { Db, Queryable } from '../storage/db.ts'
import { conflict, invalid, notFound } from './errors.ts'
import { HEX_ID, UUID, newHexId, newSecret, newUuid } from './ids.ts'
import { hashSecret } from './secrets.ts'

export const PERMISSIONS = [
  'viewCustomObjects',
  'editCustomObjects',
  'deleteCustomObjects',
  'dataQuery',
  'dataBackfill',
] as const
export type Permission = (typeof PERMISSIONS)[number]

export interface Entity {
  id: string
  name: string
  displayName: string
}

export interface Org {
  id: string
  name: string
}

export interface Tenant {
  id: string
  name: string
  timeZone: string
  defaultZuoraVersion: string
  isDefault: boolean
  entities: Entity[]
  orgs: Org[]
  createdAt: string
}

export interface User {
  id: string
  tenantId: string
  username: string
  email: string | null
  admin: boolean
  permissions: Permission[]
  /** null: every entity of the tenant. */
  entityIds: string[] | null
  /** null: every org of the tenant. */
  orgIds: string[] | null
}

export type EntityInput = string | { name: string; displayName?: string; id?: string }
export type OrgInput = string | { name: string; id?: string }

export interface TenantInput {
  name: string
  timeZone?: string
  entities?: EntityInput[]
  orgs?: OrgInput[]
  isDefault?: boolean
}

export interface UserInput {
  username: string
  email?: string | null
  admin?: boolean
  /** Omitted: every permission. */
  permissions?: string[]
  entityIds?: string[]
  orgIds?: string[]
}

export function isValidTimeZone(zone: string): boolean {
  // Intl also takes UTC offsets ("+08:00"), which PostgreSQL reads with the POSIX sign
  // (8 hours west): only zone names are accepted.
  if (/^[+-]/.test(zone)) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Tenant ids are numeric, as Zuora's are; anything else names no tenant. */
export function parseTenantId(id: string): string {
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw notFound(`Tenant ${id} does not exist`)
  return id
}

export async function createTenant(db: Db, input: TenantInput): Promise<Tenant> {
  const name = input.name?.trim()
  if (!name) throw invalid('name must not be empty')
  const timeZone = input.timeZone ?? 'UTC'
  if (!isValidTimeZone(timeZone)) throw invalid(`timeZone "${timeZone}" is not an IANA time zone`)
  const entities = (input.entities ?? []).map(normaliseEntity)
  const orgs = (input.orgs ?? []).map(normaliseOrg)
  assertUnique(entities.map((e) => e.name), 'entity name')
  assertUnique(entities.map((e) => e.id), 'entity id')
  assertUnique(orgs.map((o) => o.name), 'org name')
  assertUnique(orgs.map((o) => o.id), 'org id')

  const id = await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO tenants (name, time_zone, is_default) VALUES ($1, $2, $3) RETURNING id',
      [name, timeZone, input.isDefault ?? false],
    )
    const tenantId = rows[0].id
    if (entities.length > 0) {
      await tx.query(
        `INSERT INTO entities (tenant_id, id, name, display_name)
         SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[])`,
        [tenantId, entities.map((e) => e.id), entities.map((e) => e.name), entities.map((e) => e.displayName)],
      )
    }
    if (orgs.length > 0) {
      await tx.query('INSERT INTO orgs (tenant_id, id, name) SELECT $1, * FROM unnest($2::text[], $3::text[])', [
        tenantId,
        orgs.map((o) => o.id),
        orgs.map((o) => o.name),
      ])
    }
    return tenantId
  })
  return (await getTenant(db, id))!
}

function normaliseEntity(input: EntityInput): Entity {
  const value = typeof input === 'string' ? { name: input } : input
  const name = value.name?.trim()
  if (!name) throw invalid('an entity needs a name')
  const id = (value.id ?? newUuid()).toLowerCase()
  if (!UUID.test(id)) throw invalid(`entity id "${value.id}" is not a 36-character UUID`)
  return { id, name, displayName: value.displayName?.trim() || name }
}

function normaliseOrg(input: OrgInput): Org {
  const value = typeof input === 'string' ? { name: input } : input
  const name = value.name?.trim()
  if (!name) throw invalid('an org needs a name')
  const id = (value.id ?? newHexId()).toLowerCase()
  if (!HEX_ID.test(id)) throw invalid(`org id "${value.id}" is not 32 hexadecimal characters`)
  return { id, name }
}

function assertUnique(values: string[], what: string): void {
  const seen = new Set<string>()
  for (const value of values) {
    if (seen.has(value)) throw invalid(`${what} "${value}" appears twice`)
    seen.add(value)
  }
}

interface TenantRow {
  id: string
  name: string
  time_zone: string
  default_zuora_version: string
  is_default: boolean
  created_at: Date
  entities: Entity[] | null
  orgs: Org[] | null
}

const TENANT_SELECT = `
  SELECT t.id, t.name, t.time_zone, t.default_zuora_version, t.is_default, t.created_at,
    (SELECT json_agg(json_build_object('id', e.id, 'name', e.name, 'displayName', e.display_name) ORDER BY e.name)
       FROM entities e WHERE e.tenant_id = t.id) AS entities,
    (SELECT json_agg(json_build_object('id', o.id, 'name', o.name) ORDER BY o.name)
       FROM orgs o WHERE o.tenant_id = t.id) AS orgs
  FROM tenants t`

const toTenant = (row: TenantRow): Tenant => ({
  id: String(row.id),
  name: row.name,
  timeZone: row.time_zone,
  defaultZuoraVersion: row.default_zuora_version,
  isDefault: row.is_default,
  entities: row.entities ?? [],
  orgs: row.orgs ?? [],
  createdAt: row.created_at.toISOString(),
})

export async function getTenant(db: Queryable, id: string): Promise<Tenant | undefined> {
  const { rows } = await db.query<TenantRow>(`${TENANT_SELECT} WHERE t.id = $1`, [parseTenantId(id)])
  return rows[0] && toTenant(rows[0])
}

export async function requireTenant(db: Queryable, id: string): Promise<Tenant> {
  const tenant = await getTenant(db, id)
  if (!tenant) throw notFound(`Tenant ${id} does not exist`)
  return tenant
}

export async function listTenants(db: Queryable): Promise<Tenant[]> {
  const { rows } = await db.query<TenantRow>(`${TENANT_SELECT} ORDER BY t.id`)
  return rows.map(toTenant)
}

export async function getDefaultTenant(db: Queryable): Promise<Tenant | undefined> {
  const { rows } = await db.query<TenantRow>(`${TENANT_SELECT} WHERE t.is_default`)
  return rows[0] && toTenant(rows[0])
}

/** Deletes a tenant and, through the cascade of its keys, every row it owns. */
export async function deleteTenant(db: Db, id: string): Promise<void> {
  const { rowCount } = await db.query('DELETE FROM tenants WHERE id = $1', [parseTenantId(id)])
  if (rowCount === 0) throw notFound(`Tenant ${id} does not exist`)
}

export async function createUser(db: Db, tenantId: string, input: UserInput): Promise<User> {
  const tenant = await requireTenant(db, tenantId)
  const username = input.username?.trim()
  if (!username) throw invalid('username must not be empty')
  if (input.email != null && !/^[^\s@]+@[^\s@]+$/.test(input.email)) {
    throw invalid(`email "${input.email}" is not an email address`)
  }
  const permissions = input.permissions ?? [...PERMISSIONS]
  for (const permission of permissions) {
    if (!(PERMISSIONS as readonly string[]).includes(permission)) {
      throw invalid(`unknown permission "${permission}"; known: ${PERMISSIONS.join(', ')}`)
    }
  }
  const entityIds = input.entityIds?.map((id) => id.toLowerCase())
  for (const id of entityIds ?? []) {
    if (!tenant.entities.some((entity) => entity.id === id)) throw invalid(`entity ${id} is not an entity of this tenant`)
  }
  const orgIds = input.orgIds?.map((id) => id.toLowerCase())
  for (const id of orgIds ?? []) {
    if (!tenant.orgs.some((org) => org.id === id)) throw invalid(`org ${id} is not an org of this tenant`)
  }
  const id = newHexId()
  try {
    await db.query(
      `INSERT INTO users (tenant_id, id, username, email, is_admin, permissions, entity_ids, org_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [tenant.id, id, username, input.email ?? null, input.admin ?? false, [...new Set(permissions)], entityIds ?? null, orgIds ?? null],
    )
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw conflict(`username "${username}" already exists in tenant ${tenant.id}`)
    throw error
  }
  return (await getUser(db, tenant.id, id))!
}

interface UserRow {
  tenant_id: string
  id: string
  username: string
  email: string | null
  is_admin: boolean
  permissions: Permission[]
  entity_ids: string[] | null
  org_ids: string[] | null
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  tenantId: String(row.tenant_id),
  username: row.username,
  email: row.email,
  admin: row.is_admin,
  permissions: row.permissions,
  entityIds: row.entity_ids,
  orgIds: row.org_ids,
})

const USER_SELECT = 'SELECT tenant_id, id, username, email, is_admin, permissions, entity_ids, org_ids FROM users'

export async function getUser(db: Queryable, tenantId: string, userId: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`${USER_SELECT} WHERE tenant_id = $1 AND id = $2`, [tenantId, userId])
  return rows[0] && toUser(rows[0])
}

/** Which of `ids` are users of the tenant. */
export async function existingUserIds(db: Queryable, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM users WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, ids])
  return new Set(rows.map((row) => row.id))
}

export async function findUserByName(db: Queryable, tenantId: string, username: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`${USER_SELECT} WHERE tenant_id = $1 AND username = $2`, [tenantId, username])
  return rows[0] && toUser(rows[0])
}

export async function listUsers(db: Queryable, tenantId: string): Promise<User[]> {
  await requireTenant(db, tenantId)
  const { rows } = await db.query<UserRow>(`${USER_SELECT} WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])
  return rows.map(toUser)
}

export interface ClientCredentials {
  client_id: string
  client_secret: string
}

export interface ClientInput {
  userId: string
  clientId?: string
  clientSecret?: string
}

/**
 * The client id a user's token is minted for without its secret (`zjobs token --tenant
 * --user`, the admin plane's token route): the user's first OAuth client, made when it has none.
 */
export async function clientIdForUser(db: Db, tenantId: string, userId: string): Promise<string> {
  const { rows } = await db.query<{ client_id: string }>(
    'SELECT client_id FROM oauth_clients WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at LIMIT 1',
    [tenantId, userId],
  )
  return rows[0]?.client_id ?? (await createOAuthClient(db, tenantId, { userId })).client_id
}

/**
 * Creates an OAuth client bound to a user. A given clientId that already exists for the same
 * user gets the given secret (how ZJOBS_DEFAULT_CLIENT_* keep local setups deterministic).
 */
export async function createOAuthClient(db: Db, tenantId: string, input: ClientInput): Promise<ClientCredentials> {
  const tenant = await requireTenant(db, tenantId)
  if (!input.userId || !(await getUser(db, tenant.id, input.userId))) {
    throw notFound(`User ${input.userId} does not exist in tenant ${tenant.id}`)
  }
  const clientId = input.clientId ?? newUuid()
  if (clientId.length !== 36) throw invalid('client_id must be 36 characters long')
  const clientSecret = input.clientSecret ?? newSecret(40)
  if (clientSecret.length > 42) throw invalid('client_secret must be at most 42 characters long')
  const secretHash = await hashSecret(clientSecret, input.clientSecret === undefined)
  await db.transaction(async (tx: PoolClient) => {
    const { rows } = await tx.query<{ tenant_id: string; user_id: string }>(
      'SELECT tenant_id, user_id FROM oauth_clients WHERE client_id = $1 FOR UPDATE',
      [clientId],
    )
    const existing = rows[0]
    if (existing && (String(existing.tenant_id) !== tenant.id || existing.user_id !== input.userId)) {
      throw conflict(`client_id ${clientId} already belongs to another user`)
    }
    await tx.query(
      `INSERT INTO oauth_clients (tenant_id, client_id, user_id, secret_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, client_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash`,
      [tenant.id, clientId, input.userId, secretHash],
    )
  })
  return { client_id: clientId, client_secret: clientSecret }
}
