// The console's end-to-end tests: a real zjobs server (this run's backend), the built console,
// Debian's Chromium. Each page the tests reach is saved as a screenshot under
// test-results/console/<backend>/ (git-ignored; the README names it) for a reviewer to look at.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { buildConsole } from '../../scripts/build-console.ts'
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts'
import { backend, startTestServer, type TestServer } from '../helpers/server.ts'

export const SCREENSHOTS = join(new URL('../../test-results/console/', import.meta.url).pathname, backend)

export interface ConsoleFixture {
  server: TestServer
  browser: TestBrowser
  /** Requests the pages made to anywhere but the server (there must be none). */
  foreign: string[]
  page(options?: { width?: number; height?: number }): Promise<Page>
  close(): Promise<void>
}

export async function startConsole(): Promise<ConsoleFixture> {
  // The build npm ci made (or one now, when the sources changed since).
  await buildConsole({ quiet: true })
  mkdirSync(SCREENSHOTS, { recursive: true })
  const server = await startTestServer()
  const browser = await launchBrowser()
  const foreign: string[] = []
  return {
    server,
    browser,
    foreign,
    async page(options = {}) {
      const page = await browser.browser.newPage()
      if (options.width) await page.setViewportSize({ width: options.width, height: options.height ?? 800 })
      page.on('request', (request) => {
        const url = request.url()
        if (!url.startsWith(server.url) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url)
      })
      page.on('pageerror', (error) => foreign.push(`page error: ${error.message}`))
      return page
    },
    async close() {
      await browser.close()
      await server.close()
    },
  }
}

/** A full-page screenshot, named for the page it shows. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

export async function signInWithClient(page: Page, url: string, clientId: string, clientSecret: string): Promise<void> {
  await page.goto(`${url}/`)
  await page.getByLabel('Client ID').fill(clientId)
  await page.getByLabel('Client secret').fill(clientSecret)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor()
}

export async function signInWithAdminToken(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/console/sign-in`)
  await page.getByRole('tab', { name: 'Admin token' }).click()
  await page.getByRole('textbox', { name: 'Admin token' }).fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor()
}

/** The console's own navigation (the pages have links of the same names). */
export const nav = (page: Page) => page.getByRole('navigation', { name: 'Console' })

export function assertNoForeignRequests(fixture: ConsoleFixture): void {
  assert.deepEqual(fixture.foreign, [], 'the console requests nothing but its own server (and throws nothing)')
}
