// What the admin pages compute: a seed job's progress from the engine's view of it.
import type { AdminJob } from '../../../src/client/admin.ts'

/** Accounts seeded of those asked (the seed job's progress counts them), as a bar and a line. */
export function seedProgress(job: AdminJob, accountsAsked: number): { done: number; total: number; text: string } {
  const progress = (job.state === 'completed' ? (job.result ?? job.progress) : job.progress) as { accountsDone?: number; rows?: Record<string, number> } | null
  const done = Math.min(accountsAsked, progress?.accountsDone ?? (job.state === 'completed' ? accountsAsked : 0))
  const rows = Object.values(progress?.rows ?? {}).reduce((sum, n) => sum + (Number(n) || 0), 0)
  const text = `${done.toLocaleString('en-US')} of ${accountsAsked.toLocaleString('en-US')} accounts${rows ? `, ${rows.toLocaleString('en-US')} rows` : ''}`
  return { done, total: accountsAsked, text }
}
