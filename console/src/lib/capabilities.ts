// What the signed-in user may do, as the API answers it: each family's cheapest read is tried,
// and a refusal (403, or Custom Objects records' 401) hides that family's pages and actions.
// The console never decides permissions itself: it shows what the API lets the user see.
import { backfillTemplate } from '../../../src/client/backfill.ts'
import type { ZuoraClient } from '../../../src/client/client.ts'
import { ZuoraError } from '../../../src/client/errors.ts'
import { listBulkJobs, listDefinitions } from '../../../src/client/objects.ts'
import { listQueries } from '../../../src/client/query.ts'
import type { JobFamily } from '../../../src/client/jobs.ts'

export interface Capabilities {
  /** Data Query jobs. */
  query: boolean
  /** Custom object bulk jobs. */
  bulk: boolean
  /** Custom object definitions and records. */
  objects: boolean
  /** Data Backfill: file jobs, auto backfill, booking date. */
  backfill: boolean
}

export const isRefusal = (error: unknown): boolean => error instanceof ZuoraError && (error.status === 403 || error.status === 401)

async function allowed(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe()
    return true
  } catch (error) {
    // Anything but a refusal (a server error) does not hide a page: the page shows the error.
    return !isRefusal(error)
  }
}

export async function probeCapabilities(api: ZuoraClient, signal?: AbortSignal): Promise<Capabilities> {
  const [query, bulk, objects, backfill] = await Promise.all([
    allowed(() => listQueries(api, { pageSize: 1, signal })),
    allowed(() => listBulkJobs(api, { pageSize: 1, signal })),
    allowed(() => listDefinitions(api, signal)),
    allowed(() => backfillTemplate(api, 'RatePlanCharge', signal)),
  ])
  return { query, bulk, objects, backfill }
}

/** The job families the user may list. */
export function familiesAllowed(capabilities: Capabilities): JobFamily[] {
  const families: JobFamily[] = []
  if (capabilities.query) families.push('query')
  if (capabilities.bulk) families.push('objects')
  if (capabilities.backfill) families.push('backfill', 'auto', 'bookingdate')
  return families
}
