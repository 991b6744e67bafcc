// JSON with exact numbers. Custom object integers span int64 and numbers carry 22 digits,
// more than a JavaScript number holds; record bodies are parsed with every number kept as
// its source text (JSON.rawJSON), which JSON.stringify writes back unchanged, and jsonb
// stores exactly.

export interface RawNumber {
  readonly rawJSON: string
}

const Json = JSON as JSON & {
  rawJSON(text: string): RawNumber
  isRawJSON(value: unknown): value is RawNumber
}

type Reviver = (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown

const exact: Reviver = (key, value, context) => {
  // A `__proto__` key would become an own property; nothing here needs it, and dropping it
  // keeps later merges (JSON merge patch) from touching prototypes.
  if (key === '__proto__') return undefined
  if (typeof value === 'number' && context.source !== undefined) return Json.rawJSON(context.source)
  return value
}

/** JSON.parse, numbers as RawNumber (their exact text). Throws SyntaxError like JSON.parse. */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, exact as Parameters<typeof JSON.parse>[1])
}

export const rawNumber = (text: string): RawNumber => Json.rawJSON(text)
export const isRawNumber = (value: unknown): value is RawNumber => Json.isRawJSON(value)

const plain: Reviver = (key, value) => (key === '__proto__' ? undefined : value)

/** JSON.parse without `__proto__` keys (numbers as JavaScript numbers). */
export function parseJson(text: string): unknown {
  return JSON.parse(text, plain as Parameters<typeof JSON.parse>[1])
}
