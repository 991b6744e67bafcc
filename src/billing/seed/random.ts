// Deterministic randomness for the seed generator: a seeded PRNG (sfc32), ids derived from
// the seed and an object's position, and dates relative to a fixed epoch. Nothing here reads
// the clock or Math.random, so a seed gives the same data on any machine, any day.
import { createHash } from 'node:crypto'

/** "Now" of every seeded tenant: data spreads over the three years before it. */
export const SEED_EPOCH = Date.UTC(2026, 9, 1) // 2026-10-01T00:00:00Z
export const DAY_MS = 86_400_000

export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number
  chance(probability: number): boolean
  pick<T>(values: readonly T[]): T
  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T
}

// sfc32 (Chris Doty-Humphrey's Small Fast Counter): 128 bits of state, passes PractRand.
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0
    b |= 0
    c |= 0
    d |= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4_294_967_296
  }
}

/** A PRNG of its own for each (seed, stream, position): batches never depend on each other. */
export function random(seed: number, ...key: (string | number)[]): Random {
  const digest = createHash('md5').update(`${seed}|${key.join('|')}`).digest()
  const next = sfc32(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12))
  for (let i = 0; i < 12; i++) next() // mix the initial state
  const rng: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (values) => values[Math.floor(next() * values.length)],
    weighted(choices) {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0)
      let roll = next() * total
      for (const [value, weight] of choices) {
        roll -= weight
        if (roll < 0) return value
      }
      return choices[choices.length - 1][0]
    },
  }
  return rng
}

/** A 32-hex id derived from the seed and the object's position (same seed, same ids, in any tenant). */
export function seededId(seed: number, ...position: (string | number)[]): string {
  return createHash('md5').update(`zjobs-seed|${seed}|${position.join('|')}`).digest('hex')
}

export const addDays = (ms: number, days: number): number => ms + days * DAY_MS

/** Adds calendar months, keeping the day of month (clamped to the month's last day). */
export function addMonths(ms: number, months: number): number {
  const date = new Date(ms)
  const day = date.getUTCDate()
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1))
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, last))
  return target.getTime() + (ms % DAY_MS)
}

/** Midnight UTC of the day `ms` falls on. */
export const startOfDay = (ms: number): number => ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS)

/** `YYYY-MM-DD` (a date column). */
export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/** ISO 8601 with milliseconds and Z (a timestamp column). */
export const isoTimestamp = (ms: number): string => new Date(ms).toISOString()

/** A decimal string with 2 places from integer cents (no float rounding on the way). */
export function cents(value: number): string {
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(value)
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** A decimal string with 6 places from integer millionths. */
export function micros(value: number): string {
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(value)
  return `${sign}${Math.trunc(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`
}

/** A zero-padded document number: `number('INV', 42, 8)` → INV00000042. */
export const docNumber = (prefix: string, value: number, digits = 8): string => `${prefix}${String(value).padStart(digits, '0')}`
