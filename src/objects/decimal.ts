// Exact decimal numbers as text, for custom object integers (int64) and numbers (13 digits
// before the point, 9 after): parsed, compared and written in one canonical form without
// ever passing through a float.

export interface Decimal {
  /** The value times 10^scale. */
  unscaled: bigint
  /** Digits after the point (no trailing zeros). */
  scale: number
}

const NUMBER = /^([+-]?)(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** A decimal from JSON number text or a CSV cell (`-12.50`, `1e3`, `.5`); undefined if not one. */
export function parseDecimal(text: string): Decimal | undefined {
  const match = NUMBER.exec(text.trim())
  if (!match || (match[2] === undefined && !match[3])) return undefined
  const exponent = Number(match[4] ?? 0)
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return undefined
  const fraction = match[3] ?? ''
  let unscaled = BigInt(`${match[2] ?? '0'}${fraction}`)
  let scale = fraction.length - exponent
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale)
    scale = 0
  }
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n
    scale--
  }
  return { unscaled: match[1] === '-' ? -unscaled : unscaled, scale }
}

/** Canonical text: no exponent, no trailing zeros, no `-0`. */
export function formatDecimal(value: Decimal): string {
  const negative = value.unscaled < 0n
  const digits = (negative ? -value.unscaled : value.unscaled).toString().padStart(value.scale + 1, '0')
  const whole = digits.slice(0, digits.length - value.scale)
  const fraction = digits.slice(digits.length - value.scale)
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale)
  const left = a.unscaled * 10n ** BigInt(scale - a.scale)
  const right = b.unscaled * 10n ** BigInt(scale - b.scale)
  return left < right ? -1 : left > right ? 1 : 0
}

/** Digits before the point. */
export function integerDigits(value: Decimal): number {
  const whole = (value.unscaled < 0n ? -value.unscaled : value.unscaled) / 10n ** BigInt(value.scale)
  return whole === 0n ? 0 : whole.toString().length
}

/** Whether `value` is a whole multiple of `step` (step > 0). */
export function isMultipleOf(value: Decimal, step: Decimal): boolean {
  const scale = Math.max(value.scale, step.scale)
  const v = value.unscaled * 10n ** BigInt(scale - value.scale)
  const s = step.unscaled * 10n ** BigInt(scale - step.scale)
  return s !== 0n && v % s === 0n
}

export const INT64_MIN: Decimal = { unscaled: -(2n ** 63n), scale: 0 }
export const INT64_MAX: Decimal = { unscaled: 2n ** 63n - 1n, scale: 0 }
