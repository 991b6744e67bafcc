// POST /admin/tenants/{id}/import: billing objects from CSV, all rows or none.
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import { request } from '../helpers/http.ts'
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts'
import { tableCounts } from './helpers.ts'

const MAX_BYTES = 400_000
const hex = (n: number) => n.toString(16).padStart(32, '0')

describe('POST /admin/tenants/{id}/import', () => {
  let server: TestServer
  let tenant: string
  let other: string
  let entities: { id: string; name: string }[]
  let multiEntity: string
  let multiOrg: { id: string; orgs: { id: string; name: string }[] }

  before(async () => {
    server = await startTestServer({ importMaxBytes: MAX_BYTES })
    tenant = (await server.admin('POST', '/admin/tenants', { name: 'import target' })).json().id
    other = (await server.admin('POST', '/admin/tenants', { name: 'bystander' })).json().id
    const created = (await server.admin('POST', '/admin/tenants', { name: 'import entities', entities: ['Global', 'Europe'] })).json()
    multiEntity = created.id
    entities = created.entities
    multiOrg = (await server.admin('POST', '/admin/tenants', { name: 'import orgs', orgs: ['NA', 'EMEA'] })).json()
    // The bystander holds rows of its own, which no import may touch.
    const seeded = await upload(other, 'Account', 'id,name\n' + hex(1) + ',Bystander Ltd\n')
    assert.equal(seeded.status, 200, seeded.text)
  })
  after(() => server.close())

  function upload(tenantId: string, object: string, body: string | Buffer, headers: Record<string, string> = {}, query = '') {
    return request(`${server.url}/admin/tenants/${tenantId}/import?object=${encodeURIComponent(object)}${query}`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv', ...headers },
    })
  }

  const db = () => server.server.db
  const counts = async () => ({ target: await tableCounts(db(), tenant), other: await tableCounts(db(), other) })

  /** A refused upload: the status, a v1 error envelope whose message matches, and no row changed anywhere. */
  async function refused(response: Promise<Awaited<ReturnType<typeof upload>>>, status: number, message: RegExp) {
    const before = await counts()
    const result = await response
    assert.equal(result.status, status, result.text)
    const body = result.json()
    assert.equal(body.success, false)
    assert.match(body.reasons[0].message, message)
    assert.match(body.reasons[0].code, /^\d{8}$/)
    assert.deepEqual(await counts(), before, 'nothing changed')
    return body
  }

  test('imports accounts: header case-insensitive, values converted, UUIDs normalised, tenant_id set by zjobs', async () => {
    const csv = [
      'Id,AccountNumber,Name,Balance,AutoPay,BillCycleDay,CreatedDate,LastInvoiceDate,Deleted,Notes',
      `2c92c0f8-6329-99a2-0163-52a457cf2b44,A-1,"Acme, Inc.",1234.5,true,15,2024-03-01T10:15:00Z,2024-02-29,false,`,
      `${hex(2).toUpperCase()},A-2,Globex,-0.000001,FALSE,,2024-03-01T10:15:00.123+08:00,,TRUE,"multi\nline"`,
      `${hex(3)},A-3,Initech,,,,2024-03-01 09:00:00,,,`,
      '',
    ].join('\n')
    const response = await upload(tenant, 'Account', csv)
    assert.equal(response.status, 200, response.text)
    assert.deepEqual(response.json(), { object: 'account', rows: 3 })
    const { rows } = await db().query(
      `SELECT id, accountnumber, name, balance::text, autopay, billcycleday::int, createddate, lastinvoicedate::text, deleted, notes, entity_id
         FROM billing.account WHERE tenant_id = $1 ORDER BY accountnumber`,
      [tenant],
    )
    assert.deepEqual(rows, [
      { id: '2c92c0f8632999a2016352a457cf2b44', accountnumber: 'A-1', name: 'Acme, Inc.', balance: '1234.500000', autopay: true,
        billcycleday: 15, createddate: new Date('2024-03-01T10:15:00Z'), lastinvoicedate: '2024-02-29', deleted: false, notes: null, entity_id: null },
      { id: hex(2), accountnumber: 'A-2', name: 'Globex', balance: '-0.000001', autopay: false, billcycleday: null,
        createddate: new Date('2024-03-01T02:15:00.123Z'), lastinvoicedate: null, deleted: true, notes: 'multi\nline', entity_id: null },
      { id: hex(3), accountnumber: 'A-3', name: 'Initech', balance: null, autopay: null, billcycleday: null,
        createddate: new Date('2024-03-01T09:00:00Z'), lastinvoicedate: null, deleted: false, notes: null, entity_id: null },
    ])
    assert.equal((await tableCounts(db(), other)).account, 1, 'the other tenant is untouched')
  })

  test('object names are case-insensitive; references take UUIDs; a gzip body is accepted', async () => {
    const csv = `id,rateplanid,subscriptionid,productrateplanchargeid,name,price,quantity,segment,bookingdate,isunbilled\n` +
      `${hex(10)},${hex(11)},2c92c0f8-6329-99a2-0163-52a457cf2b45,${hex(13)},Seats,25.00,10,1,2025-01-31,false\n`
    const response = await upload(tenant, 'RATEPLANCHARGE', gzipSync(csv), { 'content-encoding': 'gzip' })
    assert.equal(response.status, 200, response.text)
    assert.deepEqual(response.json(), { object: 'rateplancharge', rows: 1 })
    const { rows } = await db().query('SELECT subscriptionid, price::text, segment FROM billing.rateplancharge WHERE tenant_id = $1', [tenant])
    assert.deepEqual(rows, [{ subscriptionid: '2c92c0f8632999a2016352a457cf2b45', price: '25.000000', segment: '1' }])
  })

  test('a large file goes in chunks, and a bad last row rolls every chunk back', async () => {
    const lines = ['id,firstname,lastname,accountid']
    for (let i = 0; i < 2500; i++) lines.push(`${hex(100_000 + i)},First${i},Last${i},${hex(1)}`)
    const bad = await refused(upload(tenant, 'Contact', [...lines, `${hex(200_000)},x,y,not-an-id`].join('\n')), 400, /line 2502: accountid: "not-an-id" is not an id/)
    assert.deepEqual(bad.errors, [{ line: 2502, message: 'accountid: "not-an-id" is not an id (32 hexadecimal characters, or a 36-character UUID)' }])
    const good = await upload(tenant, 'contact', lines.join('\n'))
    assert.equal(good.status, 200, good.text)
    assert.deepEqual(good.json(), { object: 'contact', rows: 2500 })
  })

  test('unknown object, unknown tenant, wrong content type', async () => {
    await refused(upload(tenant, 'Widget', 'id\n' + hex(50)), 400, /unknown object "Widget"; importable objects: Account, Contact/)
    await refused(upload('999999', 'Account', 'id\n' + hex(50)), 404, /Tenant 999999 does not exist/)
    await refused(upload('not-a-tenant', 'Account', 'id\n' + hex(50)), 404, /does not exist/)
    await refused(upload(tenant, 'Account', JSON.stringify({ id: hex(50) }), { 'content-type': 'application/json' }), 415, /Content-Type: text\/csv/)
    const wrongType = await upload(tenant, 'Account', 'id\n' + hex(50), { 'content-type': 'application/octet-stream' })
    assert.equal(wrongType.status, 415, wrongType.text)
    const missing = await request(`${server.url}/admin/tenants/${tenant}/import`, { method: 'POST', body: 'id\n', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' } })
    assert.equal(missing.status, 400)
    assert.match(missing.json().reasons[0].message, /object/)
  })

  test('bad headers are refused: unknown, duplicate, missing id, tenant and scope columns, empty file', async () => {
    await refused(upload(tenant, 'Account', `id,name,colour\n${hex(60)},A,red\n`), 400, /invalid CSV header \(line 1\): unknown column "colour" for account/)
    await refused(upload(tenant, 'Account', `id,Name,name\n${hex(60)},A,B\n`), 400, /column "name" appears twice/)
    await refused(upload(tenant, 'Account', 'name\nA\n'), 400, /the header must include the id column/)
    await refused(upload(tenant, 'Account', `id,tenant_id\n${hex(60)},1\n`), 400, /column "tenant_id" is set by zjobs/)
    await refused(upload(tenant, 'Account', `id,entity_id\n${hex(60)},x\n`), 400, /column "entity_id" is set by zjobs, not by the file \(pass entityId instead\)/)
    await refused(upload(tenant, 'Account', ''), 400, /the CSV file is empty/)
    await refused(upload(tenant, 'Account', '\n\n'), 400, /the CSV file is empty/)
  })

  test('bad values are reported with their line numbers, every one of them', async () => {
    const csv = [
      'id,autopay,lastinvoicedate,createddate,balance,billcycleday,name',
      `${hex(70)},yes,2024-01-01,2024-01-01T00:00:00Z,1,1,ok`,
      `${hex(71)},true,2024-02-30,2024-01-01T00:00:00Z,1,1,ok`,
      `${hex(72)},true,2024-01-01,yesterday,1,1,ok`,
      `${hex(73)},true,2024-01-01,2024-01-01T25:00:00Z,"12,5",1,ok`,
      `${hex(74)},true,2024-01-01,2024-01-01T00:00:00Z,1,1.5,ok`,
      `${hex(75)},true,2024-01-01,2024-01-01T00:00:00Z,1234567890123,99999999999999999999,ok`,
      `xyz,true,2024-01-01,2024-01-01T00:00:00Z,1,1,ok`,
      `,true,2024-01-01,2024-01-01T00:00:00Z,1,1,ok`,
      `${hex(76)},true,2024-01-01`,
      `${hex(77)},true,2024-01-01,2024-01-01T00:00:00Z,1,1,ok`,
    ].join('\n')
    const body = await refused(upload(tenant, 'Account', csv), 400, /^9 invalid row\(s\) in the CSV file for account: line 2: autopay: "yes" is not a boolean/)
    assert.deepEqual(body.errors.map((e: { line: number }) => e.line), [2, 3, 4, 5, 6, 7, 8, 9, 10])
    const messages = body.errors.map((e: { message: string }) => e.message)
    assert.match(messages[1], /lastinvoicedate: "2024-02-30" is not a date/)
    assert.match(messages[2], /createddate: "yesterday" is not an ISO 8601 timestamp/)
    assert.match(messages[3], /createddate: "2024-01-01T25:00:00Z" is not an ISO 8601 timestamp/)
    assert.match(messages[4], /billcycleday: "1.5" is not an integer/)
    assert.match(messages[5], /balance: "1234567890123" is out of range for decimal\(18,6\)/)
    assert.match(messages[6], /id: "xyz" is not an id/)
    assert.match(messages[7], /id: must not be empty/)
    assert.match(messages[8], /has 3 fields, the header has 7/)
  })

  test('a row with the wrong number of fields, and malformed CSV', async () => {
    await refused(upload(tenant, 'Account', `id,name\n${hex(80)},A\n${hex(81)},B,extra\n`), 400, /line 3: has 3 fields, the header has 2/)
    await refused(upload(tenant, 'Account', `id,name\n${hex(82)},"unclosed\n`), 400, /the file is not valid CSV/)
  })

  test('reading stops after 100 bad rows', async () => {
    const lines = ['id,autopay']
    for (let i = 0; i < 150; i++) lines.push(`${hex(90_000 + i)},maybe`)
    const body = await refused(upload(tenant, 'Account', lines.join('\n')), 400, /100 invalid row\(s\) .*\(stopped reading after 100 errors\).*and 90 more/)
    assert.equal(body.errors.length, 100)
    assert.equal(body.errors[99].line, 101)
  })

  test('ids that already exist, in the tenant or earlier in the file, are refused with their line', async () => {
    await refused(upload(tenant, 'Account', `id,name\n${hex(95)},New\n${hex(3)},Clash\n`), 409, /line 3: account 0+3 already exists in tenant/)
    await refused(upload(tenant, 'Account', `id,name\n${hex(96)},New\n${hex(96).toUpperCase()},Again\n`), 409, /line 3: account 0+60 already exists/)
    // The bystander's account id is free in this tenant: ids are per tenant.
    const response = await upload(tenant, 'Account', `id,name\n${hex(1)},"Same id, other tenant"\n`)
    assert.equal(response.status, 200, response.text)
  })

  test('a file over ZJOBS_IMPORT_MAX_BYTES is refused: by its length, or as it streams (gzip)', async () => {
    const lines = ['id,name']
    for (let i = 0; i < 10_000; i++) lines.push(`${hex(300_000 + i)},Name ${i}`)
    const csv = lines.join('\n')
    assert.ok(csv.length > MAX_BYTES)
    await refused(upload(tenant, 'Account', csv), 413, /larger than the import limit of 400000 bytes \(ZJOBS_IMPORT_MAX_BYTES\)/)
    await refused(upload(tenant, 'Account', gzipSync(csv), { 'content-encoding': 'gzip' }), 413, /larger than the import limit/)
  })

  test('multi-entity tenants: entityId names the rows’ entity; it is required there and refused elsewhere', async () => {
    const europe = entities.find((e) => e.name === 'Europe')!
    const before = await tableCounts(db(), multiEntity)
    const missing = await upload(multiEntity, 'Account', `id\n${hex(97)}\n`)
    assert.equal(missing.status, 400)
    assert.match(missing.json().reasons[0].message, /is multi-entity: name the entity/)
    const wrong = await upload(multiEntity, 'Account', `id\n${hex(97)}\n`, {}, '&entityId=00000000-0000-4000-8000-000000000000')
    assert.equal(wrong.status, 400)
    assert.deepEqual(await tableCounts(db(), multiEntity), before)
    const ok = await upload(multiEntity, 'Account', `id\n${hex(97)}\n`, {}, `&entityId=${europe.id.toUpperCase()}`)
    assert.equal(ok.status, 200, ok.text)
    const { rows } = await db().query('SELECT entity_id, org_id FROM billing.account WHERE tenant_id = $1', [multiEntity])
    assert.deepEqual(rows, [{ entity_id: europe.id, org_id: null }])
    await refused(upload(tenant, 'Account', `id\n${hex(98)}\n`, {}, `&entityId=${europe.id}`), 400, /has no entities/)
  })

  test('multi-org tenants: orgId names the rows’ org; it is required there and refused elsewhere', async () => {
    const emea = multiOrg.orgs.find((o) => o.name === 'EMEA')!
    const missing = await upload(multiOrg.id, 'Invoice', `id,amount\n${hex(120)},10\n`)
    assert.equal(missing.status, 400)
    assert.match(missing.json().reasons[0].message, /is multi-org: name the org/)
    const wrong = await upload(multiOrg.id, 'Invoice', `id,amount\n${hex(120)},10\n`, {}, `&orgId=${hex(5)}`)
    assert.equal(wrong.status, 400)
    assert.match(wrong.json().reasons[0].message, /is not an org of tenant/)
    const ok = await upload(multiOrg.id, 'Invoice', `id,amount\n${hex(120)},10\n`, {}, `&orgId=${emea.id}`)
    assert.equal(ok.status, 200, ok.text)
    const { rows } = await db().query('SELECT amount::text, entity_id, org_id FROM billing.invoice WHERE tenant_id = $1', [multiOrg.id])
    assert.deepEqual(rows, [{ amount: '10.000000', entity_id: null, org_id: emea.id }])
    await refused(upload(tenant, 'Invoice', `id\n${hex(121)}\n`, {}, `&orgId=${emea.id}`), 400, /has no orgs/)
  })

  test('the admin token is required', async () => {
    const response = await request(`${server.url}/admin/tenants/${tenant}/import?object=Account`, {
      method: 'POST',
      body: `id\n${hex(99)}\n`,
      headers: { 'content-type': 'text/csv' },
    })
    assert.equal(response.status, 401)
  })
})
