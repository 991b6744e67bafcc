// The admin plane: tenants, users and OAuth clients, for automation and sandbox setups.
// Authorised by the admin token, not by a tenant's OAuth token.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import {
  PERMISSIONS,
  createOAuthClient,
  createTenant,
  createUser,
  deleteTenant,
  listTenants,
  listUsers,
  requireTenant,
  type Tenant as TenantRecord,
} from '../../platform/tenants.ts'
import { mintToken } from '../../platform/oauth.ts'
import { seedTenant } from '../../billing/seed.ts'
import type { AppDeps } from '../context.ts'

const Entity = Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() })
const Org = Type.Object({ id: Type.String(), name: Type.String() })
const Tenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timeZone: Type.String(),
  defaultZuoraVersion: Type.String(),
  isDefault: Type.Boolean(),
  entities: Type.Array(Entity),
  orgs: Type.Array(Org),
  createdAt: Type.String({ format: 'date-time' }),
})
const User = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  admin: Type.Boolean(),
  permissions: Type.Array(Type.String()),
  entityIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  orgIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
})

/** Accounts a tenant can be seeded with in the call that creates it (a test's tenant); more through the seed job. */
const MAX_SEED_ACCOUNTS = 10_000

const NewTenant = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; default UTC' })),
    entities: Type.Optional(
      Type.Array(
        Type.Union([
          Type.String({ minLength: 1, maxLength: 255 }),
          Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 255 }),
              displayName: Type.Optional(Type.String({ maxLength: 255 })),
              id: Type.Optional(Type.String({ minLength: 36, maxLength: 36 })),
            },
            { additionalProperties: false },
          ),
        ]),
        { maxItems: 100, description: 'Entities of a multi-entity tenant: names, or {name, displayName?, id?}' },
      ),
    ),
    orgs: Type.Optional(
      Type.Array(
        Type.Union([
          Type.String({ minLength: 1, maxLength: 255 }),
          Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 255 }), id: Type.Optional(Type.String({ minLength: 32, maxLength: 32 })) },
            { additionalProperties: false },
          ),
        ]),
        { maxItems: 100, description: 'Orgs of a multi-org tenant: names, or {name, id?}' },
      ),
    ),
    withClient: Type.Optional(
      Type.Boolean({ description: 'Also make an admin user with an OAuth client and a token: the answer carries client_id, client_secret and access_token' }),
    ),
    seed: Type.Optional(
      Type.Object(
        {
          accounts: Type.Integer({ minimum: 0, maximum: MAX_SEED_ACCOUNTS, description: `Accounts of billing data seeded before the answer (at most ${MAX_SEED_ACCOUNTS}; more: POST .../seed)` }),
          seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'Default 1' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
const NewTenantAnswer = Type.Object({
  ...Tenant.properties,
  userId: Type.Optional(Type.String({ description: 'With withClient: the admin user the client acts as' })),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
  access_token: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.Literal('bearer')),
  expires_in: Type.Optional(Type.Number()),
  seeded: Type.Optional(Type.Object({ accounts: Type.Integer(), seed: Type.Integer(), rows: Type.Integer() })),
})

const NewUser = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    email: Type.Optional(Type.String({ maxLength: 255 })),
    admin: Type.Optional(Type.Boolean()),
    permissions: Type.Optional(
      Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { description: 'Omitted: every permission' }),
    ),
    entityIds: Type.Optional(Type.Array(Type.String(), { description: 'Omitted: every entity of the tenant' })),
    orgIds: Type.Optional(Type.Array(Type.String(), { description: 'Omitted: every org of the tenant' })),
  },
  { additionalProperties: false },
)

const NewClient = Type.Object({ userId: Type.String({ minLength: 1 }) }, { additionalProperties: false })
const ClientCredentials = Type.Object({ client_id: Type.String(), client_secret: Type.String() })
const TenantParams = Type.Object({ tenantId: Type.String() })

export interface AdminDeps extends Pick<AppDeps, 'db' | 'verifier' | 'config'> {
  /** Runs after a tenant's rows are gone (its files, caches). */
  onTenantDeleted: ((tenantId: string) => Promise<void>)[]
}

