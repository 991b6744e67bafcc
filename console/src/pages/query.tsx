// The Data Query editor: a table browser (SHOW TABLES, DESCRIBE), the SQL, the output options
// Zuora's API takes, submit, live status, the first rows of the result, download.
import { useRef, useState } from 'preact/hooks'
import { cancelQuery, getQuery, submitQuery, type QueryJob, type QuerySubmission } from '../../../src/client/query.ts'
import { cached, describeColumns, runSmallQuery, tableNames, type Column } from '../lib/catalog.ts'
import { formatDuration } from '../lib/format.ts'
import { onOrigin } from '../lib/links.ts'
import type { Compression, OutputFormat } from '../lib/preview.ts'
import { navigate } from '../router.ts'
import { useAction, useAsync, useNow, usePoll } from '../hooks.ts'
import { useSession } from '../session.tsx'
import { ErrorNote, Link, Loading, PageHeader, StateBadge } from '../components/ui.tsx'
import { ResultPreview } from '../components/preview.tsx'
import { summarizeQuery } from '../../../src/client/jobs.ts'

interface Options {
  format: OutputFormat
  compression: Compression
  separator: string
  readDeleted: boolean
  source: 'LIVE' | 'WAREHOUSE'
}

const DEFAULT_SQL = 'SELECT id, name, status, createddate\nFROM account\nORDER BY createddate DESC\nLIMIT 100'
const DRAFT_KEY = 'zjobs.console.query'

/** The options of the last query this tab ran, for its preview (the job does not repeat them). */
const submittedOptions = new Map<string, Options>()

export function QueryPage({ jobId }: { jobId?: string }) {
  const session = useSession()
  const api = session.api!
  const [sql, setSql] = useState(() => sessionStorage.getItem(DRAFT_KEY) ?? DEFAULT_SQL)
  const [options, setOptions] = useState<Options>({ format: 'CSV', compression: 'NONE', separator: '|', readDeleted: false, source: 'LIVE' })
  const editor = useRef<HTMLTextAreaElement>(null)

  const submit = useAction(async () => {
    const submission: QuerySubmission = {
      query: sql,
      outputFormat: options.format,
      compression: options.compression,
      output: { target: 'S3' },
      ...(options.format === 'DSV' ? { columnSeparator: options.separator } : {}),
      ...(options.readDeleted ? { readDeleted: true } : {}),
      sourceData: options.source,
    }
    const job = await submitQuery(api, submission)
    submittedOptions.set(job.id, options)
    navigate({ page: 'query', jobId: job.id }, { replace: true })
  })

  const insert = (text: string) => {
    const area = editor.current
    if (!area) return setSql((current) => `${current}${text}`)
    const { selectionStart, selectionEnd, value } = area
    const next = value.slice(0, selectionStart) + text + value.slice(selectionEnd)
    setSql(next)
    sessionStorage.setItem(DRAFT_KEY, next)
    requestAnimationFrame(() => {
      area.focus()
      area.selectionStart = area.selectionEnd = selectionStart + text.length
    })
  }

  const set = <K extends keyof Options>(key: K, value: Options[K]) => setOptions((current) => ({ ...current, [key]: value }))

  return (
    <section class="query-page">
      <PageHeader title="Data Query" />
      <div class="query-layout">
        <TableBrowser onInsert={insert} />
        <div class="query-main">
          <form
            class="card"
            aria-label="Query"
            onSubmit={(event) => {
              event.preventDefault()
              void submit.run()
            }}
          >
            <label class="sql-label">
              SQL <span class="muted small">(Ctrl+Enter runs it)</span>
              <textarea
                ref={editor}
                class="sql"
                name="sql"
                spellcheck={false}
                rows={8}
                value={sql}
                onInput={(event) => {
                  setSql(event.currentTarget.value)
                  sessionStorage.setItem(DRAFT_KEY, event.currentTarget.value)
                }}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                    event.preventDefault()
                    void submit.run()
                  }
                }}
              />
            </label>
            <fieldset class="options">
              <legend>Output</legend>
              <label>
                Format
                <select name="format" value={options.format} onChange={(event) => set('format', event.currentTarget.value as OutputFormat)}>
                  <option value="CSV">CSV</option>
                  <option value="TSV">TSV</option>
                  <option value="DSV">DSV</option>
                  <option value="JSON">JSON (lines)</option>
                </select>
              </label>
              {options.format === 'DSV' && (
                <label>
                  Separator
                  <input name="separator" class="narrow" maxLength={1} required value={options.separator} onInput={(event) => set('separator', event.currentTarget.value)} />
                </label>
              )}
              <label>
                Compression
                <select name="compression" value={options.compression} onChange={(event) => set('compression', event.currentTarget.value as Compression)}>
                  <option value="NONE">None</option>
                  <option value="GZIP">GZIP</option>
                  <option value="ZIP">ZIP</option>
                </select>
              </label>
              <label>
                Source
                <select name="source" value={options.source} onChange={(event) => set('source', event.currentTarget.value as Options['source'])}>
                  <option value="LIVE">LIVE</option>
                  <option value="WAREHOUSE">WAREHOUSE</option>
                </select>
              </label>
              <label class="checkbox">
                <input type="checkbox" name="readDeleted" checked={options.readDeleted} onChange={(event) => set('readDeleted', event.currentTarget.checked)} />
                Read deleted rows
              </label>
            </fieldset>
            <div class="actions">
              <button type="submit" disabled={submit.pending || !sql.trim()}>
                {submit.pending ? 'Submitting…' : 'Run query'}
              </button>
            </div>
            <ErrorNote error={submit.error} title="Query refused" />
          </form>
          {jobId && <QueryRun key={jobId} jobId={jobId} />}
        </div>
      </div>
    </section>
  )
}

