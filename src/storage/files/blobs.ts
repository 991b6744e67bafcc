// Where a file's bytes live, by key ("{tenantId}/{fileId}"): a folder or an S3 bucket. Both
// stream both ways; neither keeps a whole file in memory.
import type { Readable } from 'node:stream'

export interface BlobStore {
  /** Stores the stream's bytes under `key`; resolves once they are durably stored. */
  write(key: string, body: Readable, contentType: string): Promise<void>
  /** The bytes under `key`, or undefined when there are none. */
  read(key: string): Promise<Readable | undefined>
  /** Removes `key`; a missing key is not an error. */
  remove(key: string): Promise<void>
  /** Removes every key that starts with `prefix` (a tenant's "{tenantId}/"). */
  removePrefix(prefix: string): Promise<void>
}
