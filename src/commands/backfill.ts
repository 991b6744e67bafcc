// `zjobs backfill run|template|auto|stop`: Data Backfill jobs from a terminal, each followed
// with its progress as the API reports it (percentage, rows or batches, remaining time), the
// file job's result downloaded at its end.
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import {
  BACKFILL_TYPES,
  BATCH_JOB_ENDS,
  backfillTemplate,
  batchFamilyOf,
  createBatchJob,
  createFileJob,
  FILE_JOB_ENDS,
  getBatchJob,
  getFileJob,
  type BatchFamily,
  type BatchJob,
  type BatchType,
  type FileJob,
} from '../client/backfill.ts'
import { ZuoraError } from '../client/errors.ts'
import { follow } from '../client/follow.ts'
import { cancelJob, findJob, type JobSummary } from '../client/jobs.ts'
import { CliError, EXIT, usage } from './exit.ts'
import { drain, inputFile, openSink, writableFolder } from './files.ts'
import { bytes, duration, type Bar } from './output.ts'
import { isInterrupted, type Session } from './session.ts'

export interface RunFlags {
  out?: string
}

export async function runFileBackfill(session: Session, type: string, file: string, flags: RunFlags): Promise<void> {
  const { out, client, interrupt } = session
  const canonical = BACKFILL_TYPES.find((t) => t.toLowerCase() === type.toLowerCase())
  if (!canonical) throw usage(`the type must be one of ${BACKFILL_TYPES.join(', ')}, got "${type}"`)
  const input = await inputFile(file)
  if (flags.out !== undefined) writableFolder(flags.out)
  // The checksum makes the server refuse a file damaged on the way.
  const checksum = createHash('md5').update(await readFile(file)).digest('hex')
  out.status(`uploading ${input.name} (${bytes(input.size)})`)
  const id = await createFileJob(client, canonical, input.blob, { fileName: input.name, checksum, signal: interrupt })
  out.clearStatus()
  if (!out.live) out.note(`data backfill job ${id} submitted`)
  await followFileJob(session, id, flags.out)
}

/** Follows a file job to its end, then downloads its result file (if it has one). */
async function followFileJob(session: Session, id: string, outPath: string | undefined): Promise<void> {
  const { out, client, interrupt } = session
  const started = performance.now()
  let bar: Bar | undefined
  let job: FileJob
  try {
    job = await follow((signal) => getFileJob(client, id, signal), (j) => FILE_JOB_ENDS.includes(j.status), {
      signal: interrupt,
      onUpdate: (update) => {
        if (!out.live) return
        const payload = {
          status: update.status,
          rows: `${update.processedCount.toLocaleString('en-US')}/${update.totalCount.toLocaleString('en-US')} rows`,
          failed: update.failedCount ? `, ${update.failedCount.toLocaleString('en-US')} failed` : '',
          left: update.remainingTimeText ? ` · ${update.remainingTimeText} left` : '',
        }
        bar ??= out.bar(`${update.importType} |{bar}| {percentage}% {rows}{failed} · {status}{left}`, 100, payload)
        bar.update(update.completedPercentage, payload)
      },
    })
  } catch (error) {
    if (isInterrupted(error)) throw interruptedWhile('data backfill', id)
    throw error
  } finally {
    bar?.stop()
  }

  let resultFile: string | null = null
  if (job.resultFileUrl) {
    resultFile = outPath ?? job.resultFileName ?? `${id}_result.zip`
    const file = await client.download(job.resultFileUrl, { authenticated: true, signal: interrupt })
    const sink = openSink(resultFile)
    try {
      await drain(Readable.fromWeb(file.body as WebReadableStream<Uint8Array>), [], sink, interrupt)
      await sink.commit()
    } catch (error) {
      await sink.discard()
      if (isInterrupted(error)) throw new CliError(`interrupted during the download of job ${id}'s result file; nothing written`, EXIT.interrupted)
      throw error
    }
  }
  if (out.json) out.printJson({ job, resultFile })

  const counts = `${job.successCount.toLocaleString('en-US')} of ${job.totalCount.toLocaleString('en-US')} rows applied, ${job.failedCount.toLocaleString('en-US')} failed`
  const where = resultFile && resultFile !== '-' ? `; result file ${resultFile}` : ''
  if (job.status === 'Failed') throw new CliError(`data backfill job ${id} failed: ${job.failureMessage || 'no reason given'}`, EXIT.failed)
  if (job.status !== 'Completed') throw new CliError(`data backfill job ${id} ended ${job.status}: ${counts}${where}`, EXIT.failed)
  if (!out.json) {
    const line = `${job.importType} backfill ${id} completed in ${duration(performance.now() - started)}: ${counts}${where}`
    if (resultFile === '-') out.note(line)
    else out.print(line)
  }
  if (job.failedCount > 0) throw new CliError(`${job.failedCount} row${job.failedCount === 1 ? '' : 's'} failed: see the result file ${resultFile ?? ''}`.trim(), EXIT.partial)
}

