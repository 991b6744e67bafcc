// Small building blocks of every page.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ZuoraError } from '../../../src/client/errors.ts'
import type { JobState } from '../../../src/client/jobs.ts'
import { formatBytes } from '../lib/format.ts'
import { routePath, type Route } from '../lib/routes.ts'
import { onLinkClick } from '../router.ts'

export function Link(props: { to: Route | string; children: ComponentChildren; class?: string; current?: boolean; title?: string; 'aria-label'?: string }) {
  const { to, children, current } = props
  const href = typeof to === 'string' ? to : routePath(to)
  return (
    <a class={props.class} title={props.title} aria-label={props['aria-label']} href={href} aria-current={current ? 'page' : undefined} onClick={(event) => onLinkClick(event as unknown as MouseEvent, href)}>
      {children}
    </a>
  )
}

export function StateBadge({ state, status }: { state: JobState | string; status?: string }) {
  return (
    <span class={`badge state-${state}`} title={status && status !== state ? `${status} (${state})` : state}>
      {status ?? state}
    </span>
  )
}

export function errorText(error: unknown): string {
  if (error instanceof ZuoraError) return error.describe()
  if (error instanceof Error) return error.message
  return String(error)
}

export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null
  const refused = error instanceof ZuoraError && (error.status === 403 || error.status === 401)
  return (
    <div class={`note ${refused ? 'note-refused' : 'note-error'}`} role="alert">
      {title && <strong>{title}: </strong>}
      {refused ? 'The API refuses this to your user: ' : ''}
      {errorText(error)}
    </div>
  )
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {label}…
    </p>
  )
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const percent = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0
  return (
    <div class="progress-row">
      <progress value={max > 0 ? value : undefined} max={max || undefined} aria-label={label} />
      <span class="muted">{max > 0 ? `${percent}%` : ''}</span>
    </div>
  )
}

export function KeyValues({ entries, label }: { entries: [string, ComponentChildren][]; label?: string }) {
  return (
    <dl class="fields" aria-label={label}>
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value === '' || value === undefined || value === null ? <span class="muted">—</span> : value}</dd>
        </div>
      ))}
    </dl>
  )
}

export function DataTable({ columns, rows, label, empty = 'No rows' }: { columns: string[]; rows: ComponentChildren[][]; label: string; empty?: string }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      <table>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={Math.max(1, columns.length)} class="muted">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j}>{cell}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  )
}

/** A file drop area that is also a file picker (focusable, opened with Enter or Space). */
export function DropZone(props: { label: string; accept?: string; disabled?: boolean; onFile(file: File): void; hint?: string }) {
  const [over, setOver] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  return (
    <label
      class={`dropzone${over ? ' over' : ''}${props.disabled ? ' disabled' : ''}`}
      onDragOver={(event) => {
        event.preventDefault()
        if (!props.disabled) setOver(true)
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault()
        setOver(false)
        const file = event.dataTransfer?.files[0]
        if (file && !props.disabled) props.onFile(file)
      }}
    >
      <input
        ref={input}
        type="file"
        class="visually-hidden"
        accept={props.accept}
        disabled={props.disabled}
        aria-label={props.label}
        onChange={(event) => {
          const file = (event.currentTarget as HTMLInputElement).files?.[0]
          if (file) props.onFile(file)
          ;(event.currentTarget as HTMLInputElement).value = ''
        }}
      />
      <span class="dropzone-title">{props.label}</span>
      <span class="muted">{props.hint ?? 'Drop a CSV file here, or press to choose one'}</span>
    </label>
  )
}

export function FileSize({ bytes }: { bytes: number }) {
  return <span>{formatBytes(bytes)}</span>
}

/** Saves `content` as a file the browser downloads. */
export function saveFile(content: Blob | string, fileName: string, type = 'text/csv'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A modal dialog (the browser's <dialog>: focus kept inside, Escape closes). */
export function Dialog(props: { open: boolean; title: string; onClose(): void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (props.open && !dialog.open) dialog.showModal()
    if (!props.open && dialog.open) dialog.close()
  }, [props.open])
  return (
    <dialog ref={ref} aria-label={props.title} onClose={props.onClose}>
      <h2>{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </dialog>
  )
}

export function Tabs<T extends string>(props: { tabs: readonly { id: T; label: string; to: Route | string }[]; current: T; label: string }) {
  return (
    <nav class="tabs" aria-label={props.label}>
      {props.tabs.map((tab) => (
        <Link key={tab.id} to={tab.to} current={tab.id === props.current} class={tab.id === props.current ? 'tab active' : 'tab'}>
          {tab.label}
        </Link>
      ))}
    </nav>
  )
}

export function PageHeader({ title, children }: { title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      {children && <div class="page-actions">{children}</div>}
    </header>
  )
}
