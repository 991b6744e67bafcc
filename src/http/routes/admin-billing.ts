// Admin plane, billing data: CSV import of billing objects into a tenant.
// (Seeding runs as an asynchronous job; its route belongs with the job engine.)
import type { FastifyInstance } from 'fastify'
import type { Readable } from 'node:stream'
import { Type, type Static } from 'typebox'
import { BILLING_OBJECTS } from '../../billing/model.ts'
import { importCsv, tooLarge } from '../../billing/import.ts'
import { ApiError, Category, invalid } from '../../platform/errors.ts'
import type { AppDeps } from '../context.ts'

const Params = Type.Object({ tenantId: Type.String() })
const Query = Type.Object(
  {
    object: Type.String({ minLength: 1, description: `Billing object, case-insensitive: ${BILLING_OBJECTS.map((o) => o.apiName).join(', ')}` }),
    entityId: Type.Optional(Type.String({ description: 'Entity the rows belong to (required on a multi-entity tenant)' })),
    orgId: Type.Optional(Type.String({ description: 'Org the rows belong to (required on a multi-org tenant)' })),
  },
  { additionalProperties: false },
)
const Imported = Type.Object({
  object: Type.String({ description: 'Data Query name of the object' }),
  rows: Type.Integer({ description: 'Rows imported' }),
})

export async function adminBillingRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'config'>) {
  const config = { auth: 'admin', family: 'admin' } as const
  const tags = ['admin']
  const security = [{ adminToken: [] }]

  // The body is handed over as a stream: the import parses it as it arrives, within its own limit.
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload))

  app.post<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/admin/tenants/:tenantId/import',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Import billing objects from a CSV file',
        description:
          'Body: text/csv (optionally gzip-encoded), a header of Data Query column names including id, one object per row. ' +
          'All rows are imported, or none.',
        params: Params,
        querystring: Query,
        response: { 200: Imported },
      },
    },
    async (request) => {
      const { tenantId } = request.params
      const { object, entityId, orgId } = request.query
      const body = request.body as Readable | undefined
      if (!/^text\/csv\b/i.test(request.headers['content-type'] ?? '')) {
        throw new ApiError(415, Category.unsupportedRequest, 'send the CSV file as the request body, with Content-Type: text/csv')
      }
      if (!body || typeof body.pipe !== 'function') throw invalid('send the CSV file as the request body, with Content-Type: text/csv')
      const declared = Number(request.headers['content-length'])
      if (!request.headers['content-encoding'] && declared > deps.config.importMaxBytes) {
        body.resume()
        throw tooLarge('the CSV file', deps.config.importMaxBytes)
      }
      return importCsv(deps.db, tenantId, object, body, { maxBytes: deps.config.importMaxBytes, entityId, orgId })
    },
  )
}
