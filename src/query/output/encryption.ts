// Encrypted result files: CMS (RFC 5652) AuthEnvelopedData (RFC 5083), the envelope S/MIME
// uses, so that `openssl cms -decrypt` and every CMS library open them with the RSA private
// key alone. A random AES-256 key encrypts the (compressed) file in GCM mode (RFC 5084),
// streamed; the key is wrapped with the client's RSA public key by RSAES-OAEP with SHA-256
// (RFC 8017, in CMS by RFC 4055/3560), the recipient named by its subject key identifier
// (SHA-1 of the public key, RFC 5280 §4.2.1.2 method 1): Zuora's clients hold a bare key, no
// certificate. Written in BER with indefinite lengths, as `openssl cms -stream` writes it, so
// the tag (the `mac`) can follow the content:
//
//   ContentInfo SEQUENCE (indefinite) {
//     contentType id-ct-authEnvelopedData (1.2.840.113549.1.9.16.1.23)
//     [0] (indefinite) AuthEnvelopedData SEQUENCE (indefinite) {
//       version 0
//       recipientInfos SET { KeyTransRecipientInfo { version 2, rid [0] subjectKeyIdentifier,
//         keyEncryptionAlgorithm rsaesOaep { [0] sha256, [1] mgf1(sha256) }, encryptedKey } }
//       authEncryptedContentInfo SEQUENCE (indefinite) { id-data,
//         aes256-GCM { nonce (12 bytes), ICV length 16 },
//         [0] (indefinite) { OCTET STRING chunks of ciphertext } }
//       mac OCTET STRING (the 16-byte GCM tag) } }
//
// docs/data-query.md ("Encrypted result files") says how to open one. Files of the earlier
// zjobs envelope ("ZJOBSENC", see legacyDecoder) are still decrypted.
import {
  constants,
  createCipheriv,
  createHash,
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

/** The earlier envelope's magic, version and algorithm (decrypted still, no longer written). */
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

// DER, for the parts of the envelope known before the content.
function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content])
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length])
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number)
  const bytes = [first! * 40 + second!]
  for (const arc of rest) {
    const groups = [arc & 0x7f]
    for (let value = arc >>> 7; value > 0; value >>>= 7) groups.unshift((value & 0x7f) | 0x80)
    bytes.push(...groups)
  }
  return tlv(0x06, Buffer.from(bytes))
}

const sequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts))
const integer = (value: number) => tlv(0x02, Buffer.from([value]))
const octets = (bytes: Buffer) => tlv(0x04, bytes)
/** An explicitly tagged (constructed) context-specific value. */
const explicit = (tag: number, content: Buffer) => tlv(0xa0 | tag, content)

export const OID = {
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  data: '1.2.840.113549.1.7.1',
  aes256Gcm: '2.16.840.1.101.3.4.1.46',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const

/** BER's marks: a constructed value of indefinite length opens with these, and ends with END. */
const INDEFINITE_SEQUENCE = Buffer.from([0x30, 0x80])
const INDEFINITE_CONTEXT_0 = Buffer.from([0xa0, 0x80])
const END = Buffer.from([0x00, 0x00])

const OAEP_SHA256 = sequence(
  oid(OID.rsaesOaep),
  sequence(explicit(0, sequence(oid(OID.sha256))), explicit(1, sequence(oid(OID.mgf1), sequence(oid(OID.sha256))))),
)

/** The subject key identifier of a public key: SHA-1 of its subjectPublicKey bits (RFC 5280 method 1). */
export function subjectKeyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  // SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }: the bit string is last.
  const reader = new BerReader(spki)
  reader.enter(0x30)
  reader.skip()
  const bits = reader.value(0x03)
  return createHash('sha1').update(bits.subarray(1)).digest()
}

