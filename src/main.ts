// Starts the API server: database (embedded or PostgreSQL), migrations, first-start setup,
// the HTTP app. `zjobs start` adds signal handling and the banner (src/cli.ts).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { publicBaseUrl, type Config } from './config.ts'
import type { AppDeps } from './http/context.ts'
import { buildApp, type AppOptions } from './http/app.ts'
import { tenantRateLimiter } from './http/plugins/limits.ts'
import { createLogger } from './log.ts'
import { bootstrap, type Bootstrap } from './platform/bootstrap.ts'
import { startMaintenance } from './platform/maintenance.ts'
import { TokenVerifier } from './platform/oauth.ts'
import { JobViews } from './jobs/pacing.ts'
import { startJobRunner, type JobRunner, type WorkerMode } from './jobs/runner.ts'
import type { JobKind } from './jobs/types.ts'
import { openDatabase, type Db } from './storage/db.ts'
import { sandboxRoutes } from './sandbox/routes.ts'
import { SandboxSettings } from './sandbox/settings.ts'
import { Purger } from './sandbox/snapshot/purge.ts'
import { snapshotRoutes } from './sandbox/snapshot/routes.ts'
import { applyInitDir, exportSnapshots } from './sandbox/snapshot/init.ts'
import { sandboxLayer } from './sandbox/faults/layer.ts'
import { faultRoutes } from './sandbox/faults/routes.ts'
import { openFileStore, sweepExpiredFiles, type FileStore } from './storage/files/store.ts'
import { migrate } from './storage/migrate.ts'

export interface RunningServer {
  app: FastifyInstance
  db: Db
  jobs: JobRunner
  files: FileStore
  url: string
  bootstrap: Bootstrap
  /** Stops taking requests, lets in-flight ones finish (within the shutdown timeout), closes the database. */
  close(): Promise<void>
}

export interface ServerOptions extends AppOptions {
  logger?: Logger
  /** Where job workers run: a worker thread (default), this thread, or nowhere. */
  workers?: WorkerMode
  /** With workers 'inline': job kinds to run instead of the registry's (tests). */
  jobKinds?: JobKind[]
  /** Told of each step of starting that takes a while (creating the database, applying migrations). */
  onStep?(message: string): void
  /** The database, already being opened (`zjobs start` starts the embedded server while this module loads). */
  database?: Promise<Db>
  /** A folder every tenant's snapshot is written to on a clean stop (`zjobs start --export-on-exit`). */
  exportOnExit?: string
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config)
  const db = await (options.database ?? openDatabase(config, { onStep: options.onStep }))
  let jobs: Promise<JobRunner> | undefined
  try {
    await migrate(db, { onStep: options.onStep })
    const setup = await bootstrap(db, config)
    let port = config.port
    // The job workers load in their thread while the HTTP app is built here (two cores, half
    // the wait); submissions made before they are ready wait in the job table for them.
    const starting = startJobRunner(config, db, logger, { mode: options.workers ?? 'thread', kinds: options.jobKinds })
    jobs = starting
    starting.catch(() => {})
    const signals = { wake: () => void starting.then((runner) => runner.wake(), () => {}) }
    const baseUrl = () => publicBaseUrl(config, port)
    // Tenants' clocks and pacing, as the sandbox plane set them: every request reads them.
    const settings = new SandboxSettings(db)
    const files = await openFileStore(db, config, baseUrl, settings)
    const deps: AppDeps = {
      config,
      db,
      logger,
      verifier: new TokenVerifier(db, { clocks: settings }),
      adminToken: setup.adminToken,
      baseUrl,
      limiter: tenantRateLimiter(config),
      jobs: signals,
      files,
      settings,
      views: new JobViews(db, settings, signals.wake),
    }
    const onTenantDeleted = [
      ...(options.onTenantDeleted ?? []),
      (tenantId: string) => files.deleteTenant(tenantId),
      async (tenantId: string) => settings.forget(tenantId),
    ]
    // What tenants' resets leave to delete (and what a crash left queued), in the background.
    const purger = new Purger(db, files, logger)
    purger.kick()
    // The init folder's archives and imports not applied yet, before the server answers.
    if (config.initDir) {
      const forget = (tenantId: string) => settings.forget(tenantId)
      const init = await applyInitDir({ db, files, purger, forget, wake: signals.wake }, config.initDir, logger)
      if (init.applied.length > 0) options.onStep?.(`applied ${init.applied.join(', ')} from ${config.initDir}`)
    }
    // The sandbox control plane (clock, lifecycle): admin routes over the platform and engine.
    // Faults and the request journal: a layer in front of the routes, and their admin routes.
    const faults = sandboxLayer(db, logger, config.journalSize)
    const routes = [sandboxRoutes as FastifyPluginAsync<AppDeps>, faultRoutes(deps, faults), snapshotRoutes(purger, { faultRulesChanged: () => faults.rules.refresh(true), journalCleared: async (tenantId) => void (await faults.journal.clear(tenantId)) }) as FastifyPluginAsync<AppDeps>, ...(options.routes ?? [])]
    const plugins = [faults.plugin, ...(options.plugins ?? [])]
    const app = await buildApp(deps, { ...options, routes, plugins, onTenantDeleted })
    await app.listen({ port: config.port, host: config.host })
    port = (app.server.address() as AddressInfo).port
    const runner = await starting
    const maintenance = startMaintenance(db, logger, { ...config, clocks: settings })
    const stopSweeping = sweepExpiredFiles(files, logger)
    let closing: Promise<void> | undefined
    return {
      app,
      db,
      jobs: runner,
      files,
      url: `http://127.0.0.1:${port}`,
      bootstrap: setup,
      close: () =>
        (closing ??= (async () => {
          maintenance.stop()
          stopSweeping()
          const deadline = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs)
          await app.close()
          clearTimeout(deadline)
          await runner.stop(config.shutdownTimeoutMs)
          if (options.exportOnExit) {
            const written = await exportSnapshots({ db, files }, options.exportOnExit).catch((error) => {
              logger.error({ err: error }, 'writing the snapshots on exit failed')
              return []
            })
            options.onStep?.(`wrote ${written.length} snapshot${written.length === 1 ? '' : 's'} to ${options.exportOnExit}`)
          }
          await purger.stop()
          await db.close()
        })()),
    }
  } catch (error) {
    await jobs?.then((runner) => runner.stop(0), () => {})
    await db.close()
    throw error
  }
}
