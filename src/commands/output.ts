// How the job commands talk: results on standard output (tables on a terminal, tab-separated
// lines otherwise, JSON with --json), everything else on standard error: notes, a live status
// line and progress bars on a terminal only, nothing but errors with --quiet. Colour only on a
// terminal (and never with NO_COLOR).
import type { SingleBar } from 'cli-progress'
import type Table from 'cli-table3'
import { styleText } from 'node:util'

/** The table and progress-bar libraries, loaded only where they draw (a terminal). */
let libraries: { Table: typeof Table; SingleBar: typeof SingleBar } | undefined

export interface OutputFlags {
  json?: boolean
  quiet?: boolean
}

type Style = Parameters<typeof styleText>[0]

export interface Bar {
  /** `value` of `total` (units of the bar's format); payload fills its other tokens. */
  update(value: number, payload?: Record<string, string>): void
  setTotal(total: number): void
  stop(): void
}

export interface Column<T> {
  header: string
  value(row: T): string
  style?(row: T): Style | undefined
  /** Cut to this many characters on a terminal. */
  max?: number
}

export class Output {
  readonly json: boolean
  readonly quiet: boolean
  /** Live status lines and progress bars: standard error is a terminal and --quiet is not set. */
  readonly live: boolean
  readonly stdoutTty: boolean
  #status: string | undefined
  #bar: SingleBar | undefined
  readonly #stderr: NodeJS.WriteStream
  readonly #stdout: NodeJS.WriteStream

  constructor(flags: OutputFlags, streams: { stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream } = {}) {
    this.#stdout = streams.stdout ?? process.stdout
    this.#stderr = streams.stderr ?? process.stderr
    this.json = flags.json ?? false
    this.quiet = flags.quiet ?? false
    this.live = Boolean(this.#stderr.isTTY) && !this.quiet && process.env.TERM !== 'dumb'
    this.stdoutTty = Boolean(this.#stdout.isTTY)
  }

  /** Loads what a terminal needs to draw tables and bars (nothing when neither stream is one). */
  async ready(): Promise<void> {
    if (libraries || (!this.live && !this.stdoutTty)) return
    const [table, progress] = await Promise.all([import('cli-table3'), import('cli-progress')])
    libraries = { Table: table.default, SingleBar: progress.SingleBar }
  }

  /** A line on standard error (`zjobs: ...`), unless --quiet. */
  note(message: string): void {
    if (this.quiet) return
    this.#aside(() => this.#stderr.write(`zjobs: ${message}\n`))
  }

  /** The live status line (a terminal only): replaced by the next one. */
  status(text: string): void {
    if (!this.live || this.#bar) return
    const width = this.#stderr.columns ? this.#stderr.columns - 1 : 120
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text
    this.#stderr.write(`\r\x1b[2K${line}`)
    this.#status = line
  }

  clearStatus(): void {
    if (this.#status === undefined) return
    this.#stderr.write('\r\x1b[2K')
    this.#status = undefined
  }

  /**
   * A progress bar on standard error (a terminal only; a no-op otherwise). `format` takes
   * cli-progress tokens ({bar}, {percentage}, {value}, {total}) and the payload's.
   */
  bar(format: string, total: number, payload: Record<string, string> = {}): Bar {
    if (!this.live || !libraries) return { update() {}, setTotal() {}, stop() {} }
    this.clearStatus()
    const bar = new libraries.SingleBar({
      stream: this.#stderr,
      format,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
      fps: 10,
      etaBuffer: 20,
      autopadding: true,
    })
    bar.start(Math.max(total, 1), 0, payload)
    this.#bar = bar
    let stopped = false
    return {
      update: (value, update) => bar.update(value, update),
      setTotal: (value) => bar.setTotal(Math.max(value, 1)),
      stop: () => {
        if (stopped) return
        stopped = true
        bar.stop()
        if (this.#bar === bar) this.#bar = undefined
      },
    }
  }

  /** Text on standard output. */
  print(text: string): void {
    this.#aside(() => this.#stdout.write(text.endsWith('\n') ? text : `${text}\n`))
  }

  /** One JSON document on standard output. */
  printJson(value: unknown): void {
    this.print(JSON.stringify(value, null, 2))
  }

  /** One JSON Lines record on standard output. */
  printJsonLine(value: unknown): void {
    this.print(JSON.stringify(value))
  }

  /** `text` styled when standard output is a terminal that takes colour. */
  styled(style: Style | undefined, text: string): string {
    if (!style || !this.stdoutTty) return text
    return styleText(style, text, { stream: this.#stdout })
  }

  /**
   * Rows as a table: aligned columns with a header on a terminal, tab-separated lines (header
   * first) otherwise, so that `cut` and `awk` read them.
   */
  table<T>(columns: Column<T>[], rows: T[]): string {
    if (!this.stdoutTty || !libraries) {
      const clean = (text: string) => text.replace(/[\t\r\n]+/g, ' ')
      return [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => clean(c.value(row))))].map((cells) => cells.join('\t')).join('\n')
    }
    const table = new libraries.Table({
      head: columns.map((c) => this.styled('bold', c.header)),
      chars: {
        top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
        left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
      },
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    })
    for (const row of rows) {
      table.push(
        columns.map((c) => {
          let text = c.value(row).replace(/\s+/g, ' ')
          if (c.max && text.length > c.max) text = `${text.slice(0, c.max - 1)}…`
          return this.styled(c.style?.(row), text)
        }),
      )
    }
    return table.toString()
  }

  /** Clears the live line or bar, runs `write`, and draws the live line again. */
  #aside(write: () => void): void {
    const status = this.#status
    if (status !== undefined) this.clearStatus()
    write()
    if (status !== undefined && !this.#bar) this.status(status)
  }
}

/** A style for a job's common state. */
export function stateStyle(state: string): Style | undefined {
  switch (state) {
    case 'completed':
      return 'green'
    case 'failed':
      return 'red'
    case 'cancelled':
    case 'stopped':
      return 'yellow'
    case 'running':
      return 'cyan'
    default:
      return undefined
  }
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

/** 1.5 MB, 812 B (decimal units, as download tools show them). */
export function bytes(n: number): string {
  let value = n
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`
}

/** 0.4 s, 12 s, 3 min 5 s. */
export function duration(ms: number): string {
  const seconds = ms / 1000
  if (seconds < 10) return `${seconds.toFixed(1)} s`
  if (seconds < 60) return `${Math.round(seconds)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** How long ago an ISO time was: 5s, 3m, 2h, 4d. */
export function age(isoTime: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000))
  if (Number.isNaN(seconds)) return isoTime
  if (seconds < 60) return `${seconds}s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`
  return `${Math.floor(seconds / 86_400)}d ago`
}
