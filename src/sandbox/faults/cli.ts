// `zjobs sandbox faults ...` and `zjobs sandbox requests ...`: a tenant's fault rules and its
// request journal on a running server, through its /admin routes, printing JSON. Loads nothing
// until a verb runs (the call itself is src/sandbox/cli.ts', handed over).
import type { Command } from 'commander'

/** What the verbs need of src/sandbox/cli.ts: the admin call on the chosen server and tenant, and printing. */
export interface SandboxCli {
  target(): unknown
  call(target: never, method: string, path: (tenant: string) => string, body?: unknown): Promise<unknown>
  print(value: unknown): void
  tenantPath(suffix: string): (tenant: string) => string
}

/** A rule from its argument: inline JSON, or @FILE / --file naming a JSON file. */
async function ruleOf(json: string | undefined, file: string | undefined): Promise<unknown> {
  const { usage } = await import('../../commands/exit.ts')
  const { readFileSync } = await import('node:fs')
  if ((json === undefined) === (file === undefined)) throw usage('give the rule as JSON or with --file FILE')
  let text: string
  try {
    text = file !== undefined ? readFileSync(file, 'utf8') : json!.startsWith('@') ? readFileSync(json!.slice(1), 'utf8') : json!
  } catch (error) {
    throw usage(`cannot read the rule: ${(error as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw usage('the rule is not JSON: {"match": {"operationId": "GET_DataQueryJob"}, "effect": {"status": 503}, "times": 2}')
  }
}

export function registerFaultCommands(sandbox: Command, helpers: SandboxCli): void {
  const cli = async () => helpers
  const target = () => helpers.target() as never
  const faults = sandbox.command('faults').description('Fault rules: HTTP effects on matching calls, failing jobs, refused rows (docs/sandbox.md)')
  faults
    .command('ls', { isDefault: true })
    .description("list the tenant's rules, with how often each matched and fired")
    .action(async () => {
      const { call, print, tenantPath } = await cli()
      print(await call(target(), 'GET', tenantPath('/faults')))
    })
  faults
    .command('add [json]')
    .description('add a rule: JSON (or @FILE), e.g. \'{"match":{"operationId":"GET_DataQueryJob"},"effect":{"status":503},"times":2}\'')
    .option('--file <file>', 'the rule in a JSON file')
    .action(async (json: string | undefined, options: { file?: string }) => {
      const { call, print, tenantPath } = await cli()
      print(await call(target(), 'POST', tenantPath('/faults'), await ruleOf(json, options.file)))
    })
  faults
    .command('show <rule>')
    .description('one rule')
    .action(async (rule: string) => {
      const { call, print, tenantPath } = await cli()
      print(await call(target(), 'GET', tenantPath(`/faults/${encodeURIComponent(rule)}`)))
    })
  faults
    .command('rm [rule]')
    .description('remove a rule, or with --all every rule of the tenant')
    .option('--all', 'every rule')
    .action(async (rule: string | undefined, options: { all?: boolean }) => {
      const { call, print, tenantPath } = await cli()
      if ((rule === undefined) === !options.all) throw (await import('../../commands/exit.ts')).usage('name a rule, or --all')
      print(await call(target(), 'DELETE', tenantPath(rule === undefined ? '/faults' : `/faults/${encodeURIComponent(rule)}`)))
    })

  const requests = sandbox.command('requests').description("The tenant's request journal: its recent requests, newest first")
  requests
    .command('ls', { isDefault: true })
    .description('list them (at most --limit, since --since)')
    .option('--limit <n>', 'most requests')
    .option('--since <time>', 'only those at or after this time (ISO-8601 with a zone)')
    .action(async (options: { limit?: string; since?: string }) => {
      const { call, print, tenantPath } = await cli()
      const query = new URLSearchParams()
      if (options.limit !== undefined) query.set('limit', options.limit)
      if (options.since !== undefined) query.set('since', options.since)
      const suffix = query.size > 0 ? `?${query}` : ''
      print(await call(target(), 'GET', tenantPath(`/requests${suffix}`)))
    })
  requests
    .command('clear')
    .description('forget them')
    .action(async () => {
      const { call, print, tenantPath } = await cli()
      print(await call(target(), 'DELETE', tenantPath('/requests')))
    })
}
