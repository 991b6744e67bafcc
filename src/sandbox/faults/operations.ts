// The operations a request fault can match: every route of the API families (Data Query,
// Custom Objects, the v1 Data Backfill paths) and /oauth/token, as the app registered them,
// with Zuora's operationIds. Collected once per app by the faults layer's onRoute hook.
import type { Family } from '../../http/errors.ts'

export interface Operation {
  method: string
  /** Fastify's path, `/query/jobs/:id`. */
  url: string
  /** The same with each parameter as `{}`: what rules and requests are compared on. */
  template: string
  operationId: string | null
  family: Family
}

/** The families whose operations faults reach. */
export const FAULT_FAMILIES: readonly Family[] = ['dataQuery', 'customObjects', 'v1', 'oauth']

/** Zuora's operationIds of routes zjobs' document gives none (its own name for the token route). */
const ALIASES: Record<string, string> = { 'POST /oauth/token': 'createToken' }

const templates = new Map<string, string>()

/** `/query/jobs/:id` and `/query/jobs/{job-id}` both as `/query/jobs/{}`; no trailing slash. */
export function templateOf(path: string): string {
  let template = templates.get(path)
  if (template !== undefined) return template
  template = path
    .split('?')[0]
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (segment.startsWith(':') || /^\{[^}]*\}$/.test(segment) ? '{}' : segment))
    .join('/')
  if (templates.size < 10_000) templates.set(path, template)
  return template
}

export class Operations {
  readonly list: Operation[] = []

  add(method: string, url: string, family: Family, operationId: string | undefined): void {
    if (method === 'HEAD' || !FAULT_FAMILIES.includes(family)) return
    this.list.push({ method, url, template: templateOf(url), family, operationId: operationId ?? ALIASES[`${method} ${url}`] ?? null })
  }

  byOperationId(operationId: string): Operation | undefined {
    const wanted = operationId.toLowerCase()
    return this.list.find((operation) => operation.operationId?.toLowerCase() === wanted)
  }

  /**
   * The operations a path names: a template (`/query/jobs/{job-id}`: any value of each
   * parameter) or a path (`/query/jobs/5948abde-...`: that value), with one method or any.
   */
  byPath(method: string | undefined, path: string): Operation[] {
    const segments = templateOf(path).split('/')
    const literal = path.split('?')[0].replace(/\/+$/, '').split('/')
    return this.list.filter((operation) => {
      if (method !== undefined && operation.method !== method) return false
      const own = operation.template.split('/')
      if (own.length !== segments.length) return false
      // A parameter of the rule matches only a parameter; a value matches a parameter or itself.
      return own.every((segment, i) => segment === segments[i] || (segment === '{}' && literal[i] !== undefined && !/^\{[^}]*\}$/.test(literal[i])))
    })
  }
}
