// Signals against 走过场, as a supervisor meets them: two villages file the
// same photo (one re-encoded) and the same description; the queue shows a
// 疑点 badge on the second, its page shows the two photos and, on request, the
// two texts side by side, and the supervisor records what they found.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { daysAhead, demoCity, loginAs, phone, shot } from './harness.mjs'

const CADRE = '13800000005' // 红旗村
const OTHER_CADRE = '13800000006' // 幸福社区, also under 城关镇
const TOWN_SUPERVISOR = '13800000004'
const server = demoCity()
const { signIn, api } = server
const fixture = (name) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))

async function uploadPhoto(phone, name) {
  const login = await loginAs(server.base, phone)
  const form = new FormData()
  form.append('file', new Blob([fixture(name)], { type: 'image/jpeg' }), name)
  const res = await fetch(`${server.base}/api/v1/attachments`, { method: 'POST', headers: { Authorization: `Bearer ${login.accessToken}` }, body: form })
  assert.equal(res.status, 201)
  return (await res.json()).id
}

async function fileRecord(phone, photo, title) {
  const forms = await api(phone, 'GET', '/api/v1/forms?assigned=true')
  const shishi = forms.items.find((f) => f.key === 'shishi')
  const data = {
    category: shishi.schema?.fields?.find((f) => f.key === 'category')?.options?.[0]?.value ?? 'livelihood', title, people_served: 3,
    place: '村委会', done_on: daysAhead(0),
    description: '走访低保户王某家，发现自来水管冻裂，当天协调水务站上门更换水管并回访，群众表示满意，已登记台账。',
    photos: [photo],
  }
  const res = await api(phone, 'POST', `/api/v1/forms/${shishi.id}/entries`, { clientId: crypto.randomUUID(), data, submit: true })
  assert.ok(res.entry, JSON.stringify(res))
  return res.entry
}

test('a supervisor sees a 疑点 badge, the two photos and texts side by side, and records a finding', async () => {
  await fileRecord(CADRE, await uploadPhoto(CADRE, 'scene.jpg'), '更换自来水管')
  const copy = await fileRecord(OTHER_CADRE, await uploadPhoto(OTHER_CADRE, 'scene-recompressed.jpg'), '帮助群众修水管')
  assert.deepEqual(copy.signals, [], 'the filing is answered before its check')
  // The server checks submissions in the background, within a second or two.
  let kinds = []
  for (let i = 0; i < 100 && kinds.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100))
    kinds = (await api(TOWN_SUPERVISOR, 'GET', `/api/v1/entries/${copy.id}`)).entry.signals.map((s) => s.kind)
  }
  assert.deepEqual(kinds, ['photo_reuse', 'text_copy'])

  const { context, page } = await signIn(TOWN_SUPERVISOR)
  await page.getByText('审批', { exact: true }).click()
  const row = page.locator('.entry', { hasText: '帮助群众修水管' })
  await row.getByText('疑点 2').waitFor()
  await row.getByText('疑点：照片重复、文字雷同').waitFor()
  await shot(page, 'signals-queue')
  await row.click()
  await page.getByRole('region', { name: '疑点' }).waitFor()
  await page.getByText('疑点（2 项待核实）').waitFor()
  const signals = page.getByRole('region', { name: '疑点' })
  await signals.getByText(/红旗村.*报送的记录中有相似的照片/).waitFor()
  await signals.getByRole('img', { name: '本条记录的照片' }).waitFor()
  await signals.getByRole('img', { name: '另一条记录的照片' }).waitFor() // the town may read both villages
  await signals.getByRole('button', { name: '对比文字' }).click()
  await signals.getByRole('heading', { name: '另一条记录' }).waitFor()
  assert.match(await signals.locator('.texts').innerText(), /走访低保户王某家[\s\S]*走访低保户王某家/)
  await shot(page, 'signals-side-by-side')
  await signals.getByRole('button', { name: '填写核实说明' }).first().click()
  await page.getByLabel('说明').fill('两村联合办理，共用现场照片，已电话核实')
  await page.getByRole('button', { name: '提交' }).click()
  await page.getByText('已记录核实说明').waitFor()
  await signals.getByText(/已核实（.*）：两村联合办理/).waitFor()
  await page.getByText('疑点（1 项待核实）').waitFor()
  await context.close()

  // The office sees where the unexplained 疑点 are.
  const office = await signIn('13800000002')
  await office.page.waitForURL(/\/stats$/) // where the office lands
  const section = office.page.getByRole('region', { name: '疑点' })
  await section.getByText(/待核实的疑点（[1-9]\d* 条）/).waitFor()
  await section.getByText('东城区').waitFor()
  await shot(office.page, 'signals-office')
  await office.context.close()
})

test('the public commitment board opens without signing in and shows no personal data', async () => {
  const admin = await loginAs(server.base, '13800000001')
  const people = (await api('13800000001', 'GET', '/api/v1/users?limit=200')).items ?? []
  const { context, page } = await phone()
  await page.goto(`${server.base}/p/${admin.user.unitId}`)
  await page.getByRole('heading', { name: '公开承诺' }).waitFor()
  assert.ok(!page.url().includes('/login'), 'no sign-in asked')
  await page.locator('.item').first().waitFor()
  const text = await page.locator('main').innerText()
  assert.match(text, /已立项|整改中|待销号|已销号/)
  assert.match(text, /整改措施 \d+/)
  for (const u of people) {
    assert.ok(!text.includes(u.name), `the board shows ${u.name}`)
    assert.ok(!text.includes(u.phone), `the board shows ${u.phone}`)
  }
  assert.ok(!text.includes('责任人'), 'who answers for an item is not public')
  const qr = page.getByRole('img', { name: '本页二维码' })
  await qr.waitFor()
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code loads')
  await shot(page, 'public-board')
  await context.close()
})
