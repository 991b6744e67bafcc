// `zjobs objects import|define|records`: Custom Objects from a terminal. An import creates the
// bulk job, uploads the file with a progress bar, follows the job to its end, prints the
// counts, and writes the refused rows to an error file (exit code 5 when there are any).
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, join, basename } from 'node:path'
import { follow } from '../client/follow.ts'
import {
  allRecords,
  BULK_ENDS,
  createDefinitions,
  getBulkJob,
  getBulkJobErrors,
  submitBulkJob,
  uploadBulkFile,
  type BulkJob,
  type BulkJobError,
  type BulkOperation,
  type CustomRecord,
  type DeleteCondition,
} from '../client/objects.ts'
import { CliError, EXIT, usage } from './exit.ts'
import { inputFile, writableFolder } from './files.ts'
import { bytes, duration } from './output.ts'
import { isInterrupted, type Session } from './session.ts'

export interface ImportFlags {
  operation: string
  errors?: string
  where?: string[]
}

const OPERATIONS: BulkOperation[] = ['create', 'update', 'delete']
const OPERATORS = ['EQ', 'GT', 'LT', 'GE', 'LE'] as const

/** `field OP value` (`CreatedDate LT 2020-01-01T00:00:00Z`, `seats__c GE 4`) as a delete filter condition. */
export function parseCondition(text: string): DeleteCondition {
  const match = /^\s*(\S+)\s+(EQ|GT|LT|GE|LE)\s+(.*?)\s*$/i.exec(text)
  if (!match) throw usage(`--where takes "FIELD OP VALUE" (OP: ${OPERATORS.join(', ')}), got "${text}"`)
  const raw = match[3]
  const value: DeleteCondition['value'] = /^(true|false)$/i.test(raw)
    ? raw.toLowerCase() === 'true'
    : /^-?\d+(\.\d+)?$/.test(raw)
      ? Number(raw)
      : raw.replace(/^"(.*)"$/, '$1')
  return { field: match[1], operator: match[2].toUpperCase() as DeleteCondition['operator'], value }
}

/** Where the refused rows of FILE go: `<FILE without .csv>.errors.csv`, beside it. */
export const defaultErrorFile = (file: string) => join(dirname(file), `${basename(file).replace(/\.csv$/i, '')}.errors.csv`)

export async function runImport(session: Session, object: string, file: string | undefined, flags: ImportFlags): Promise<void> {
  const { out, client, interrupt } = session
  const operation = flags.operation.toLowerCase() as BulkOperation
  if (!OPERATIONS.includes(operation)) throw usage(`--operation must be create, update or delete, got "${flags.operation}"`)
  if (operation === 'delete' && file !== undefined) {
    throw usage('a delete job takes no file: it deletes every record of the object, or those matching --where')
  }
  if (operation !== 'delete' && file === undefined) throw usage(`a ${operation} job needs its CSV file`)
  if (operation !== 'delete' && flags.where?.length) throw usage('--where goes with --operation delete')
  const conditions = (flags.where ?? []).map(parseCondition)
  const input = file === undefined ? undefined : await inputFile(file)
  if (input) writableFolder(flags.errors ?? defaultErrorFile(file!))
  const started = performance.now()

  let job = await submitBulkJob(client, {
    namespace: 'default',
    object,
    operation,
    ...(conditions.length ? { filter: { conditions } } : {}),
  })
  if (!out.live) out.note(`bulk ${operation} job ${job.Id} submitted`)

  if (input) {
    const bar = out.bar('uploading |{bar}| {percentage}% {done} of {size}', input.size, { done: '0 B', size: bytes(input.size) })
    try {
      // A stream that counts what the server has read: the bar follows the upload.
      const body = () => {
        let sent = 0
        return input.blob.stream().pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              sent += chunk.byteLength
              bar.update(sent, { done: bytes(sent) })
              controller.enqueue(chunk)
            },
          }),
        )
      }
      job = await uploadBulkFile(client, job.Id, body, { size: input.size, signal: interrupt })
    } catch (error) {
      if (isInterrupted(error)) throw interruptedWhile(job)
      throw error
    } finally {
      bar.stop()
    }
    if (!out.live) out.note(`uploaded ${input.name} (${bytes(input.size)})`)
  }

  const ticker = setInterval(() => out.status(`${operation} ${object} ${job.status} · ${job.recordsProcessed.toLocaleString('en-US')} rows · ${duration(performance.now() - started)}`), 100)
  try {
    job = await follow((signal) => getBulkJob(client, job.Id, signal), (j) => BULK_ENDS.includes(j.status), {
      signal: interrupt,
      onUpdate: (update) => (job = update),
    })
  } catch (error) {
    if (isInterrupted(error)) throw interruptedWhile(job)
    throw error
  } finally {
    clearInterval(ticker)
    out.clearStatus()
  }

  let errors: BulkJobError[] = []
  let errorFile: string | null = null
  if (job.status === 'completed' && operation !== 'delete') {
    errors = await getBulkJobErrors(client, job.Id)
    if (errors.length > 0) {
      errorFile = flags.errors ?? defaultErrorFile(file!)
      await writeFile(errorFile, errorCsv(errors))
    }
  }
  if (out.json) out.printJson({ job, errors: errors.length, errorFile })

  if (job.status !== 'completed') {
    const why = job.status === 'failed' ? `failed: ${job.error ? `${job.error.code}: ${job.error.message}` : 'no error given'}` : 'was cancelled'
    throw new CliError(`bulk ${operation} job ${job.Id} ${why}`, EXIT.failed)
  }
  const written = job.recordsProcessed - errors.length
  const verb = { create: 'created', update: 'updated', delete: 'deleted' }[operation]
  const summary = `${verb} ${written.toLocaleString('en-US')} ${object} record${written === 1 ? '' : 's'}${
    errors.length ? `, ${errors.length.toLocaleString('en-US')} row${errors.length === 1 ? '' : 's'} refused` : ''
  } in ${duration(performance.now() - started)} (job ${job.Id})`
  if (!out.json) out.print(summary)
  if (errorFile) throw new CliError(`${errors.length} row${errors.length === 1 ? '' : 's'} refused: see ${errorFile}`, EXIT.partial)
}