/** A transform that encrypts what passes through it for `publicKey`: the envelope's head first, the tag last. */
export function encryptionStage(publicKey: KeyObject): Transform {
  const aesKey = randomBytes(AES_KEY_BYTES)
  const nonce = randomBytes(NONCE_BYTES)
  const wrappedKey = publicEncrypt({ key: publicKey, ...OAEP }, aesKey)
  const recipient = sequence(integer(2), tlv(0x80, subjectKeyIdentifier(publicKey)), OAEP_SHA256, octets(wrappedKey))
  const head = Buffer.concat([
    INDEFINITE_SEQUENCE,
    oid(OID.authEnvelopedData),
    INDEFINITE_CONTEXT_0,
    INDEFINITE_SEQUENCE,
    integer(0),
    tlv(0x31, recipient),
    INDEFINITE_SEQUENCE,
    oid(OID.data),
    sequence(oid(OID.aes256Gcm), sequence(octets(nonce), integer(TAG_BYTES))),
    INDEFINITE_CONTEXT_0,
  ])
  const cipher = createCipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: TAG_BYTES })
  aesKey.fill(0)
  const stage = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const encrypted = cipher.update(chunk)
      done(null, encrypted.length > 0 ? Buffer.concat([Buffer.from([0x04]), derLength(encrypted.length), encrypted]) : undefined)
    },
    flush(done) {
      const last = cipher.final()
      if (last.length > 0) this.push(octets(last))
      // End of the content, of the EncryptedContentInfo; the mac; end of AuthEnvelopedData, [0], ContentInfo.
      done(null, Buffer.concat([END, END, octets(cipher.getAuthTag()), END, END, END]))
    },
  })
  stage.push(head)
  return stage
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

/** Turns an encrypted file's bytes, as they arrive, into plaintext. */
interface Decoder {
  write(chunk: Buffer): Buffer[]
  end(): Buffer[]
}

/** A transform that decrypts a result file: CMS (zjobs' envelope), or the earlier ZJOBSENC one. */
export function decryptionStage(privateKey: KeyObject): Transform {
  let decoder: Decoder | undefined
  const pushAll = (stage: Transform, buffers: Buffer[]) => {
    for (const bytes of buffers) if (bytes.length > 0) stage.push(bytes)
  }
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        if (chunk.length === 0) return done()
        decoder ??= chunk[0] === MAGIC[0] ? legacyDecoder(privateKey) : chunk[0] === 0x30 ? cmsDecoder(privateKey) : notEncrypted()
        pushAll(this, decoder.write(chunk))
        done()
      } catch (error) {
        done(error as Error)
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!decoder) throw new DecryptionError('the encrypted file is truncated (incomplete header)')
        pushAll(this, decoder.end())
        done()
      } catch (error) {
        done(error as Error)
      }
    },
  })
}

function notEncrypted(): never {
  throw new DecryptionError('not an encrypted result file (not CMS AuthEnvelopedData)')
}

// ---- CMS AuthEnvelopedData, as encryptionStage writes it ----

class NeedMore extends Error {}

/** Reads BER values from a buffer that may end early (NeedMore: wait for more bytes). */
class BerReader {
  readonly data: Buffer
  at = 0

  constructor(data: Buffer) {
    this.data = data
  }

  get left(): number {
    return this.data.length - this.at
  }

  peek(): number {
    if (this.left < 1) throw new NeedMore()
    return this.data[this.at]!
  }

  /** A value's tag and length (undefined: indefinite). */
  header(): { tag: number; length: number | undefined } {
    if (this.left < 2) throw new NeedMore()
    const tag = this.data[this.at]!
    const first = this.data[this.at + 1]!
    if ((tag & 0x1f) === 0x1f) throw notCms()
    if (first === 0x80) {
      this.at += 2
      return { tag, length: undefined }
    }
    if (first < 0x80) {
      this.at += 2
      return { tag, length: first }
    }
    const size = first & 0x7f
    if (size > 6) throw notCms()
    if (this.left < 2 + size) throw new NeedMore()
    let length = 0
    for (let i = 0; i < size; i++) length = length * 256 + this.data[this.at + 2 + i]!
    this.at += 2 + size
    return { tag, length }
  }

  /** Opens a constructed value: its contents come next. */
  enter(tag: number): void {
    if (this.header().tag !== tag) throw notCms()
  }

  /** The contents of a value of definite length. */
  value(tag: number): Buffer {
    const start = this.at
    const { tag: found, length } = this.header()
    if (found !== tag || length === undefined) throw notCms()
    if (this.left < length) {
      this.at = start
      throw new NeedMore()
    }
    this.at += length
    return this.data.subarray(this.at - length, this.at)
  }

