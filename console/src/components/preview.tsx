// The first rows of a Data Query result, in a table, read from its signed link (no token).
import type { ZuoraClient } from '../../../src/client/client.ts'
import { useAsync } from '../hooks.ts'
import { onOrigin } from '../lib/links.ts'
import { formatOfFile, readPreview, type Compression, type OutputFormat } from '../lib/preview.ts'
import { DataTable, ErrorNote, Loading } from './ui.tsx'

export interface PreviewSource {
  link: string
  /** Known when this page submitted the query; else read from the file's name. */
  format?: OutputFormat
  compression?: Compression
  separator?: string
}

export function ResultPreview({ api, source, rows = 100 }: { api: ZuoraClient; source: PreviewSource; rows?: number }) {
  const preview = useAsync(
    async (signal) => {
      const download = await api.download(onOrigin(source.link, location.origin), { signal })
      const named = download.fileName ? formatOfFile(download.fileName) : undefined
      if (named?.encrypted) {
        await download.body.cancel()
        return { encrypted: true as const }
      }
      const format = source.format ?? named?.format ?? 'CSV'
      const compression = source.compression ?? named?.compression ?? 'NONE'
      return readPreview(download.body, { format, compression, separator: source.separator, maxRows: rows })
    },
    [api, source.link],
  )
  if (preview.error) return <ErrorNote error={preview.error} title="Preview" />
  if (!preview.data) return <Loading label="Reading the first rows" />
  if ('encrypted' in preview.data) return <p class="muted">The result is encrypted: download it and decrypt it with your private key.</p>
  const { columns, rows: lines, truncated } = preview.data
  return (
    <div class="preview">
      <DataTable columns={columns} rows={lines} label="Result preview" empty="The result has no rows" />
      <p class="muted small">
        {truncated ? `The first ${lines.length} rows` : `${lines.length} row${lines.length === 1 ? '' : 's'}`}
      </p>
    </div>
  )
}