/** An admin user of a new tenant, its OAuth client and a token of it. */
async function readyClient(deps: AdminDeps, tenant: TenantRecord) {
  const user = await createUser(deps.db, tenant.id, { username: 'admin', admin: true })
  const client = await createOAuthClient(deps.db, tenant.id, { userId: user.id })
  const grant = await mintToken(deps.db, deps.config.tokenTtlSeconds, { tenant, user, clientId: client.client_id })
  return { userId: user.id, ...client, access_token: grant.access_token, token_type: grant.token_type, expires_in: grant.expires_in }
}

export async function adminRoutes(app: FastifyInstance, deps: AdminDeps) {
  const config = { auth: 'admin', family: 'admin' } as const
  const tags = ['admin']
  const security = [{ adminToken: [] }]

  app.post<{ Body: Static<typeof NewTenant> }>(
    '/admin/tenants',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Create a tenant; with withClient, ready to call: an admin user, an OAuth client and a token (and seed data)',
        body: NewTenant,
        response: { 201: NewTenantAnswer },
      },
    },
    async (request, reply) => {
      const { withClient, seed, ...input } = request.body
      const tenant = await createTenant(deps.db, input)
      if (!withClient && !seed) return reply.code(201).send(tenant)
      // A tenant made for a test, ready in one call (issue 15): what POST .../users, .../oauth-clients and /oauth/token would do.
      const ready = withClient ? await readyClient(deps, tenant) : {}
      const seeded = seed ? await seedTenant(deps.db, tenant.id, { accounts: seed.accounts, seed: seed.seed }) : undefined
      reply.header('Cache-Control', 'no-store')
      return reply.code(201).send({
        ...tenant,
        ...ready,
        ...(seeded && { seeded: { accounts: seeded.accounts, seed: seeded.seed, rows: Object.values(seeded.rows).reduce((a, b) => a + b, 0) } }),
      })
    },
  )

  app.get(
    '/admin/tenants',
    { config, schema: { tags, security, summary: 'List tenants', response: { 200: Type.Object({ tenants: Type.Array(Tenant) }) } } },
    async () => ({ tenants: await listTenants(deps.db) }),
  )

  app.get<{ Params: Static<typeof TenantParams> }>(
    '/admin/tenants/:tenantId',
    { config, schema: { tags, security, summary: 'Retrieve a tenant', params: TenantParams, response: { 200: Tenant } } },
    async (request) => requireTenant(deps.db, request.params.tenantId),
  )

  app.delete<{ Params: Static<typeof TenantParams> }>(
    '/admin/tenants/:tenantId',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Delete a tenant with all its data and files',
        params: TenantParams,
        response: { 200: Type.Object({ id: Type.String(), deleted: Type.Boolean() }) },
      },
    },
    async (request) => {
      const { tenantId } = request.params
      await deleteTenant(deps.db, tenantId)
      deps.verifier.forgetTenant(tenantId)
      for (const cleanup of deps.onTenantDeleted) await cleanup(tenantId)
      return { id: tenantId, deleted: true }
    },
  )

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof NewUser> }>(
    '/admin/tenants/:tenantId/users',
    {
      config,
      schema: { tags, security, summary: 'Create a user', params: TenantParams, body: NewUser, response: { 201: User } },
    },
    async (request, reply) => reply.code(201).send(await createUser(deps.db, request.params.tenantId, request.body)),
  )

  app.get<{ Params: Static<typeof TenantParams> }>(
    '/admin/tenants/:tenantId/users',
    {
      config,
      schema: { tags, security, summary: 'List users', params: TenantParams, response: { 200: Type.Object({ users: Type.Array(User) }) } },
    },
    async (request) => ({ users: await listUsers(deps.db, request.params.tenantId) }),
  )

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof NewClient> }>(
    '/admin/tenants/:tenantId/oauth-clients',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Create an OAuth client for a user',
        params: TenantParams,
        body: NewClient,
        response: { 201: ClientCredentials },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createOAuthClient(deps.db, request.params.tenantId, { userId: request.body.userId })),
  )
}
