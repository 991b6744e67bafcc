// The zjobs command line: run the server, apply migrations, and the admin verbs (tenants,
// users, OAuth clients, tokens) straight against the database. What only some verbs need is
// loaded when they run (`await import`): the HTTP server and job kinds (`start`, `worker`),
// the database driver, the file store, the benchmarks. `--help` loads none of them.
import { Command, CommanderError, Option } from 'commander'
import { enableCompileCache } from 'node:module'
import type { AddressInfo } from 'node:net'
import { registerBenchCommand } from '../bench/command.ts'
import { registerBillingCommands } from './billing/cli.ts'
import { version } from './commands/version.ts'
import { registerJobCommands } from './commands/register.ts'
import { ConfigError, loadConfig, publicBaseUrl, type Config } from './config.ts'
import { bootstrap } from './platform/bootstrap.ts'
import { ApiError } from './platform/errors.ts'
import { authenticateClient, mintToken, OAuthError } from './platform/oauth.ts'
import {
  clientIdForUser,
  createOAuthClient,
  createTenant,
  createUser,
  deleteTenant,
  getUser,
  listTenants,
  PERMISSIONS,
  requireTenant,
} from './platform/tenants.ts'
import { registerOutputCommands } from './query/output/cli.ts'
import { registerSandboxCommands } from './sandbox/cli.ts'
import type { Db } from './storage/db.ts'
import { migrate } from './storage/migrate.ts'
import { collect } from './commands/options.ts'

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Opens the database (attaching to a running embedded server if there is one), migrated. */
async function withDb<T>(work: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const { openDatabase } = await import('./storage/db.ts')
  const db = await openDatabase(config, { maxConnections: 2 })
  try {
    await migrate(db)
    return await work(db, config)
  } finally {
    await db.close()
  }
}

/** A step of starting that takes a while (creating the database, applying migrations), printed as it begins. */
const printStep = (message: string): void => {
  process.stdout.write(`zjobs: ${message}\n`)
}

