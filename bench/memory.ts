// Memory of a process tree: zjobs with the PostgreSQL server it runs (the postmaster and one
// process per connection), or a baseline script with its server. RSS counts every shared page
// once per process that maps it (PostgreSQL's shared buffers in every backend), so the tree's
// figure is PSS (each shared page split between the processes sharing it, from
// /proc/<pid>/smaps_rollup), summed; the summed RSS is shown beside it. Linux only.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TreeMemory {
  pssMb: number
  rssMb: number
  processes: number
}

/** The parent of every process now running. */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parentOf.set(Number(name), Number(fields[1]))
    } catch {
      // exited meanwhile
    }
  }
  return parentOf
}

/** `roots` and every process below them (children, their children...), each once. */
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>()
  const parentOf = parents()
  for (const [pid, parent] of parentOf) children.set(parent, [...(children.get(parent) ?? []), pid])
  const tree = new Set<number>()
  const visit = (pid: number) => {
    if (tree.has(pid) || !parentOf.has(pid)) return
    tree.add(pid)
    for (const child of children.get(pid) ?? []) visit(child)
  }
  for (const root of roots) visit(root)
  return [...tree]
}

export function treeMemory(roots: number[]): TreeMemory {
  let pssKb = 0
  let rssKb = 0
  let processes = 0
  for (const pid of processTree(roots)) {
    let rollup: string
    try {
      rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0)
    rssKb += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0)
    processes++
  }
  return { pssMb: Math.round(pssKb / 1024), rssMb: Math.round(rssKb / 1024), processes }
}

/**
 * The postmaster of the embedded cluster of `dataDir` (`<dataDir>/pg`, or the folder named in
 * `<dataDir>/pg.location`), from its postmaster.pid: a child of the zjobs that started it, but
 * not of one that adopted a server left running.
 */
export function postmasterPid(dataDir: string): number | undefined {
  let cluster = join(dataDir, 'pg')
  try {
    cluster = readFileSync(join(dataDir, 'pg.location'), 'utf8').trim()
  } catch {
    // the cluster is in the data folder
  }
  try {
    const pid = Number(readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Median of a few samples `intervalMs` apart, by PSS. */
export async function settledMemory(roots: () => number[], samples = 5, intervalMs = 200): Promise<TreeMemory> {
  const taken: TreeMemory[] = []
  for (let i = 0; i < samples; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs))
    taken.push(treeMemory(roots()))
  }
  return taken.sort((a, b) => a.pssMb - b.pssMb)[Math.floor(taken.length / 2)]
}

export interface PeakSampler {
  /** Stops sampling: the highest PSS and the highest RSS seen (each its own peak), and the samples taken. */
  stop(): { pssMb: number; rssMb: number; samples: number }
}

/** Samples the tree of `roots()` (asked each time: zjobs restarts) every `intervalMs`. */
export function samplePeak(roots: () => number[], intervalMs = 500): PeakSampler {
  const peak = { pssMb: 0, rssMb: 0, samples: 0 }
  const sample = () => {
    try {
      const now = treeMemory(roots())
      if (now.processes === 0) return // between a stop and a start
      peak.pssMb = Math.max(peak.pssMb, now.pssMb)
      peak.rssMb = Math.max(peak.rssMb, now.rssMb)
      peak.samples++
    } catch {
      // /proc changed under the walk: the next sample counts
    }
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      sample()
      return { ...peak }
    },
  }
}
