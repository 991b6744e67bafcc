// One job: every field its family's API answers, live until it ends; its files (download),
// a bulk job's row errors, a query's first rows; Cancel or Stop as the family allows; and,
// for an admin, the job's sandbox lifecycle (held, advance).
import { advanceJob, getJobLifecycle } from '../../../src/client/admin.ts'
import type { FileJob } from '../../../src/client/backfill.ts'
import { cancelJob, ended, getJobOf, type JobFamily, type JobSummary } from '../../../src/client/jobs.ts'
import { getBulkJobErrors } from '../../../src/client/objects.ts'
import type { QueryJob } from '../../../src/client/query.ts'
import { ZuoraError } from '../../../src/client/errors.ts'
import { useAction, useAsync, usePoll } from '../hooks.ts'
import { formatTime, formatValue } from '../lib/format.ts'
import { endVerb, FAMILY_LABELS, fieldsOf, percentOf } from '../lib/jobs.ts'
import { onOrigin } from '../lib/links.ts'
import { useSession, type Session } from '../session.tsx'
import { DataTable, ErrorNote, KeyValues, Link, Loading, PageHeader, ProgressBar, saveFile, StateBadge } from '../components/ui.tsx'
import { ResultPreview, type PreviewSource } from '../components/preview.tsx'

export function JobPage({ family, id, preview }: { family: JobFamily; id: string; preview?: Omit<PreviewSource, 'link'> }) {
  const session = useSession()
  const api = session.api!
  const job = usePoll((signal) => getJobOf(api, family, id, signal), (summary) => (ended(summary) ? undefined : 1000), [api, family, id])
  const stop = useAction(async () => {
    job.set(await cancelJob(api, { family, id }))
    job.reload()
  })

  if (!job.data) {
    return (
      <section>
        <PageHeader title={`${FAMILY_LABELS[family]} job`} />
        {job.error ? (
          <ErrorNote error={job.error} title={job.error instanceof ZuoraError && job.error.status === 404 ? 'No such job' : 'Job'} />
        ) : (
          <Loading label="Loading the job" />
        )}
      </section>
    )
  }
  const summary = job.data
  const percent = percentOf(summary)
  return (
    <section class="job-page">
      <PageHeader
        title={
          <>
            {FAMILY_LABELS[family]} job <span class="mono small">{id}</span>
          </>
        }
      >
        <StateBadge state={summary.state} status={summary.status} />
        {!ended(summary) && (
          <button type="button" class="danger" disabled={stop.pending} onClick={() => void stop.run()}>
            {stop.pending ? `${endVerb(family)}ing…` : `${endVerb(family)} job`}
          </button>
        )}
      </PageHeader>
      <ErrorNote error={stop.error} title={`${endVerb(family)} refused`} />
      <ErrorNote error={job.error} title="Reading the job again" />
      <div class="card">
        <p class="job-title">{summary.title}</p>
        <p>
          {summary.progress}
          {summary.state === 'running' && percent !== undefined ? <ProgressBar value={percent} max={100} label="Progress" /> : null}
        </p>
        {summary.error && <p class="error-text">{summary.error}</p>}
        <p class="muted small">
          Created {formatTime(summary.createdAt)}
          {summary.updatedAt ? ` · updated ${formatTime(summary.updatedAt)}` : ''}
          {!ended(summary) ? ' · live' : ''}
        </p>
      </div>
      <Files session={session} summary={summary} preview={preview} />
      {session.admin && session.signIn.kind === 'admin' && session.signIn.tenantId && !ended(summary) && (
        <Lifecycle session={session} tenantId={session.signIn.tenantId} jobId={id} onChange={job.reload} />
      )}
      <h2>Fields</h2>
      <KeyValues label="Job fields" entries={fieldsOf(summary.job).map(([key, value]) => [key, <span class="mono">{formatValue(value)}</span>])} />
    </section>
  )
}

