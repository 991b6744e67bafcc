// One row per measured figure: zjobs beside its baseline, their ratio, the target, and
// zjobs' peak RSS; printed as one table and written as JSON.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** 'max': the ratio may not exceed `ratio`; 'min': it may not fall below; 'below': zjobs' own figure must stay under `value` (in its unit). */
export type Target = { kind: 'max' | 'min'; ratio: number } | { kind: 'below'; value: number }

export interface Row {
  scenario: string
  /** zjobs' figure, in `unit`. */
  zjobs?: number
  baseline?: number
  unit: 's' | 'ms' | 'req/s' | 'MB' | 'KB'
  /** zjobs / baseline. */
  ratio?: number
  target?: Target
  met?: boolean
  peakRssMb?: number
  /** 'not landed': the API family does not answer yet; 'error': the scenario failed. */
  status: 'ok' | 'not landed' | 'error'
  note?: string
}

export function measured(
  scenario: string,
  zjobs: number,
  baseline: number | undefined,
  unit: Row['unit'],
  options: { target?: Target; peakRssMb?: number; note?: string } = {},
): Row {
  const ratio = baseline ? zjobs / baseline : undefined
  const target = options.target
  const met = !target
    ? undefined
    : target.kind === 'below'
      ? zjobs < target.value
      : ratio === undefined
        ? undefined
        : target.kind === 'max'
          ? ratio <= target.ratio
          : ratio >= target.ratio
  return { scenario, zjobs, baseline, unit, ratio, target: options.target, met, peakRssMb: options.peakRssMb, status: 'ok', note: options.note }
}

export const notLanded = (scenario: string, note: string): Row => ({ scenario, unit: 's', status: 'not landed', note })
export const failed = (scenario: string, error: unknown): Row => ({
  scenario,
  unit: 's',
  status: 'error',
  note: error instanceof Error ? error.message : String(error),
})

const number = (value: number, unit: Row['unit']) => {
  const digits = unit === 's' ? (value < 10 ? 2 : 1) : unit === 'ms' ? (value < 10 ? 1 : 0) : 0
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${unit}`
}
const targetText = (target: Target | undefined, unit: Row['unit']) =>
  !target ? '-' : target.kind === 'below' ? `< ${target.value.toLocaleString('en-US')} ${unit}` : `${target.kind === 'max' ? '<=' : '>='} ${target.ratio}x`

export const HEADER = ['scenario', 'zjobs', 'baseline', 'ratio', 'target', 'peak RSS']

export function cells(row: Row): string[] {
  if (row.status !== 'ok') return [row.scenario, row.status, row.note ?? '', '', '', '']
  return [
    row.scenario,
    row.zjobs === undefined ? '-' : number(row.zjobs, row.unit),
    row.baseline === undefined ? '-' : number(row.baseline, row.unit),
    row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}x`,
    `${targetText(row.target, row.unit)}${row.met === false ? ' MISSED' : row.met ? ' met' : ''}`,
    row.peakRssMb === undefined ? '' : `${row.peakRssMb} MB`,
  ]
}

/** A plain-text table (also valid Markdown). */
export function table(rows: Row[]): string {
  const lines = [HEADER, ...rows.map(cells)]
  const widths = HEADER.map((_, i) => Math.max(...lines.map((line) => line[i].length)))
  const format = (line: string[]) => `| ${line.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`
  return [format(HEADER), rule, ...lines.slice(1).map(format)].join('\n')
}

export function writeResults(directory: string, name: string, report: unknown): string {
  mkdirSync(directory, { recursive: true })
  const path = join(directory, `${name}.json`)
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`)
  return path
}
