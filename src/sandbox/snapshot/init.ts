// The init folder (ZJOBS_INIT_DIR), applied at start before the server answers: every
// snapshot archive in it (*.tar.gz, *.tgz) restored into the tenant it names, and every
// <tenant>/<Object>.csv imported into that tenant's billing data (src/billing/import.ts),
// tenants made when they do not exist. Each file is applied once: its path and content are
// remembered (sandbox_init_applied), so a restart applies only what is new or changed. And the
// other way: every tenant's snapshot written to a folder on a clean stop (--export-on-exit).
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { FastifyBaseLogger } from 'fastify'
import { importCsv } from '../../billing/import.ts'
import { ConfigError } from '../../config.ts'
import { parseTenantId } from '../../platform/tenants.ts'
import { readManifest, restoreSnapshot, writeSnapshot, type RestoreDeps, type SnapshotDeps } from './archive.ts'
import { createTenantWithId, initApplied, recordInitApplied, tenantIds } from './store.ts'

interface InitItem {
  /** The path in the folder, as remembered. */
  path: string
  file: string
  kind: 'archive' | 'import'
  /** The import's tenant (its folder's name) and object (the file's name). */
  tenant?: string
  object?: string
}

export interface InitReport {
  applied: string[]
  skipped: string[]
}

const ARCHIVE = /\.(tar\.gz|tgz)$/i

function itemsOf(dir: string): InitItem[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`ZJOBS_INIT_DIR: ${dir} is not a folder`)
  const archives: InitItem[] = []
  const imports: InitItem[] = []
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name)
    if (statSync(file).isFile() && ARCHIVE.test(name)) archives.push({ path: name, file, kind: 'archive' })
    else if (statSync(file).isDirectory() && /^[1-9][0-9]{0,17}$/.test(name)) {
      for (const csv of readdirSync(file).sort()) {
        if (!/\.csv$/i.test(csv) || !statSync(join(file, csv)).isFile()) continue
        imports.push({ path: `${name}/${csv}`, file: join(file, csv), kind: 'import', tenant: name, object: csv.replace(/\.csv$/i, '') })
      }
    }
  }
  // Archives first: an import adds to the tenant a snapshot made.
  return [...archives, ...imports]
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const data of createReadStream(file)) hash.update(data as Buffer)
  return hash.digest('hex')
}

/** Applies what the folder holds that was not applied yet; a file that fails stops the start, naming it. */
export async function applyInitDir(deps: RestoreDeps, dir: string, log: FastifyBaseLogger): Promise<InitReport> {
  const report: InitReport = { applied: [], skipped: [] }
  for (const item of itemsOf(dir)) {
    const sha256 = await sha256Of(item.file)
    if (await initApplied(deps.db, item.path, sha256)) {
      report.skipped.push(item.path)
      continue
    }
    try {
      if (item.kind === 'archive') {
        const manifest = await readManifest(createReadStream(item.file))
        const tenantId = parseTenantId(String(manifest.tenant.id))
        await restoreSnapshot(deps, tenantId, createReadStream(item.file), { create: true })
        await recordInitApplied(deps.db, item.path, sha256)
      } else {
        const tenantId = parseTenantId(item.tenant!)
        await deps.db.transaction((tx) => createTenantWithId(tx, tenantId, `Tenant ${tenantId}`))
        await importCsv(deps.db, tenantId, item.object!, createReadStream(item.file))
        await recordInitApplied(deps.db, item.path, sha256)
      }
    } catch (error) {
      throw new ConfigError(`ZJOBS_INIT_DIR: ${item.path}: ${(error as Error).message}`)
    }
    log.info({ path: item.path }, 'init folder: applied')
    report.applied.push(item.path)
  }
  return report
}

/** Writes every tenant's snapshot into `dir` (tenant-<id>.tar.gz, each written whole, then renamed); returns the files. */
export async function exportSnapshots(deps: SnapshotDeps, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true })
  const written: string[] = []
  for (const tenantId of await tenantIds(deps.db)) {
    const file = join(dir, `tenant-${tenantId}.tar.gz`)
    await pipeline(await writeSnapshot(deps, tenantId), createWriteStream(`${file}.part`))
    renameSync(`${file}.part`, file)
    written.push(file)
  }
  return written
}
