// The job commands: query, objects, backfill, jobs. They call any server speaking the public
// API over HTTP (a zjobs, or Zuora itself) through src/client. Registering them is cheap: each
// action imports its module, the client and the table and progress libraries when it runs.
import { Option, type Command } from 'commander'
import type { LocalTokenMinter } from './connection.ts'
import type { CommonFlags } from './session.ts'
import { collect } from './options.ts'


const CONNECTION_HELP = `
Server and credentials (each: flag, else environment, else --profile's; without a URL, the
zjobs server of the data folder, as its default client):
  --url, ZJOBS_URL                       http://localhost:8080, https://rest.test.zuora.com, ...
  --client-id, ZJOBS_CLIENT_ID           OAuth client credentials
  --client-secret, ZJOBS_CLIENT_SECRET
  --profile, ZJOBS_PROFILE               a profile of $XDG_CONFIG_HOME/zjobs/profiles.json

Exit codes: 0 done, 1 the job failed or was cancelled, 2 bad usage, 3 the server refused a
request, 4 server unreachable or busy past the retries, 5 done with failed rows, 130 Ctrl-C.`

/** The options every job command takes: where to call, as whom, and how to print. */
function common(command: Command, examples: string): Command {
  return command
    .option('--url <url>', 'server to call (zjobs or Zuora)')
    .option('--client-id <id>', 'OAuth client id')
    .option('--client-secret <secret>', 'OAuth client secret')
    .option('--profile <name>', 'profile of the profile file to use')
    .option('--entity-id <id>', 'entity to act in (multi-entity tenants; sent as Zuora-Entity-Ids)')
    .option('--json', 'print JSON for scripts instead of text')
    .option('-q, --quiet', 'print no notes, status lines or progress bars (results and errors only)')
    .addHelpText('after', `\nExamples:\n${examples.replace(/^\n/, '')}\n${CONNECTION_HELP}`)
}

type Run<A extends unknown[]> = (session: import('./session.ts').Session, ...args: [...A, CommonFlags]) => Promise<void>

