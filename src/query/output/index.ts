// Data Query result files: what the job handler and the HTTP layer use (see result-file.ts).
export { columnTypeOfOid, RAW_TEXT_TYPES, resultColumnsOf, type ColumnType, type ResultColumn, type ResultRow } from './columns.ts'
export { decryptResult, DecryptionError, parseEncryptionKey } from './encryption.ts'
export { OutputOptionsError } from './errors.ts'
export {
  COMPRESSIONS,
  OUTPUT_FORMATS,
  parseOutputOptions,
  validateOutputOptions,
  type Compression,
  type OutputFormat,
  type OutputOptions,
  type OutputRequest,
} from './options.ts'
export { describeResultFile, openResultFile, type ResultFile, type ResultFileOptions, type ResultFileSummary } from './result-file.ts'
