// TypeBox schemas of the Custom Objects routes: request validation and the OpenAPI document.
// Records carry the tenant's own fields, so their schemas stay open (additional properties
// are kept as they are, exact numbers included).
import { Type } from 'typebox'
import { OrNull } from '../platform/schemas.ts'

const open = (description: string, properties: Record<string, ReturnType<typeof Type.String>> = {}) =>
  Type.Object(properties, { additionalProperties: true, description })

export const ErrorBody = Type.Object(
  {
    code: Type.Integer({ description: '8-digit code: 6-digit resource, 2-digit category' }),
    message: Type.String(),
    details: Type.Optional(Type.Array(open('One problem: code, message and the record it is about'))),
  },
  { description: 'Custom Objects error' },
)

export const ObjectParams = Type.Object({ object: Type.String({ description: 'API name of the custom object (case-sensitive)' }) })
export const RecordParams = Type.Object({
  object: Type.String({ description: 'API name of the custom object (case-sensitive)' }),
  id: Type.String({ description: 'Record id: a 36-character UUID' }),
})
export const JobParams = Type.Object({ id: Type.String({ description: 'Bulk job id: a 36-character UUID' }) })

export const Definition = open('CustomObjectDefinition: Id, type, audit fields and the schema')
export const Definitions = Type.Object(
  { count: Type.Integer(), definitions: Type.Record(Type.String(), Definition) },
  { description: 'Definitions by API name' },
)
export const CreateDefinitionsBody = Type.Object(
  {
    definitions: Type.Record(Type.String(), Type.Unknown(), { description: 'Definitions by API name (a list response is accepted as is)' }),
    count: Type.Optional(Type.Integer({ description: 'Ignored: present in a copied list response' })),
  },
  { additionalProperties: false },
)
export const MigrationBody = Type.Object(
  { actions: Type.Array(open('One action: type, namespace, object, and field or relationship'), { minItems: 1 }) },
  { additionalProperties: false },
)

export const Record = open('A record: Id, type, the custom fields, CreatedById, CreatedDate, UpdatedById, UpdatedDate')
export const RecordInput = open('Custom fields of a record')
export const RecordsError = Type.Object({ code: Type.Integer(), message: Type.String(), details: Type.Array(open('A refused record')) })
export const CreateRecordsBody = Type.Object({
  records: Type.Array(Type.Unknown(), { description: 'At most 1000 records' }),
  allowPartialSuccess: OrNull(Type.Boolean({ default: false })),
})
export const CreatedRecords = Type.Object({ records: Type.Array(Record), error: Type.Optional(RecordsError) })
export const RecordList = Type.Object({
  count: Type.Integer({ description: 'Records matching q and ids (all pages)' }),
  records: Type.Array(Record),
})
export const ListRecordsQuery = Type.Object({
  q: Type.Optional(Type.String({ description: "Zuora's query syntax over filterable fields" })),
  ids: Type.Optional(Type.Array(Type.String(), { description: 'Record ids; repeat the parameter for several' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
  cursor: Type.Optional(Type.String({ description: 'Id of the last record of the previous page' })),
  page: Type.Optional(Type.Integer({ minimum: 1, description: 'Page number (without cursor)' })),
})
// Zuora's batch action is one model (CustomObjectRecordBatchAction: type, ids, records,
// allowPartialSuccess) whatever the type, and generated clients send the fields a type does not
// use as null or empty: a delete takes `records` and an update `ids` when they are null or
// empty, and `allowPartialSuccess` on both (docs/decisions.md, "What Zuora's models send").
const NoRecords = OrNull(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 0, description: 'Not used by a delete: null or {} only' }))
const NoIds = OrNull(Type.Array(Type.String(), { maxItems: 0, description: 'Not used by an update: null or [] only' }))
export const BatchBody = Type.Object(
  {
    action: Type.Union([
      Type.Object(
        {
          type: Type.Literal('delete'),
          ids: Type.Array(Type.String()),
          allowPartialSuccess: OrNull(Type.Boolean({ description: 'Accepted and ignored: a delete has no partial outcome' })),
          records: NoRecords,
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          type: Type.Literal('update'),
          records: Type.Record(Type.String(), Type.Unknown(), { description: 'Fields to change, by record id' }),
          allowPartialSuccess: OrNull(Type.Boolean({ description: 'Default false' })),
          ids: NoIds,
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
)
export const BatchResult = Type.Object({ error: Type.Optional(RecordsError) })
export const Uri = Type.String({ description: 'The URI of what was deleted' })

const Status = ['pending', 'accepted', 'in_progress', 'completed', 'failed', 'cancelled'] as const
export const BulkJob = Type.Object(
  {
    Id: Type.String({ format: 'uuid' }),
    CreatedById: Type.String(),
    CreatedDate: Type.String({ format: 'date-time' }),
    UpdatedById: Type.String(),
    UpdatedDate: Type.String({ format: 'date-time' }),
    namespace: Type.String(),
    object: Type.String(),
    operation: Type.String(),
    status: Type.Union(Status.map((status) => Type.Literal(status))),
    processingTime: Type.Integer({ description: 'Milliseconds from submission to the end; 0 until then' }),
    recordsProcessed: Type.Integer({ description: 'Rows processed (written or refused)' }),
    error: Type.Optional(Type.Object({ code: Type.Integer(), message: Type.String() })),
  },
  { additionalProperties: false },
)
export const SubmitJobBody = Type.Object({
  namespace: Type.Union([Type.Literal('default'), Type.Literal('com_zuora')]),
  object: Type.String({ minLength: 1 }),
  operation: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete')]),
  // null: no filter (a generated client sends the unset field).
  filter: OrNull(
    Type.Object({
      conditions: Type.Array(
        Type.Object({
          field: Type.String(),
          operator: Type.Union(['EQ', 'GT', 'LT', 'GE', 'LE'].map((operator) => Type.Literal(operator))),
          value: Type.Unknown(),
        }),
      ),
    }),
  ),
})
export const ListJobsQuery = Type.Object({
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
  cursor: Type.Optional(Type.String({ description: 'Id of the last job of the previous page' })),
  status: Type.Optional(Type.Union(Status.map((status) => Type.Literal(status)))),
})
export const JobList = Type.Object({ count: Type.Integer(), cursor: Type.Optional(Type.String()), jobs: Type.Array(BulkJob) })
export const JobErrors = Type.Object({
  errors: Type.Array(
    Type.Object({
      code: Type.Integer(),
      message: Type.String(),
      record: open('The row as read: header names to values'),
      row: Type.Integer({ description: 'CSV row number; the header is row 1' }),
    }),
  ),
})
