// Data Backfill: start an auto backfill (RatePlanCharge, OrderLineItem) or a booking-date job,
// or upload a file job; each opens its job page, where it can be stopped.
import { useState } from 'preact/hooks'
import { createBatchJob } from '../../../src/client/backfill.ts'
import { useAction } from '../hooks.ts'
import { navigate } from '../router.ts'
import { useSession } from '../session.tsx'
import { ErrorNote, Link, PageHeader } from '../components/ui.tsx'

export function BackfillPage() {
  const session = useSession()
  const api = session.api!
  const [type, setType] = useState<'RatePlanCharge' | 'OrderLineItem'>('RatePlanCharge')
  const [batchSize, setBatchSize] = useState('')
  const [dryRun, setDryRun] = useState(false)
  const auto = useAction(async () => {
    const size = batchSize.trim() === '' ? undefined : Number(batchSize)
    const jobId = await createBatchJob(api, { type, batchSize: size, dryRun: dryRun || undefined })
    navigate({ page: 'job', family: 'auto', id: jobId })
  })
  const booking = useAction(async () => navigate({ page: 'job', family: 'bookingdate', id: await createBatchJob(api, { type: 'BookingDate' }) }))
  return (
    <section>
      <PageHeader title="Data Backfill" />
      <div class="grid-2">
        <form
          class="card form"
          aria-label="Start an auto backfill"
          onSubmit={(event) => {
            event.preventDefault()
            void auto.run()
          }}
        >
          <h2>Auto backfill</h2>
          <p class="muted small">Fills the revenue fields of charges or order line items booked before Order to Revenue, in batches.</p>
          <label>
            Type
            <select name="autoType" value={type} onChange={(event) => setType(event.currentTarget.value as typeof type)}>
              <option value="RatePlanCharge">RatePlanCharge</option>
              <option value="OrderLineItem">OrderLineItem</option>
            </select>
          </label>
          <label>
            Batch size <span class="muted small">(optional)</span>
            <input name="batchSize" type="number" min={1} value={batchSize} onInput={(event) => setBatchSize(event.currentTarget.value)} />
          </label>
          <label class="checkbox">
            <input type="checkbox" name="dryRun" checked={dryRun} onChange={(event) => setDryRun(event.currentTarget.checked)} />
            Dry run (count, change nothing)
          </label>
          <ErrorNote error={auto.error} title="Auto backfill refused" />
          <div class="actions">
            <button type="submit" disabled={auto.pending}>
              Start auto backfill
            </button>
          </div>
        </form>
        <div class="card form">
          <h2>Booking date</h2>
          <p class="muted small">Sets the booking date of the tenant's charges and order line items that lack one.</p>
          <ErrorNote error={booking.error} title="Booking-date job refused" />
          <div class="actions">
            <button type="button" disabled={booking.pending} onClick={() => void booking.run()}>
              Start booking-date job
            </button>
          </div>
          <h2>File jobs</h2>
          <p class="muted small">
            Backfill from a CSV file: <Link to={{ page: 'upload', kind: 'backfill' }}>upload one</Link>. Jobs:{' '}
            <Link to={{ page: 'jobs', filters: { family: 'backfill' } }}>file</Link> · <Link to={{ page: 'jobs', filters: { family: 'auto' } }}>auto</Link> ·{' '}
            <Link to={{ page: 'jobs', filters: { family: 'bookingdate' } }}>booking date</Link>
          </p>
        </div>
      </div>
    </section>
  )
}
