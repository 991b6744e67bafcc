// Blobs as objects in an S3-compatible bucket. Uploads stream as multipart uploads of
// PART_SIZE parts (the object appears only when the upload completes); downloads stream
// the object's body.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { Readable } from 'node:stream'
import type { Config } from '../../config.ts'
import type { BlobStore } from './blobs.ts'

// S3's smallest part; with QUEUE_SIZE parts in flight an upload holds about 10 MB.
const PART_SIZE = 5 * 1024 * 1024
const QUEUE_SIZE = 2

export type S3Settings = Pick<
  Config,
  's3Endpoint' | 's3Bucket' | 's3Region' | 's3AccessKeyId' | 's3SecretAccessKey' | 's3ForcePathStyle'
>

export function s3Client(settings: S3Settings): S3Client {
  const { s3AccessKeyId, s3SecretAccessKey } = settings
  return new S3Client({
    endpoint: settings.s3Endpoint,
    region: settings.s3Region,
    forcePathStyle: settings.s3ForcePathStyle,
    credentials:
      s3AccessKeyId && s3SecretAccessKey ? { accessKeyId: s3AccessKeyId, secretAccessKey: s3SecretAccessKey } : undefined,
    // Checksums only where S3 requires them: many S3-compatible servers refuse the SDK's
    // default flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

export class S3BlobStore implements BlobStore {
  readonly #client: S3Client
  readonly #bucket: string

  constructor(client: S3Client, bucket: string) {
    this.#client = client
    this.#bucket = bucket
  }

  async write(key: string, body: Readable, contentType: string): Promise<void> {
    // On failure lib-storage aborts the multipart upload, so no object and no parts remain.
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: key, Body: body, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    })
    await upload.done()
  }

  async read(key: string): Promise<Readable | undefined> {
    try {
      const object = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }))
      return object.Body as Readable
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined
      throw error
    }
  }

  async remove(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }))
  }

  async removePrefix(prefix: string): Promise<void> {
    let token: string | undefined
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
      )
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []))
      if (keys.length > 0) await this.#deleteKeys(keys)
      token = page.NextContinuationToken
    } while (token)
  }

  // A listing page holds at most 1000 keys, as many as one DeleteObjects takes.
  async #deleteKeys(keys: { Key: string }[]): Promise<void> {
    const result = await this.#client.send(
      new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: keys, Quiet: true } }),
    )
    const failed = result.Errors?.[0]
    if (failed) throw new Error(`S3 refused to delete ${failed.Key}: ${failed.Code} ${failed.Message}`)
  }
}
