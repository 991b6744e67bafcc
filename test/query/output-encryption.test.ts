// Encrypted result files: the keys accepted and refused, decryption with decryptResult and
// with OpenSSL's `openssl cms -decrypt` (an off-the-shelf CMS implementation, as
// docs/data-query.md tells users to run it), files of the earlier ZJOBSENC envelope still
// opened, tampering and wrong keys detected, and `zjobs decrypt` end to end.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import {
  constants,
  createCipheriv,
  generateKeyPair,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { decryptResult, DecryptionError, parseEncryptionKey } from '../../src/query/output/encryption.ts'
import { validateOutputOptions } from '../../src/query/output/options.ts'
import { BIN, processEnv, ROOT } from '../helpers/process.ts'
import { bufferStream, produce, TRICKY_COLUMNS, TRICKY_CSV, TRICKY_JSONL, TRICKY_ROWS, unzip } from './output-helpers.ts'

const generate = promisify(generateKeyPair)
const rsa = (bits: number) => generate('rsa', { modulusLength: bits })
const spkiBase64 = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('base64')
const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string

interface Pair {
  publicKey: KeyObject
  privateKey: KeyObject
}

let k1024: Pair
let k2048: Pair
let k4096: Pair
let other1024: Pair

before(async () => {
  ;[k1024, k2048, k4096, other1024] = await Promise.all([rsa(1024), rsa(2048), rsa(4096), rsa(1024)])
})

let scratch: string
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'zjobs-cms-'))
})
after(() => rmSync(scratch, { recursive: true, force: true }))

/**
 * Decrypts a whole file as docs/data-query.md tells a user to, with OpenSSL (no zjobs code):
 * `openssl cms -decrypt -inform DER -inkey private.pem`. Fails the test if OpenSSL refuses it.
 */
function decryptWithOpenssl(file: Buffer, privateKey: KeyObject): Buffer {
  const input = join(scratch, 'result.enc')
  const key = join(scratch, 'private.pem')
  writeFileSync(input, file)
  writeFileSync(key, pem(privateKey))
  const result = spawnSync('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-inkey', key, '-in', input])
  assert.equal(result.error, undefined, 'the openssl command runs (Debian: apt-get install openssl)')
  assert.equal(result.status, 0, result.stderr.toString())
  return result.stdout
}

/** A file of the earlier envelope (magic ZJOBSENC), as zjobs wrote them before CMS. */
function legacyEncrypt(plain: Buffer, publicKey: KeyObject): Buffer {
  const aesKey = randomBytes(32)
  const nonce = randomBytes(12)
  const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey)
  const length = Buffer.alloc(2)
  length.writeUInt16BE(wrapped.length)
  const header = Buffer.concat([Buffer.from('ZJOBSENC'), Buffer.from([1, 1]), length, wrapped, nonce])
  const cipher = createCipheriv('aes-256-gcm', aesKey, nonce)
  cipher.setAAD(header)
  return Buffer.concat([header, cipher.update(plain), cipher.final(), cipher.getAuthTag()])
}

const decrypt = (file: Buffer, privateKey: KeyObject | string, chunk = 64 * 1024) =>
  buffer(decryptResult(privateKey, Readable.from(chunksOf(file, chunk))))

function* chunksOf(data: Buffer, size: number) {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
}

