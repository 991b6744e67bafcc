// An upload in progress: the file, how much of it has gone, and what happens next.
import { formatBytes } from '../lib/format.ts'
import { ProgressBar } from './ui.tsx'

export interface UploadState {
  name: string
  size: number
  sent: number
  phase: 'creating' | 'uploading' | 'done'
}

export function UploadProgress({ upload }: { upload: UploadState }) {
  const total = upload.size
  return (
    <div class="card upload-progress" role="status" aria-live="polite">
      <p>
        <strong>{upload.name}</strong> · {formatBytes(total)} ·{' '}
        {upload.phase === 'creating' ? 'creating the job' : upload.phase === 'uploading' ? `uploading: ${formatBytes(upload.sent)} sent` : 'uploaded'}
      </p>
      <ProgressBar value={upload.phase === 'done' ? total : upload.sent} max={total} label={`Upload of ${upload.name}`} />
    </div>
  )
}
