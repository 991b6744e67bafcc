// Every job of every family the user may see, newest first, in one list or per family; filters
// by state, type and time; read again while a job moves (live status and progress).
import { FAMILIES, listJobs, STATES, type JobFamily, type JobSummary } from '../../../src/client/jobs.ts'
import { familiesAllowed } from '../lib/capabilities.ts'
import { formatAgo, formatTime } from '../lib/format.ts'
import { FAMILY_LABELS, FAMILY_TYPES, filterJobs, listPollDelay, percentOf, typeOf } from '../lib/jobs.ts'
import { limitOf, SINCE, type JobFilters } from '../lib/routes.ts'
import { navigate } from '../router.ts'
import { useNow, usePoll } from '../hooks.ts'
import { useSession } from '../session.tsx'
import { ErrorNote, Link, Loading, PageHeader, StateBadge, Tabs } from '../components/ui.tsx'

const SINCE_LABELS: Record<string, string> = { '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days' }

export function JobsPage({ filters }: { filters: JobFilters }) {
  const session = useSession()
  const api = session.api!
  const allowed = session.capabilities ? familiesAllowed(session.capabilities) : undefined
  // Every family unless one is chosen: listJobs leaves out those the API refuses the user, so
  // the list neither waits for the permission probes nor is read again when they answer.
  const families = filters.family ? [filters.family] : undefined
  const limit = limitOf(filters)
  const now = useNow(5000)
  const list = usePoll(
    (signal) => listJobs(api, { families, states: filters.state ? [filters.state] : undefined, limit, signal }),
    listPollDelay,
    [api, families?.join(), filters.state, limit],
  )
  const set = (change: Partial<JobFilters>) => {
    const next = { ...filters, ...change }
    // A type belongs to a family: another family's type would match nothing.
    if ('family' in change && next.type && next.family && !FAMILY_TYPES[next.family].includes(next.type)) delete next.type
    navigate({ page: 'jobs', filters: next }, { replace: true })
  }
  const shown = list.data ? filterJobs(list.data, filters, now) : []
  const tabFamilies = (allowed ?? [...FAMILIES]) as JobFamily[]
  const types = filters.family ? FAMILY_TYPES[filters.family] : [...new Set(tabFamilies.flatMap((family) => FAMILY_TYPES[family]))]

  return (
    <section>
      <PageHeader title="Jobs">
        <span class="live muted" aria-live="off">
          {list.loading && list.data ? 'Updating…' : 'Live'}
        </span>
      </PageHeader>
      <Tabs
        label="Job family"
        current={filters.family ?? 'all'}
        tabs={[
          { id: 'all', label: 'All', to: { page: 'jobs', filters: { ...filters, family: undefined, type: undefined } } },
          ...tabFamilies.map((family) => ({
            id: family,
            label: FAMILY_LABELS[family],
            to: { page: 'jobs' as const, filters: { ...filters, family, type: filters.type && FAMILY_TYPES[family].includes(filters.type) ? filters.type : undefined } },
          })),
        ]}
      />
      <form class="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status
          <select value={filters.state ?? ''} onChange={(event) => set({ state: (event.currentTarget.value || undefined) as JobFilters['state'] })}>
            <option value="">Any</option>
            {STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={filters.type ?? ''} onChange={(event) => set({ type: event.currentTarget.value || undefined })}>
            <option value="">Any</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created
          <select value={filters.since ?? ''} onChange={(event) => set({ since: (event.currentTarget.value || undefined) as JobFilters['since'] })}>
            <option value="">Any time</option>
            {SINCE.map((since) => (
              <option key={since} value={since}>
                {SINCE_LABELS[since]}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={list.error} title="Jobs" />
      {!list.data ? (
        list.error ? null : <Loading label="Loading jobs" />
      ) : (
        <>
          <JobTable jobs={shown} now={now} />
          <p class="muted small" aria-live="polite">
            {shown.length === list.data.length ? `${shown.length} newest job${shown.length === 1 ? '' : 's'}` : `${shown.length} of the ${list.data.length} newest jobs match`}
            {list.data.length >= limit && (
              <>
                {' · '}
                <button type="button" class="link" onClick={() => set({ limit: limit + 50 })}>
                  Show more
                </button>
              </>
            )}
          </p>
        </>
      )}
    </section>
  )
}

export function JobTable({ jobs, now }: { jobs: JobSummary[]; now: number }) {
  if (jobs.length === 0) return <p class="empty">No jobs match.</p>
  return (
    <div class="table-wrap" role="region" aria-label="Jobs" tabIndex={0}>
      <table class="jobs">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Family</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => {
            const percent = percentOf(job)
            return (
              <tr key={`${job.family}/${job.id}`} data-job-id={job.id}>
                <td class="job-cell">
                  <Link to={{ page: 'job', family: job.family, id: job.id }} class="mono">
                    {job.id.slice(0, 8)}
                  </Link>
                  <span class="title" title={job.title}>
                    {job.title}
                  </span>
                </td>
                <td>{FAMILY_LABELS[job.family]}</td>
                <td>{typeOf(job)}</td>
                <td>
                  <StateBadge state={job.state} status={job.status} />
                </td>
                <td>
                  {percent !== undefined && job.state === 'running' ? <progress value={percent} max={100} aria-label="Progress" /> : null} {job.progress}
                  {job.error ? <div class="error-text small">{job.error}</div> : null}
                </td>
                <td title={job.createdAt}>
                  {formatTime(job.createdAt)}
                  <div class="muted small">{formatAgo(job.createdAt, now)}</div>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
