// `zjobs jobs ls|show|watch|cancel`: jobs of every family in one view.
import { sleep } from '../client/client.ts'
import { follow } from '../client/follow.ts'
import { cancelJob, ended, FAMILIES, familiesOfId, findJob, listJobs, STATES, type JobFamily, type JobState, type JobSummary } from '../client/jobs.ts'
import { CliError, EXIT, usage } from './exit.ts'
import { age, stateStyle, type Column, type Output } from './output.ts'
import { isInterrupted, type Session } from './session.ts'

export interface ListFlags {
  family?: string[]
  status?: string[]
  limit: string
}

const split = (values: string[] | undefined) => values?.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean)

export function parseFamilies(values: string[] | undefined): JobFamily[] | undefined {
  const families = split(values)
  if (!families?.length) return undefined
  for (const family of families) {
    if (!FAMILIES.includes(family as JobFamily)) throw usage(`--family must be among ${FAMILIES.join(', ')}, got "${family}"`)
  }
  return families as JobFamily[]
}

function parseStates(values: string[] | undefined): JobState[] | undefined {
  const states = split(values)
  if (!states?.length) return undefined
  for (const state of states) {
    if (!STATES.includes(state as JobState)) throw usage(`--status must be among ${STATES.join(', ')}, got "${state}"`)
  }
  return states as JobState[]
}

function parseLimit(raw: string): number {
  const limit = Number(raw)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usage(`--limit must be an integer from 1 to 1000, got "${raw}"`)
  return limit
}

/** The family flag, after checking that the id can be a job's. */
function familyFor(id: string, family: string | undefined): JobFamily | undefined {
  const chosen = parseFamilies(family ? [family] : undefined)?.[0]
  if (!chosen && familiesOfId(id).length === 0) {
    throw usage(`${id} is not a job id: Data Query and bulk job ids are UUIDs, backfill job ids 32 hexadecimal characters`)
  }
  return chosen
}

const COLUMNS = (out: Output): Column<JobSummary>[] => [
  { header: 'FAMILY', value: (j) => j.family },
  { header: 'ID', value: (j) => j.id },
  { header: 'STATUS', value: (j) => j.status, style: (j) => stateStyle(j.state) },
  { header: 'CREATED', value: (j) => (out.stdoutTty ? age(j.createdAt) : j.createdAt) },
  { header: 'PROGRESS', value: (j) => j.progress },
  { header: 'JOB', value: (j) => j.error ? `${j.title} (${j.error})` : j.title, max: 60 },
]

export async function runList(session: Session, flags: ListFlags): Promise<void> {
  const { out, client, interrupt } = session
  const families = parseFamilies(flags.family)
  const jobs = await listJobs(client, {
    families,
    states: parseStates(flags.status),
    limit: parseLimit(flags.limit),
    signal: interrupt,
    onSkipped: (family, error) => out.note(`${family} jobs left out: ${error.describe()}`),
  })
  if (out.json) return out.printJson(jobs)
  if (jobs.length === 0 && out.stdoutTty) return out.note('no jobs')
  out.print(out.table(COLUMNS(out), jobs))
}

export async function runShow(session: Session, id: string, flags: { family?: string }): Promise<void> {
  const { out, client, interrupt } = session
  const job = await findJob(client, id, familyFor(id, flags.family), interrupt)
  if (out.json) return out.printJson(job)
  out.print(describe(job))
}

/** A job as `name: value` lines: the common fields, then the family's own. */
function describe(job: JobSummary): string {
  const lines: [string, unknown][] = [
    ['family', job.family],
    ['id', job.id],
    ['status', `${job.status} (${job.state})`],
    ['created', job.createdAt],
    ['updated', job.updatedAt],
    ['job', job.title],
    ['progress', job.progress],
    ['error', job.error],
  ]
  const shown = new Set(['id', 'Id', 'query', 'queryStatus', 'status', 'createdOn', 'updatedOn', 'CreatedDate', 'UpdatedDate'])
  for (const [name, value] of Object.entries(job.job)) if (!shown.has(name)) lines.push([name, value])
  const width = Math.max(...lines.map(([name]) => name.length))
  return lines
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join('\n')
}

export async function runCancel(session: Session, id: string, flags: { family?: string }): Promise<void> {
  const { out, client, interrupt } = session
  const job = await findJob(client, id, familyFor(id, flags.family), interrupt)
  const after = await cancelJob(client, job, interrupt)
  if (out.json) return out.printJson(after)
  const verb = job.family === 'query' || job.family === 'objects' ? 'cancel' : 'stop'
  out.print(`${job.family} job ${id}: asked to ${verb}; now ${after.status}`)
}

export interface WatchFlags extends ListFlags {
  interval: string
  family?: string[]
}

/**
 * With an id: the job's state until it ends (exit code by its outcome). Without: the job
 * list, redrawn in place on a terminal, a line (or JSON Lines record) per change otherwise,
 * until Ctrl-C.
 */
export async function runWatch(session: Session, id: string | undefined, flags: WatchFlags): Promise<void> {
  const { out, client, interrupt } = session
  const interval = Number(flags.interval)
  if (!(interval >= 0.2 && interval <= 3600)) throw usage(`--interval must be seconds from 0.2 to 3600, got "${flags.interval}"`)
  const families = parseFamilies(flags.family)
  const emit = (job: JobSummary) => {
    if (out.json) out.printJsonLine(job)
    else out.print(`${new Date().toISOString()}  ${job.family}  ${job.id}  ${job.status}  ${job.progress}${job.error ? `  ${job.error}` : ''}`)
  }

  if (id !== undefined) {
    const family = familyFor(id, families?.[0])
    let seen = ''
    let job: JobSummary
    try {
      job = await follow((signal) => findJob(client, id, family, signal), ended, {
        signal: interrupt,
        maxDelayMs: interval * 1000,
        onUpdate: (update) => {
          const key = `${update.status} ${update.progress}`
          if (out.stdoutTty && !out.json) {
            out.status(`${update.family} ${update.id} ${update.status} · ${update.progress}`)
          } else if (key !== seen) emit(update)
          seen = key
        },
      })
    } catch (error) {
      if (isInterrupted(error)) return // Watching ends with Ctrl-C; the job is left alone.
      throw error
    }
    out.clearStatus()
    if (out.stdoutTty && !out.json) out.print(describe(job))
    if (job.state !== 'completed') throw new CliError(`${job.family} job ${id} ended ${job.status}${job.error ? `: ${job.error}` : ''}`, EXIT.failed)
    return
  }

  const states = parseStates(flags.status)
  const limit = parseLimit(flags.limit)
  const last = new Map<string, string>()
  const redraw = out.stdoutTty && !out.json
  try {
    for (let first = true; ; first = false) {
      const jobs = await listJobs(client, {
        families,
        states,
        limit,
        signal: interrupt,
        onSkipped: first ? (family, error) => out.note(`${family} jobs left out: ${error.describe()}`) : undefined,
      })
      if (redraw) {
        const table = jobs.length ? out.table(COLUMNS(out), jobs) : 'no jobs'
        process.stdout.write(`\x1b[H\x1b[2J${table}\n\nevery ${interval} s · ${new Date().toLocaleTimeString()} · Ctrl-C to stop\n`)
      } else {
        for (const job of [...jobs].reverse()) {
          const key = `${job.status} ${job.progress}`
          if (last.get(job.id) !== key) emit(job)
          last.set(job.id, key)
        }
      }
      await sleep(interval * 1000, interrupt)
    }
  } catch (error) {
    if (isInterrupted(error)) return
    throw error
  }
}
