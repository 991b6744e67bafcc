// Compression stages of the result pipeline: gzip (node:zlib) or a one-entry ZIP (yazl),
// both streamed, so a result of any size takes the same memory.
import { Duplex, PassThrough, type DuplexOptions } from 'node:stream'
import { createGzip, type ZlibOptions } from 'node:zlib'
import { ZipFile } from 'yazl'

/**
 * Deflate level of GZIP and ZIP results. Level 1 (zlib's fastest) compresses these CSV and
 * JSON files about three times faster than the default 6 for files about 20% larger
 * (measured: see docs/decisions.md), and keeps compression from bounding an export's speed.
 */
export const DEFLATE_LEVEL = 1

// Larger output chunks mean fewer, cheaper steps downstream (encryption, the file store).
const CHUNK_BYTES = 64 * 1024

export function gzipStage(): Duplex {
  const options: ZlibOptions & DuplexOptions = { level: DEFLATE_LEVEL, chunkSize: CHUNK_BYTES }
  return createGzip(options)
}

/** A ZIP archive holding one entry, `entryName`, made of what is written to the stage. */
export function zipStage(entryName: string, mtime: Date): Duplex {
  const zip = new ZipFile()
  const entry = new PassThrough()
  zip.addReadStream(entry, entryName, { compressionLevel: DEFLATE_LEVEL, mtime })
  zip.end()
  const stage = Duplex.from({ writable: entry, readable: zip.outputStream })
  // yazl reports its own failures as events of the archive, not of its output stream.
  zip.on('error', (error: Error) => stage.destroy(error))
  return stage
}
