// One cell of an uploaded row: checked against its field and turned into the value written.
// An empty cell writes NULL (Zuora: a column left in the file overwrites with its value,
// empty or not).
import type { Field } from './templates.ts'

/** Longest text value; Zuora's text fields of these objects hold at most 255 characters. */
export const MAX_TEXT_LENGTH = 255

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
// Zuora refuses 4-byte UTF-8 characters in text fields (spec §7.16).
const ASTRAL = /[\u{10000}-\u{10FFFF}]/u

export type Cell = { value: string | boolean | null } | { error: string }

export function convertCell(field: Field, raw: string): Cell {
  if (raw === '') return { value: null }
  switch (field.type) {
    case 'boolean': {
      const lower = raw.trim().toLowerCase()
      if (lower === 'true') return { value: true }
      if (lower === 'false') return { value: false }
      return { error: `${field.label}: '${clip(raw)}' is not a boolean (true or false)` }
    }
    case 'date': {
      const value = raw.trim()
      const match = DATE.exec(value)
      const date = match && new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
      if (!match || !date || date.toISOString().slice(0, 10) !== value) {
        return { error: `${field.label}: '${clip(raw)}' is not a date (YYYY-MM-DD)` }
      }
      return { value }
    }
    case 'choice': {
      const value = field.values!.find((allowed) => allowed.toLowerCase() === raw.trim().toLowerCase())
      if (!value) return { error: `${field.label}: '${clip(raw)}' is not one of ${field.values!.join(', ')}` }
      return { value }
    }
    case 'text':
      if (raw.length > MAX_TEXT_LENGTH) return { error: `${field.label}: longer than ${MAX_TEXT_LENGTH} characters` }
      if (ASTRAL.test(raw)) return { error: `${field.label}: 4-byte UTF-8 characters are not supported` }
      return { value: raw }
  }
}

const HEX_ID = /^[0-9a-f]{32}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A record id as stored (32 lower-case hex characters); a 36-character UUID is accepted too. */
export function convertId(raw: string): { id: string } | { error: string } {
  const value = raw.trim().toLowerCase()
  if (value === '') return { error: 'Id is required' }
  if (HEX_ID.test(value)) return { id: value }
  if (UUID.test(value)) return { id: value.replaceAll('-', '') }
  return { error: `Id '${clip(raw)}' is not a Zuora id (32 hexadecimal characters)` }
}

const clip = (value: string) => (value.length > 60 ? `${value.slice(0, 57)}...` : value)