describe('encryption keys', () => {
  const check = (encryptionKey: string) => validateOutputOptions({ outputFormat: 'CSV', compression: 'NONE', encryptionKey })

  test("Zuora's form (base64 DER SubjectPublicKeyInfo, 1024-bit) and the other encodings are accepted", () => {
    const zuoraForm = spkiBase64(k1024.publicKey)
    assert.ok(zuoraForm.startsWith('MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ'), 'the shape of the key in Zuora’s documentation')
    const forms = [
      zuoraForm,
      zuoraForm.replace(/(.{64})/g, '$1\n'),
      k1024.publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
      k1024.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      k1024.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      spkiBase64(k2048.publicKey),
      spkiBase64(k4096.publicKey),
    ]
    for (const form of forms) assert.equal(check(form), undefined, form)
    assert.equal(parseEncryptionKey(spkiBase64(k4096.publicKey)).asymmetricKeyDetails?.modulusLength, 4096)
  })

  test('anything else is refused with a message a client can act on', () => {
    const forms = 'a base64 DER RSA public key (SubjectPublicKeyInfo, as MIGfMA0GCSqGSIb3DQEBAQUAA4GN..., or PKCS#1) or a PEM public key'
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const ed = generateKeyPairSync('ed25519')
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 1024 })
    const small = generateKeyPairSync('rsa', { modulusLength: 512 })
    const cases: [string, string][] = [
      ['', `encryptionKey must be ${forms}`],
      ['  \n', `encryptionKey must be ${forms}`],
      ['not base64!', `encryptionKey must be ${forms}: it is not base64`],
      ['aGVsbG8gd29ybGQ=', `encryptionKey must be ${forms}: these bytes are no public key`],
      [spkiBase64(k1024.publicKey).slice(0, 100), `encryptionKey must be ${forms}: these bytes are no public key`],
      ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', `encryptionKey must be ${forms}`],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', 'encryptionKey is not a valid PEM public key'],
      [spkiBase64(ec.publicKey), 'encryptionKey must be an RSA public key, got a key of type ec'],
      [ed.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'encryptionKey must be an RSA public key, got a key of type ed25519'],
      [spkiBase64(pss.publicKey), 'encryptionKey must be an RSA public key, got a key of type rsa-pss'],
      [spkiBase64(small.publicKey), 'encryptionKey must be a 1024, 2048, 3072 or 4096-bit RSA key, got 512 bits'],
    ]
    const privateMessage = 'encryptionKey must be a public key: this is a private key, which should never leave its owner'
    cases.push([pem(k1024.privateKey), privateMessage])
    cases.push([k1024.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, privateMessage])
    cases.push([k1024.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), privateMessage])
    cases.push([k1024.privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'), privateMessage])
    for (const [key, message] of cases) assert.equal(check(key), message, JSON.stringify(key.slice(0, 40)))
  })
})

