// The request fields that shape a result file (POST /query/jobs: outputFormat, compression,
// columnSeparator, encryptionKey), checked once: the HTTP layer calls validateOutputOptions
// before accepting a job, the job's openResultFile checks them again when it writes the file.
import type { KeyObject } from 'node:crypto'
import { parseEncryptionKey } from './encryption.ts'
import { OutputOptionsError } from './errors.ts'

export const OUTPUT_FORMATS = ['JSON', 'CSV', 'TSV', 'DSV'] as const
export const COMPRESSIONS = ['NONE', 'GZIP', 'ZIP'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]
export type Compression = (typeof COMPRESSIONS)[number]

/** The request's fields that shape the file (a POST /query/jobs body can be passed as it is). */
export interface OutputRequest {
  outputFormat: OutputFormat | string
  compression: Compression | string
  /** DSV only (ignored otherwise): one character. */
  columnSeparator?: string | null
  /** Base64 DER or PEM RSA public key; absent: the file is not encrypted. */
  encryptionKey?: string | null
}

/** The same, as the job passes them to openResultFile. */
export interface OutputOptions extends Omit<OutputRequest, 'outputFormat'> {
  format: OutputFormat | string
}

export interface ParsedOutputOptions {
  format: OutputFormat
  compression: Compression
  /** The field delimiter of CSV, TSV and DSV; undefined for JSON Lines. */
  separator?: string
  encryptionKey?: KeyObject
}

const SEPARATORS: Record<OutputFormat, string | undefined> = { JSON: undefined, CSV: ',', TSV: '\t', DSV: undefined }

/** The options checked and decoded; throws OutputOptionsError. */
export function parseOutputOptions(options: OutputOptions): ParsedOutputOptions {
  const format = oneOf('outputFormat', options.format, OUTPUT_FORMATS)
  const compression = oneOf('compression', options.compression, COMPRESSIONS)
  const separator = format === 'DSV' ? parseColumnSeparator(options.columnSeparator) : SEPARATORS[format]
  const encryptionKey = options.encryptionKey == null ? undefined : parseEncryptionKey(options.encryptionKey)
  return { format, compression, separator, encryptionKey }
}

/** Why a request's output fields cannot make a result file (a message for the client), or undefined when they can. */
export function validateOutputOptions(request: OutputRequest): string | undefined {
  try {
    parseOutputOptions({ ...request, format: request.outputFormat })
    return undefined
  } catch (error) {
    if (error instanceof OutputOptionsError) return error.message
    throw error
  }
}

/**
 * DSV's delimiter: exactly one character (one Unicode code point, so `|`, `;`, `\t`, `¦`),
 * required, and never one that would make the file ambiguous: the quote character or a line
 * break. Zuora documents "any character"; PostgreSQL's COPY refuses the same three.
 */
export function parseColumnSeparator(separator: string | null | undefined): string {
  if (separator == null || separator === '') {
    throw new OutputOptionsError('columnSeparator is required when outputFormat is DSV')
  }
  if (typeof separator !== 'string' || [...separator].length !== 1) {
    throw new OutputOptionsError(`columnSeparator must be a single character, got ${JSON.stringify(separator)}`)
  }
  if (separator === '"' || separator === '\r' || separator === '\n') {
    throw new OutputOptionsError('columnSeparator cannot be a double quote, a carriage return or a line feed')
  }
  return separator
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T
  throw new OutputOptionsError(`${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`)
}
