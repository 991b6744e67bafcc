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
} from '../../platform/tenants.ts'
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
  },
  { additionalProperties: false },
)

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

export interface AdminDeps extends Pick<AppDeps, 'db' | 'verifier'> {
  /** Runs after a tenant's rows are gone (its files, caches). */
  onTenantDeleted: ((tenantId: string) => Promise<void>)[]
}

export async function adminRoutes(app: FastifyInstance, deps: AdminDeps) {
  const config = { auth: 'admin', family: 'admin' } as const
  const tags = ['admin']
  const security = [{ adminToken: [] }]

  app.post<{ Body: Static<typeof NewTenant> }>(
    '/admin/tenants',
    { config, schema: { tags, security, summary: 'Create a tenant', body: NewTenant, response: { 201: Tenant } } },
    async (request, reply) => reply.code(201).send(await createTenant(deps.db, request.body)),
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
