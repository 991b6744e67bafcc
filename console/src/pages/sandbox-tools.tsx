// A tenant's sandbox tools, for the admin, below its clock and lifecycle policies: fault rules
// with their counts (add one as JSON, remove one or all), the request journal (newest first,
// read again every 2 s while the page is visible), reset (with a confirm, billing data kept or
// not) and the snapshot's download (with the admin token, so fetched and saved from a blob).
// Loaded only when the Sandbox tab opens: nothing of it is in the console's first load.
import { useState } from 'preact/hooks'
import {
  addFault,
  clearRequests,
  downloadSnapshot,
  listFaults,
  listRequests,
  removeFault,
  removeFaults,
  resetTenant,
  type AdminTenant,
  type TenantReset,
} from '../../../src/client/admin.ts'
import { useAction, usePoll } from '../hooks.ts'
import { formatTime } from '../lib/format.ts'
import { durationText, parseRule, remainingText, ruleEffect, ruleTarget, statusText } from '../lib/sandbox.ts'
import { useSession } from '../session.tsx'
import { DataTable, ErrorNote, Loading, saveFile } from '../components/ui.tsx'

const JOURNAL_MS = 2000
const JOURNAL_LIMIT = 100
const EXAMPLE = '{"match": {"operationId": "GET_DataQueryJob"}, "effect": {"status": 503}, "times": 2}'

