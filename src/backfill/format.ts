// How Data Backfill answers write sizes, times and progress (spec §4: "798Byte", epoch-ms
// strings, "2023-12-14T16:03:26+0800", "25.00%").

/** "798Byte", "1.50KB", "3.99MB", "1.20GB": bytes below 1 KB as Zuora shows them, then binary units with two decimals. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}Byte`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(2)}${units[unit]}`
}

/** Epoch milliseconds as a string, the form of the file job's times. */
export const epochString = (date: Date | null | undefined) => (date ? String(date.getTime()) : undefined)

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
    formatters.set(timeZone, format)
  }
  return format
}

/** `yyyy-MM-dd'T'HH:mm:ssZ` in `timeZone`: 2023-12-14T16:03:26+0800. */
export function readableTime(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(date).map((part) => [part.type, part.value]))
  // longOffset is "GMT+08:00", or "GMT" at offset zero.
  const offset = /GMT([+-]\d{2}):?(\d{2})?/.exec(parts.timeZoneName ?? '')
  const zone = offset ? `${offset[1]}${offset[2] ?? '00'}` : '+0000'
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${zone}`
}

/** Finished batches over planned ones, "25.00%"; a job with nothing to do is 100% once it ends. */
export function progressText(finished: number, planned: number, ended: boolean): string {
  if (planned === 0) return ended ? '100.00%' : '0.00%'
  return `${((Math.min(finished, planned) * 100) / planned).toFixed(2)}%`
}
