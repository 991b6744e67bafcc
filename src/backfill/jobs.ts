// The Data Backfill family's job kinds, for the engine's registry.
import type { JobKind } from '../jobs/types.ts'
import type { FileStore } from '../storage/files/store.ts'
import { batchJobKinds } from './batch-job.ts'
import { fileJobKind, type BackfillHooks } from './file-job.ts'

export function dataBackfillKinds(deps: { files: FileStore }, hooks: BackfillHooks = {}): JobKind[] {
  return [fileJobKind(deps, hooks) as JobKind, ...(batchJobKinds(hooks) as JobKind[])]
}
