// Schema helpers the families' request schemas share.
import { Type, type Static, type TSchema } from 'typebox'

/**
 * An optional request field that also takes `null`, read as absent. Clients generated from
 * Zuora's OpenAPI models send every optional field a model holds: unset ones as `null` in many
 * languages (C#, Java with some serialisers, Python dataclasses), so a field Zuora's model
 * declares optional must take `null` (docs/decisions.md, "What Zuora's models send").
 *
 * A schema of one type gets OpenAPI's `nullable` (Ajv knows it), so that a wrong value is
 * still told "must be boolean"; a union of literals gets `null` as one more branch.
 */
export function OrNull<T extends TSchema>(schema: T) {
  const plain = schema as { type?: unknown; const?: unknown; enum?: unknown }
  const single = typeof plain.type === 'string' && plain.const === undefined && plain.enum === undefined
  return Type.Optional(single ? Type.Unsafe<Static<T> | null>({ ...schema, nullable: true }) : Type.Union([schema, Type.Null()]))
}