function QueryRun({ jobId }: { jobId: string }) {
  const session = useSession()
  const api = session.api!
  const now = useNow(250)
  const job = usePoll((signal) => getQuery(api, jobId, signal), (data) => (isEnded(data) ? undefined : 300), [api, jobId])
  const cancel = useAction(async () => job.set(await cancelQuery(api, jobId)))
  const options = submittedOptions.get(jobId)
  if (!job.data) return job.error ? <ErrorNote error={job.error} title="Query job" /> : <Loading label="Submitting" />
  const data = job.data
  const summary = summarizeQuery(data)
  const elapsed = isEnded(data) ? (data.processingTime ?? Date.parse(data.updatedOn) - Date.parse(data.createdOn)) : now - Date.parse(data.createdOn)
  return (
    <section class="card run" aria-label="Query run">
      <div class="run-status" role="status" aria-live="polite">
        <StateBadge state={summary.state} status={data.queryStatus} />
        <span>{formatDuration(Math.max(0, elapsed))}</span>
        {data.outputRows !== undefined && <span>{data.outputRows.toLocaleString('en-US')} rows</span>}
        <Link to={{ page: 'job', family: 'query', id: jobId }} class="mono small">
          job {jobId.slice(0, 8)}
        </Link>
        {!isEnded(data) && (
          <button type="button" class="danger" disabled={cancel.pending} onClick={() => void cancel.run()}>
            Cancel
          </button>
        )}
        {data.dataFile && (
          <a class="button" href={onOrigin(data.dataFile, location.origin)} download>
            Download
          </a>
        )}
      </div>
      <ErrorNote error={cancel.error} title="Cancel refused" />
      {data.errorMessage && <p class="error-text">{data.errorMessage}</p>}
      {data.dataFile && <ResultPreview api={api} source={{ link: data.dataFile, format: options?.format, compression: options?.compression, separator: options?.format === 'DSV' ? options.separator : undefined }} />}
    </section>
  )
}

const isEnded = (job: QueryJob) => job.queryStatus === 'completed' || job.queryStatus === 'failed' || job.queryStatus === 'cancelled'

function TableBrowser({ onInsert }: { onInsert(text: string): void }) {
  const session = useSession()
  const api = session.api!
  const [filter, setFilter] = useState('')
  const [open, setOpen] = useState<string>()
  const tables = useAsync(() => cached(api, 'SHOW TABLES', async () => tableNames((await runSmallQuery(api, 'SHOW TABLES', location.origin)).rows)), [api])
  const names = (tables.data ?? []).filter((name) => name.includes(filter.trim().toLowerCase()))
  return (
    <aside class="tables card" aria-label="Tables">
      <h2>Tables</h2>
      <input type="search" placeholder="Filter tables" aria-label="Filter tables" value={filter} onInput={(event) => setFilter(event.currentTarget.value)} />
      <ErrorNote error={tables.error} title="SHOW TABLES" />
      {!tables.data && !tables.error && <Loading label="SHOW TABLES" />}
      <ul class="table-list">
        {names.map((name) => (
          <li key={name}>
            <button type="button" class="link table-name" aria-expanded={open === name} onClick={() => setOpen(open === name ? undefined : name)}>
              {name}
            </button>
            <button type="button" class="link small" title={`SELECT * FROM ${name}`} aria-label={`Query ${name}`} onClick={() => onInsert(`SELECT * FROM ${name} LIMIT 100`)}>
              ⤵
            </button>
            {open === name && <Columns table={name} onInsert={onInsert} />}
          </li>
        ))}
      </ul>
    </aside>
  )
}

function Columns({ table, onInsert }: { table: string; onInsert(text: string): void }) {
  const session = useSession()
  const api = session.api!
  const columns = useAsync(
    () => cached<Column[]>(api, `DESCRIBE ${table}`, async () => describeColumns(await runSmallQuery(api, `DESCRIBE ${table}`, location.origin))),
    [api, table],
  )
  if (columns.error) return <ErrorNote error={columns.error} title="DESCRIBE" />
  if (!columns.data) return <Loading label={`DESCRIBE ${table}`} />
  return (
    <ul class="columns" aria-label={`Columns of ${table}`}>
      {columns.data.map((column) => (
        <li key={column.name}>
          <button type="button" class="link" title={column.comment} onClick={() => onInsert(column.name)}>
            {column.name}
          </button>{' '}
          <span class="muted small">{column.type}</span>
        </li>
      ))}
    </ul>
  )
}
