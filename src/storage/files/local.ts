// Blobs as files under a folder (<data dir>/files/<tenant>/<id>). A blob is written to a
// temporary name and renamed when complete, so a key never shows half a file.
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { BlobStore } from './blobs.ts'

export class LocalBlobStore implements BlobStore {
  readonly #root: string

  constructor(root: string) {
    this.#root = resolve(root)
  }

  async write(key: string, body: Readable): Promise<void> {
    const path = this.#path(key)
    const partial = join(dirname(path), `.${randomBytes(8).toString('hex')}.partial`)
    await mkdir(dirname(path), { recursive: true })
    try {
      // flush: fsync before the rename, so a crash cannot leave a complete name on partial bytes.
      await pipeline(body, createWriteStream(partial, { flags: 'wx', flush: true }))
      await rename(partial, path)
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
  }

  async read(key: string): Promise<Readable | undefined> {
    let handle
    try {
      handle = await open(this.#path(key), 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    return handle.createReadStream()
  }

  async remove(key: string): Promise<void> {
    await rm(this.#path(key), { force: true })
  }

  async removePrefix(prefix: string): Promise<void> {
    // Keys are "{tenant}/{id}": a tenant's prefix is its folder.
    await rm(this.#path(prefix), { recursive: true, force: true })
  }

  #path(key: string): string {
    const path = resolve(this.#root, key)
    // Keys are made by zjobs, never by clients; this only guards against a bug escaping the root.
    if (!path.startsWith(this.#root + sep)) throw new Error(`blob key ${key} is outside the file store`)
    return path
  }
}
