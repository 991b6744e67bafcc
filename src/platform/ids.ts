import { randomBytes, randomUUID } from 'node:crypto'

/** Zuora's v1 object id style: 32 lower-case hex characters. */
export const newHexId = (): string => randomBytes(16).toString('hex')

/** 36-character UUID (Data Query jobs, custom objects, entities, OAuth client ids). */
export const newUuid = (): string => randomUUID()

export const HEX_ID = /^[0-9a-f]{32}$/

/** A 32-hex-character id (a user's) written as a UUID, as Zuora shows users in CreatedById and createdBy. */
export const asUuid = (hex: string): string => hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random secret of `length` characters drawn uniformly from [A-Za-z0-9]. */
export function newSecret(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: reject the tail of the byte range so every character is equally likely.
      if (byte < 248 && out.length < length) out += SECRET_ALPHABET[byte % 62]
    }
  }
  return out
}
