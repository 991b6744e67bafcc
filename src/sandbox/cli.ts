// `zjobs sandbox ...`: the sandbox control plane (a tenant's clock, lifecycle policies,
// advancing a job) against a running server, through its /admin routes, printing JSON.
// Registering the verbs loads nothing: what an action needs is imported when it runs.
import type { Command } from 'commander'
import { registerSnapshotCommands } from './snapshot/cli.ts'
import { registerFaultCommands } from './faults/cli.ts'

interface Target {
  url?: string
  tenant?: string
}

const JOB_TYPES = 'dataQuery, customObjectBulk, dataBackfill, autoBackfill, bookingDateBackfill'

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** 90, 90s, 15m, 2h, 31d, 1d12h30m: seconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed)
  const parts = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(trimmed)
  if (!parts || trimmed === '') return undefined
  const [days, hours, minutes, seconds] = parts.slice(1).map((part) => Number(part ?? 0))
  return days * 86_400 + hours * 3600 + minutes * 60 + seconds
}

/** An /admin call on the server the options (or the data folder's locator, or the settings) name; its JSON body. */
async function call(target: Target, method: string, path: (tenant: string) => string, body?: unknown): Promise<unknown> {
  return (await adminCall(target, method, path, body === undefined ? undefined : { json: body })) as unknown
}

interface AdminBody {
  json?: unknown
  /** Sent as is, with its content type. */
  stream?: { body: NodeJS.ReadableStream; contentType: string }
  /** Answer with the response itself (a download), once it is known to be a success. */
  raw?: boolean
}

/** An /admin call: its JSON body, or with `raw` the response (the caller reads its body). */
async function adminCall(target: Target, method: string, path: (tenant: string) => string, payload?: AdminBody): Promise<unknown> {
  const [{ loadConfig, publicBaseUrl }, { readLocator }, { CliError, EXIT, usage }, { existsSync, readFileSync }, { join }] =
    await Promise.all([import('../config.ts'), import('../commands/locator.ts'), import('../commands/exit.ts'), import('node:fs'), import('node:path')])
  const config = loadConfig()
  const url = (target.url ?? config.clientUrl ?? readLocator(config.dataDir)?.url ?? publicBaseUrl(config)).replace(/\/+$/, '')
  const tokenFile = join(config.dataDir, 'admin-token')
  const token = config.adminToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined)
  if (!token) throw usage('no admin token: set ZJOBS_ADMIN_TOKEN (zjobs start printed it at its first start)')
  const request = async (method: string, path: string, payload?: AdminBody) => {
    let response: Response
    const headers: Record<string, string> = { authorization: `Bearer ${token}` }
    if (payload?.json !== undefined) headers['content-type'] = 'application/json'
    if (payload?.stream) headers['content-type'] = payload.stream.contentType
    try {
      response = await fetch(`${url}${path}`, {
        method,
        headers,
        body: payload?.stream ? (payload.stream.body as unknown as ReadableStream) : payload?.json === undefined ? undefined : JSON.stringify(payload.json),
        ...(payload?.stream ? { duplex: 'half' } : {}),
      } as RequestInit)
    } catch (error) {
      throw new CliError(`no zjobs server at ${url} (${(error as Error).cause ?? (error as Error).message}); start one, or name it with --url`, EXIT.unavailable)
    }
    if (payload?.raw && response.ok) return response
    const text = await response.text()
    let parsed: { reasons?: { code: string; message: string }[]; message?: string } | undefined
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (response.status >= 400) {
      const reason = parsed?.reasons?.[0]
      const message = reason ? `${reason.message} (${reason.code})` : (parsed?.message ?? text.slice(0, 200))
      throw new CliError(`HTTP ${response.status}: ${message}`, response.status >= 500 ? EXIT.unavailable : EXIT.refused)
    }
    return parsed
  }
  let tenant = target.tenant
  if (tenant === undefined) {
    const { tenants } = (await request('GET', '/admin/tenants')) as { tenants: { id: string; isDefault: boolean }[] }
    tenant = tenants.find((candidate) => candidate.isDefault)?.id
    if (!tenant) throw usage('the server has no default tenant: name one with --tenant')
  }
  return request(method, path(tenant), payload)
}

const tenantPath = (suffix: string) => (tenant: string) => `/admin/tenants/${tenant}${suffix}`