async function start(options: { exportOnExit?: string } = {}): Promise<void> {
  const config = loadConfig()
  // The embedded server boots (its own process) while the HTTP server's modules load.
  const { openDatabase } = await import('./storage/db.ts')
  const opening = openDatabase(config, { onStep: printStep })
  opening.catch(() => {})
  const { startServer } = await import('./main.ts')
  const exportOnExit = options.exportOnExit && (await import('node:path')).resolve(options.exportOnExit)
  const server = await startServer(config, { onStep: printStep, database: opening, exportOnExit })
  const { bootstrap: setup } = server
  // The locator file, before the banner: whoever sees the banner finds the server by it.
  const { writeLocator, removeLocator, localUrl } = await import('./commands/locator.ts')
  const address = server.app.server.address() as AddressInfo
  writeLocator(config.dataDir, { url: localUrl(address.address, address.port), pid: process.pid, version: version(), startedAt: new Date().toISOString() })
  const database = server.db.kind === 'embedded' ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL'
  const url = server.url.replace('127.0.0.1', 'localhost')
  const lines = [
    `zjobs listening on ${url} (${database})`,
    `  API reference  ${url}/docs`,
    `  default tenant ${setup.tenant.id}, user ${setup.user.username} (${setup.user.id})`,
    `  client_id      ${setup.clientId}`,
    setup.clientSecret
      ? `  client_secret  ${setup.clientSecret}`
      : '  client_secret  (printed at first start; `zjobs client create` makes a new client)',
  ]
  if (setup.adminTokenGenerated) lines.push(`  admin token    ${setup.adminToken}`)
  process.stdout.write(`${lines.join('\n')}\n`)

  const shutdown = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down')
    removeLocator(config.dataDir)
    server.close().then(
      () => process.exit(0),
      (error) => {
        server.app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}

/** Job workers alone, no HTTP: several may share one PostgreSQL server with API processes. */
async function work(): Promise<void> {
  const config = loadConfig()
  const [{ createLogger }, { openDatabase }, { startJobRunner }] = await Promise.all([
    import('./log.ts'),
    import('./storage/db.ts'),
    import('./jobs/runner.ts'),
  ])
  const log = createLogger(config)
  const db = await openDatabase(config, { onStep: printStep })
  await migrate(db, { onStep: printStep })
  const runner = await startJobRunner(config, db, log, { mode: 'inline' })
  log.info({ concurrency: config.workerConcurrency, database: db.kind }, 'zjobs worker running')
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down')
    runner
      .stop(config.shutdownTimeoutMs)
      .then(() => db.close())
      .then(
        () => process.exit(0),
        (error) => {
          log.error({ err: error }, 'shutdown failed')
          process.exit(1)
        },
      )
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}

/** The default tenant's admin user, as its default OAuth client (created at first start). */
async function defaultIdentity(db: Db, config: Config) {
  const setup = await bootstrap(db, config)
  return { tenant: setup.tenant, user: setup.user, clientId: setup.clientId }
}

/** A token of the default admin user, minted in the database: the job commands' local default. */
const mintDefaultToken = () =>
  withDb(async (db, config) => (await mintToken(db, config.tokenTtlSeconds, await defaultIdentity(db, config))).access_token)

/** The end of `zjobs --help`: the settings most runs touch, and examples. */
const HELP_AFTER = `
Environment variables (all of them: README.md, Configuration):
  DATABASE_URL                 PostgreSQL server to use (unset: an embedded one in the data folder)
  ZJOBS_DATA_DIR               data folder (default ./.zjobs)
  PORT, HOST                   where the API listens (default 8080 on 0.0.0.0)
  ZJOBS_ADMIN_TOKEN            bearer token of /admin (unset: generated at first start)
  ZJOBS_DEFAULT_CLIENT_ID      the default OAuth client's id and secret (unset: random);
  ZJOBS_DEFAULT_CLIENT_SECRET  set them to make local setups and test suites repeatable
  LOG_LEVEL                    info (default), debug (errors with their stack), silent, ...
  ZJOBS_URL                    the server the job commands call (unset: the local zjobs)
  ZJOBS_CLIENT_ID              their OAuth client credentials (unset, on the local zjobs:
  ZJOBS_CLIENT_SECRET          the default client's)
  ZJOBS_PROFILE                their profile in $XDG_CONFIG_HOME/zjobs/profiles.json

Examples:
  zjobs start                  serve on http://localhost:8080 (API reference at /docs)
  zjobs query "SELECT name, balance FROM account" --out accounts.csv
  zjobs objects import Vehicle vehicles.csv
  zjobs jobs ls --status running
  zjobs tenant create --name Acme --entity Global --entity Europe
  zjobs seed --tenant 10000 --accounts 200
  curl localhost:8080/query/jobs -H "Authorization: Bearer $(zjobs token)"
  DATABASE_URL=postgres://localhost/zjobs zjobs migrate
`

export function buildCli(): Command {
  const program = new Command('zjobs').description("Self-hosted server for Zuora's asynchronous data-jobs APIs")
  program.version(version(), '-V, --version')
  program.showHelpAfterError()
  program.addHelpText('after', HELP_AFTER)
  // Usage errors (commander has printed them) exit 2; --help and --version 0. Inherited by
  // every command added after this.
  program.exitOverride((error) => {
    throw error.exitCode === 0 ? error : Object.assign(error, { exitCode: 2 })
  })

  program
    .command('start')
    .description('Run the API server (embedded database unless DATABASE_URL is set)')
    .option('--export-on-exit <dir>', "write every tenant's snapshot (tenant-<id>.tar.gz) to DIR on a clean stop; ZJOBS_INIT_DIR=DIR brings them back")
    .action(start)

  program.command('worker').description('Run job workers only (no HTTP server)').action(work)

  program
    .command('migrate')
    .description('Apply database migrations')
    .action(() => withDb(async (db) => print({ applied: await migrate(db) })))

  const tenant = program.command('tenant').description('Manage tenants')
  tenant
    .command('create')
    .description('Create a tenant (entities make it multi-entity, orgs multi-org)')
    .requiredOption('--name <name>', 'tenant name')
    .option('--time-zone <zone>', 'IANA time zone', 'UTC')
    .option('--entity <name>', 'an entity of a multi-entity tenant (repeatable)', collect)
    .option('--org <name>', 'an org of a multi-org tenant (repeatable)', collect)
    .action((options: { name: string; timeZone: string; entity?: string[]; org?: string[] }) =>
      withDb(async (db) =>
        print(await createTenant(db, { name: options.name, timeZone: options.timeZone, entities: options.entity, orgs: options.org })),
      ),
    )
  tenant.command('list').description('List tenants').action(() => withDb(async (db) => print(await listTenants(db))))
  tenant
    .command('delete <id>')
    .description('Delete a tenant with all its data')
    .action((id: string) =>
      withDb(async (db, config) => {
        const { openFileStore } = await import('./storage/files/store.ts')
        await deleteTenant(db, id)
        const files = await openFileStore(db, config, () => publicBaseUrl(config))
        await files.deleteTenant(id)
        print({ id, deleted: true })
      }),
    )

  program
    .command('user')
    .description('Manage users')
    .command('create')
    .description("Create a user of a tenant")
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--username <name>', 'username')
    .option('--email <email>', 'email address')
    .option('--admin', 'an admin sees every job of the tenant', false)
    .addOption(
      new Option('--permission <name>', 'a permission (repeatable; default: all)').choices([...PERMISSIONS]).argParser(collect),
    )
    .option('--entity-id <id>', 'an entity the user may use (repeatable; default: all)', collect)
    .option('--org-id <id>', 'an org the user may use (repeatable; default: all)', collect)
    .action(
      (options: {
        tenant: string
        username: string
        email?: string
        admin: boolean
        permission?: string[]
        entityId?: string[]
        orgId?: string[]
      }) =>
        withDb(async (db) =>
          print(
            await createUser(db, options.tenant, {
              username: options.username,
              email: options.email,
              admin: options.admin,
              permissions: options.permission,
              entityIds: options.entityId,
              orgIds: options.orgId,
            }),
          ),
        ),
    )

  program
    .command('client')
    .description('Manage OAuth clients')
    .command('create')
    .description('Create an OAuth client acting as a user: prints its client_id and client_secret')
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--user <id>', 'id of the user the client acts as')
    .action((options: { tenant: string; user: string }) =>
      withDb(async (db) => print(await createOAuthClient(db, options.tenant, { userId: options.user }))),
    )

  program
    .command('token')
    .description("Print a bearer token: for a client's credentials, a tenant's user, or the default admin user")
    .option('--client-id <id>', 'OAuth client id (default: ZJOBS_DEFAULT_CLIENT_ID)')
    .option('--client-secret <secret>', 'OAuth client secret (default: ZJOBS_DEFAULT_CLIENT_SECRET)')
    .option('--tenant <id>', "mint for a user of this tenant without the client's secret")
    .option('--user <id>', 'the user (with --tenant)')
    .option('--entity-id <id>', 'narrow the token to one entity')
    .action((options: { clientId?: string; clientSecret?: string; tenant?: string; user?: string; entityId?: string }) =>
      withDb(async (db, config) => {
        const clientId = options.clientId ?? config.defaultClientId
        const clientSecret = options.clientSecret ?? config.defaultClientSecret
        let identity
        if (options.tenant || options.user) {
          if (!options.tenant || !options.user) throw new ConfigError('--tenant and --user go together')
          const tenantRecord = await requireTenant(db, options.tenant)
          const user = await getUser(db, tenantRecord.id, options.user)
          if (!user) throw new ConfigError(`user ${options.user} does not exist in tenant ${tenantRecord.id}`)
          identity = { tenant: tenantRecord, user, clientId: await clientIdForUser(db, tenantRecord.id, user.id) }
        } else if (clientId && clientSecret) {
          identity = await authenticateClient(db, clientId, clientSecret)
        } else {
          identity = await defaultIdentity(db, config)
        }
        const grant = await mintToken(db, config.tokenTtlSeconds, identity, options.entityId)
        process.stdout.write(`${grant.access_token}\n`)
      }),
    )

  registerBillingCommands(program, withDb)
  registerOutputCommands(program)
  registerJobCommands(program, mintDefaultToken)
  registerSandboxCommands(program)
  registerBenchCommand(program)

  return program
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv)
  } catch (error) {
    // Commander's own errors are printed already: --help and --version exit 0, usage errors 2.
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode
      return
    }
    // Errors zjobs raises on purpose are one line; anything else also gets its stack with
    // LOG_LEVEL=debug. The job commands' errors carry their exit code (src/commands/exit.ts).
    const exitCode = (error as { exitCode?: unknown } | undefined)?.exitCode
    const known = error instanceof ConfigError || error instanceof ApiError || error instanceof OAuthError || typeof exitCode === 'number'
    const message = error instanceof Error ? error.message : String(error)
    const detail = !known && process.env.LOG_LEVEL === 'debug' && error instanceof Error ? `\n${error.stack}` : ''
    process.stderr.write(`zjobs: ${message}${detail}\n`)
    process.exitCode = typeof exitCode === 'number' ? exitCode : 1
  }
}

if (import.meta.main) {
  // Run as `node src/cli.ts` (npm start), not through bin/zjobs.js, which turns it on before
  // this file loads: Node.js' compile cache (in the temp folder) for what the verb imports, in
  // this thread and the job runner's.
  const cache = enableCompileCache()
  if (cache.directory) process.env.NODE_COMPILE_CACHE = cache.directory
  await runCli(process.argv)
}
