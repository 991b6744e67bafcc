// Request validation errors as a person can act on them. Ajv reports what failed in its own
// terms ("must be equal to constant", "must match a schema in anyOf", one error per branch of
// a union); this turns its list into problems, each naming the field and what it takes:
// `body.type must be one of RatePlanCharge, OrderLineItem`, `body.query is required`,
// `body.action.ids must be array`. A union of literals names its values; a union of objects
// told apart by a literal field (the batch action's `type`) reports the branch the value
// chose, or the values of that field when it chose none.
import { Category } from '../platform/errors.ts'

/** What Ajv reports per failed keyword (the fields used here). */
export interface AjvError {
  instancePath: string
  schemaPath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

export interface Problem {
  /** Zuora's category: 21 an unknown field, 22 a missing one, 20 any other invalid value. */
  category: Category
  message: string
}

/** At most this many problems are reported of one request (a 1,000-item array of wrong items would make 1,000). */
export const MAX_PROBLEMS = 50

const UNIONS = new Set(['anyOf', 'oneOf'])

/** The problems of a request part (`body`, `querystring`, `params`, `headers`), in the order Ajv found them. */
export function describeValidation(errors: readonly AjvError[], part: string): Problem[] {
  const problems: Problem[] = []
  const seen = new Set<string>()
  for (const problem of resolve(errors, part)) {
    if (seen.has(problem.message)) continue
    seen.add(problem.message)
    problems.push(problem)
    if (problems.length === MAX_PROBLEMS) break
  }
  return problems
}

function resolve(errors: readonly AjvError[], part: string): Problem[] {
  // The outermost unions: their branches' errors (inner unions included) are theirs to explain.
  const unions = errors.filter((e) => UNIONS.has(e.keyword) && !errors.some((o) => o !== e && UNIONS.has(o.keyword) && inside(e, o)))
  const problems: Problem[] = []
  for (const error of errors) {
    if (unions.some((union) => inside(error, union))) continue
    if (unions.includes(error)) problems.push(...union(error, errors.filter((e) => inside(e, error)), part))
    else problems.push(single(error, part))
  }
  return problems
}

/**
 * Whether `error` comes from a branch of `union`: below it in the schema, and at or below its
 * value (the items of an array share one schema path).
 */
const inside = (error: AjvError, union: AjvError) =>
  error.schemaPath.startsWith(`${union.schemaPath}/`) &&
  (error.instancePath === union.instancePath || error.instancePath.startsWith(`${union.instancePath}/`))

function union(error: AjvError, branchErrors: AjvError[], part: string): Problem[] {
  const branches = new Map<string, AjvError[]>()
  for (const e of branchErrors) {
    const branch = e.schemaPath.slice(error.schemaPath.length + 1).split('/')[0]!
    branches.set(branch, [...(branches.get(branch) ?? []), e])
  }
  const at = error.instancePath
  // A branch is refused outright when the value is not its type or literal, or when a literal
  // field of the object (a discriminator such as `type`) does not match.
  const outright = (e: AjvError) =>
    (e.instancePath === at && ['type', 'const', 'enum'].includes(e.keyword)) ||
    (['const', 'enum'].includes(e.keyword) && isChild(e.instancePath, at))
  const chosen = [...branches.values()].filter((list) => !list.some(outright))
  if (chosen.length > 0) {
    // The value is of a branch's kind and names its literals: that branch's problems (the
    // fewest, if several).
    const best = chosen.reduce((a, b) => (b.length < a.length ? b : a))
    return resolve(best, part)
  }
  // The value chose no branch. If it is an object of the right kind whose discriminator is
  // wrong, name the discriminator's values; else name the kinds and literals the union takes.
  const objectBranches = [...branches.values()].filter((list) => !list.some((e) => e.instancePath === at && e.keyword === 'type'))
  const discriminators = objectBranches.flatMap((list) => list.filter((e) => ['const', 'enum'].includes(e.keyword) && isChild(e.instancePath, at)))
  if (objectBranches.length > 0 && discriminators.length > 0) {
    const field = discriminators[0]!.instancePath
    return [oneOf(field, allowed(discriminators.filter((e) => e.instancePath === field)), [], part)]
  }
  const rootRefusals = branchErrors.filter((e) => e.instancePath === at && ['type', 'const', 'enum'].includes(e.keyword))
  const types = unique(rootRefusals.filter((e) => e.keyword === 'type').flatMap((e) => typesOf(e)))
  return [oneOf(at, allowed(rootRefusals), types, part)]
}

function isChild(path: string, parent: string): boolean {
  return path.startsWith(`${parent}/`) && !path.slice(parent.length + 1).includes('/')
}

function allowed(errors: AjvError[]): unknown[] {
  return unique(
    errors.flatMap((e) => (e.keyword === 'const' ? [e.params.allowedValue] : e.keyword === 'enum' ? ((e.params.allowedValues as unknown[]) ?? []) : [])),
  )
}

const typesOf = (e: AjvError) => String(e.params.type).split(',')

function oneOf(instancePath: string, values: unknown[], types: string[], part: string): Problem {
  const where = fieldName(part, instancePath)
  // `null` as a type reads as a value beside literals: "must be one of xsmall, NULL, null".
  if (values.length > 0 && types.includes('null')) values = [...values, null]
  const kinds = values.length > 0 ? types.filter((type) => type !== 'null') : types
  const parts: string[] = []
  if (values.length === 1 && kinds.length === 0) parts.push(`must be ${show(values[0])}`)
  else if (values.length > 0) parts.push(`must be one of ${values.map(show).join(', ')}`)
  if (kinds.length > 0) parts.push(`${values.length > 0 ? 'or' : 'must be'} ${kinds.join(' or ')}`)
  return { category: Category.invalidValue, message: `${where} ${parts.join(' ')}` }
}

function single(error: AjvError, part: string): Problem {
  const where = fieldName(part, error.instancePath)
  const { missingProperty, additionalProperty, allowedValues, allowedValue } = error.params as {
    missingProperty?: string
    additionalProperty?: string
    allowedValues?: unknown[]
    allowedValue?: unknown
  }
  switch (error.keyword) {
    case 'required':
      return { category: Category.missingField, message: `${where}.${missingProperty} is required` }
    case 'additionalProperties':
      return { category: Category.unknownField, message: `${where}.${additionalProperty} is not a known field` }
    case 'enum':
      return oneOf(error.instancePath, allowedValues ?? [], [], part)
    case 'const':
      return oneOf(error.instancePath, [allowedValue], [], part)
    case 'type':
      return { category: Category.invalidValue, message: `${where} must be ${typesOf(error).join(' or ')}` }
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems': {
      const limit = Number(error.params.limit)
      const unit = error.keyword.endsWith('Length') ? 'character' : 'item'
      if (error.keyword === 'minLength' && limit === 1) return { category: Category.invalidValue, message: `${where} must not be empty` }
      const bound = error.keyword.startsWith('min') ? 'at least' : 'at most'
      return { category: Category.invalidValue, message: `${where} must have ${bound} ${limit} ${unit}${limit === 1 ? '' : 's'}` }
    }
    default:
      return { category: Category.invalidValue, message: `${where} ${error.message ?? 'is not valid'}` }
  }
}

/** `body.action.ids`, `body.entities[1].name`: the part, then the JSON pointer's segments. */
function fieldName(part: string, instancePath: string): string {
  let name = part
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    name += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`
  }
  return name
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

function unique<T>(values: T[]): T[] {
  return [...new Set(values)]
}
