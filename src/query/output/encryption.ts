// Encrypted result files: a hybrid scheme, since RSA alone cannot encrypt more than a few
// dozen bytes. A random AES-256 key encrypts the (compressed) file in GCM mode, streamed; the
// key itself is wrapped with the client's RSA public key (OAEP, SHA-256). docs/data-query.md
// ("Encrypted result files") gives the byte layout for clients that decrypt on their own.
//
//   offset   size  field
//   0        8     magic, ASCII "ZJOBSENC"
//   8        1     version: 1
//   9        1     algorithm: 1 = RSA-OAEP (SHA-256, MGF1 SHA-256, no label) + AES-256-GCM
//   10       2     k, big-endian: bytes of the wrapped key (the RSA modulus size: 128 to 512)
//   12       k     wrapped key: RSA-OAEP encryption of the 32-byte AES key
//   12+k     12    GCM nonce
//   24+k     n     ciphertext, n = the plaintext's length; additional data: bytes 0 to 24+k
//   24+k+n   16    GCM tag
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto'
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream'
import { OutputOptionsError } from './errors.ts'

export const MAGIC = Buffer.from('ZJOBSENC', 'ascii')
export const VERSION = 1
export const ALGORITHM_RSA_OAEP_SHA256_AES_256_GCM = 1
const FIXED_HEADER = MAGIC.length + 4 // magic, version, algorithm, k
const NONCE_BYTES = 12
const TAG_BYTES = 16
const AES_KEY_BYTES = 32
/** RSA key sizes accepted: Zuora documents 1024-bit keys; larger ones are safer. */
export const RSA_KEY_BITS = [1024, 2048, 3072, 4096] as const

const BITS_TEXT = `${RSA_KEY_BITS.slice(0, -1).join(', ')} or ${RSA_KEY_BITS.at(-1)}`
const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const

// ---- The client's public key ----

const KEY_FORMS = 'a base64 DER RSA public key (SubjectPublicKeyInfo, as MIGfMA0GCSqGSIb3DQEBAQUAA4GN..., or PKCS#1) or a PEM public key'

/** The request's encryptionKey as a key object; throws OutputOptionsError with a client-readable message. */
export function parseEncryptionKey(text: string): KeyObject {
  if (typeof text !== 'string' || text.trim() === '') throw new OutputOptionsError(`encryptionKey must be ${KEY_FORMS}`)
  const trimmed = text.trim()
  const key = trimmed.startsWith('-----BEGIN') ? publicKeyOfPem(trimmed) : publicKeyOfBase64(trimmed)
  if (key.asymmetricKeyType !== 'rsa') {
    throw new OutputOptionsError(`encryptionKey must be an RSA public key, got a key of type ${key.asymmetricKeyType}`)
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (!(RSA_KEY_BITS as readonly number[]).includes(bits)) {
    throw new OutputOptionsError(`encryptionKey must be a ${BITS_TEXT}-bit RSA key, got ${bits} bits`)
  }
  return key
}

function publicKeyOfPem(pem: string): KeyObject {
  if (/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw privateKeyGiven()
  if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) throw new OutputOptionsError(`encryptionKey must be ${KEY_FORMS}`)
  try {
    return createPublicKey(pem)
  } catch {
    throw new OutputOptionsError(`encryptionKey is not a valid PEM public key`)
  }
}

function publicKeyOfBase64(text: string): KeyObject {
  const base64 = text.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(base64)) throw new OutputOptionsError(`encryptionKey must be ${KEY_FORMS}: it is not base64`)
  const der = Buffer.from(base64, 'base64')
  // Checked first: createPublicKey would quietly derive the public half of a private key.
  if (isPrivateKeyDer(der)) throw privateKeyGiven()
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type })
    } catch {
      // try the next encoding
    }
  }
  throw new OutputOptionsError(`encryptionKey must be ${KEY_FORMS}: these bytes are no public key`)
}

function isPrivateKeyDer(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type })
      return true
    } catch {
      // not this encoding
    }
  }
  return false
}

const privateKeyGiven = () =>
  new OutputOptionsError('encryptionKey must be a public key: this is a private key, which should never leave its owner')

// ---- Encryption ----

/** A transform that encrypts what passes through it for `publicKey`, header first, tag last. */
export function encryptionStage(publicKey: KeyObject): Transform {
  const aesKey = randomBytes(AES_KEY_BYTES)
  const nonce = randomBytes(NONCE_BYTES)
  const wrappedKey = publicEncrypt({ key: publicKey, ...OAEP }, aesKey)
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION, ALGORITHM_RSA_OAEP_SHA256_AES_256_GCM]), uint16(wrappedKey.length), wrappedKey, nonce])
  const cipher = createCipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: TAG_BYTES })
  aesKey.fill(0)
  cipher.setAAD(header)
  const stage = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, cipher.update(chunk))
    },
    flush(done) {
      const last = cipher.final()
      if (last.length > 0) this.push(last)
      done(null, cipher.getAuthTag())
    },
  })
  stage.push(header)
  return stage
}