describe('encrypted result files', () => {
  for (const compression of ['NONE', 'GZIP', 'ZIP'] as const) {
    test(`CSV ${compression}: decryptResult and openssl cms give the file back`, async () => {
      const { file, bytes } = await produce(
        { format: 'CSV', compression, encryptionKey: spkiBase64(k1024.publicKey) },
        TRICKY_COLUMNS,
        [TRICKY_ROWS],
      )
      assert.match(file.fileName, compression === 'NONE' ? /\.csv\.enc$/ : compression === 'GZIP' ? /\.csv\.gz\.enc$/ : /\.csv\.zip\.enc$/)
      assert.equal(file.contentType, 'application/octet-stream')
      const plain = await decrypt(bytes, pem(k1024.privateKey))
      assert.deepEqual(decryptWithOpenssl(bytes, k1024.privateKey), plain)
      if (compression === 'NONE') assert.equal(plain.toString(), TRICKY_CSV)
      if (compression === 'GZIP') assert.equal(gunzipSync(plain).toString(), TRICKY_CSV)
      if (compression === 'ZIP') {
        const entries = await unzip(plain)
        assert.equal(entries[0].name, file.fileName.replace(/\.zip\.enc$/, ''))
        assert.equal(entries[0].content.toString(), TRICKY_CSV)
      }
    })
  }

  test('2048- and 4096-bit keys; any chunking of the input', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => TRICKY_ROWS[i % TRICKY_ROWS.length])
    for (const pair of [k2048, k4096]) {
      const { bytes } = await produce({ format: 'JSON', compression: 'NONE', encryptionKey: spkiBase64(pair.publicKey) }, TRICKY_COLUMNS, [rows])
      const lines = TRICKY_JSONL.split('\n')
      const expected = rows.map((_, i) => `${lines[i % TRICKY_ROWS.length]}\n`).join('')
      const plain = decryptWithOpenssl(bytes, pair.privateKey)
      assert.equal(plain.toString(), expected)
      for (const chunk of [1, 15, 16, 17, 4096]) assert.deepEqual(await decrypt(bytes, pair.privateKey, chunk), plain, `chunks of ${chunk}`)
    }
  })

  test('each file has its own key and nonce', async () => {
    const options = { format: 'CSV', compression: 'NONE', encryptionKey: spkiBase64(k1024.publicKey) } as const
    const a = (await produce(options, TRICKY_COLUMNS, [TRICKY_ROWS])).bytes
    const b = (await produce(options, TRICKY_COLUMNS, [TRICKY_ROWS])).bytes
    assert.equal(a.length, b.length)
    // The same head up to the wrapped key (the recipient is the same key)...
    const wrappedAt = a.indexOf(Buffer.from([0x04, 0x81, 0x80]), 100) + 3
    assert.deepEqual(a.subarray(0, wrappedAt), b.subarray(0, wrappedAt))
    // ...then another wrapped key, nonce and ciphertext.
    assert.notDeepEqual(a.subarray(wrappedAt, wrappedAt + 128), b.subarray(wrappedAt, wrappedAt + 128))
    assert.notDeepEqual(a.subarray(wrappedAt + 128), b.subarray(wrappedAt + 128))
  })

  test('an empty file is an envelope with no content', async () => {
    const { bytes } = await produce({ format: 'JSON', compression: 'NONE', encryptionKey: spkiBase64(k1024.publicKey) }, TRICKY_COLUMNS, [])
    assert.equal((await decrypt(bytes, k1024.privateKey)).length, 0)
    assert.equal(decryptWithOpenssl(bytes, k1024.privateKey).length, 0)
  })

  test('a file of the earlier ZJOBSENC envelope is still decrypted', async () => {
    const plain = Buffer.from(TRICKY_CSV)
    const legacy = legacyEncrypt(plain, k2048.publicKey)
    for (const chunk of [1, 17, 4096]) assert.deepEqual(await decrypt(legacy, k2048.privateKey, chunk), plain)
    const altered = Buffer.from(legacy)
    altered[altered.length - 20] ^= 1
    await assert.rejects(decrypt(altered, k2048.privateKey), /authentication failed/)
    await assert.rejects(decrypt(legacy, k1024.privateKey), /encrypted for a 2048-bit RSA key; this private key is 1024-bit/)
  })
})

describe('decryption failures', () => {
  let encrypted: Buffer
  before(async () => {
    encrypted = (await produce({ format: 'CSV', compression: 'GZIP', encryptionKey: spkiBase64(k1024.publicKey) }, TRICKY_COLUMNS, [TRICKY_ROWS])).bytes
  })
  const flipped = (at: number) => {
    const copy = Buffer.from(encrypted)
    copy[at] ^= 0x01
    return copy
  }
  const fails = (file: Buffer, message: RegExp, key: KeyObject = k1024.privateKey) =>
    assert.rejects(decrypt(file, key), (error: Error) => error instanceof DecryptionError && message.test(error.message))

  // Offsets in a file for a 1024-bit key: the wrapped key at 114 (128 bytes), the nonce at 272,
  // the content from 289; the mac is the 16 bytes before the last 6 (three end marks).
  test('an altered byte anywhere is detected', async () => {
    const altered = /corrupt, truncated or was altered \(authentication failed\)/
    assert.deepEqual(encrypted.subarray(270, 272), Buffer.from([0x04, 12]), 'the nonce is where the comment says')
    await fails(flipped(encrypted.length - 7), altered) // the mac
    await fails(flipped(encrypted.length - 40), altered) // the ciphertext
    await fails(flipped(275), altered) // the nonce
    await fails(flipped(114 + 5), /does not open the file/) // the wrapped key
    await fails(flipped(0), /not an encrypted result file/)
    await fails(flipped(12), /not an encrypted result file/) // the content type's OID
    await fails(flipped(encrypted.length - 1), altered) // an end mark
  })

  test('truncated files are refused', async () => {
    await fails(encrypted.subarray(0, encrypted.length - 1), /truncated \(its end is missing\)/)
    await fails(encrypted.subarray(0, encrypted.length - 10), /truncated \(no authentication tag\)/)
    await fails(encrypted.subarray(0, 400), /truncated \(no authentication tag\)/)
    await fails(encrypted.subarray(0, 50), /truncated \(incomplete header\)/)
    await fails(Buffer.alloc(0), /truncated \(incomplete header\)/)
  })

  test('the wrong key is named as such', async () => {
    await fails(encrypted, /does not open the file \(it was encrypted for another key\)/, other1024.privateKey)
    await fails(encrypted, /encrypted for a 1024-bit RSA key; this private key is 2048-bit/, k2048.privateKey)
    assert.throws(() => decryptResult('not a key', bufferStream(encrypted)), /not a usable private key/)
    assert.throws(() => decryptResult(k1024.publicKey, bufferStream(encrypted)), /an RSA private key is needed/)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    assert.throws(() => decryptResult(pem(ec.privateKey), bufferStream(encrypted)), /an RSA private key is needed/)
  })
})

