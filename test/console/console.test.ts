// The web console end to end, in Debian's Chromium against a real server on this run's
// backend: sign-in, the jobs list, a Data Query with its preview, uploads with row errors,
// an auto backfill started and stopped, the admin pages, and a user without a permission who
// does not see what the API refuses. Screenshots: test-results/console/<backend>/.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { ADMIN_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '../helpers/server.ts'
import { assertNoForeignRequests, nav, screenshot, SCREENSHOTS, signInWithAdminToken, signInWithClient, startConsole, type ConsoleFixture } from './helpers.ts'
import { SMALL_VEHICLE } from '../objects/helpers.ts'

const VEHICLE = SMALL_VEHICLE

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
    await page.screenshot({ path: `${SCREENSHOTS}/00-data-query.png` })

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

  test('uploads a custom-object CSV by drag and drop and sees the refused row with its number; browses the records with q', async () => {
    const defined = await fixture.server.api('POST', '/objects/definitions/default', { body: { definitions: { Vehicle: VEHICLE } } })
    assert.equal(defined.status, 200, defined.text)
    const page = await fixture.page()
    await signInWithClient(page, fixture.server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    await nav(page).getByRole('link', { name: 'Upload' }).click()
    await page.getByLabel('Object').selectOption('Vehicle')
    // The template: the object's custom fields as a header.
    const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download template' }).click()])
    const header = await new Response((await template.createReadStream()) as unknown as ReadableStream).text()
    assert.deepEqual(header.trim().split(',').sort(), ['VIN__c', 'make__c', 'seats__c'])
    await screenshot(page, '05-upload')

    const csv = 'VIN__c,make__c,seats__c\nVIN0001,Volvo,5\nVIN0002,Saab,many\nVIN0003,Volvo,2\n'
    // The drop a person makes: a DataTransfer holding the file (page code, so a string here).
    const dataTransfer = await page.evaluateHandle(
      `(() => { const t = new DataTransfer(); t.items.add(new File([${JSON.stringify(csv)}], 'vehicles.csv', { type: 'text/csv' })); return t })()`,
    )
    await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer })
    await page.getByRole('heading', { name: /Custom object bulk job/ }).waitFor()
    const errors = page.getByRole('region', { name: 'Row errors' })
    const refused = errors.getByRole('row').filter({ hasText: 'VIN0002' })
    await refused.waitFor()
    // The header is row 1: the second record is row 3.
    assert.equal(await refused.locator('td').first().textContent(), '3')
    assert.equal(await errors.locator('tbody tr').count(), 1)
    await page.getByText('completed', { exact: true }).first().waitFor()
    await screenshot(page, '06-bulk-job-row-error')

    await nav(page).getByRole('link', { name: 'Custom objects' }).click()
    const records = page.getByRole('region', { name: 'Records of Vehicle' })
    await records.getByRole('row').filter({ hasText: 'VIN0003' }).waitFor()
    assert.equal(await records.locator('tbody tr').count(), 2)
    await page.getByLabel('Filter (q)').fill('make__c:Volvo AND seats__c:<3')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.getByText('1–1 of 1').waitFor()
    assert.match((await records.locator('tbody tr').textContent()) ?? '', /VIN0003/)
    await screenshot(page, '07-custom-objects')
    await page.close()
    assertNoForeignRequests(fixture)
  })

  test('uploads a Data Backfill file with its template beside it, and downloads the job\'s result file', async () => {
    const page = await fixture.page()
    await signInWithClient(page, fixture.server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    await nav(page).getByRole('link', { name: 'Upload' }).click()
    await page.getByRole('link', { name: 'Data Backfill file job' }).click()
    await page.getByLabel('Type').selectOption('RatePlanCharge')
    const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download template' }).click()])
    const header = await new Response((await template.createReadStream()) as unknown as ReadableStream).text()
    assert.match(header, /^Id,/)
    // A charge the tenant does not have: the job completes with that row failed, in its result file.
    await page.getByLabel('Drop the RatePlanCharge CSV file to start a backfill').setInputFiles({
      name: 'charges.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Id,Booking Date\n0123456789abcdef0123456789abcdef,2026-01-31\n'),
    })
    await page.getByRole('heading', { name: /Data Backfill file job/ }).waitFor()
    await page.locator('.page-header .badge').filter({ hasText: /Completed|Failed/ }).waitFor()
    const result = page.getByRole('listitem').filter({ hasText: 'Result:' }).getByRole('button')
    const [file] = await Promise.all([page.waitForEvent('download'), result.click()])
    assert.ok((await new Response((await file.createReadStream()) as unknown as ReadableStream).arrayBuffer()).byteLength > 0)
    await screenshot(page, '17-backfill-file-job')
    await page.close()
    assertNoForeignRequests(fixture)
  })

  test('the admin token: sets a manual lifecycle, starts an auto backfill (held), stops it; creates a user and reveals its client secret once', async () => {
    const page = await fixture.page()
    await signInWithAdminToken(page, fixture.server.url, ADMIN_TOKEN)
    // The default tenant and its admin user are picked.
    await page.locator(`select[aria-label="Tenant"] option[value="${fixture.server.server.bootstrap.tenant.id}"]`).waitFor({ state: 'attached' })
    assert.equal(await page.getByLabel('Tenant', { exact: true }).inputValue(), fixture.server.server.bootstrap.tenant.id)
    await nav(page).getByRole('link', { name: 'Admin' }).click()
    await page.getByRole('region', { name: 'Tenants' }).waitFor()
    await screenshot(page, '08-admin-tenants')
    await page.getByRole('region', { name: 'Tenants' }).getByRole('link', { name: fixture.server.server.bootstrap.tenant.id }).click()
    await page.getByRole('region', { name: 'Users' }).waitFor()
    await screenshot(page, '08-admin-users')
    await page.getByRole('link', { name: 'Sandbox' }).click()
    await page.getByLabel('autoBackfill progression').selectOption('manual')
    await page.getByRole('button', { name: 'Save policies' }).click()
    await page.getByText('Saved', { exact: true }).waitFor()
    await screenshot(page, '08-admin-sandbox-lifecycle')

    await nav(page).getByRole('link', { name: 'Data Backfill' }).click()
    await screenshot(page, '09-data-backfill')
    await page.getByRole('button', { name: 'Start auto backfill' }).click()
    await page.getByRole('heading', { name: /Auto backfill job/ }).waitFor()
    const lifecycle = page.getByRole('region', { name: 'Sandbox lifecycle' })
    await lifecycle.getByText('held').waitFor()
    await screenshot(page, '09-auto-backfill-held')
    await page.getByRole('button', { name: 'Stop job' }).click()
    await page.locator('.page-header .badge').filter({ hasText: 'STOPPED' }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Stop job' }).count(), 0)
    await screenshot(page, '10-auto-backfill-stopped')

    // A user with the Data Query permission only, and a client whose secret is shown once.
    await nav(page).getByRole('link', { name: 'Admin' }).click()
    await page.getByRole('region', { name: 'Tenants' }).getByRole('link', { name: fixture.server.server.bootstrap.tenant.id }).click()
    const form = page.getByRole('form', { name: 'New user' })
    await form.getByLabel('Username').fill('analyst')
    for (const permission of ['viewCustomObjects', 'editCustomObjects', 'deleteCustomObjects', 'dataBackfill']) await form.getByLabel(permission).uncheck()
    await form.getByRole('button', { name: 'Create user' }).click()
    const row = page.getByRole('region', { name: 'Users' }).getByRole('row').filter({ hasText: 'analyst' })
    await row.waitFor()
    await row.getByRole('button', { name: 'New OAuth client' }).click()
    const dialog = page.getByRole('dialog', { name: 'New OAuth client' })
    const clientId = (await dialog.getByLabel('client_id').textContent())!.trim()
    const clientSecret = (await dialog.getByLabel('client_secret').textContent())!.trim()
    assert.match(clientId, /^[0-9a-f-]{36}$/)
    await screenshot(page, '11-admin-client-secret')
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.close()

    // That user sees Data Query only: nothing the API refuses it.
    const analyst = await fixture.page()
    await signInWithClient(analyst, fixture.server.url, clientId, clientSecret)
    await nav(analyst).getByRole('link', { name: 'Data Query' }).waitFor()
    assert.deepEqual(await nav(analyst).getByRole('link').allTextContents(), ['Jobs', 'Data Query', 'API reference'])
    assert.deepEqual(await analyst.getByRole('navigation', { name: 'Job family' }).getByRole('link').allTextContents(), ['All', 'Data Query'])
    // The auto backfill the admin ran is not listed for it.
    assert.equal(await analyst.getByRole('row').filter({ hasText: 'Auto backfill' }).count(), 0)
    await screenshot(analyst, '12-permissions-jobs')
    // Asked for directly, a refused page says the API refuses it and shows nothing of it.
    await analyst.goto(`${fixture.server.url}/console/objects`)
    await analyst.getByRole('alert').filter({ hasText: 'The API refuses this to your user' }).waitFor()
    assert.equal(await analyst.getByRole('region', { name: /Records of/ }).count(), 0)
    await screenshot(analyst, '13-permissions-refused')
    await analyst.close()
    assertNoForeignRequests(fixture)
  })

  test('admin seed and import with progress, and the clock', async () => {
    const tenant = await fixture.server.admin('POST', '/admin/tenants', { name: 'Console seed' })
    assert.equal(tenant.status, 201, tenant.text)
    const tenantId = tenant.json().id
    const page = await fixture.page()
    await signInWithAdminToken(page, fixture.server.url, ADMIN_TOKEN)
    await page.goto(`${fixture.server.url}/console/admin/tenants/${tenantId}/data`)
    await page.getByLabel('Accounts').fill('5')
    await page.getByRole('button', { name: 'Seed the tenant' }).click()
    const seeded = page.getByRole('status').filter({ hasText: '5 of 5 accounts' })
    await seeded.getByText('completed').waitFor()
    const csv = 'id,accountnumber,name\n0123456789abcdef0123456789abcdef,CONSOLE-1,Console Import\n'
    await page.getByLabel('Object').selectOption('Account')
    await page.getByLabel('Drop a CSV file of Account rows to import').setInputFiles({ name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.getByText('Imported 1 rows into account.').waitFor()
    await screenshot(page, '14-admin-seed-import')

    await page.getByRole('link', { name: 'Sandbox' }).click()
    await page.getByLabel('Mode').selectOption('frozen')
    await page.getByLabel(/^At/).fill('2026-01-31T09:30:00Z')
    await page.getByRole('button', { name: 'Set clock' }).click()
    await page.getByText('2026-01-31T09:30:00.000Z').waitFor()
    await page.getByLabel('Advance by').fill('1d')
    await page.getByRole('button', { name: 'Advance', exact: true }).click()
    await page.getByText('2026-02-01T09:30:00.000Z').waitFor()
    await page.close()
    assertNoForeignRequests(fixture)
  })

  test('narrow windows and the keyboard: sign in, reach the pages, no sideways scrolling', async () => {
    const page = await fixture.page({ width: 390, height: 844 })
    await page.goto(`${fixture.server.url}/console/`)
    await page.getByLabel('Client ID').waitFor()
    // Keyboard only: the first field has the focus order's first place after the tabs.
    await page.getByLabel('Client ID').focus()
    await page.keyboard.type(DEFAULT_CLIENT_ID)
    await page.keyboard.press('Tab')
    await page.keyboard.type(DEFAULT_CLIENT_SECRET)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor()
    await page.getByRole('row').nth(1).waitFor()
    // The skip link comes first, then the navigation.
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content')
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
    assert.ok((await overflow()) <= 0, 'the jobs page fits a narrow window')
    await screenshot(page, '15-narrow-jobs')
    await nav(page).getByRole('link', { name: 'Data Query' }).click()
    await page.getByLabel('SQL').waitFor()
    assert.ok((await overflow()) <= 0, 'the Data Query page fits a narrow window')
    await screenshot(page, '16-narrow-query')
    // Ctrl+Enter in the editor runs the query.
    await page.getByLabel('SQL').fill('SELECT 42 AS answer')
    await page.getByLabel('SQL').press('Control+Enter')
    await page.getByRole('region', { name: 'Result preview' }).getByRole('cell', { name: '42' }).waitFor()
    await page.close()
    assertNoForeignRequests(fixture)
  })

  test("the jobs list of every family, as the admin sees the default tenant's (the README's screenshot)", async () => {
    const page = await fixture.page()
    await signInWithAdminToken(page, fixture.server.url, ADMIN_TOKEN)
    const list = page.getByRole('region', { name: 'Jobs' })
    // The jobs the tests above ran: queries, the bulk job, the stopped auto backfill.
    await list.getByRole('row').filter({ hasText: 'Custom object bulk' }).first().waitFor()
    await list.getByRole('row').filter({ hasText: 'Auto backfill' }).first().waitFor()
    await page.screenshot({ path: `${SCREENSHOTS}/00-jobs.png` })
    // Filters: the stopped ones only, in the address too.
    await page.getByLabel('Status').selectOption('stopped')
    await page.waitForURL(/state=stopped/)
    await list.getByRole('row').filter({ hasText: 'STOPPED' }).first().waitFor()
    assert.equal(await list.getByRole('row').filter({ hasText: 'Data Query' }).count(), 0)
    await page.close()
    assertNoForeignRequests(fixture)
  })
})
