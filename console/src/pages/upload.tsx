// Uploads: drop a CSV file to start a custom-object bulk job (create or update) or a Data
// Backfill file job, with the template beside it and the upload's progress; then the job's
// page (live status, row errors).
import { useState } from 'preact/hooks'
import { BACKFILL_TYPES, backfillTemplate, createFileJob, type BackfillType } from '../../../src/client/backfill.ts'
import { bulkTemplate, listDefinitions, submitBulkJob, uploadBulkFile } from '../../../src/client/objects.ts'
import { useAction, useAsync } from '../hooks.ts'
import { navigate } from '../router.ts'
import { uploadClient, useSession } from '../session.tsx'
import { DropZone, ErrorNote, Loading, PageHeader, saveFile, Tabs } from '../components/ui.tsx'
import { UploadProgress, type UploadState } from '../components/upload.tsx'

export function UploadPage({ kind }: { kind: 'objects' | 'backfill' }) {
  const session = useSession()
  const caps = session.capabilities!
  const tabs = [
    ...(caps.bulk ? [{ id: 'objects' as const, label: 'Custom object bulk job', to: { page: 'upload' as const, kind: 'objects' as const } }] : []),
    ...(caps.backfill ? [{ id: 'backfill' as const, label: 'Data Backfill file job', to: { page: 'upload' as const, kind: 'backfill' as const } }] : []),
  ]
  const shown = tabs.some((tab) => tab.id === kind) ? kind : tabs[0]?.id
  return (
    <section>
      <PageHeader title="Upload" />
      <Tabs label="Upload kind" current={shown ?? 'objects'} tabs={tabs} />
      {shown === 'objects' && <BulkUpload />}
      {shown === 'backfill' && <BackfillUpload />}
      {!shown && <p class="note note-refused">Your user may neither write custom objects nor use Data Backfill.</p>}
    </section>
  )
}

function BulkUpload() {
  const session = useSession()
  const api = session.api!
  const definitions = useAsync((signal) => listDefinitions(api, signal), [api])
  const names = Object.keys(definitions.data ?? {}).sort()
  const [object, setObject] = useState('')
  const [operation, setOperation] = useState<'create' | 'update'>('create')
  const [upload, setUpload] = useState<UploadState>()
  const chosen = object || names[0] || ''
  const start = useAction(async (file: File) => {
    setUpload({ name: file.name, size: file.size, sent: 0, phase: 'creating' })
    const job = await submitBulkJob(api, { namespace: 'default', object: chosen, operation })
    setUpload({ name: file.name, size: file.size, sent: 0, phase: 'uploading' })
    const client = uploadClient(session, (sent, total) => setUpload({ name: file.name, size: file.size, sent, total, phase: 'uploading' }))
    await uploadBulkFile(client, job.Id, file, { size: file.size })
    setUpload({ name: file.name, size: file.size, sent: file.size, phase: 'done' })
    navigate({ page: 'job', family: 'objects', id: job.Id })
  })
  if (definitions.error) return <ErrorNote error={definitions.error} title="Custom object definitions" />
  if (!definitions.data) return <Loading label="Loading the custom objects" />
  if (names.length === 0) return <p class="empty">The tenant has no custom object definitions yet.</p>
  return (
    <div class="card">
      <div class="form-row">
        <label>
          Object
          <select name="object" value={chosen} onChange={(event) => setObject(event.currentTarget.value)}>
            {names.map((name) => (
              <option key={name} value={name}>
                {definitions.data![name].schema.label ?? name} ({name})
              </option>
            ))}
          </select>
        </label>
        <label>
          Operation
          <select name="operation" value={operation} onChange={(event) => setOperation(event.currentTarget.value as 'create' | 'update')}>
            <option value="create">create</option>
            <option value="update">update (Id first)</option>
          </select>
        </label>
        <button type="button" class="secondary" onClick={() => saveFile(bulkTemplate(definitions.data![chosen], operation), `${chosen}-${operation}-template.csv`)}>
          Download template
        </button>
      </div>
      <p class="muted small">A CSV file with a header of the object's field names: each row one record. The job's page shows each refused row with its number.</p>
      <DropZone label={`Drop the ${chosen} CSV file to ${operation} records`} accept=".csv,text/csv" disabled={start.pending} onFile={(file) => void start.run(file)} />
      {upload && <UploadProgress upload={upload} />}
      <ErrorNote error={start.error} title="Upload refused" />
    </div>
  )
}

function BackfillUpload() {
  const session = useSession()
  const api = session.api!
  const [type, setType] = useState<BackfillType>('RatePlanCharge')
  const [upload, setUpload] = useState<UploadState>()
  const template = useAction(async () => saveFile(await backfillTemplate(api, type), `${type}-template.csv`))
  const start = useAction(async (file: File) => {
    setUpload({ name: file.name, size: file.size, sent: 0, phase: 'uploading' })
    const client = uploadClient(session, (sent, total) => setUpload({ name: file.name, size: file.size, sent, total, phase: 'uploading' }))
    const jobId = await createFileJob(client, type, file, { fileName: file.name })
    setUpload({ name: file.name, size: file.size, sent: file.size, phase: 'done' })
    navigate({ page: 'job', family: 'backfill', id: jobId })
  })
  return (
    <div class="card">
      <div class="form-row">
        <label>
          Type
          <select name="type" value={type} onChange={(event) => setType(event.currentTarget.value as BackfillType)}>
            {BACKFILL_TYPES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="secondary" disabled={template.pending} onClick={() => void template.run()}>
          Download template
        </button>
      </div>
      <ErrorNote error={template.error} title="Template" />
      <p class="muted small">The template's header, then a row per record to backfill (at most 4 MB). The job's page shows its progress and its result file.</p>
      <DropZone label={`Drop the ${type} CSV file to start a backfill`} accept=".csv,text/csv,.zip" disabled={start.pending} onFile={(file) => void start.run(file)} />
      {upload && <UploadProgress upload={upload} />}
      <ErrorNote error={start.error} title="Upload refused" />
    </div>
  )
}
