// The locator file of a running `zjobs start`: `<data folder>/server.json` with the URL it
// listens on and its process id, written once it listens and removed when it stops cleanly
// (as the Firebase emulator hub's locator). The job commands read it to find the local server.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Locator {
  url: string
  pid: number
  version: string
  startedAt: string
}

export const locatorPath = (dataDir: string) => join(dataDir, 'server.json')

export function writeLocator(dataDir: string, locator: Locator): void {
  writeFileSync(locatorPath(dataDir), `${JSON.stringify(locator, null, 2)}\n`)
}

/** Removes the locator, if it is still this process's (another start may have replaced it). */
export function removeLocator(dataDir: string, pid = process.pid): void {
  const found = readLocatorFile(dataDir)
  if (found && found.pid === pid) rmSync(locatorPath(dataDir), { force: true })
}

/** The locator of a server that is still running, if any (one left by a killed process is ignored). */
export function readLocator(dataDir: string): Locator | undefined {
  const found = readLocatorFile(dataDir)
  return found && alive(found.pid) ? found : undefined
}

function readLocatorFile(dataDir: string): Locator | undefined {
  try {
    const parsed = JSON.parse(readFileSync(locatorPath(dataDir), 'utf8')) as Partial<Locator>
    if (typeof parsed.url !== 'string' || typeof parsed.pid !== 'number') return undefined
    return parsed as Locator
  } catch {
    return undefined
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The URL a local client reaches a server at, from the address it listens on. */
export function localUrl(address: string, port: number): string {
  if (address === '0.0.0.0' || address === '::' || address === '') return `http://127.0.0.1:${port}`
  return address.includes(':') ? `http://[${address}]:${port}` : `http://${address}:${port}`
}
