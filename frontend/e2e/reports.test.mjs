// The office's view (issue 13), walked at 390×844 against the real binary and
// the demo city: a form assigned to 东城区 is due a few seconds into the test.
// Before the due time 红旗村 files; after it the office excuses 城关镇 from a
// cell of the matrix, 周干部 files late (补报) from 待办, and the office sees
// on time, late, missing and excused — in the API and on the screens.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { demoCity, shot } from './harness.mjs'

const ADMIN = '13800000001' // 王管理
const OFFICE = '13800000002' // 李办公
const VILLAGE_CADRE = '13800000005' // 孙干部, 红旗村
const COMMUNITY_CADRE = '13800000006' // 周干部, 幸福社区
const DUE_IN_MS = 40_000
const server = demoCity()
const { signIn, api } = server
const unitNamed = async (name) => (await api(ADMIN, 'GET', '/api/v1/units')).find((u) => u.name === name)
const statusIn = (matrix, name) => matrix.rows.find((r) => r.name === name)?.cells[0]

test('the office sees the statistics home first, with numbers that open what is behind them', async () => {
  const { context, page } = await signIn(OFFICE)
  assert.match(page.url(), /\/stats$/, 'the office lands on 统计')
  assert.equal(await page.locator('.van-tabbar-item').first().innerText(), '统计')
  await page.getByText('各单位按时报送率').waitFor()
  await page.locator('.chart canvas').first().waitFor() // ECharts, loaded with this page
  await page.getByRole('button', { name: '上周' }).click()
  await shot(page, 'stats-home')
  const missing = Number(await page.locator('.card', { hasText: '未报' }).locator('strong').innerText())
  await page.locator('.card', { hasText: '未报' }).click()
  await page.waitForURL('**/stats/obligations**')
  await page.getByRole('button', { name: '未报', exact: true }).waitFor()
  await (missing ? page.locator('.owing').first() : page.getByText('没有未报的单位')).waitFor() // the list has arrived
  assert.equal(await page.locator('.owing').count(), missing, 'the number is the list behind it')
  await context.close()
})

