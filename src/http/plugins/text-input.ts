// Text no request may carry: a NUL character (PostgreSQL's text and jsonb cannot hold one)
// or a lone UTF-16 surrogate (JSON's "\ud800" escape; no UTF-8 encodes it). Found in a path
// parameter, the query string or a JSON or form body, it gets the family's 400 before any
// route reads it, so nothing is stored and no database error becomes a 500.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { invalid } from '../../platform/errors.ts'

const NUL = '\u0000'

/** Whether `text` is text every part of zjobs can store and send back. */
export const isStorableText = (text: string) => !text.includes(NUL) && text.isWellFormed()

/** The first place in `value` holding text that is not storable, as `where.key[0]`, or undefined. */
export function badTextAt(value: unknown, where: string, depth = 0): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : where
  // Bodies are parsed JSON: the nesting is bounded by the body limit, but not a stack's.
  if (value === null || typeof value !== 'object' || depth > 256) return undefined
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = badTextAt(value[index], `${where}[${index}]`, depth + 1)
      if (found) return found
    }
    return undefined
  }
  // Only parsed objects: a stream or Buffer body is a route's own to read.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return undefined
  for (const [key, field] of Object.entries(value)) {
    const at = `${where}.${isStorableText(key) ? key : '(a field name)'}`
    if (!isStorableText(key)) return at
    const found = badTextAt(field, at, depth + 1)
    if (found) return found
  }
  return undefined
}

export const textInput = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request) => {
    const where =
      badTextAt(request.params, 'path') ?? badTextAt(request.query, 'querystring') ?? badTextAt(request.body, 'body')
    if (where) {
      throw invalid(`${where} contains a NUL character or an unpaired UTF-16 surrogate, which no text value may hold`)
    }
  })
})
