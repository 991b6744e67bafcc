// Custom objects: the tenant's definitions with their fields, and an object's records with
// the API's `q` filter and paging (the cursor is the last Id of the page before).
import { useState } from 'preact/hooks'
import { listDefinitions, listRecords, SYSTEM_FIELDS, type ObjectDefinition } from '../../../src/client/objects.ts'
import { useAsync } from '../hooks.ts'
import { formatValue } from '../lib/format.ts'
import { useSession } from '../session.tsx'
import { DataTable, ErrorNote, Link, Loading, PageHeader } from '../components/ui.tsx'

export function ObjectsPage({ object }: { object?: string }) {
  const session = useSession()
  const api = session.api!
  const definitions = useAsync((signal) => listDefinitions(api, signal), [api])
  const names = Object.keys(definitions.data ?? {}).sort()
  const chosen = object ?? names[0]
  const definition = chosen ? definitions.data?.[chosen] : undefined
  return (
    <section>
      <PageHeader title="Custom objects" />
      <ErrorNote error={definitions.error} title="Definitions" />
      {!definitions.data && !definitions.error && <Loading label="Loading the definitions" />}
      {definitions.data && names.length === 0 && <p class="empty">No custom object is defined in this tenant.</p>}
      {names.length > 0 && (
        <div class="query-layout">
          <nav class="card tables" aria-label="Definitions">
            <h2>Definitions</h2>
            <ul class="table-list">
              {names.map((name) => (
                <li key={name}>
                  <Link to={{ page: 'objects', object: name }} current={name === chosen} class={name === chosen ? 'mono active' : 'mono'}>
                    {name}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div>
            {definition ? <Definition key={chosen} name={chosen!} definition={definition} /> : <p class="empty">No definition {chosen}.</p>}
          </div>
        </div>
      )}
    </section>
  )
}

function Definition({ name, definition }: { name: string; definition: ObjectDefinition }) {
  const schema = definition.schema
  const fields = Object.entries(schema.properties)
  const flag = (list: string[] | undefined, field: string) => (list?.includes(field) ? 'yes' : '')
  return (
    <>
      <div class="card">
        <h2 style="margin-top:0">
          {schema.label ?? name} <span class="muted mono small">{name}</span>
        </h2>
        {schema.description && <p class="muted">{schema.description}</p>}
        <p class="muted small">
          In Data Query: <code>default__{name.toLowerCase()}</code>
        </p>
        <DataTable
          label={`Fields of ${name}`}
          columns={['Field', 'Type', 'Label', 'Required', 'Filterable', 'Unique']}
          rows={fields.map(([field, spec]) => [
            <span class="mono">{field}</span>,
            [spec.type, spec.format].filter(Boolean).join(' · ') + (spec.enum ? ` (${spec.enum.join(', ')})` : ''),
            spec.label ?? '',
            flag(schema.required, field),
            flag(schema.filterable, field),
            flag(schema.unique, field),
          ])}
        />
      </div>
      <Records name={name} definition={definition} />
    </>
  )
}

function Records({ name, definition }: { name: string; definition: ObjectDefinition }) {
  const session = useSession()
  const api = session.api!
  const [draft, setDraft] = useState('')
  const [q, setQ] = useState<string>()
  const [pageSize, setPageSize] = useState(20)
  // The cursors of the pages before this one: Previous pops one.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const cursor = cursors[cursors.length - 1]
  const records = useAsync((signal) => listRecords(api, name, { q, pageSize, cursor, signal }), [api, name, q, pageSize, cursor])
  const custom = Object.keys(definition.schema.properties).filter((field) => !SYSTEM_FIELDS.includes(field))
  const columns = ['Id', ...custom, 'CreatedDate']
  const page = records.data?.records ?? []
  const first = (cursors.length - 1) * pageSize
  return (
    <div class="card">
      <h2 style="margin-top:0">Records</h2>
      <form
        class="filters"
        aria-label="Filter records"
        onSubmit={(event) => {
          event.preventDefault()
          setQ(draft.trim() || undefined)
          setCursors([undefined])
        }}
      >
        <label style="flex:1">
          Filter (q)
          <input name="q" placeholder="make__c:Volvo AND seats__c:>=4" value={draft} onInput={(event) => setDraft(event.currentTarget.value)} />
        </label>
        <label>
          Page size
          <select
            value={pageSize}
            onChange={(event) => {
              setPageSize(Number(event.currentTarget.value))
              setCursors([undefined])
            }}
          >
            {[20, 50, 100].map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      <ErrorNote error={records.error} title="Records" />
      {records.data ? (
        <>
          <DataTable label={`Records of ${name}`} columns={columns} rows={page.map((record) => columns.map((column) => formatValue(record[column])))} empty="No records match" />
          <div class="actions">
            <span class="muted small" aria-live="polite">
              {page.length ? `${first + 1}–${first + page.length} of ${records.data.count}` : `0 of ${records.data.count}`}
            </span>
            <button type="button" class="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <button
              type="button"
              class="secondary"
              disabled={page.length < pageSize || first + page.length >= records.data.count}
              onClick={() => setCursors([...cursors, page[page.length - 1].Id])}
            >
              Next
            </button>
          </div>
        </>
      ) : (
        !records.error && <Loading label="Loading records" />
      )}
    </div>
  )
}
