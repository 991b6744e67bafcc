// `zjobs sandbox reset | snapshot | restore`: a tenant's reset and its snapshots, against a
// running server (as the other sandbox verbs). Registering them loads nothing.
import type { Command } from 'commander'

interface Target {
  url?: string
  tenant?: string
}

/** The sandbox verbs' /admin call (src/sandbox/cli.ts): JSON, a streamed body, or the raw response of a download. */
type AdminCall = (
  target: Target,
  method: string,
  path: (tenant: string) => string,
  payload?: { json?: unknown; stream?: { body: NodeJS.ReadableStream; contentType: string }; raw?: boolean },
) => Promise<unknown>

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
const tenantPath = (suffix: string) => (tenant: string) => `/admin/tenants/${tenant}${suffix}`

export function registerSnapshotCommands(sandbox: Command, target: () => Target, adminCall: AdminCall): void {
  sandbox
    .command('reset')
    .description("empty the tenant back to fresh (jobs, files, custom objects, billing data, faults, journal, clock, policies); keeps its users, clients and tokens")
    .option('--keep-billing', 'keep its billing data')
    .action(async (options: { keepBilling?: boolean }) => {
      print(await adminCall(target(), 'POST', tenantPath('/reset'), { json: { keep: options.keepBilling ? ['billing'] : [] } }))
    })

  sandbox
    .command('snapshot [file]')
    .description("download the tenant's snapshot (a tar.gz archive) to FILE (default: the server's name for it; - for standard output)")
    .action(async (file?: string) => {
      const [{ createWriteStream }, { Readable }, { pipeline }] = await Promise.all([
        import('node:fs'),
        import('node:stream'),
        import('node:stream/promises'),
      ])
      const response = (await adminCall(target(), 'GET', tenantPath('/snapshot'), { raw: true })) as Response
      const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'snapshot.tar.gz'
      const path = file ?? named
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)
      if (path === '-') await pipeline(body, process.stdout)
      else {
        const out = createWriteStream(path)
        await pipeline(body, out)
        print({ file: path, bytes: out.bytesWritten })
      }
    })

  sandbox
    .command('restore <file>')
    .description('restore a snapshot archive into the tenant (--tenant; its own or another), replacing everything it has, all or nothing')
    .action(async (file: string) => {
      const [{ createReadStream, existsSync }, { usage }] = await Promise.all([import('node:fs'), import('../../commands/exit.ts')])
      if (file !== '-' && !existsSync(file)) throw usage(`${file}: no such file`)
      const body = file === '-' ? process.stdin : createReadStream(file)
      print(await adminCall(target(), 'POST', tenantPath('/snapshot'), { stream: { body, contentType: 'application/gzip' } }))
    })
}