  skip(): void {
    this.value(this.peek())
  }
}

const notCms = () => new DecryptionError('not an encrypted result file (not CMS AuthEnvelopedData as zjobs writes it)')
/** More than this before the content: not one of ours. */
const MAX_HEAD_BYTES = 64 * 1024

const oidBytes = (dotted: string) => oid(dotted).subarray(2)

function cmsDecoder(privateKey: KeyObject): Decoder {
  let pending: Buffer = Buffer.alloc(0)
  let state: 'head' | 'content' | 'trailer' = 'head'
  let decipher: DecipherGCM | undefined
  let chunkLeft = 0

  // The envelope up to its content, once all of it has arrived.
  const readHead = (): boolean => {
    const reader = new BerReader(pending)
    let wrappedKeys: Buffer[]
    let nonce: Buffer
    try {
      reader.enter(0x30)
      if (!reader.value(0x06).equals(oidBytes(OID.authEnvelopedData))) throw notCms()
      reader.enter(0xa0)
      reader.enter(0x30)
      reader.value(0x02)
      if (reader.peek() === 0xa0) reader.skip() // originatorInfo
      const recipients = new BerReader(reader.value(0x31))
      wrappedKeys = []
      while (recipients.left > 0) {
        if (recipients.peek() !== 0x30) {
          recipients.skip() // another kind of recipient (key agreement, password...)
          continue
        }
        const recipient = new BerReader(recipients.value(0x30))
        recipient.value(0x02)
        recipient.skip() // rid
        const start = recipient.at
        recipient.skip() // keyEncryptionAlgorithm: RSA-OAEP with SHA-256, as zjobs writes it
        if (!recipient.data.subarray(start, recipient.at).equals(OAEP_SHA256)) continue
        wrappedKeys.push(recipient.value(0x04))
      }
      reader.enter(0x30) // authEncryptedContentInfo
      reader.value(0x06)
      const algorithm = new BerReader(reader.value(0x30))
      if (!algorithm.value(0x06).equals(oidBytes(OID.aes256Gcm))) throw new DecryptionError('unsupported encrypted file: its content is not encrypted with AES-256-GCM')
      const parameters = new BerReader(algorithm.value(0x30))
      nonce = parameters.value(0x04)
      const tagLength = parameters.left > 0 ? parameters.value(0x02) : Buffer.from([12])
      if (tagLength.length !== 1 || tagLength[0] !== TAG_BYTES) throw new DecryptionError('unsupported encrypted file: its GCM tag is not 16 bytes')
      const content = reader.header()
      if (content.tag !== 0xa0 || content.length !== undefined) throw notCms()
    } catch (error) {
      if (!(error instanceof NeedMore)) throw error
      if (pending.length > MAX_HEAD_BYTES) throw notCms()
      return false
    }
    if (wrappedKeys.length === 0) throw new DecryptionError('unsupported encrypted file: no recipient with an RSA-OAEP (SHA-256) key')
    decipher = unwrap(privateKey, wrappedKeys, nonce)
    pending = pending.subarray(reader.at)
    state = 'content'
    return true
  }

  // Ciphertext arrives as OCTET STRING chunks, until the end-of-contents mark.
  const readContent = (out: Buffer[]): void => {
    while (pending.length > 0 && state === 'content') {
      if (chunkLeft > 0) {
        const take = Math.min(chunkLeft, pending.length)
        out.push(decipher!.update(pending.subarray(0, take)))
        pending = pending.subarray(take)
        chunkLeft -= take
        continue
      }
      const reader = new BerReader(pending)
      let header: { tag: number; length: number | undefined }
      try {
        header = reader.header()
      } catch (error) {
        if (error instanceof NeedMore) return
        throw error
      }
      pending = pending.subarray(reader.at)
      if (header.tag === 0x00 && header.length === 0) state = 'trailer'
      else if (header.tag === 0x04 && header.length !== undefined) chunkLeft = header.length
      else throw altered()
    }
  }

  return {
    write(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      const out: Buffer[] = []
      if (state === 'head' && !readHead()) return out
      readContent(out)
      return out
    },
    end() {
      if (state === 'head') throw new DecryptionError('the encrypted file is truncated (incomplete header)')
      if (state === 'content') throw new DecryptionError('the encrypted file is truncated (no authentication tag)')
      // End of the EncryptedContentInfo, then the mac (no authAttrs: zjobs writes none).
      const reader = new BerReader(pending)
      let tag: Buffer
      try {
        const end = reader.header()
        if (end.tag !== 0x00 || end.length !== 0) throw altered()
        tag = reader.value(0x04)
      } catch (error) {
        if (error instanceof NeedMore) throw new DecryptionError('the encrypted file is truncated (no authentication tag)')
        throw error
      }
      if (tag.length !== TAG_BYTES) throw altered()
      // Then the ends of AuthEnvelopedData, of [0] and of ContentInfo, and nothing more.
      const rest = pending.subarray(reader.at)
      const ends = Buffer.concat([END, END, END])
      if (rest.length < ends.length && rest.equals(ends.subarray(0, rest.length))) {
        throw new DecryptionError('the encrypted file is truncated (its end is missing)')
      }
      if (!rest.equals(ends)) throw altered()
      try {
        decipher!.setAuthTag(tag)
        return [decipher!.final()]
      } catch {
        throw altered()
      }
    },
  }
}

