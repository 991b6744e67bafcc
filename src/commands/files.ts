// Where a command's downloaded bytes go: a file, written under a temporary name and renamed
// once complete (an interrupted or failed download leaves nothing behind), or standard output.
import { createWriteStream, openAsBlob, statSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import { usage } from './exit.ts'

export interface Sink {
  /** The file's path, or `-` for standard output. */
  path: string
  stream: Writable
  /** Renames the finished file into place. */
  commit(): Promise<void>
  /** Removes what was written (a file only). */
  discard(): Promise<void>
}

export function openSink(path: string): Sink {
  if (path === '-') {
    return { path, stream: process.stdout, commit: async () => {}, discard: async () => {} }
  }
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`)
  const stream = createWriteStream(partial)
  return {
    path,
    stream,
    commit: () => rename(partial, path),
    discard: async () => {
      stream.destroy()
      await rm(partial, { force: true })
    },
  }
}

/** Pipes `source` through `stages` into the sink (standard output is left open). */
export async function drain(source: Readable, stages: NodeJS.ReadWriteStream[], sink: Sink, signal?: AbortSignal): Promise<void> {
  const streams = [source, ...stages, sink.stream] as unknown as [Readable, ...NodeJS.ReadWriteStream[], Writable]
  try {
    await pipeline(streams, { signal, end: sink.path !== '-' })
  } catch (error) {
    // A reader that stopped early (`| head`) is not an error of ours.
    if (sink.path === '-' && (error as NodeJS.ErrnoException).code === 'EPIPE') return
    throw error
  }
}

/** The one file of the zip archive at `zipPath`, streamed (inflated and checked as it is read). */
export async function zipEntry(zipPath: string): Promise<Readable> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: true })
  const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
    zip.on('entry', (found: yauzl.Entry) => (found.fileName.endsWith('/') ? zip.readEntry() : resolve(found)))
    zip.on('end', () => reject(new Error('the zip archive holds no file')))
    zip.on('error', reject)
    zip.readEntry()
  })
  return zip.openReadStreamPromise(entry)
}

/** A usage error, before any job is made, when `path`'s folder is not there to write the file in. */
export function writableFolder(path: string): void {
  const folder = dirname(path)
  let isFolder = false
  try {
    isFolder = statSync(folder).isDirectory()
  } catch {
    // missing
  }
  if (!isFolder) throw usage(`cannot write ${path}: there is no folder ${folder}`)
}

/** A file to upload: its size and a Blob that reads it lazily; a usage error when it is not a readable file. */
export async function inputFile(path: string): Promise<{ blob: Blob; size: number; name: string }> {
  try {
    const stat = statSync(path)
    if (!stat.isFile()) throw usage(`${path} is not a file`)
    return { blob: await openAsBlob(path), size: stat.size, name: basename(path) }
  } catch (error) {
    if ((error as { exitCode?: number }).exitCode !== undefined) throw error
    throw usage(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