function Files({ session, summary, preview }: { session: Session; summary: JobSummary; preview?: Omit<PreviewSource, 'link'> }) {
  const api = session.api!
  switch (summary.family) {
    case 'query': {
      const job = summary.job as QueryJob
      if (!job.dataFile) return null
      const link = onOrigin(job.dataFile, location.origin)
      return (
        <>
          <h2>Result</h2>
          <p>
            <a class="button" href={link} download>
              Download the result
            </a>{' '}
            <span class="muted small">{job.outputRows !== undefined ? `${job.outputRows.toLocaleString('en-US')} rows · ` : ''}a signed link that expires</span>
          </p>
          <ResultPreview api={api} source={{ link: job.dataFile, ...preview }} />
        </>
      )
    }
    case 'objects':
      return <RowErrors session={session} summary={summary} />
    case 'backfill': {
      const job = summary.job as FileJob
      return (
        <>
          <h2>Files</h2>
          <ul class="files">
            <li>
              Uploaded: <DownloadButton session={session} url={job.uploadedFileUrl} label={job.uploadedFileName} />
            </li>
            {job.resultFileUrl && (
              <li>
                Result: <DownloadButton session={session} url={job.resultFileUrl} label={job.resultFileName ?? 'result'} />
              </li>
            )}
          </ul>
        </>
      )
    }
    default:
      return null
  }
}

/** A tenant's file (/apps/v1/files/...), fetched with the bearer token and saved. */
function DownloadButton({ session, url, label }: { session: Session; url: string; label: string }) {
  const download = useAction(async () => {
    const file = await session.api!.download(onOrigin(url, location.origin), { authenticated: true })
    saveFile(await new Response(file.body).blob(), file.fileName ?? label)
  })
  return (
    <>
      <button type="button" class="link" disabled={download.pending} onClick={() => void download.run()}>
        {label}
      </button>
      <ErrorNote error={download.error} />
    </>
  )
}

function RowErrors({ session, summary }: { session: Session; summary: JobSummary }) {
  const done = ended(summary)
  const errors = useAsync((signal) => getBulkJobErrors(session.api!, summary.id, signal), [session.api, summary.id, done, summary.progress])
  return (
    <>
      <h2>Row errors</h2>
      <ErrorNote error={errors.error} title="Row errors" />
      {errors.data ? (
        <DataTable
          label="Row errors"
          columns={['Row', 'Code', 'Message', 'Record']}
          rows={errors.data.map((error) => [error.row, error.code, error.message, <span class="mono small">{JSON.stringify(error.record)}</span>])}
          empty={done ? 'No row was refused' : 'None so far'}
        />
      ) : (
        !errors.error && <Loading label="Loading the row errors" />
      )}
    </>
  )
}

function Lifecycle({ session, tenantId, jobId, onChange }: { session: Session; tenantId: string; jobId: string; onChange(): void }) {
  const admin = session.admin!
  const lifecycle = useAsync((signal) => getJobLifecycle(admin, tenantId, jobId, signal), [admin, tenantId, jobId])
  const advance = useAction(async (to?: string) => {
    lifecycle.set(await advanceJob(admin, tenantId, jobId, to === 'failed' ? { to, errorMessage: 'Failed from the zjobs console' } : { to }))
    onChange()
  })
  // A job no policy paces (409) has nothing to show here.
  if (lifecycle.error instanceof ZuoraError && lifecycle.error.status === 409) return null
  return (
    <section class="card sandbox" aria-label="Sandbox lifecycle">
      <h2>Sandbox lifecycle</h2>
      <ErrorNote error={lifecycle.error} />
      {lifecycle.data && (
        <>
          <p>
            Policy <strong>{lifecycle.data.policy.progression}</strong>
            {lifecycle.data.policy.reads ? ` (${lifecycle.data.policy.reads} reads)` : ''}
            {lifecycle.data.policy.seconds ? ` (${lifecycle.data.policy.seconds} s)` : ''} · shown as <strong>{lifecycle.data.status}</strong>
            {lifecycle.data.held ? ' · held' : ''}
          </p>
          {lifecycle.data.held && (
            <div class="actions">
              <button type="button" disabled={advance.pending} onClick={() => void advance.run()}>
                Advance one state
              </button>
              <button type="button" disabled={advance.pending} onClick={() => void advance.run('completed')}>
                Complete
              </button>
              <button type="button" class="danger" disabled={advance.pending} onClick={() => void advance.run('failed')}>
                Fail
              </button>
            </div>
          )}
        </>
      )}
      <ErrorNote error={advance.error} title="Advance refused" />
      <p class="muted small">
        Set policies in <Link to={{ page: 'tenant', tenantId, tab: 'sandbox' }}>the tenant's sandbox controls</Link>.
      </p>
    </section>
  )
}