const altered = () => new DecryptionError('the encrypted file is corrupt, truncated or was altered (authentication failed)')

function unwrap(privateKey: KeyObject, wrappedKeys: Buffer[], nonce: Buffer): DecipherGCM {
  const modulusBytes = (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8
  for (const wrappedKey of wrappedKeys) {
    let aesKey: Buffer
    try {
      aesKey = privateDecrypt({ key: privateKey, ...OAEP }, wrappedKey)
    } catch {
      continue
    }
    if (aesKey.length !== AES_KEY_BYTES) continue
    return createDecipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: TAG_BYTES })
  }
  if (wrappedKeys.length === 1 && wrappedKeys[0]!.length !== modulusBytes) {
    throw new DecryptionError(`the file was encrypted for a ${wrappedKeys[0]!.length * 8}-bit RSA key; this private key is ${modulusBytes * 8}-bit`)
  }
  throw new DecryptionError('this private key does not open the file (it was encrypted for another key)')
}

// ---- The earlier envelope: "ZJOBSENC" ----
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

/** Reads the header, then decrypts the body while holding back the tag. */
function legacyDecoder(privateKey: KeyObject): Decoder {
  const modulusBytes = (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8
  let head: Buffer = Buffer.alloc(0)
  let decipher: DecipherGCM | undefined
  let tail: Buffer = Buffer.alloc(0)

  const readHeader = (chunk: Buffer): Buffer | undefined => {
    head = Buffer.concat([head, chunk])
    if (head.length >= MAGIC.length && !head.subarray(0, MAGIC.length).equals(MAGIC)) notEncrypted()
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
    decipher = openLegacyBody(privateKey, head.subarray(0, headerBytes), wrappedBytes)
    return head.subarray(headerBytes)
  }

  // Everything but the last 16 bytes seen so far is ciphertext; those may be the tag.
  const decryptBody = (out: Buffer[], chunk: Buffer): void => {
    const joined = tail.length === 0 ? chunk : Buffer.concat([tail, chunk])
    if (joined.length <= TAG_BYTES) {
      tail = joined
      return
    }
    out.push(decipher!.update(joined.subarray(0, joined.length - TAG_BYTES)))
    tail = Buffer.from(joined.subarray(joined.length - TAG_BYTES))
  }

  return {
    write(chunk) {
      const out: Buffer[] = []
      const body = decipher ? chunk : readHeader(chunk)
      if (body && body.length > 0) decryptBody(out, body)
      return out
    },
    end() {
      if (!decipher) throw new DecryptionError('the encrypted file is truncated (incomplete header)')
      if (tail.length < TAG_BYTES) throw new DecryptionError('the encrypted file is truncated (no authentication tag)')
      try {
        decipher.setAuthTag(tail)
        return [decipher.final()]
      } catch {
        throw altered()
      }
    },
  }
}

function openLegacyBody(privateKey: KeyObject, header: Buffer, wrappedBytes: number): DecipherGCM {
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
