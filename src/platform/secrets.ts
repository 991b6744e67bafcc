// Client secrets are stored as salted scrypt hashes; a leaked database does not leak them.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const PARAMS = { N: 16384, r: 8, p: 1 }
/**
 * For secrets zjobs generates (40 random characters, about 238 bits): key stretching guards
 * guessable secrets, which these are not, so a light cost keeps minting a client (a test
 * tenant per test) and verifying it fast. Stored with its parameters, as every hash is.
 */
const GENERATED_PARAMS = { N: 1024, r: 8, p: 1 }
const KEY_LENGTH = 32

function derive(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

/** A salted scrypt hash; `generated`: a secret zjobs generated at random (a lighter cost, see GENERATED_PARAMS). */
export async function hashSecret(secret: string, generated = false): Promise<string> {
  const params = generated ? GENERATED_PARAMS : PARAMS
  const salt = randomBytes(16)
  const key = await derive(secret, salt, params)
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !key) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await derive(secret, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Bearer tokens are random and long, so a fast hash is enough to keep them out of the database. */
export const tokenHash = (token: string): Buffer => createHash('sha256').update(token).digest()

export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest()
  const right = createHash('sha256').update(b).digest()
  return timingSafeEqual(left, right)
}
