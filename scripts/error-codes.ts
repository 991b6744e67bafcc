// Writes the "Errors" tables of the families' docs pages from their catalogues (src/query/errors.ts,
// src/objects/errors.ts, src/backfill/errors.ts), between the markers below; test/docs.test.ts
// fails when a page and its catalogue disagree.
//
//   node scripts/error-codes.ts            rewrites the pages
//   node scripts/error-codes.ts --check    exits 1 when a page differs
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DATA_BACKFILL_CODES } from '../src/backfill/errors.ts'
import { CATEGORY_MEANING, CoCategory, RAISED_CODES, Resource } from '../src/objects/errors.ts'
import { codesTable } from '../src/platform/error-catalogue.ts'
import { DATA_QUERY_CODES } from '../src/query/errors.ts'

const START = '<!-- error-codes: written by scripts/error-codes.ts from the catalogue; do not edit -->'
const END = '<!-- /error-codes -->'

function customObjectsTables(): string {
  const categories = Object.entries(CATEGORY_MEANING).map(
    ([name, { statuses, when }]) => `| \`${CoCategory[name as keyof typeof CoCategory]}\` | ${statuses.join(', ')} | ${when} |`,
  )
  const resources = Object.entries(Resource).map(([name, code]) => `| \`${code}\` | ${name} |`)
  return [
    'A code is a resource (6 digits) followed by a category (2 digits): `71012540` is a record (`710125`) that was not found (`40`).',
    '',
    '| Category | HTTP | When |',
    '| --- | --- | --- |',
    ...categories,
    '',
    '| Resource | What |',
    '| --- | --- |',
    ...resources,
    '',
    'The HTTP layer answers these on the default resource:',
    '',
    codesTable(RAISED_CODES),
  ].join('\n')
}

/** Each page and the text its error-codes section holds. */
export const PAGES: { page: URL; section: () => string }[] = [
  { page: new URL('../docs/data-query.md', import.meta.url), section: () => codesTable(DATA_QUERY_CODES) },
  { page: new URL('../docs/custom-objects.md', import.meta.url), section: customObjectsTables },
  { page: new URL('../docs/data-backfill.md', import.meta.url), section: () => codesTable(DATA_BACKFILL_CODES) },
]

/** The page with its section written from the catalogue; the page must hold both markers. */
export function withSection(text: string, section: string): string {
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  if (start < 0 || end < start) throw new Error(`no ${START} ... ${END} section`)
  return `${text.slice(0, start)}${START}\n\n${section}\n\n${text.slice(end)}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  let differs = false
  for (const { page, section } of PAGES) {
    const text = readFileSync(page, 'utf8')
    const written = withSection(text, section())
    if (written === text) continue
    differs = true
    if (check) console.error(`${fileURLToPath(page)} differs from its catalogue`)
    else writeFileSync(page, written)
  }
  if (check && differs) process.exit(1)
}
