// Debian's Chromium driven by playwright-core, for the console's end-to-end tests and its
// bench: headless, no sandbox (CI runs as root), and none of Chromium's own network traffic
// (the machine's network is closed; the console makes no external requests either, which
// the tests check). CHROMIUM_PATH names another executable.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface TestBrowser {
  browser: BrowserContext
  close(): Promise<void>
}

/** A fresh browser profile (a new, empty user data directory) at 1280x800. */
export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'zjobs-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    acceptDownloads: true,
  })
  return {
    browser: context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

export type { Browser }
