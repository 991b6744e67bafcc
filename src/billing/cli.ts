// `zjobs seed` and `zjobs import`: billing data straight into a tenant's database rows.
// Registering the verbs is cheap: the generator, the CSV parser and the progress bar are
// loaded when a verb runs.
import type { Preset, SingleBar } from 'cli-progress'
import type { Command } from 'commander'
import { createReadStream, statSync } from 'node:fs'
import { ConfigError, type Config } from '../config.ts'
import type { Db } from '../storage/db.ts'
import type { SeedProgress } from './seed.ts'

export type WithDb = <T>(work: (db: Db, config: Config) => Promise<T>) => Promise<T>

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

function integer(option: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${option} must be a non-negative integer, got "${raw}"`)
  return Number(raw)
}

export function registerBillingCommands(program: Command, withDb: WithDb): void {
  program
    .command('seed')
    .description('Fill a tenant with deterministic, realistic billing data (same seed, same rows)')
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--accounts <n>', 'number of customer accounts')
    .option('--seed <s>', 'seed of the generator (default: 1)')
    .option('--batch-accounts <n>', 'accounts per batch, one transaction each (default: 1000)')
    .action(async (options: { tenant: string; accounts: string; seed?: string; batchAccounts?: string }) => {
      const accounts = integer('--accounts', options.accounts)
      const seed = options.seed === undefined ? undefined : integer('--seed', options.seed)
      const batchAccounts = options.batchAccounts === undefined ? undefined : integer('--batch-accounts', options.batchAccounts)
      const [{ seedTenant }, { SingleBar: Bar, Presets }] = await Promise.all([import('./seed.ts'), import('cli-progress')])
      return withDb(async (db) => {
        const bar = progressBar(accounts, Bar, Presets.shades_classic)
        const started = performance.now()
        try {
          const result = await seedTenant(db, options.tenant, { accounts, seed, batchAccounts, onProgress: bar.update })
          bar.stop()
          const seconds = (performance.now() - started) / 1000
          print({ ...result, seconds: Math.round(seconds * 10) / 10 })
        } finally {
          bar.stop()
        }
      })
    })

  program
    .command('import')
    .description('Import billing objects of one type from a CSV file (header: Data Query column names, with id); all rows or none')
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--object <name>', 'billing object: Account, Contact, RatePlanCharge, InvoiceItem, ...')
    .option('--entity-id <id>', 'entity the rows belong to (multi-entity tenants)')
    .option('--org-id <id>', 'org the rows belong to (multi-org tenants)')
    .argument('<file>', 'CSV file')
    .action(async (file: string, options: { tenant: string; object: string; entityId?: string; orgId?: string }) => {
      const { importCsv, tooLarge } = await import('./import.ts')
      return withDb(async (db, config) => {
        const size = fileSize(file)
        if (size > config.importMaxBytes) throw tooLarge(file, config.importMaxBytes)
        const stream = createReadStream(file)
        try {
          print(await importCsv(db, options.tenant, options.object, stream, {
            maxBytes: config.importMaxBytes,
            entityId: options.entityId,
            orgId: options.orgId,
          }))
        } finally {
          stream.destroy()
        }
      })
    })
}

function fileSize(file: string): number {
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new ConfigError(`${file} is not a file`)
    return stat.size
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

/** A progress bar on stderr (drawn only on a terminal); `update` fits seedTenant's onProgress. */
function progressBar(
  accounts: number,
  Bar: typeof SingleBar,
  preset: Preset,
): { update: (progress: SeedProgress) => void; stop: () => void } {
  const bar = new Bar(
    {
      stream: process.stderr,
      format: 'seeding |{bar}| {percentage}% | {value}/{total} accounts | {rows} rows | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
    },
    preset,
  )
  let started = false
  let stopped = false
  return {
    update(progress) {
      if (!started) {
        bar.start(accounts, 0, { rows: 0 })
        started = true
      }
      // Until the first accounts are in (the catalogue batch), only the row count moves: no ETA from zero.
      if (progress.accountsDone === 0) bar.update({ rows: progress.rows })
      else bar.update(progress.accountsDone, { rows: progress.rows })
    },
    stop() {
      if (started && !stopped) bar.stop()
      stopped = true
    },
  }
}
