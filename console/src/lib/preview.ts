// A preview of a Data Query result: its first rows, read from the start of the result file
// (decompressed as it arrives: gzip, or a ZIP archive's first entry) without downloading all
// of it. Web streams only (DecompressionStream), so the tests run it under Node.js too.
import { parseDelimited } from './csv.ts'
import { formatValue } from './format.ts'

export type OutputFormat = 'CSV' | 'TSV' | 'DSV' | 'JSON'
export type Compression = 'NONE' | 'GZIP' | 'ZIP'

export interface Preview {
  columns: string[]
  rows: string[][]
  /** The file has more rows than the preview shows. */
  truncated: boolean
}

export interface PreviewOptions {
  format: OutputFormat
  compression: Compression
  /** DSV's separator (guessed from the header when not given). */
  separator?: string
  maxRows?: number
  /** Most bytes of (decompressed) text to read. */
  maxBytes?: number
}

/** The separator of a format; '' for a DSV file whose separator is to be guessed. */
export function separatorOf(format: OutputFormat, separator?: string): string {
  return format === 'TSV' ? '\t' : format === 'DSV' ? (separator ?? '') : ','
}

/** A result's format from its file name (`<job>_<digits>.csv.gz`); encrypted files (`.enc`) have none to preview. */
export function formatOfFile(name: string): { format: OutputFormat; compression: Compression; encrypted: boolean } {
  let path = name.toLowerCase()
  try {
    path = new URL(name, 'http://x').pathname.toLowerCase()
  } catch {
    // a plain name
  }
  const encrypted = path.endsWith('.enc')
  if (encrypted) path = path.slice(0, -4)
  const compression: Compression = path.endsWith('.gz') ? 'GZIP' : path.endsWith('.zip') ? 'ZIP' : 'NONE'
  const base = path.replace(/\.(gz|zip)$/, '')
  const format: OutputFormat = base.endsWith('.tsv') ? 'TSV' : base.endsWith('.dsv') ? 'DSV' : base.endsWith('.jsonl') || base.endsWith('.json') ? 'JSON' : 'CSV'
  return { format, compression, encrypted }
}

/** A DSV file's separator, when it is not known: the header line's most frequent character that is not part of a name. */
export function guessSeparator(firstLine: string): string {
  const counts = new Map<string, number>()
  for (const char of firstLine) if (!/[\w"\s.-]/.test(char)) counts.set(char, (counts.get(char) ?? 0) + 1)
  let best = '|'
  let most = 0
  for (const [char, count] of counts) {
    if (count > most) {
      best = char
      most = count
    }
  }
  return best
}

/** Most bytes of a ZIP result read for a preview: its directory is at its end. */
export const MAX_ZIP_PREVIEW_BYTES = 8 << 20

/**
 * The uncompressed bytes of the first entry of a ZIP archive (stored or deflated), found by
 * the archive's central directory (an entry written as a stream, as zjobs' are, has its size
 * only there): the whole archive is read first, up to MAX_ZIP_PREVIEW_BYTES.
 */
export async function firstZipEntry(zip: ReadableStream<Uint8Array>, maxBytes = MAX_ZIP_PREVIEW_BYTES): Promise<ReadableStream<Uint8Array>> {
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = zip.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    size += value.length
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      throw new Error(`the ZIP file is over ${maxBytes >> 20} MB: download it to see its rows`)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.length
  }
  const view = new DataView(bytes.buffer)
  // The end of central directory record: its signature within the last 64 KB + 22 bytes.
  let end = -1
  for (let i = size - 22; i >= Math.max(0, size - 65_557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i
      break
    }
  }
  if (end < 0) throw new Error('not a ZIP archive')
  const directory = view.getUint32(end + 16, true)
  if (directory + 46 > size || view.getUint32(directory, true) !== 0x02014b50) throw new Error('a damaged ZIP archive')
  const method = view.getUint16(directory + 10, true)
  const compressedSize = view.getUint32(directory + 20, true)
  const local = view.getUint32(directory + 42, true)
  if (local + 30 > size || view.getUint32(local, true) !== 0x04034b50) throw new Error('a damaged ZIP archive')
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
  if (method !== 0 && method !== 8) throw new Error(`a ZIP entry compressed with method ${method}`)
  const entry = new Blob([bytes.subarray(start, start + compressedSize)]).stream() as ReadableStream<Uint8Array>
  return method === 0 ? entry : entry.pipeThrough(new DecompressionStream('deflate-raw') as unknown as TransformStream<Uint8Array, Uint8Array>)
}

/** The first rows of a result file's body. Stops reading (and cancels the body) once it has them. */
export async function readPreview(body: ReadableStream<Uint8Array>, options: PreviewOptions): Promise<Preview> {
  const maxRows = options.maxRows ?? 100
  const maxBytes = options.maxBytes ?? 1 << 20
  let stream = body
  if (options.compression === 'GZIP') stream = body.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
  else if (options.compression === 'ZIP') stream = await firstZipEntry(body)
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let bytes = 0
  let lines = 0
  let done = false
  try {
    // Enough lines for the rows (a quoted cell may hold line breaks: then the preview is shorter).
    while (lines <= maxRows + 1 && bytes < maxBytes) {
      const next = await reader.read()
      if (next.done) {
        done = true
        break
      }
      bytes += next.value.length
      const chunk = decoder.decode(next.value, { stream: true })
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++
      text += chunk
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {})
  }
  if (done) text += decoder.decode()
  return parsePreview(text, done, options.format, separatorOf(options.format, options.separator), maxRows)
}

/** Rows of a result's text (all of it, or a prefix when `complete` is false). */
export function parsePreview(text: string, complete: boolean, format: OutputFormat, separator: string, maxRows: number): Preview {
  if (format === 'JSON') {
    const lines = text.split('\n')
    if (!complete) lines.pop()
    const records = lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
    const columns: string[] = []
    for (const record of records.slice(0, maxRows)) for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key)
    const rows = records.slice(0, maxRows).map((record) => columns.map((column) => formatValue(record[column])))
    return { columns, rows, truncated: !complete || records.length > maxRows }
  }
  const all = parseDelimited(text, separator || guessSeparator(text.slice(0, text.indexOf('\n') >>> 0)), complete)
  const [columns = [], ...rows] = all
  return { columns, rows: rows.slice(0, maxRows), truncated: !complete || rows.length > maxRows }
}