/** `onReset`: the reset put the clock and policies back too (the page above shows them). */
export default function SandboxTools({ tenant, onReset }: { tenant: AdminTenant; onReset?(): void }) {
  const session = useSession()
  const admin = session.admin!
  const faults = usePoll((signal) => listFaults(admin, tenant.id, signal), () => JOURNAL_MS, [admin, tenant.id])
  const journal = usePoll((signal) => listRequests(admin, tenant.id, { limit: JOURNAL_LIMIT, signal }), () => JOURNAL_MS, [admin, tenant.id])
  const [ruleText, setRuleText] = useState('')
  const add = useAction(async () => {
    await addFault(admin, tenant.id, parseRule(ruleText))
    setRuleText('')
    faults.reload()
  })
  const remove = useAction(async (ruleId?: string) => {
    if (ruleId) await removeFault(admin, tenant.id, ruleId)
    else if (window.confirm(`Remove every fault rule of tenant ${tenant.id}?`)) await removeFaults(admin, tenant.id)
    faults.reload()
  })
  const clear = useAction(async () => {
    await clearRequests(admin, tenant.id)
    journal.reload()
  })
  const [keepBilling, setKeepBilling] = useState(true)
  const [reset, setReset] = useState<TenantReset>()
  const resetting = useAction(async () => {
    const what = keepBilling ? 'its billing data kept' : 'its billing data deleted too'
    if (!window.confirm(`Reset tenant ${tenant.id}? Its jobs, files, custom objects, fault rules, journal, clock and policies are deleted (${what}); users, clients and tokens stay.`)) return
    setReset(await resetTenant(admin, tenant.id, { keepBilling }))
    onReset?.()
    faults.reload()
    journal.reload()
  })
  const snapshot = useAction(async () => {
    const download = await downloadSnapshot(admin, tenant.id)
    const blob = await new Response(download.body).blob()
    saveFile(blob, download.fileName ?? `zjobs-tenant-${tenant.id}.tar.gz`, 'application/gzip')
  })
  const rules = faults.data ?? []
  const requests = journal.data?.requests ?? []
  return (
    <>
      <section class="card" aria-label="Fault rules">
        <h2 style="margin-top:0">Fault rules</h2>
        <p class="muted small">Tried in the order they were added; the first that fires on a call applies. See docs/sandbox.md, Faults.</p>
        <ErrorNote error={faults.error} title="Fault rules" />
        {faults.data ? (
          <DataTable
            label="Fault rule list"
            columns={['Rule', 'Kind', 'On', 'Does', 'Matched', 'Fired', 'Remaining', '']}
            rows={rules.map((rule) => [
              <span class="mono small" title={rule.id}>
                {rule.id.slice(0, 8)}
                {rule.description ? <span class="muted"> {rule.description}</span> : null}
              </span>,
              rule.kind,
              <span class="mono small">{ruleTarget(rule)}</span>,
              ruleEffect(rule),
              String(rule.matched),
              String(rule.fired),
              remainingText(rule),
              <button type="button" class="secondary" aria-label={`Remove rule ${rule.id}`} disabled={remove.pending} onClick={() => void remove.run(rule.id)}>
                Remove
              </button>,
            ])}
            empty="No fault rules"
          />
        ) : (
          !faults.error && <Loading label="Loading fault rules" />
        )}
        <ErrorNote error={remove.error} title="Remove refused" />
        {rules.length > 0 && (
          <div class="actions">
            <button type="button" class="danger" disabled={remove.pending} onClick={() => void remove.run()}>
              Remove all rules
            </button>
          </div>
        )}
        <form
          class="form"
          aria-label="New fault rule"
          onSubmit={(event) => {
            event.preventDefault()
            void add.run()
          }}
        >
          <label>
            Rule (JSON)
            <textarea name="rule" rows={3} class="mono" placeholder={EXAMPLE} value={ruleText} onInput={(event) => setRuleText(event.currentTarget.value)} />
          </label>
          <ErrorNote error={add.error} title="Rule refused" />
          <div class="actions">
            <button type="submit" disabled={add.pending}>
              Add rule
            </button>
          </div>
        </form>
      </section>

      <section class="card" aria-label="Request journal">
        <h2 style="margin-top:0">Request journal</h2>
        <p class="muted small">
          The tenant's last {JOURNAL_LIMIT} requests, newest first, read again every {JOURNAL_MS / 1000} s
          {journal.data ? ` (the server keeps ${journal.data.size.toLocaleString('en-US')})` : ''}. No bodies, headers or tokens.
        </p>
        <ErrorNote error={journal.error} title="Request journal" />
        <ErrorNote error={clear.error} title="Clear refused" />
        {journal.data ? (
          <DataTable
            label="Journal entries"
            columns={['Time', 'Method', 'Path', 'Operation', 'Status', 'Duration', 'Fault']}
            rows={requests.map((entry) => [
              <span title={entry.time}>{formatTime(entry.time)}</span>,
              entry.method,
              <span class="mono small">{entry.path}</span>,
              <span class="mono small">{entry.operationId ?? ''}</span>,
              <span class={entry.status === null || entry.status >= 400 ? 'error-text' : ''}>{statusText(entry)}</span>,
              durationText(entry.durationMs),
              entry.fault ? (
                <span class="mono small" title={`rule ${entry.fault.ruleId}`}>
                  {entry.fault.effect}
                </span>
              ) : (
                ''
              ),
            ])}
            empty="No requests"
          />
        ) : (
          !journal.error && <Loading label="Loading the journal" />
        )}
        <div class="actions">
          <button type="button" class="secondary" disabled={clear.pending || requests.length === 0} onClick={() => void clear.run()}>
            Clear journal
          </button>
        </div>
      </section>

      <section class="card form" aria-label="Reset and snapshot">
        <h2 style="margin-top:0">Reset and snapshot</h2>
        <p class="muted small">
          Reset empties the tenant back to how it was made: jobs, files, custom objects, fault rules, journal, clock and policies. The tenant, its users, OAuth clients and tokens stay.
        </p>
        <div class="form-row">
          <label class="checkbox">
            <input type="checkbox" name="keepBilling" checked={keepBilling} onChange={(event) => setKeepBilling(event.currentTarget.checked)} />
            Keep billing data
          </label>
          <button type="button" class="danger" disabled={resetting.pending} onClick={() => void resetting.run()}>
            Reset tenant
          </button>
          <button type="button" class="secondary" disabled={snapshot.pending} onClick={() => void snapshot.run()}>
            {snapshot.pending ? 'Preparing snapshot…' : 'Download snapshot'}
          </button>
        </div>
        {reset && (
          <p class="note note-ok" role="status">
            Reset: {reset.jobs} jobs, {reset.files} files, {reset.definitions} definitions and {reset.billingRows} billing rows deleted
            {reset.kept.length ? ` (kept: ${reset.kept.join(', ')})` : ''}.
          </p>
        )}
        <ErrorNote error={resetting.error} title="Reset refused" />
        <ErrorNote error={snapshot.error} title="Snapshot" />
      </section>
    </>
  )
}