export function registerJobCommands(program: Command, mintLocal: LocalTokenMinter): void {
  /**
   * An action run in a session: the connection and output from the flags, errors as exit
   * codes. Commander calls it with the arguments, the options, then the command.
   */
  const inSession =
    <A extends unknown[]>(run: Run<A>) =>
    async (...received: unknown[]): Promise<void> => {
      const flags = received[received.length - 2] as CommonFlags
      const args = received.slice(0, -2) as A
      const { withSession } = await import('./session.ts')
      await withSession(flags, mintLocal, (session) => run(session, ...args, flags))
    }

  common(
    program
      .command('query')
      .description('Run a Data Query: submit, follow, download the result to a file or standard output')
      .argument('<sql>', 'the query (Trino SQL, one statement)')
      .addOption(new Option('--format <format>', 'result format').choices(['csv', 'tsv', 'dsv', 'jsonl']).default('csv'))
      .option('--separator <char>', 'column separator of --format dsv')
      .addOption(new Option('--compression <kind>', 'compression of the file the server writes').choices(['none', 'gzip', 'zip']).default('none'))
      .option('--raw', 'write the file as downloaded: still compressed (and encrypted)')
      .option('-o, --out <file>', 'where to write the result (- for standard output)', '-')
      .option('--read-deleted', 'query soft-deleted rows only')
      .addOption(new Option('--source <source>', 'data source').choices(['live', 'warehouse']).default('live'))
      .option('--encrypt-with <key.pem>', "RSA key: a public key's file stays encrypted; a private key's public half is sent and the file decrypted here"),
    `
  zjobs query "SELECT accountnumber, name, balance FROM account" --out accounts.csv
  zjobs query "SELECT * FROM invoice" --format jsonl --compression gzip | jq .amount
  zjobs query "SELECT count(*) FROM rateplancharge" --json --out count.csv
  zjobs query "SELECT * FROM account" --encrypt-with private.pem --out accounts.csv
  zjobs query "SELECT id FROM account" --url https://rest.test.zuora.com --client-id ID --client-secret S`,
  ).action(
    inSession<[string]>(async (session, sql, flags) => {
      const { runQuery } = await import('./query.ts')
      await runQuery(session, sql, flags as never)
    }),
  )

  const objects = program.command('objects').description('Custom Objects: bulk imports, definitions, records')
  common(
    objects
      .command('import')
      .description('Run a bulk job: upload the CSV file, follow the job, print the counts, write refused rows to an error file')
      .argument('<object>', 'custom object API name (case-sensitive)')
      .argument('[file]', 'CSV file, header of field API names (not for delete)')
      .addOption(new Option('--operation <op>', 'bulk operation').choices(['create', 'update', 'delete']).default('create'))
      .option('--errors <file>', 'where refused rows go (default: FILE.errors.csv beside the file)')
      .option('--where <condition>', 'delete only records matching FIELD OP VALUE, OP one of EQ GT LT GE LE (repeatable, at most 2)', collect),
    `
  zjobs objects import Vehicle vehicles.csv
  zjobs objects import Vehicle changes.csv --operation update --errors refused.csv
  zjobs objects import Vehicle --operation delete --where "CreatedDate LT 2024-01-01T00:00:00Z"`,
  ).action(
    inSession<[string, string | undefined]>(async (session, object, file, flags) => {
      const { runImport } = await import('./objects.ts')
      await runImport(session, object, file, flags as never)
    }),
  )
  common(
    objects
      .command('define')
      .description('Create custom object definitions from a JSON file (all or none)')
      .argument('<file>', 'JSON: {"definitions": {...}} as POST takes it, a definition list as GET answers it, or one definition'),
    `
  zjobs objects define vehicle.json
  zjobs objects define definitions.json --json`,
  ).action(
    inSession<[string]>(async (session, file) => {
      const { runDefine } = await import('./objects.ts')
      await runDefine(session, file)
    }),
  )
  common(
    objects
      .command('records')
      .description('List the records of a custom object (a table, or JSON Lines with --json)')
      .argument('<object>', 'custom object API name')
      .option('--q <filter>', "Zuora's record filter: make__c:Volvo AND seats__c:>=4")
      .option('--limit <n>', 'most records to list, or all', '100')
      .option('--fields <list>', 'columns to show, comma-separated (default: Id and the custom fields)'),
    `
  zjobs objects records Vehicle --q 'color__c:red AND seats__c:>=4'
  zjobs objects records Vehicle --limit all --json > vehicles.jsonl`,
  ).action(
    inSession<[string]>(async (session, object, flags) => {
      const { runRecords } = await import('./objects.ts')
      await runRecords(session, object, flags as never)
    }),
  )

  const backfill = program.command('backfill').description('Data Backfill: file jobs, templates, auto backfill, stop')
  common(
    backfill
      .command('run')
      .description('Upload a backfill file, follow the job (percentage, rows, time left), download its result file')
      .argument('<type>', 'ProductRatePlanCharge, RatePlanCharge, InvoiceDetail, MemoDetail or InvoiceItemAdjustment')
      .argument('<file>', 'CSV file (or a zip of one), at most 4 MB')
      .option('-o, --out <file>', "where to write the result file (default: the server's name for it, here)"),
    `
  zjobs backfill run RatePlanCharge charges.csv
  zjobs backfill run InvoiceDetail items.csv --out items_result.zip --json`,
  ).action(
    inSession<[string, string]>(async (session, type, file, flags) => {
      const { runFileBackfill } = await import('./backfill.ts')
      await runFileBackfill(session, type, file, flags as never)
    }),
  )
  common(
    backfill
      .command('template')
      .description("Print or save a backfill type's CSV template")
      .argument('<type>', 'ProductRatePlanCharge, RatePlanCharge, InvoiceDetail, MemoDetail or InvoiceItemAdjustment')
      .option('-o, --out <file>', 'where to write it (- for standard output)', '-'),
    `
  zjobs backfill template RatePlanCharge > charges.csv
  zjobs backfill template InvoiceDetail --out items.csv`,
  ).action(
    inSession<[string]>(async (session, type, flags) => {
      const { runTemplate } = await import('./backfill.ts')
      await runTemplate(session, type, (flags as { out: string }).out)
    }),
  )
  common(
    backfill
      .command('auto')
      .description('Run an auto backfill (revenue fields from product rate plan charges) or the booking date job, and follow it')
      .addOption(new Option('--type <type>', 'objects to fill').choices(['RatePlanCharge', 'OrderLineItem', 'BookingDate']).makeOptionMandatory())
      .option('--batch-size <n>', 'rows per batch, 1 to 1000 (default 1000)')
      .option('--dry-run', 'do all the work, write nothing'),
    `
  zjobs backfill auto --type RatePlanCharge --batch-size 500
  zjobs backfill auto --type OrderLineItem --dry-run
  zjobs backfill auto --type BookingDate`,
  ).action(
    inSession<[]>(async (session, flags) => {
      const { runAutoBackfill } = await import('./backfill.ts')
      await runAutoBackfill(session, flags as never)
    }),
  )
  common(
    backfill
      .command('stop')
      .description('Stop a backfill job (file, auto or booking date), follow it to its end, download its result file')
      .argument('<id>', 'job id (32 hexadecimal characters)')
      .option('-o, --out <file>', "where to write a file job's result file"),
    `
  zjobs backfill stop 8a28b6a18f2e4b0c018f30c4e57a00a1`,
  ).action(
    inSession<[string]>(async (session, id, flags) => {
      const { runStop } = await import('./backfill.ts')
      await runStop(session, id, flags as never)
    }),
  )

  const jobs = program.command('jobs').description('Jobs of every family: list, show, watch, cancel')
  const familyOption = () => new Option('--family <family>', 'query, objects, backfill, auto or bookingdate').choices(['query', 'objects', 'backfill', 'auto', 'bookingdate'])
  common(
    jobs
      .command('ls')
      .alias('list')
      .description('List jobs, newest first')
      .option('--family <family>', 'query, objects, backfill, auto, bookingdate (repeatable or comma-separated; default: all)', collect)
      .option('--status <state>', 'queued, running, completed, failed, cancelled, stopped (repeatable or comma-separated)', collect)
      .option('--limit <n>', 'most jobs to list', '20'),
    `
  zjobs jobs ls
  zjobs jobs ls --family query --status failed --limit 50
  zjobs jobs ls --status queued,running --json`,
  ).action(
    inSession<[]>(async (session, flags) => {
      const { runList } = await import('./jobs.ts')
      await runList(session, flags as never)
    }),
  )
  common(
    jobs.command('show').description('Show a job of any family').argument('<id>', 'job id').addOption(familyOption()),
    `
  zjobs jobs show 5948abde-b875-4d06-ad07-c2138853d8bc
  zjobs jobs show 8a28b6a18f2e4b0c018f30c4e57a00a1 --json`,
  ).action(
    inSession<[string]>(async (session, id, flags) => {
      const { runShow } = await import('./jobs.ts')
      await runShow(session, id, flags as never)
    }),
  )
  common(
    jobs
      .command('watch')
      .description('Follow a job to its end (exit code by its outcome), or the job list live until Ctrl-C')
      .argument('[id]', 'job id (none: the list)')
      .option('--family <family>', 'families to watch (repeatable or comma-separated)', collect)
      .option('--status <state>', 'states to list (repeatable or comma-separated)', collect)
      .option('--limit <n>', 'most jobs in the list', '20')
      .option('--interval <seconds>', 'seconds between reads of the list (the most between reads of a job)', '2'),
    `
  zjobs jobs watch
  zjobs jobs watch --family query --status running
  zjobs jobs watch 5948abde-b875-4d06-ad07-c2138853d8bc && echo done`,
  ).action(
    inSession<[string | undefined]>(async (session, id, flags) => {
      const { runWatch } = await import('./jobs.ts')
      await runWatch(session, id, flags as never)
    }),
  )
  common(
    jobs
      .command('cancel')
      .description('Cancel a query or bulk job, or stop a backfill job')
      .argument('<id>', 'job id')
      .addOption(familyOption()),
    `
  zjobs jobs cancel 5948abde-b875-4d06-ad07-c2138853d8bc`,
  ).action(
    inSession<[string]>(async (session, id, flags) => {
      const { runCancel } = await import('./jobs.ts')
      await runCancel(session, id, flags as never)
    }),
  )
}
