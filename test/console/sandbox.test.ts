// The console's sandbox tools end to end, in Debian's Chromium against a real server on this
// run's backend: a fault rule added on a tenant's Sandbox tab (a refused one shows the admin
// plane's message), a call it fires on, the journal entry with the fault, the rule removed,
// the tenant reset, its snapshot downloaded. Screenshots: test-results/console/<backend>/.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { ADMIN_TOKEN } from '../helpers/server.ts'
import { assertNoForeignRequests, screenshot, signInWithAdminToken, startConsole, type ConsoleFixture } from './helpers.ts'

describe('the web console: sandbox tools', () => {
  let fixture: ConsoleFixture
  before(async () => {
    fixture = await startConsole()
  })
  after(() => fixture?.close())

  test('adds a fault rule, sees it fire in the request journal, removes it, resets the tenant and downloads its snapshot', async () => {
    const made = await fixture.server.admin('POST', '/admin/tenants', { name: 'Console faults', withClient: true })
    assert.equal(made.status, 201, made.text)
    const { id: tenantId, access_token: token } = made.json() as { id: string; access_token: string }
    const page = await fixture.page()
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.accept()
    })
    await signInWithAdminToken(page, fixture.server.url, ADMIN_TOKEN)
    await page.goto(`${fixture.server.url}/console/admin/tenants/${tenantId}/sandbox`)
    const rules = page.getByRole('region', { name: 'Fault rule list' })
    await rules.getByText('No fault rules').waitFor()

    // A rule the admin plane refuses: its message is shown, and nothing is added.
    const form = page.getByRole('form', { name: 'New fault rule' })
    await form.getByLabel('Rule (JSON)').fill('{"match": {"operationId": "GET_NoSuchThing"}, "effect": {"status": 503}}')
    await form.getByRole('button', { name: 'Add rule' }).click()
    await form.getByRole('alert').filter({ hasText: 'Rule refused' }).filter({ hasText: 'GET_NoSuchThing' }).waitFor()
    await form.getByLabel('Rule (JSON)').fill('{"match": ')
    await form.getByRole('button', { name: 'Add rule' }).click()
    await form.getByRole('alert').filter({ hasText: 'not JSON' }).waitFor()

    await form.getByLabel('Rule (JSON)').fill('{"match": {"operationId": "GET_DataQueryJobs"}, "effect": {"status": 503}, "times": 1, "description": "console test"}')
    await form.getByRole('button', { name: 'Add rule' }).click()
    const row = rules.getByRole('row').filter({ hasText: 'GET_DataQueryJobs' })
    await row.waitFor()
    assert.equal(await form.getByRole('alert').count(), 0)
    assert.deepEqual((await row.getByRole('cell').allTextContents()).slice(1, 7), ['request', 'GET_DataQueryJobs', 'status 503', '0', '0', '1'])

    // A call it fires on: the client gets the 503; the rule counts it; the journal shows it.
    const faulted = await request(`${fixture.server.url}/query/jobs?pageSize=2`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(faulted.status, 503, faulted.text)
    // (The rules are read again every 2 s.)
    await row.getByRole('cell').nth(6).filter({ hasText: /^0$/ }).waitFor()
    assert.deepEqual((await row.getByRole('cell').allTextContents()).slice(4, 7), ['1', '1', '0'])
    const entry = page.getByRole('region', { name: 'Journal entries' }).getByRole('row').filter({ hasText: 'GET_DataQueryJobs' })
    await entry.waitFor()
    const cells = await entry.getByRole('cell').allTextContents()
    assert.deepEqual([cells[1], cells[2], cells[3], cells[4], cells[6]], ['GET', '/query/jobs?pageSize=2', 'GET_DataQueryJobs', '503', 'status 503'])
    await screenshot(page, '15-admin-sandbox-faults')

    // Removed: the next call is served.
    await row.getByRole('button', { name: /^Remove rule/ }).click()
    await rules.getByText('No fault rules').waitFor()
    const served = await request(`${fixture.server.url}/query/jobs?pageSize=2`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(served.status, 200, served.text)
    await page.getByRole('region', { name: 'Journal entries' }).getByRole('row').filter({ hasText: '200' }).waitFor()

    // The snapshot, with the admin token: a gzip archive named by the server.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download snapshot' }).click()])
    assert.match(download.suggestedFilename(), new RegExp(`^zjobs-tenant-${tenantId}-.*\\.tar\\.gz$`))
    const archive = readFileSync((await download.path())!)
    assert.deepEqual([...archive.subarray(0, 2)], [0x1f, 0x8b])

    // Reset, billing kept, after a confirm: the journal is emptied with the rest.
    await page.getByLabel('Keep billing data').check()
    await page.getByRole('button', { name: 'Reset tenant' }).click()
    await page.getByRole('status').filter({ hasText: /^Reset: .*\(kept: billing\)/ }).waitFor()
    assert.equal(dialogs.length, 1)
    assert.match(dialogs[0], new RegExp(`Reset tenant ${tenantId}\\?.*billing data kept`))
    await page.getByRole('region', { name: 'Journal entries' }).getByText('No requests').waitFor()
    await screenshot(page, '16-admin-sandbox-reset')
    await page.close()
    assertNoForeignRequests(fixture)
  })
})
