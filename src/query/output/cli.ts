// `zjobs decrypt`: opens an encrypted Data Query result file with the private key whose
// public half was the job's encryptionKey. No database: it works on any machine.
import type { Command } from 'commander'
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { decryptResult } from './encryption.ts'

interface DecryptOptions {
  key: string
  in: string
  out: string
}

export function registerOutputCommands(program: Command): void {
  program
    .command('decrypt')
    .description('Decrypt a Data Query result file (.enc) with the RSA private key matching its encryptionKey')
    .requiredOption('--key <file>', 'RSA private key, PEM (PKCS#8 or PKCS#1)')
    .requiredOption('--in <file>', 'encrypted result file (- for standard input)')
    .requiredOption('--out <file>', 'where to write the decrypted (still compressed) file (- for standard output)')
    .action((options: DecryptOptions) => decryptFile(options))
}

async function decryptFile(options: DecryptOptions): Promise<void> {
  const key = readFileSync(options.key)
  const input: Readable = options.in === '-' ? process.stdin : createReadStream(options.in)
  const toFile = options.out !== '-'
  const output: Writable = toFile ? createWriteStream(options.out) : process.stdout
  try {
    await pipeline(decryptResult(key, input), output, { end: toFile })
  } catch (error) {
    // Nothing of a file that failed to decrypt is left behind: it was not authenticated.
    if (toFile) await rm(options.out, { force: true })
    throw new Error(`cannot decrypt ${options.in}: ${(error as Error).message}`)
  }
}
