// Deterministic randomness for the seed generator: a seeded PRNG (sfc32), ids derived from
// the seed and an object's position, and dates relative to a fixed epoch. Nothing here reads
// the clock or Math.random, so a seed gives the same data on any machine, any day.

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

// cyrb128 (bryc): a fast 128-bit string hash, enough to seed sfc32 and to derive ids (an MD5
// per row cost more than the rest of the generation).
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

/** A PRNG of its own for each (seed, stream, position): batches never depend on each other. */
export function random(seed: number, ...key: (string | number)[]): Random {
  const [a, b, c, d] = cyrb128(`${seed}|${key.join('|')}`)
  const next = sfc32(a, b, c, d)
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
  const [a, b, c, d] = cyrb128(`zjobs-seed|${seed}|${position.join('|')}`)
  return hex32(a) + hex32(b) + hex32(c) + hex32(d)
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const hex32 = (word: number) =>
  HEX_BYTES[word >>> 24] + HEX_BYTES[(word >>> 16) & 255] + HEX_BYTES[(word >>> 8) & 255] + HEX_BYTES[word & 255]

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

// Formatting dates is a large share of generation time: days are cached (a few thousand).
const dayCache = new Map<number, string>()

/** `YYYY-MM-DD` (a date column). */
export function isoDate(ms: number): string {
  const day = Math.floor(ms / DAY_MS)
  let text = dayCache.get(day)
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10)
    if (dayCache.size < 100_000) dayCache.set(day, text)
  }
  return text
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n))

/** ISO 8601 with milliseconds and Z (a timestamp column). */
export function isoTimestamp(ms: number): string {
  const within = ms - Math.floor(ms / DAY_MS) * DAY_MS
  const millis = within % 1000
  const seconds = Math.floor(within / 1000)
  const time = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`
  return `${isoDate(ms)}T${time}.${String(millis).padStart(3, '0')}Z`
}

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
