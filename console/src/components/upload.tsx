// An upload in progress: the file, how much of it has gone, and what happens next.
import { formatBytes } from '../lib/format.ts'
import { ProgressBar } from './ui.tsx'

export interface UploadState {
  name: string
  /** The file's bytes. */
  size: number
  /** Bytes of the request sent so far, and in all (a form's are more than the file's; 0: not known yet). */
  sent: number
  total?: number
  phase: 'creating' | 'uploading' | 'done'
}

export function UploadProgress({ upload }: { upload: UploadState }) {
  const total = upload.total || upload.size
  return (
    <div class="card upload-progress" role="status" aria-live="polite">
      <p>
        <strong>{upload.name}</strong> · {formatBytes(upload.size)} ·{' '}
        {upload.phase === 'creating' ? 'creating the job' : upload.phase === 'uploading' ? `uploading: ${formatBytes(upload.sent)} of ${formatBytes(total)} sent` : 'uploaded'}
      </p>
      <ProgressBar value={upload.phase === 'done' ? total : upload.sent} max={total} label={`Upload of ${upload.name}`} />
    </div>
  )
}
