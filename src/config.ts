// Every setting zjobs reads, from the environment, validated once at start.
// The README's configuration reference lists exactly these (a test keeps them in step).
import { resolve } from 'node:path'

type Parser<T> = (raw: string, name: string) => T

const int = (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> => (raw, name) => {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return value
}
const text: Parser<string> = (raw) => raw
const optionalText: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw)
const bool: Parser<boolean> = (raw, name) => {
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}
const oneOf = <T extends string>(...values: T[]): Parser<T> => (raw, name) => {
  if (!values.includes(raw as T)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`)
  return raw as T
}

export class ConfigError extends Error {}

interface Setting<T> {
  env: string
  default: string
  description: string
  parse: Parser<T>
}

const setting = <T>(env: string, defaultValue: string, description: string, parse: Parser<T>): Setting<T> => ({
  env,
  default: defaultValue,
  description,
  parse,
})

export const settings = {
  port: setting('PORT', '8080', 'HTTP port the API listens on.', int(0, 65535)),
  host: setting('HOST', '0.0.0.0', 'Interface the API binds to.', text),
  databaseUrl: setting(
    'DATABASE_URL',
    '',
    'PostgreSQL (15 or newer) connection string. Unset: an embedded PostgreSQL server run from the data folder.',
    optionalText,
  ),
  dataDir: setting('ZJOBS_DATA_DIR', './.zjobs', 'Data folder: the embedded database, local files, generated secrets.', text),
  cacheDir: setting(
    'ZJOBS_CACHE_DIR',
    '',
    'Where migrated embedded-database templates are kept (and, as root, clusters the postgres user cannot reach in the data folder). Unset: ~/.cache/zjobs, or /var/lib/zjobs as root.',
    text,
  ),
  publicUrl: setting(
    'ZJOBS_PUBLIC_URL',
    '',
    'Base URL clients reach this server at, used in file links. Unset: http://localhost:$PORT.',
    optionalText,
  ),
  logLevel: setting(
    'LOG_LEVEL',
    'info',
    'pino log level: fatal, error, warn, info, debug, trace or silent.',
    oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  ),
  adminToken: setting(
    'ZJOBS_ADMIN_TOKEN',
    '',
    'Bearer token of the /admin plane. Unset: generated on first start, kept (data folder, or the database on PostgreSQL) and printed.',
    optionalText,
  ),
  defaultClientId: setting(
    'ZJOBS_DEFAULT_CLIENT_ID',
    '',
    'client_id of the OAuth client created with the default tenant on first start (36 characters). Unset: random.',
    optionalText,
  ),
  defaultClientSecret: setting(
    'ZJOBS_DEFAULT_CLIENT_SECRET',
    '',
    'client_secret of that client (at most 42 characters). Unset: random.',
    optionalText,
  ),
  tokenTtlSeconds: setting(
    'ZJOBS_TOKEN_TTL_SECONDS',
    '3600',
    'Lifetime of an OAuth access token; expires_in reports one second less, as Zuora does.',
    int(2, 86_400),
  ),
  maxBodyBytes: setting(
    'ZJOBS_MAX_BODY_BYTES',
    '10485760',
    'Largest JSON or form request body, counted after gzip decompression (413 beyond).',
    int(1024),
  ),
  importMaxBytes: setting(
    'ZJOBS_IMPORT_MAX_BYTES',
    '104857600',
    'Largest CSV file a billing import takes (POST /admin/tenants/{id}/import, zjobs import), counted after gzip decompression (413 beyond).',
    int(1024),
  ),
  rateLimitPerMinute: setting('ZJOBS_RATE_LIMIT_PER_MINUTE', '50000', 'API requests per tenant per minute.', int(1)),
  rateLimitPerHour: setting('ZJOBS_RATE_LIMIT_PER_HOUR', '2250000', 'API requests per tenant per hour.', int(1)),
  rateLimitPerDay: setting('ZJOBS_RATE_LIMIT_PER_DAY', '27000000', 'API requests per tenant per day.', int(1)),
  authRateLimitPerMinute: setting(
    'ZJOBS_AUTH_RATE_LIMIT_PER_MINUTE',
    '2000',
    'POST /oauth/token calls per tenant per minute.',
    int(1),
  ),
  authRateLimitPerIpPerMinute: setting(
    'ZJOBS_AUTH_RATE_LIMIT_PER_IP_PER_MINUTE',
    '100',
    'POST /oauth/token calls per client IP per minute.',
    int(1),
  ),
  concurrencyLimit: setting(
    'ZJOBS_CONCURRENCY_LIMIT',
    '40',
    'Requests a tenant may have in flight at once (Concurrency-Limit-Type Default).',
    int(1),
  ),
  idempotencyTtlHours: setting(
    'ZJOBS_IDEMPOTENCY_TTL_HOURS',
    '24',
    'How long an Idempotency-Key and its stored response are kept.',
    int(1, 24 * 30),
  ),
  workerConcurrency: setting(
    'ZJOBS_WORKER_CONCURRENCY',
    '4',
    'Jobs a process runs at once (zjobs start and zjobs worker); 0: this process runs no jobs.',
    int(0, 256),
  ),
  jobLeaseSeconds: setting(
    'ZJOBS_JOB_LEASE_SECONDS',
    '20',
    "How long a running job stays its worker's without a renewal: a crashed worker's job is taken over after this.",
    int(3, 3600),
  ),
  jobPollMs: setting(
    'ZJOBS_JOB_POLL_MS',
    '500',
    'How often an idle worker looks for jobs (workers are also woken at once by submissions).',
    int(10, 60_000),
  ),
  fileStore: setting(
    'ZJOBS_FILE_STORE',
    'local',
    'Where files (uploads, results) are kept: local (the data folder) or s3 (an S3-compatible bucket, ZJOBS_S3_*).',
    oneOf('local', 's3'),
  ),
  s3Endpoint: setting(
    'ZJOBS_S3_ENDPOINT',
    '',
    "S3-compatible endpoint URL (MinIO, Ceph, ...). Unset: AWS S3 of ZJOBS_S3_REGION.",
    optionalText,
  ),
  s3Bucket: setting('ZJOBS_S3_BUCKET', '', 'Bucket of the s3 file store (required with ZJOBS_FILE_STORE=s3).', optionalText),
  s3Region: setting('ZJOBS_S3_REGION', 'us-east-1', 'Region of the bucket.', text),
  s3AccessKeyId: setting(
    'ZJOBS_S3_ACCESS_KEY_ID',
    '',
    "Access key of the s3 file store. Unset: the AWS SDK's default credentials (AWS_* variables, instance role).",
    optionalText,
  ),
  s3SecretAccessKey: setting('ZJOBS_S3_SECRET_ACCESS_KEY', '', 'Secret key going with ZJOBS_S3_ACCESS_KEY_ID.', optionalText),
  s3ForcePathStyle: setting(
    'ZJOBS_S3_FORCE_PATH_STYLE',
    'false',
    'true: address the bucket in the path (endpoint/bucket/key), as MinIO and most S3-compatible servers need.',
    bool,
  ),
  signingSecret: setting(
    'ZJOBS_SIGNING_SECRET',
    '',
    'Key (at least 32 characters) of the HMAC that signs file download links. Unset: generated once and kept in the database.',
    optionalText,
  ),
  dataQueryLiveRunning: setting('ZJOBS_DQ_LIVE_RUNNING', '5', 'LIVE Data Query jobs a tenant may run at once.', int(1, 1000)),
  dataQueryLiveQueued: setting(
    'ZJOBS_DQ_LIVE_QUEUED',
    '10',
    'LIVE Data Query jobs a tenant may have waiting (accepted); a submission beyond is refused.',
    int(0, 100_000),
  ),
  dataQueryWarehouseRunning: setting(
    'ZJOBS_DQ_WAREHOUSE_RUNNING',
    '15',
    'WAREHOUSE Data Query jobs a tenant may run at once.',
    int(1, 1000),
  ),
  dataQueryWarehouseQueued: setting(
    'ZJOBS_DQ_WAREHOUSE_QUEUED',
    '30',
    'WAREHOUSE Data Query jobs a tenant may have waiting; a submission beyond is refused.',
    int(0, 100_000),
  ),
  dataQueryLiveMaxRows: setting('ZJOBS_DQ_LIVE_MAX_ROWS', '500000', 'Most rows a LIVE query may return.', int(1)),
  dataQueryWarehouseMaxRows: setting('ZJOBS_DQ_WAREHOUSE_MAX_ROWS', '50000000', 'Most rows a WAREHOUSE query may return.', int(1)),
  dataQueryTimeLimitSeconds: setting(
    'ZJOBS_DQ_TIME_LIMIT_SECONDS',
    '3600',
    'Time limit of one attempt of a Data Query job; a query past it is retried.',
    int(1, 86_400),
  ),
  journalSize: setting(
    'ZJOBS_JOURNAL_SIZE',
    '1000',
    "Requests kept per tenant in its request journal (GET /admin/tenants/{id}/requests); 0 keeps none.",
    int(0, 100_000),
  ),
  initDir: setting(
    'ZJOBS_INIT_DIR',
    '',
    'Folder applied at start, each file once: snapshot archives (*.tar.gz, restored into the tenant each names) and <tenant>/<Object>.csv billing imports.',
    optionalText,
  ),
  dataQueryRetries: setting('ZJOBS_DQ_RETRIES', '3', 'Retries of a Data Query job after a transient failure (remainingRetries).', int(0, 10)),
  dataQueryResultUrlTtlSeconds: setting(
    'ZJOBS_DQ_RESULT_URL_TTL_SECONDS',
    '3600',
    'Lifetime of the signed dataFile link a job read returns (each read signs a new one).',
    int(10, 7 * 86_400),
  ),
  dataQueryRetentionDays: setting(
    'ZJOBS_DQ_RETENTION_DAYS',
    '30',
    'How long Data Query result files are kept.',
    int(1, 3650),
  ),
  customObjectMaxRecords: setting(
    'ZJOBS_CO_MAX_RECORDS',
    '10000000',
    'Most records one custom object may hold (Zuora: 10,000,000).',
    int(1),
  ),
  warehouseDatabaseUrl: setting(
    'ZJOBS_WAREHOUSE_DATABASE_URL',
    '',
    'PostgreSQL database WAREHOUSE queries read (a logical replica with the same schema). Unset: the main database.',
    optionalText,
  ),
  shutdownTimeoutMs: setting(
    'ZJOBS_SHUTDOWN_TIMEOUT_MS',
    '10000',
    'On SIGTERM/SIGINT, how long in-flight requests and running job batches get to finish.',
    int(0),
  ),
  clientUrl: setting(
    'ZJOBS_URL',
    '',
    'Job commands (zjobs query, objects, backfill, jobs): the server they call, zjobs or Zuora (https://rest.test.zuora.com). Unset: the profile, or the zjobs server of the data folder.',
    optionalText,
  ),
  clientId: setting('ZJOBS_CLIENT_ID', '', 'Job commands: the OAuth client id they authenticate with.', optionalText),
  clientSecret: setting('ZJOBS_CLIENT_SECRET', '', 'Job commands: the secret of ZJOBS_CLIENT_ID.', optionalText),
  clientProfile: setting(
    'ZJOBS_PROFILE',
    '',
    'Job commands: the profile (url and credentials) to use, of $XDG_CONFIG_HOME/zjobs/profiles.json (~/.config/zjobs/profiles.json).',
    optionalText,
  ),
}

type Settings = typeof settings
export type Config = { [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never }

/** Reads every setting from `env`; `overrides` (tests, CLI flags) win over the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config: Record<string, unknown> = {}
  for (const [key, s] of Object.entries(settings) as [keyof Config, Setting<unknown>][]) {
    if (key in overrides) {
      config[key] = overrides[key]
      continue
    }
    const raw = env[s.env] ?? s.default
    config[key] = s.parse(raw.trim(), s.env)
  }
  const result = config as Config
  result.dataDir = resolve(result.dataDir)
  if (result.defaultClientId !== undefined && result.defaultClientId.length !== 36) {
    throw new ConfigError('ZJOBS_DEFAULT_CLIENT_ID must be 36 characters long')
  }
  if (result.defaultClientSecret !== undefined && result.defaultClientSecret.length > 42) {
    throw new ConfigError('ZJOBS_DEFAULT_CLIENT_SECRET must be at most 42 characters long')
  }
  if (result.fileStore === 's3' && !result.s3Bucket) throw new ConfigError('ZJOBS_S3_BUCKET is required with ZJOBS_FILE_STORE=s3')
  if ((result.s3AccessKeyId === undefined) !== (result.s3SecretAccessKey === undefined)) {
    throw new ConfigError('ZJOBS_S3_ACCESS_KEY_ID and ZJOBS_S3_SECRET_ACCESS_KEY go together')
  }
  if (result.signingSecret !== undefined && result.signingSecret.length < 32) {
    throw new ConfigError('ZJOBS_SIGNING_SECRET must be at least 32 characters long')
  }
  return result
}

export function publicBaseUrl(config: Config, listeningPort?: number): string {
  return (config.publicUrl ?? `http://localhost:${listeningPort ?? config.port}`).replace(/\/+$/, '')
}
