// The job types a tenant can pace, each its family's lifecycle (its stages, its words for them).
import { BATCH_JOB_LIFECYCLES } from '../backfill/batch/service.ts'
import { FILE_JOB_LIFECYCLE } from '../backfill/files/service.ts'
import type { JobLifecycle } from '../jobs/lifecycle.ts'
import { BULK_LIFECYCLE } from '../objects/bulk/service.ts'
import { DATA_QUERY_LIFECYCLE } from '../query/service.ts'

export const JOB_TYPES: readonly JobLifecycle[] = [
  DATA_QUERY_LIFECYCLE,
  BULK_LIFECYCLE,
  FILE_JOB_LIFECYCLE,
  BATCH_JOB_LIFECYCLES.propagation,
  BATCH_JOB_LIFECYCLES.bookingDate,
]

export const lifecycleOfKind = (kind: string): JobLifecycle | undefined => JOB_TYPES.find((type) => type.kinds.includes(kind))
