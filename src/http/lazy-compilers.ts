// Fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses),
// made lazy: a route's validator or serializer is compiled by its first request instead of
// at start. Compiling every route's schemas up front was a third of `zjobs start`'s CPU on
// the main thread (ajv 157 ms, fast-json-stringify 49 ms of 1.4 s, measured with
// --cpu-prof); a first request pays its own route's few milliseconds instead.
import buildAjvCompiler from '@fastify/ajv-compiler'
import buildSerializerCompiler from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
// The builders' shape, as Fastify calls them: options once per instance, then one call per route schema.
type Builder<F> = (externalSchemas: unknown, options: unknown) => (route: unknown) => F

interface AjvValidator {
  (data: unknown, context?: unknown): unknown
  errors?: unknown
}

interface AjvOptions {
  customOptions?: Record<string, unknown>
}

// Bodies are JSON, typed by the client: a value of the wrong type is refused (400), never
// coerced ({"query": 1}, "batchSize": "10"), and every problem of a body is reported at once
// (allErrors: src/http/validation.ts words them). allErrors costs a valid body nothing (the
// same checks run); a wrong one is checked to its end, within the body limit. Paths, query
// strings and headers are text, keep the app's coercion (?pageSize=10 is a number) and stop
// at the first problem.
const buildValidator: Builder<AjvValidator> = (externalSchemas, ajvOptions) => {
  const options = (ajvOptions ?? {}) as AjvOptions
  const strict = { ...options, customOptions: { ...options.customOptions, coerceTypes: false, allErrors: true } }
  const compileText = (buildAjvCompiler() as unknown as Builder<AjvValidator>)(externalSchemas, ajvOptions)
  const compileJson = (buildAjvCompiler() as unknown as Builder<AjvValidator>)(externalSchemas, strict)
  return (route) => {
    const compileNow = (route as { httpPart?: string }).httpPart === 'body' ? compileJson : compileText
    let compiled: AjvValidator | undefined
    const validate: AjvValidator = (data, context) => {
      compiled ??= compileNow(route)
      const result = compiled(data, context)
      validate.errors = compiled.errors
      return result
    }
    // Fastify hands Ajv functions (those with a schemaEnv) the parent object, so that a
    // coerced root value is written back; the lazy function stands for one.
    return Object.assign(validate, { schemaEnv: true })
  }
}

const buildSerializer: Builder<(data: unknown) => string> = (externalSchemas, serializerOptions) => {
  const compileNow = (buildSerializerCompiler as unknown as () => Builder<(data: unknown) => string>)()(externalSchemas, serializerOptions)
  return (route) => {
    let compiled: ((data: unknown) => string) | undefined
    return (data: unknown) => (compiled ??= compileNow(route))(data)
  }
}

export const lazyCompilers = { buildValidator, buildSerializer } as unknown as CompilersFactory