/** A policy from its words: `reads 2`, `time 30`, `manual`, `immediate`. */
async function policyOf(progression: string, count: string | undefined): Promise<Record<string, unknown>> {
  const { usage } = await import('../commands/exit.ts')
  if (progression === 'reads' || progression === 'time') {
    if (count === undefined) throw usage(`progression ${progression} needs ${progression === 'reads' ? 'a number of reads' : 'a number of seconds'}`)
    const value = progression === 'time' ? parseDuration(count) : Number(count)
    if (value === undefined || Number.isNaN(value)) throw usage(`${count} is not a ${progression === 'reads' ? 'number' : 'duration'}`)
    return progression === 'reads' ? { progression, reads: value } : { progression, seconds: value }
  }
  if (count !== undefined) throw usage(`progression ${progression} takes no number`)
  return { progression }
}

export function registerSandboxCommands(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description("Control a running server's sandbox: a tenant's clock, job lifecycle pacing, advancing a job, fault rules, the request journal")
    .option('--url <url>', 'the server (default: ZJOBS_URL, the data folder\'s running server, or localhost:$PORT)')
    .option('--tenant <id>', 'the tenant (default: the default tenant)')
  const target = (): Target => sandbox.opts<Target>()

  const clock = sandbox.command('clock').description("A tenant's clock: every time its clients see follows it")
  clock
    .command('show', { isDefault: true })
    .description("print the tenant's clock")
    .action(async () => print(await call(target(), 'GET', tenantPath('/clock'))))
  clock
    .command('freeze [time]')
    .description('stop the clock at TIME (ISO-8601 with a zone; default: where it is now)')
    .action(async (time?: string) => {
      const now = time ?? ((await call(target(), 'GET', tenantPath('/clock'))) as { now: string }).now
      print(await call(target(), 'PUT', tenantPath('/clock'), { mode: 'frozen', now }))
    })
  clock
    .command('set <time>')
    .description('run on from TIME (ISO-8601 with a zone)')
    .action(async (time: string) => print(await call(target(), 'PUT', tenantPath('/clock'), { mode: 'offset', now: time })))
  clock
    .command('real')
    .description("back to the server's time")
    .action(async () => print(await call(target(), 'PUT', tenantPath('/clock'), { mode: 'real' })))
  clock
    .command('advance <duration>')
    .description('move the clock on: 90 (seconds), 90s, 15m, 2h, 31d, 1d12h')
    .action(async (duration: string) => {
      const seconds = parseDuration(duration)
      if (seconds === undefined) throw (await import('../commands/exit.ts')).usage(`${duration} is not a duration: 90, 90s, 15m, 2h, 31d, 1d12h`)
      print(await call(target(), 'POST', tenantPath('/clock/advance'), { seconds }))
    })

  const lifecycle = sandbox.command('lifecycle').description(`Lifecycle policies per job type (${JOB_TYPES}) or per job`)
  lifecycle
    .command('show', { isDefault: true })
    .description("print the tenant's policy of each job type")
    .action(async () => print(await call(target(), 'GET', tenantPath('/lifecycle'))))
  lifecycle
    .command('set <type> <progression> [count]')
    .description('pace the jobs of TYPE submitted from now on: immediate, reads N, time SECONDS, manual')
    .action(async (type: string, progression: string, count?: string) => {
      const policies = (await call(target(), 'GET', tenantPath('/lifecycle'))) as Record<string, unknown>
      print(await call(target(), 'PUT', tenantPath('/lifecycle'), { ...policies, [type]: await policyOf(progression, count) }))
    })
  lifecycle
    .command('reset')
    .description('every job type immediate again')
    .action(async () => print(await call(target(), 'PUT', tenantPath('/lifecycle'), {})))
  lifecycle
    .command('job <job> [progression] [count]')
    .description("print one job's lifecycle, or pace that job (one that has not started): immediate, reads N, time SECONDS, manual")
    .action(async (job: string, progression?: string, count?: string) => {
      const path = tenantPath(`/jobs/${encodeURIComponent(job)}/lifecycle`)
      print(progression === undefined ? await call(target(), 'GET', path) : await call(target(), 'PUT', path, await policyOf(progression, count)))
    })

  registerSnapshotCommands(sandbox, target, adminCall)

  sandbox
    .command('advance <job>')
    .description("move a held job one visible state on, to a later state (--to, in its family's words), to completed, or to failed")
    .option('--to <state>', 'a later state, completed, or failed')
    .option('--error-message <text>', 'with --to failed: the message the job fails with')
    .action(async (job: string, options: { to?: string; errorMessage?: string }) =>
      print(await call(target(), 'POST', tenantPath(`/jobs/${encodeURIComponent(job)}/advance`), { to: options.to, errorMessage: options.errorMessage })),
    )

  registerFaultCommands(sandbox, { target, call, print, tenantPath })
}
