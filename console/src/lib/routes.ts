// The console's addresses: every view has a path under /console (bookmarkable, shareable, the
// browser's back button works), and the jobs list keeps its filters in the query string.
// Pure functions: the app's router and its tests use them.
import { FAMILIES, STATES, type JobFamily, type JobState } from '../../../src/client/jobs.ts'

export const BASE = '/console'

export const SINCE = ['1h', '24h', '7d', '30d'] as const
export type Since = (typeof SINCE)[number]

export interface JobFilters {
  family?: JobFamily
  state?: JobState
  /** A family's job type: an operation, an import type, an auto backfill type. */
  type?: string
  since?: Since
  /** How many jobs to show (the list grows by "Show more"). */
  limit?: number
}

export const ADMIN_TABS = ['users', 'data', 'sandbox', 'jobs'] as const
export type AdminTab = (typeof ADMIN_TABS)[number]

export type Route =
  | { page: 'sign-in'; next?: string }
  | { page: 'jobs'; filters: JobFilters }
  | { page: 'job'; family: JobFamily; id: string }
  | { page: 'query'; jobId?: string }
  | { page: 'upload'; kind: 'objects' | 'backfill' }
  | { page: 'objects'; object?: string }
  | { page: 'backfill' }
  | { page: 'admin' }
  | { page: 'tenant'; tenantId: string; tab: AdminTab }
  | { page: 'not-found'; path: string }

const DEFAULT_LIMIT = 50

const isFamily = (value: string | null): value is JobFamily => value !== null && (FAMILIES as readonly string[]).includes(value)
const isState = (value: string | null): value is JobState => value !== null && (STATES as readonly string[]).includes(value)
const isSince = (value: string | null): value is Since => value !== null && (SINCE as readonly string[]).includes(value)

export function parseFilters(search: string): JobFilters {
  const params = new URLSearchParams(search)
  const filters: JobFilters = {}
  const family = params.get('family')
  if (isFamily(family)) filters.family = family
  const state = params.get('state')
  if (isState(state)) filters.state = state
  const type = params.get('type')
  if (type) filters.type = type
  const since = params.get('since')
  if (isSince(since)) filters.since = since
  const limit = Number(params.get('limit'))
  if (Number.isInteger(limit) && limit > 0 && limit !== DEFAULT_LIMIT) filters.limit = Math.min(limit, 1000)
  return filters
}

export const limitOf = (filters: JobFilters) => filters.limit ?? DEFAULT_LIMIT

/** The view of a location under /console (a path outside it is not the console's). */
export function parseRoute(pathname: string, search = ''): Route {
  const path = pathname.replace(/\/+$/, '')
  if (path !== BASE && !path.startsWith(`${BASE}/`)) return { page: 'not-found', path: pathname }
  const parts = path
    .slice(BASE.length)
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part)
      } catch {
        return part
      }
    })
  const params = new URLSearchParams(search)
  const [first, second, third, fourth] = parts
  switch (first) {
    case undefined:
    case 'jobs':
      if (second === undefined) return { page: 'jobs', filters: parseFilters(search) }
      if (isFamily(second) && third && fourth === undefined) return { page: 'job', family: second, id: third }
      break
    case 'sign-in': {
      const next = params.get('next')
      // Only a console path: never a way to another site.
      return next && next.startsWith(`${BASE}/`) && !next.startsWith('//') ? { page: 'sign-in', next } : { page: 'sign-in' }
    }
    case 'query':
      if (second === undefined) return params.get('job') ? { page: 'query', jobId: params.get('job')! } : { page: 'query' }
      break
    case 'upload':
      if (second === undefined) return { page: 'upload', kind: params.get('kind') === 'backfill' ? 'backfill' : 'objects' }
      break
    case 'objects':
      if (third === undefined) return second ? { page: 'objects', object: second } : { page: 'objects' }
      break
    case 'backfill':
      if (second === undefined) return { page: 'backfill' }
      break
    case 'admin':
      if (second === undefined) return { page: 'admin' }
      if (second === 'tenants' && third && parts.length <= 4) {
        const tab = (ADMIN_TABS as readonly string[]).includes(fourth ?? '') ? (fourth as AdminTab) : 'users'
        if (fourth === undefined || tab === fourth) return { page: 'tenant', tenantId: third, tab }
      }
      break
  }
  return { page: 'not-found', path: pathname }
}

const enc = encodeURIComponent

/** The path (with its query) of a view: parseRoute(routePath(r)) is r. */
export function routePath(route: Route): string {
  switch (route.page) {
    case 'sign-in':
      return `${BASE}/sign-in${route.next ? `?next=${enc(route.next)}` : ''}`
    case 'jobs': {
      const params = new URLSearchParams()
      const { family, state, type, since, limit } = route.filters
      if (family) params.set('family', family)
      if (state) params.set('state', state)
      if (type) params.set('type', type)
      if (since) params.set('since', since)
      if (limit && limit !== DEFAULT_LIMIT) params.set('limit', String(limit))
      const query = params.toString()
      return `${BASE}/jobs${query ? `?${query}` : ''}`
    }
    case 'job':
      return `${BASE}/jobs/${route.family}/${enc(route.id)}`
    case 'query':
      return `${BASE}/query${route.jobId ? `?job=${enc(route.jobId)}` : ''}`
    case 'upload':
      return `${BASE}/upload${route.kind === 'backfill' ? '?kind=backfill' : ''}`
    case 'objects':
      return `${BASE}/objects${route.object ? `/${enc(route.object)}` : ''}`
    case 'backfill':
      return `${BASE}/backfill`
    case 'admin':
      return `${BASE}/admin`
    case 'tenant':
      return `${BASE}/admin/tenants/${enc(route.tenantId)}${route.tab === 'users' ? '' : `/${route.tab}`}`
    case 'not-found':
      return route.path
  }
}