function interruptedWhile(job: BulkJob): CliError {
  return new CliError(
    `interrupted; bulk job ${job.Id} goes on on the server (it was ${job.status}): zjobs jobs show ${job.Id}, or zjobs jobs cancel ${job.Id} while it waits`,
    EXIT.interrupted,
  )
}

/** The refused rows as CSV: row, code, message, then the row's own columns in first-seen order. */
export function errorCsv(errors: BulkJobError[]): string {
  const columns: string[] = []
  for (const error of errors) for (const name of Object.keys(error.record ?? {})) if (!columns.includes(name)) columns.push(name)
  const cell = (value: unknown) => {
    const text = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
  }
  const lines = [['row', 'code', 'message', ...columns].map(cell).join(',')]
  for (const error of errors) lines.push([error.row, error.code, error.message, ...columns.map((c) => error.record?.[c])].map(cell).join(','))
  return `${lines.join('\n')}\n`
}

export async function runDefine(session: Session, file: string): Promise<void> {
  const { out, client, interrupt } = session
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw usage(code ? `cannot read ${file}: ${code}` : `${file} is not JSON: ${(error as Error).message}`)
  }
  // The file is the request body ({definitions: {...}}), a definition list as GET answers it, or the map alone.
  const body = parsed as { definitions?: Record<string, unknown>; object?: string }
  const definitions =
    body && typeof body === 'object' && body.definitions && typeof body.definitions === 'object'
      ? body.definitions
      : body && typeof body.object === 'string'
        ? { [body.object]: body }
        : (body as Record<string, unknown>)
  if (!definitions || typeof definitions !== 'object' || Array.isArray(definitions)) {
    throw usage(`${file} holds no definitions: a {"definitions": {...}} body, or one definition with its "object"`)
  }
  const created = await createDefinitions(client, definitions, interrupt)
  if (out.json) return out.printJson(created)
  const names = Object.keys(created.definitions)
  out.print(`defined ${names.length} custom object${names.length === 1 ? '' : 's'}: ${names.join(', ')}`)
}

export interface RecordsFlags {
  q?: string
  limit: string
  fields?: string
}

const SYSTEM_FIELDS = new Set(['Id', 'CreatedById', 'CreatedDate', 'UpdatedById', 'UpdatedDate', 'type'])

export async function runRecords(session: Session, object: string, flags: RecordsFlags): Promise<void> {
  const { out, client, interrupt } = session
  const limit = flags.limit === 'all' ? Number.POSITIVE_INFINITY : Number(flags.limit)
  if (!(limit > 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) throw usage(`--limit must be a positive integer or all, got "${flags.limit}"`)
  let total = 0
  const records = allRecords(client, object, { q: flags.q, limit, signal: interrupt, onCount: (count) => (total = count) })
  if (out.json) {
    // JSON Lines, a record a line, as the pages arrive.
    for await (const record of records) out.printJsonLine(record)
    return
  }
  const rows: CustomRecord[] = []
  for await (const record of records) rows.push(record)
  const fields = flags.fields
    ? flags.fields.split(',').map((f) => f.trim()).filter(Boolean)
    : ['Id', ...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => !SYSTEM_FIELDS.has(k))))]
  const text = (value: unknown) => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value))
  out.print(out.table(fields.map((field) => ({ header: field, value: (r: CustomRecord) => text(r[field]), max: 40 })), rows))
  if (rows.length < total) out.note(`${rows.length} of ${total} records shown (--limit)`)
}