describe('zjobs decrypt', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'zjobs-decrypt-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  function zjobs(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: processEnv({}), stdio: ['ignore', 'pipe', 'pipe'] })
    const stdout = buffer(child.stdout)
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    return new Promise((resolve) => child.on('close', async (code) => resolve({ code, stdout: await stdout, stderr })))
  }

  test('decrypts a file to a file, or to standard output', async () => {
    const { file, bytes } = await produce({ format: 'CSV', compression: 'GZIP', encryptionKey: spkiBase64(k2048.publicKey) }, TRICKY_COLUMNS, [TRICKY_ROWS])
    const encryptedPath = join(dir, file.fileName)
    const keyPath = join(dir, 'private.pem')
    writeFileSync(encryptedPath, bytes)
    writeFileSync(keyPath, k2048.privateKey.export({ type: 'pkcs1', format: 'pem' }))
    const outPath = join(dir, file.fileName.replace(/\.enc$/, ''))
    const result = await zjobs(['decrypt', '--key', keyPath, '--in', encryptedPath, '--out', outPath])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.equal(gunzipSync(readFileSync(outPath)).toString(), TRICKY_CSV)

    const piped = await zjobs(['decrypt', '--key', keyPath, '--in', encryptedPath, '--out', '-'])
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal(gunzipSync(piped.stdout).toString(), TRICKY_CSV)
  })

  test('a wrong key or an altered file: one error line, exit 1, no output file left; a missing option is a usage error (exit 2)', async () => {
    const { bytes } = await produce({ format: 'CSV', compression: 'NONE', encryptionKey: spkiBase64(k1024.publicKey) }, TRICKY_COLUMNS, [TRICKY_ROWS])
    const encryptedPath = join(dir, 'in.csv.enc')
    const alteredPath = join(dir, 'altered.csv.enc')
    const wrongKeyPath = join(dir, 'wrong.pem')
    const keyPath = join(dir, 'right.pem')
    writeFileSync(encryptedPath, bytes)
    const altered = Buffer.from(bytes)
    altered[altered.length - 20] ^= 0xff
    writeFileSync(alteredPath, altered)
    writeFileSync(wrongKeyPath, pem(other1024.privateKey))
    writeFileSync(keyPath, pem(k1024.privateKey))
    const outPath = join(dir, 'out.csv')

    const wrongKey = await zjobs(['decrypt', '--key', wrongKeyPath, '--in', encryptedPath, '--out', outPath])
    assert.equal(wrongKey.code, 1)
    assert.match(wrongKey.stderr, /^zjobs: cannot decrypt .*in\.csv\.enc: this private key does not open the file \(it was encrypted for another key\)\n$/)
    assert.equal(existsSync(outPath), false)

    const alteredFile = await zjobs(['decrypt', '--key', keyPath, '--in', alteredPath, '--out', outPath])
    assert.equal(alteredFile.code, 1)
    assert.match(alteredFile.stderr, /^zjobs: cannot decrypt .*: the encrypted file is corrupt, truncated or was altered \(authentication failed\)\n$/)
    assert.equal(existsSync(outPath), false)

    const missing = await zjobs(['decrypt', '--key', keyPath, '--out', outPath])
    assert.equal(missing.code, 2, 'usage errors exit 2, as every verb')
    assert.match(missing.stderr, /required option '--in <file>' not specified/)
  })
})
