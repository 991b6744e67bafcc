// `zjobs query "SQL"`: submits a Data Query, follows it (status and elapsed time on a
// terminal), downloads the result (a progress bar with bytes and rate), decrypts and
// decompresses it unless told not to, and writes it to a file or standard output. Ctrl-C
// cancels the job on the server before exiting.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { createGunzip } from 'node:zlib'
import { follow } from '../client/follow.ts'
import { cancelQuery, getQuery, QUERY_ENDS, submitQuery, type QueryJob, type QuerySubmission } from '../client/query.ts'
import { decryptionStage } from '../query/output/encryption.ts'
import { CliError, EXIT, usage } from './exit.ts'
import { drain, openSink, writableFolder, zipEntry } from './files.ts'
import { bytes, duration, type Bar } from './output.ts'
import { isInterrupted, type Session } from './session.ts'

export interface QueryFlags {
  format: string
  separator?: string
  compression: string
  out: string
  raw?: boolean
  readDeleted?: boolean
  source: string
  encryptWith?: string
}

const FORMATS: Record<string, QuerySubmission['outputFormat']> = { csv: 'CSV', tsv: 'TSV', dsv: 'DSV', jsonl: 'JSON', json: 'JSON' }
const COMPRESSIONS: Record<string, QuerySubmission['compression']> = { none: 'NONE', gzip: 'GZIP', zip: 'ZIP' }
const SOURCES: Record<string, NonNullable<QuerySubmission['sourceData']>> = { live: 'LIVE', warehouse: 'WAREHOUSE' }

interface Plan {
  submission: QuerySubmission
  /** Decrypt the download with this key (--encrypt-with a private key, without --raw). */
  decryptWith?: KeyObject
  /** Decompress the download (compressed, not --raw, and not left encrypted). */
  decompress: boolean
}

