// A local S3-compatible server for tests: s3rver (an npm package, so `npm ci` is all a fresh
// machine needs), in a child process so that its memory and event loop stay out of the test
// process's, with its objects in a temporary folder. Run as a script, this file is that child.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Config } from '../../src/config.ts'
import { s3Client, type S3Settings } from '../../src/storage/files/s3.ts'

const BUCKET = 'zjobs-test'
// s3rver's built-in account.
const CREDENTIALS = { s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' }

export interface TestS3 {
  /** Settings that point a zjobs file store at this server. */
  settings: Partial<Config>
  /** A client of its own, to look into the bucket. */
  client: S3Client
  /** The keys in the bucket under `prefix`. */
  keys(prefix: string): Promise<string[]>
  stop(): Promise<void>
}

export async function startTestS3(): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'zjobs-s3-'))
  const child = fork(fileURLToPath(import.meta.url), [directory], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [message] = (await once(child, 'message')) as [{ port: number }]
  const s3: S3Settings = {
    s3Endpoint: `http://127.0.0.1:${message.port}`,
    s3Bucket: BUCKET,
    s3Region: 'us-east-1',
    s3ForcePathStyle: true,
    ...CREDENTIALS,
  }
  const settings: Partial<Config> = { fileStore: 's3', ...s3 }
  const client = s3Client(s3)
  return {
    settings,
    client,
    async keys(prefix) {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))
      return (listed.Contents ?? []).map((object) => object.Key!).sort()
    },
    async stop() {
      client.destroy()
      const exited = once(child, 'exit')
      child.kill()
      await exited
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

async function serve(directory: string): Promise<void> {
  // s3rver ships no type declarations.
  const S3rver = createRequire(import.meta.url)('@20minutes/s3rver')
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET }],
    // s3rver drops the trailing slash of bucket-level paths (ListObjectsV2, DeleteObjects) when
    // it recomputes a signature, so the AWS SDK's correct signatures of those calls mismatch.
    allowMismatchedSignatures: true,
  })
  const { port } = await server.run()
  process.send!({ port })
  // Gone with the test process, however it ends.
  process.on('disconnect', () => process.exit(0))
}

if (import.meta.main) await serve(process.argv[2])