function uint16(value: number): Buffer {
  const buffer = Buffer.alloc(2)
  buffer.writeUInt16BE(value)
  return buffer
}

// ---- Decryption ----

/** A decryption failed: wrong key, not an encrypted result file, truncated or altered. */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DecryptionError'
  }
}

/**
 * The plaintext of an encrypted result file (the compressed file, as it would have been stored
 * unencrypted), streamed. GCM authenticates at the end: the stream fails with a
 * DecryptionError if the file was altered or truncated, so trust the output only once it ended
 * without error. `privateKey`: PEM (PKCS#8 or PKCS#1) or a key object.
 */
export function decryptResult(privateKey: string | Buffer | KeyObject, input: Readable): Readable {
  return pipeline(input, decryptionStage(privateKeyOf(privateKey)), () => {})
}

function privateKeyOf(key: string | Buffer | KeyObject): KeyObject {
  let privateKey: KeyObject
  try {
    privateKey = typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : key
  } catch (error) {
    throw new DecryptionError(`not a usable private key: ${(error as Error).message}`)
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new DecryptionError('not a usable private key: an RSA private key is needed')
  }
  return privateKey
}

/** A transform that reads the header, then decrypts the body while holding back the tag. */
export function decryptionStage(privateKey: KeyObject): Transform {
  const modulusBytes = (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8
  let head: Buffer = Buffer.alloc(0)
  let decipher: DecipherGCM | undefined
  let tail: Buffer = Buffer.alloc(0)

  const readHeader = (chunk: Buffer): Buffer | undefined => {
    head = Buffer.concat([head, chunk])
    if (head.length >= MAGIC.length && !head.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new DecryptionError('not an encrypted zjobs result file (it does not start with ZJOBSENC)')
    }
    if (head.length < FIXED_HEADER) return undefined
    const version = head[MAGIC.length]
    const algorithm = head[MAGIC.length + 1]
    if (version !== VERSION || algorithm !== ALGORITHM_RSA_OAEP_SHA256_AES_256_GCM) {
      throw new DecryptionError(`unsupported encrypted file version ${version}, algorithm ${algorithm}`)
    }
    const wrappedBytes = head.readUInt16BE(MAGIC.length + 2)
    if (wrappedBytes !== modulusBytes) {
      throw new DecryptionError(`the file was encrypted for a ${wrappedBytes * 8}-bit RSA key; this private key is ${modulusBytes * 8}-bit`)
    }
    const headerBytes = FIXED_HEADER + wrappedBytes + NONCE_BYTES
    if (head.length < headerBytes) return undefined
    decipher = openBody(privateKey, head.subarray(0, headerBytes), wrappedBytes)
    return head.subarray(headerBytes)
  }

  // Everything but the last 16 bytes seen so far is ciphertext; those may be the tag.
  const decryptBody = (stage: Transform, chunk: Buffer): void => {
    if (tail.length + chunk.length <= TAG_BYTES) {
      tail = Buffer.concat([tail, chunk])
      return
    }
    if (chunk.length >= TAG_BYTES) {
      pushSome(stage, decipher!.update(tail))
      pushSome(stage, decipher!.update(chunk.subarray(0, chunk.length - TAG_BYTES)))
      tail = Buffer.from(chunk.subarray(chunk.length - TAG_BYTES))
    } else {
      const joined = Buffer.concat([tail, chunk])
      pushSome(stage, decipher!.update(joined.subarray(0, joined.length - TAG_BYTES)))
      tail = joined.subarray(joined.length - TAG_BYTES)
    }
  }

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        const body = decipher ? chunk : readHeader(chunk)
        if (body && body.length > 0) decryptBody(this, body)
        done()
      } catch (error) {
        done(error as Error)
      }
    },
    flush(done: TransformCallback) {
      if (!decipher) return done(new DecryptionError('the encrypted file is truncated (incomplete header)'))
      if (tail.length < TAG_BYTES) return done(new DecryptionError('the encrypted file is truncated (no authentication tag)'))
      try {
        decipher.setAuthTag(tail)
        done(null, decipher.final())
      } catch {
        done(new DecryptionError('the encrypted file is corrupt, truncated or was altered (authentication failed)'))
      }
    },
  })
}

function openBody(privateKey: KeyObject, header: Buffer, wrappedBytes: number): DecipherGCM {
  const wrappedKey = header.subarray(FIXED_HEADER, FIXED_HEADER + wrappedBytes)
  const nonce = header.subarray(FIXED_HEADER + wrappedBytes)
  let aesKey: Buffer
  try {
    aesKey = privateDecrypt({ key: privateKey, ...OAEP }, wrappedKey)
  } catch {
    throw new DecryptionError('this private key does not open the file (it was encrypted for another key)')
  }
  if (aesKey.length !== AES_KEY_BYTES) throw new DecryptionError('the wrapped key is not an AES-256 key')
  const decipher = createDecipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: TAG_BYTES })
  decipher.setAAD(header)
  return decipher
}

function pushSome(stage: Transform, bytes: Buffer): void {
  if (bytes.length > 0) stage.push(bytes)
}