test('a round falls due during the test: on time, late (补报), missing and excused', async () => {
  const town = await unitNamed('城关镇')
  const district = await unitNamed('东城区')
  const due = new Date(Date.now() + DUE_IN_MS)
  const form = await api(ADMIN, 'POST', '/api/v1/forms', {
    key: 'flood_duty', title: '防汛值班日报', category: 'custom', workflow: 'approval',
    fields: [{ key: 'duty', type: 'textarea', label: '值班情况', required: true, minLength: 10 }],
  })
  await api(ADMIN, 'POST', `/api/v1/forms/${form.id}/publish`)
  const beijing = new Date(due.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19) + '+08:00'
  await api(ADMIN, 'PUT', `/api/v1/forms/${form.id}/assignments`, { assignments: [{ unitId: district.id, schedule: { kind: 'once', due: beijing } }] })
  const duty = { duty: '全天在岗值守，巡查堤段三处，未发现险情。' }
  const onTime = await api(VILLAGE_CADRE, 'POST', `/api/v1/forms/${form.id}/entries`, { clientId: crypto.randomUUID(), submit: true, data: duty })
  assert.ok(onTime.entry?.id, JSON.stringify(onTime))

  // Before the due time: 红旗村 on time, the others not yet due.
  const office = await signIn(OFFICE)
  const matrixPage = `${server.base}/stats/compliance?formId=${form.id}&unitId=${town.id}`
  await office.page.goto(matrixPage)
  await office.page.locator('button.cell[data-status=onTime]').waitFor()
  assert.equal(await office.page.locator('button.cell[data-status=pending]').count(), 2, '城关镇 itself and 幸福社区 owe, not yet due')
  await shot(office.page, 'compliance-before-due')
  const early = await api(OFFICE, 'POST', '/api/v1/obligations/exemptions', { formId: form.id, unitId: town.id, period: 'once', reason: '防汛' })
  assert.equal(early.errors?.[0]?.code, 'not_due', 'a round not yet due cannot be excused')

  while (Date.now() < due.getTime() + 1000) await new Promise((r) => setTimeout(r, 500))

  // The due time has passed: the office excuses 城关镇 from its cell, with a reason.
  await office.page.reload()
  await office.page.locator('button.cell[data-status=missing]').first().waitFor()
  await office.page.getByRole('button', { name: /^城关镇（本单位） .*未报$/ }).click()
  await office.page.getByText('免报…').click()
  await office.page.getByLabel('免报原因').fill('全员参加防汛抢险，经领导小组同意')
  await office.page.getByRole('button', { name: '确认免报' }).click()
  await office.page.locator('button.cell[data-status=exempted]').waitFor()

  // 周干部 files late, from 待办.
  const cadre = await signIn(COMMUNITY_CADRE)
  await cadre.page.getByText('补报 · 防汛值班日报').click()
  await cadre.page.waitForURL('**/fill/**period=once')
  await cadre.page.getByText(/补报：一次性报送（已过截止时间，将记为迟报）/).waitFor()
  await cadre.page.getByLabel('值班情况').fill('夜间值守，巡查低洼地段两处，转移群众三户。')
  await shot(cadre.page, 'fill-late')
  await cadre.page.getByRole('button', { name: '提交', exact: true }).click()
  await cadre.page.waitForURL('**/outbox')
  await cadre.page.getByText('已报送').first().waitFor()
  await cadre.context.close()

  // The office sees all four, on the screen and in the API.
  await office.page.reload()
  for (const status of ['onTime', 'late', 'exempted']) await office.page.locator(`button.cell[data-status=${status}]`).waitFor()
  await shot(office.page, 'compliance-after-due')
  const inTown = await api(OFFICE, 'GET', `/api/v1/reports/compliance?formId=${form.id}&unitId=${town.id}`)
  assert.equal(statusIn(inTown, '红旗村').status, 'onTime')
  assert.equal(statusIn(inTown, '幸福社区').status, 'late')
  assert.equal(statusIn(inTown, '城关镇（本单位）').status, 'exempted')
  assert.equal(statusIn(inTown, '城关镇（本单位）').reason, '全员参加防汛抢险，经领导小组同意')
  const inDistrict = await api(OFFICE, 'GET', `/api/v1/reports/compliance?formId=${form.id}&unitId=${district.id}`)
  assert.equal(statusIn(inDistrict, '东城区（本单位）').status, 'missing')
  assert.deepEqual(statusIn(inDistrict, '河口镇').counts, { missing: 2 })

  // Up to the district, and into the list of who is missing, with a call link.
  await office.page.goto(`${server.base}/stats/compliance?formId=${form.id}&unitId=${district.id}`)
  await office.page.getByRole('button', { name: /^河口镇 .*0\/2$/ }).click()
  await office.page.waitForURL('**/stats/obligations**')
  await office.page.locator('a[href="tel:13800000111"]').waitFor() // 谢国平, 河口镇
  assert.equal(await office.page.locator('.owing[data-status=missing]').count(), 2)
  await shot(office.page, 'obligations-missing')

  // An exemption given by mistake is taken back: 城关镇 is missing again.
  await office.page.goto(`${server.base}/stats/obligations?formId=${form.id}&period=once&unitId=${town.id}&status=exempted`)
  await office.page.getByText('免报原因：全员参加防汛抢险，经领导小组同意').waitFor()
  await office.page.getByRole('button', { name: '撤销免报' }).click()
  await office.page.getByRole('button', { name: '确认' }).click()
  await office.page.getByText('没有免报的单位').waitFor()
  const after = await api(OFFICE, 'GET', `/api/v1/reports/compliance?formId=${form.id}&unitId=${town.id}`)
  assert.equal(statusIn(after, '城关镇（本单位）').status, 'missing')
  await office.context.close()
})