/** The submission the flags ask for; a usage error for a bad flag, before anything is sent. */
export function plan(sql: string, flags: QueryFlags, json: boolean): Plan {
  const outputFormat = FORMATS[flags.format.toLowerCase()]
  if (!outputFormat) throw usage(`--format must be csv, tsv, dsv or jsonl, got "${flags.format}"`)
  const compression = COMPRESSIONS[flags.compression.toLowerCase()]
  if (!compression) throw usage(`--compression must be none, gzip or zip, got "${flags.compression}"`)
  const sourceData = SOURCES[flags.source.toLowerCase()]
  if (!sourceData) throw usage(`--source must be live or warehouse, got "${flags.source}"`)
  if (outputFormat === 'DSV' && flags.separator === undefined) throw usage('--format dsv needs --separator (one character)')
  if (outputFormat !== 'DSV' && flags.separator !== undefined) throw usage('--separator goes with --format dsv')
  if (json && flags.out === '-') throw usage('with --json, name the result file with --out (standard output carries the JSON)')
  if (!sql.trim()) throw usage('the query is empty')
  if (flags.out !== '-') writableFolder(flags.out)

  const submission: QuerySubmission = { query: sql, outputFormat, compression, output: { target: 'S3' }, sourceData }
  if (flags.separator !== undefined) submission.columnSeparator = flags.separator
  if (flags.readDeleted) submission.readDeleted = true
  let privateKey: KeyObject | undefined
  if (flags.encryptWith !== undefined) {
    let pem: Buffer
    try {
      pem = readFileSync(flags.encryptWith)
    } catch (error) {
      throw usage(`cannot read ${flags.encryptWith}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    let publicKey: KeyObject
    try {
      // A private key: its public half goes to the server, and the download is decrypted here.
      privateKey = createPrivateKey(pem)
      publicKey = createPublicKey(privateKey)
    } catch {
      try {
        publicKey = createPublicKey(pem)
      } catch (error) {
        throw usage(`${flags.encryptWith} is not a PEM RSA key: ${(error as Error).message}`)
      }
    }
    if (publicKey.asymmetricKeyType !== 'rsa') throw usage(`${flags.encryptWith} is not an RSA key`)
    submission.encryptionKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  }
  const encrypted = submission.encryptionKey !== undefined
  const decryptWith = privateKey && !flags.raw ? privateKey : undefined
  const decompress = compression !== 'NONE' && !flags.raw && (!encrypted || decryptWith !== undefined)
  const binary = (compression !== 'NONE' && !decompress) || (encrypted && !decryptWith)
  if (flags.out === '-' && process.stdout.isTTY && binary) {
    throw usage('the result stays compressed or encrypted: name a file with --out')
  }
  return { submission, decryptWith, decompress }
}

export async function runQuery(session: Session, sql: string, flags: QueryFlags): Promise<void> {
  const { out, client, interrupt } = session
  const { submission, decryptWith, decompress } = plan(sql, flags, out.json)
  const started = performance.now()

  // The submission is not aborted by Ctrl-C: its answer names the job to cancel.
  const submitted = await submitQuery(client, submission)
  const id = submitted.id
  if (!out.live) out.note(`query job ${id} submitted`)

  let job: QueryJob = submitted
  const showStatus = () => out.status(`query ${id} ${job.queryStatus} · ${duration(performance.now() - started)}`)
  showStatus()
  const ticker = setInterval(showStatus, 100)
  try {
    if (interrupt.aborted) throw interrupt.reason
    job = await follow((signal) => getQuery(client, id, signal), (j) => QUERY_ENDS.includes(j.queryStatus), {
      signal: interrupt,
      onUpdate: (update) => (job = update),
    })
  } catch (error) {
    if (isInterrupted(error)) await cancelOnServer(session, id)
    throw error
  } finally {
    clearInterval(ticker)
    out.clearStatus()
  }

  if (job.queryStatus !== 'completed') {
    if (out.json) out.printJson({ job })
    const why = job.queryStatus === 'failed' ? `failed: ${job.errorMessage ?? 'no errorMessage given'}` : 'was cancelled'
    throw new CliError(`query job ${id} ${why}`, EXIT.failed)
  }
  if (!job.dataFile) throw new CliError(`query job ${id} completed without a dataFile link`, EXIT.failed)

  const written = await download(session, job, flags.out, { compression: submission.compression, decryptWith, decompress })
  const rows = job.outputRows ?? 0
  const where = flags.out === '-' ? 'standard output' : flags.out
  out.note(`${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} (${bytes(written)}) to ${where} in ${duration(performance.now() - started)}`)
  if (out.json) out.printJson({ job, file: { path: flags.out, bytes: written } })
}

/** Cancels the job on the server (DELETE /query/jobs/{id}), then exits 130 saying so. */
async function cancelOnServer(session: Session, id: string): Promise<never> {
  const { out, client } = session
  out.clearStatus()
  try {
    const cancelled = await cancelQuery(client, id, AbortSignal.timeout(15_000))
    throw new CliError(`interrupted: query job ${id} cancelled on the server (${cancelled.queryStatus})`, EXIT.interrupted)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`interrupted; cancelling query job ${id} failed: ${(error as Error).message}`, EXIT.interrupted)
  }
}

interface Decoding {
  compression: QuerySubmission['compression']
  decryptWith?: KeyObject
  decompress: boolean
}

/** Streams the result file to `path`: decrypted and decompressed as asked. Answers the bytes written. */
async function download(session: Session, job: QueryJob, path: string, decoding: Decoding): Promise<number> {
  const { out, client, interrupt } = session
  const started = performance.now()
  let received = 0
  let bar: Bar = { update() {}, setTotal() {}, stop() {} }
  const file = await client.download(job.dataFile!, {
    signal: interrupt,
    onProgress: (n) => {
      received = n
      bar.update(n, { done: bytes(n), rate: `${bytes(n / Math.max(0.001, (performance.now() - started) / 1000))}/s` })
    },
  })
  // Not when the data goes to the terminal the bar is drawn on: it would cut through the data.
  if (!(path === '-' && out.stdoutTty)) {
    const of = file.size !== undefined ? ` of ${bytes(file.size)}` : ''
    bar = out.bar(`downloading |{bar}| {percentage}% {done}${of} · {rate}`, file.size ?? 0, { done: '0 B', rate: '' })
  }

  const sink = openSink(path)
  let written = 0
  const counter = () =>
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length
        done(null, chunk)
      },
    })
  const unzip = decoding.compression === 'ZIP' && decoding.decompress
  const zipTemp = join(tmpdir(), `.zjobs-${process.pid}-${job.id}.zip`)
  try {
    const source = Readable.fromWeb(file.body as WebReadableStream<Uint8Array>)
    const decrypt = decoding.decryptWith ? [decryptionStage(decoding.decryptWith)] : []
    if (unzip) {
      // A zip is read from its end: downloaded to a temporary file first.
      const temp = openSink(zipTemp)
      await drain(source, decrypt, temp, interrupt).catch(async (error) => {
        await temp.discard()
        throw error
      })
      await temp.commit()
      bar.stop()
      await drain(await zipEntry(zipTemp), [counter()], sink, interrupt)
    } else {
      const gunzip = decoding.compression === 'GZIP' && decoding.decompress ? [createGunzip()] : []
      await drain(source, [...decrypt, ...gunzip, counter()], sink, interrupt)
    }
    bar.stop()
    if (file.size !== undefined && received !== file.size) throw new Error(`the download ended after ${received} of ${file.size} bytes`)
    await sink.commit()
    return written
  } catch (error) {
    bar.stop()
    await sink.discard()
    if (isInterrupted(error) || interrupt.aborted) {
      throw new CliError(`interrupted during the download: query job ${job.id} had completed (nothing to cancel); nothing written`, EXIT.interrupted)
    }
    throw new CliError(`cannot write the result of query job ${job.id}: ${(error as Error).message}`, EXIT.unavailable)
  } finally {
    if (unzip) await rm(zipTemp, { force: true })
  }
}