export async function runTemplate(session: Session, type: string, outPath: string): Promise<void> {
  const { out, client, interrupt } = session
  const canonical = BACKFILL_TYPES.find((t) => t.toLowerCase() === type.toLowerCase()) ?? type
  if (outPath !== '-') writableFolder(outPath)
  const csv = await backfillTemplate(client, canonical, interrupt)
  if (outPath === '-') return out.print(csv)
  await writeFile(outPath, csv.endsWith('\n') ? csv : `${csv}\n`)
  out.note(`${canonical} template written to ${outPath}`)
}

export interface AutoFlags {
  type: string
  batchSize?: string
  dryRun?: boolean
}

const BATCH_TYPES: BatchType[] = ['RatePlanCharge', 'OrderLineItem', 'BookingDate']

export async function runAutoBackfill(session: Session, flags: AutoFlags): Promise<void> {
  const { out, client, interrupt } = session
  const type = BATCH_TYPES.find((t) => t.toLowerCase() === flags.type.toLowerCase())
  if (!type) throw usage(`--type must be ${BATCH_TYPES.join(', ')}, got "${flags.type}"`)
  let batchSize: number | undefined
  if (flags.batchSize !== undefined) {
    batchSize = Number(flags.batchSize)
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw usage(`--batch-size must be an integer from 1 to 1000, got "${flags.batchSize}"`)
  }
  if (type === 'BookingDate' && (batchSize !== undefined || flags.dryRun)) throw usage('--batch-size and --dry-run go with RatePlanCharge and OrderLineItem')
  const id = await createBatchJob(client, { type, batchSize, dryRun: flags.dryRun, signal: interrupt })
  if (!out.live) out.note(`${type === 'BookingDate' ? 'booking date' : 'auto'} backfill job ${id} submitted${flags.dryRun ? ' (dry run)' : ''}`)
  await followBatchJob(session, batchFamilyOf(type), id)
}

async function followBatchJob(session: Session, family: BatchFamily, id: string): Promise<void> {
  const { out, client, interrupt } = session
  const started = performance.now()
  let bar: Bar | undefined
  let job: BatchJob
  try {
    job = await follow((signal) => getBatchJob(client, family, id, signal), (j) => BATCH_JOB_ENDS.includes(j.status), {
      signal: interrupt,
      onUpdate: (update) => {
        if (!out.live) return
        const payload = {
          status: update.status,
          batches: `${update.batchFinishedCount.toLocaleString('en-US')}/${update.batchSentCount.toLocaleString('en-US')} batches`,
          errors: update.errorCount ? `, ${update.errorCount.toLocaleString('en-US')} errors` : '',
        }
        bar ??= out.bar(`${update.type} |{bar}| {percentage}% {batches}{errors} · {status} · {duration_formatted}`, 10_000, payload)
        bar.update(Math.round(Number.parseFloat(update.progress) * 100) || 0, payload)
      },
    })
  } catch (error) {
    if (isInterrupted(error)) throw interruptedWhile(family === 'bookingDate' ? 'booking date backfill' : 'auto backfill', id)
    throw error
  } finally {
    bar?.stop()
  }
  if (out.json) out.printJson({ job })
  const counts = `${job.batchFinishedCount.toLocaleString('en-US')} of ${job.batchSentCount.toLocaleString('en-US')} batches, ${job.errorCount.toLocaleString('en-US')} errors`
  if (job.status !== 'COMPLETED') throw new CliError(`${job.type} backfill job ${id} ended ${job.status}: ${counts}`, EXIT.failed)
  if (!out.json) out.print(`${job.type} backfill ${id} completed in ${duration(performance.now() - started)}: ${job.progress}, ${counts}`)
  if (job.errorCount > 0) throw new CliError(`${job.errorCount} error${job.errorCount === 1 ? '' : 's'} in ${job.type} backfill job ${id}`, EXIT.partial)
}

/** Stops a backfill job of any of the three kinds, then follows it to its end (the file job's result downloaded). */
export async function runStop(session: Session, id: string, flags: RunFlags): Promise<void> {
  const { out, client, interrupt } = session
  if (flags.out !== undefined) writableFolder(flags.out)
  let job: JobSummary
  try {
    job = await findBackfill(session, id)
    job = await cancelJob(client, job, interrupt)
  } catch (error) {
    if (error instanceof ZuoraError && error.status === 409) {
      // Already ended or stopping: say so, then follow what there is.
      out.note(error.message)
      job = await findBackfill(session, id)
    } else throw error
  }
  if (!out.live) out.note(`${job.family} job ${id}: ${job.status}`)
  if (job.family === 'backfill') return followFileJob(session, id, flags.out)
  return followBatchJob(session, job.family === 'auto' ? 'propagation' : 'bookingDate', id)
}

async function findBackfill(session: Session, id: string): Promise<JobSummary> {
  if (!/^[0-9a-f]{32}$/i.test(id)) throw usage(`${id} is not a data backfill job id (32 hexadecimal characters)`)
  return findJob(session.client, id, undefined, session.interrupt)
}

function interruptedWhile(what: string, id: string): CliError {
  return new CliError(`interrupted; ${what} job ${id} goes on on the server: zjobs jobs show ${id}, or zjobs backfill stop ${id}`, EXIT.interrupted)
}
