// The whole journey of issue 6 in a real Chromium at a phone's size against the
// real binary: a cadre files 办实事 with a photo while offline, closes and reopens
// the app, comes back online and the entry syncs exactly once; the supervisor
// returns it; the cadre fixes and resubmits; the supervisor approves; the office
// finds it; an administrator builds and publishes a form that a cadre then fills.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, demoCity, loginAs, shot } from './harness.mjs'

const CADRE = '13800000005' // 孙干部, 红旗村
const TOWN_SUPERVISOR = '13800000004' // 钱审核, 城关镇 — the nearest reviewer of 红旗村
const OFFICE = '13800000002' // 李办公
const ADMIN = '13800000001' // 王管理
const TITLE = '为红旗村三组修复自来水管道'

const server = demoCity()
const { signIn } = server
const apiAs = (phone, path) => api(server.base, phone, 'GET', path)

async function myEntries() {
  const me = await apiAs(CADRE, '/api/v1/me')
  return (await apiAs(CADRE, `/api/v1/entries?authorId=${me.body.id ?? me.user.id}`)).body.items
}

let entryId

// photoOf downloads an attachment and reads a JPEG's size from its frame header.
async function photoOf(phone, id) {
  const login = await loginAs(server.base, phone)
  const res = await fetch(`${server.base}/api/v1/attachments/${id}`, { headers: { Authorization: `Bearer ${login.accessToken}` } })
  const bytes = Buffer.from(await res.arrayBuffer())
  let width = 0, height = 0
  for (let i = 2; i < bytes.length - 9;) { // JPEG segments: FF marker, 2-byte length
    const marker = bytes[i + 1]
    if (marker >= 0xc0 && marker <= 0xc3) {
      height = bytes.readUInt16BE(i + 5)
      width = bytes.readUInt16BE(i + 7)
      break
    }
    i += 2 + bytes.readUInt16BE(i + 2)
  }
  return { type: res.headers.get('content-type'), bytes, width, height }
}

test('a cadre files 办实事 with a photo offline; it syncs exactly once after a restart', async () => {
  const { context, page } = await signIn(CADRE)
  await page.evaluate(() => navigator.serviceWorker.ready) // the app shell is cached for offline use
  const photo = await page.screenshot() // any real image will do: a PNG of the screen

  await page.getByRole('link', { name: '填报' }).or(page.getByText('填报', { exact: true })).first().click()
  await page.getByText('我为群众办实事台账').click()
  await page.waitForURL('**/fill/**')
  await page.getByLabel('实事类别').selectOption('livelihood')
  await page.getByLabel('实事名称').fill(TITLE)
  await page.getByLabel('受益群众（人）').fill('126')
  await page.getByLabel('地点').fill('红旗村三组')
  await context.grantPermissions(['geolocation'])
  await context.setGeolocation({ latitude: 30.592849, longitude: 114.305539, accuracy: 18 })
  await page.getByRole('button', { name: '获取定位' }).click()
  await page.getByText('精度约 18 米').waitFor()
  await page.getByLabel('办理日期').fill('2026-11-20')
  await page.getByLabel('办理情况').fill('三组自来水主管道冻裂，村委联系供水站当天抢修，更换管道四十米，全组恢复供水。')
  await page.setInputFiles('#f-photos', { name: 'site.png', mimeType: 'image/png', buffer: photo })
  await page.locator('.photo img').waitFor()
  await shot(page, 'fill-shishi')

  await context.setOffline(true)
  await page.getByRole('button', { name: '提交', exact: true }).click()
  await page.waitForURL('**/outbox')
  await page.getByText('等待发送').waitFor()
  await shot(page, 'outbox-waiting')
  assert.equal((await myEntries()).filter((e) => e.data.title === TITLE).length, 0, 'nothing reached the server while offline')

  // The app is closed and opened again, still offline: the shell and the outbox survive.
  await page.close()
  const again = await context.newPage()
  await again.goto(server.base + '/outbox')
  await again.getByText('等待发送').waitFor()

  await context.setOffline(false)
  await again.getByText('已报送').first().waitFor({ timeout: 30_000 })
  await shot(again, 'outbox-done')
  const filed = (await myEntries()).filter((e) => e.data.title === TITLE)
  assert.equal(filed.length, 1, 'filed exactly once')
  entryId = filed[0].id
  assert.equal(filed[0].attachments.length, 1)
  const one = await apiAs(CADRE, `/api/v1/entries/${entryId}`)
  assert.equal(one.body.entry.attachmentsArrived, 1, 'the photo arrived with the entry')
  assert.deepEqual(one.body.entry.data.location, { lat: 30.592849, lng: 114.305539, accuracy: 18 })
  // The 780×1688 screenshot was compressed on the phone: JPEG, long side ≤ 1600 px, ≤ 400 KB.
  const stored = await photoOf(CADRE, filed[0].attachments[0])
  assert.equal(stored.type, 'image/jpeg')
  assert.ok(stored.bytes.length <= 400 * 1024, `${stored.bytes.length} bytes`)
  assert.equal(Math.max(stored.width, stored.height), 1600)

  // Another start of the app sends nothing more.
  await again.reload()
  await again.getByText('已报送').first().waitFor()
  await again.waitForTimeout(1000)
  assert.equal((await myEntries()).filter((e) => e.data.title === TITLE).length, 1)
  await context.close()
})

test('the supervisor returns it with a comment; the cadre fixes and resubmits; the supervisor approves', async () => {
  const sup = await signIn(TOWN_SUPERVISOR)
  await sup.page.getByText('审批', { exact: true }).click()
  await sup.page.getByText(TITLE).click()
  await sup.page.waitForURL(`**/entries/${entryId}`)
  await sup.page.locator('.thumb img').waitFor() // the photo, fetched with the session
  await shot(sup.page, 'review-entry')
  await sup.page.getByRole('button', { name: '退回' }).click()
  await sup.page.getByLabel('退回意见').fill('请补充受益群众名单和维修费用')
  await sup.page.getByRole('button', { name: '提交' }).click()
  await sup.page.getByText('已退回').first().waitFor()

  const cadre = await signIn(CADRE)
  await cadre.page.getByText('请补充受益群众名单和维修费用').waitFor() // 待办 shows the reviewer's comment
  await shot(cadre.page, 'todo-returned')
  await cadre.page.getByText(TITLE).click()
  await cadre.page.getByRole('button', { name: '修改后重新提交' }).click()
  await cadre.page.waitForURL('**/fill/**')
  await cadre.page.getByText('退回意见：请补充受益群众名单和维修费用').waitFor()
  await cadre.page.getByLabel('办理情况').fill('三组自来水主管道冻裂，村委联系供水站当天抢修，更换管道四十米，费用三千二百元由村集体承担，受益群众名单附后。')
  await cadre.page.getByRole('button', { name: '重新提交' }).click()
  await cadre.page.waitForURL(`**/entries/${entryId}`)
  await cadre.page.getByText('待审核').first().waitFor()

  await sup.page.goto(`${server.base}/entries/${entryId}`) // after 退回 the app moved on to the next in the queue
  await sup.page.getByRole('button', { name: '通过' }).click()
  await sup.page.getByRole('button', { name: '通过' }).last().click() // the confirmation
  await sup.page.getByText('已通过').first().waitFor()
  await shot(sup.page, 'review-approved')
  const history = (await apiAs(CADRE, `/api/v1/entries/${entryId}`)).body.history.map((h) => h.action)
  assert.deepEqual(history, ['submit', 'return', 'submit', 'approve'])
  await sup.context.close()
  await cadre.context.close()
})

test('the office finds it in its list', async () => {
  const { context, page } = await signIn(OFFICE)
  await page.goto(server.base + '/office')
  await page.getByLabel('表单').selectOption({ label: '我为群众办实事台账' })
  await page.getByLabel('单位').selectOption({ label: '\u3000\u3000\u3000红旗村' })
  await page.getByLabel('状态').selectOption('approved')
  await page.getByText(TITLE).waitFor()
  const { entry } = (await apiAs(OFFICE, `/api/v1/entries/${entryId}`)).body
  const approved = (await apiAs(OFFICE, `/api/v1/entries?formId=${entry.formId}&unitId=${entry.unitId}&status=approved&limit=100`)).body.items
  await page.getByText(`共 ${approved.length} 条`).waitFor() // with the demo's past
  await shot(page, 'office-list')
  await context.close()
})

test('an administrator builds and publishes a form, and a cadre fills it', async () => {
  const { context, page } = await signIn(ADMIN)
  await page.goto(server.base + '/admin')
  await page.getByText('新建空白表单').click()
  await page.waitForURL('**/admin/forms/new')
  await page.getByLabel('表单名称').fill('防汛值班登记')
  await page.getByRole('tab', { name: '字段' }).click()
  await page.getByLabel('新字段类型').selectOption('text')
  await page.getByRole('button', { name: '添加字段' }).click()
  await page.getByLabel('标题', { exact: true }).fill('值班人员')
  await page.getByRole('button', { name: '高级设置' }).last().click() // the field's code is technical
  await page.getByLabel('字段代码（导出和接口用）').fill('on_duty')
  await page.getByText('必填', { exact: true }).click()
  await page.getByLabel('新字段类型').selectOption('checkbox')
  await page.getByRole('button', { name: '添加字段' }).click()
  await page.getByLabel('标题', { exact: true }).fill('是否有险情')
  await page.locator('.preview').getByText('值班人员').waitFor() // the live preview in the phone frame
  await shot(page, 'form-builder')
  await page.getByRole('button', { name: '发布' }).click()
  await page.getByText('发布第 1 版？').waitFor()
  await page.getByText(/新增：值班人员/).waitFor() // the diff against the (empty) last version
  await page.getByRole('button', { name: '发布' }).last().click()
  await page.getByText('已发布第 1 版').first().waitFor()
  await page.getByRole('tab', { name: '分配' }).click()
  await page.getByRole('button', { name: '添加分配' }).click()
  await page.getByRole('button', { name: '保存分配' }).click()
  await page.getByText('分配已保存').waitFor()
  await context.close()

  const cadre = await signIn(CADRE)
  await cadre.page.getByText('填报', { exact: true }).click()
  await cadre.page.getByText('防汛值班登记').click()
  await cadre.page.getByRole('button', { name: '提交', exact: true }).click()
  await cadre.page.getByText('此项为必填项').waitFor() // the engine refuses before the network is used
  await cadre.page.getByLabel('值班人员').fill('孙干部、村民兵连长')
  await cadre.page.getByRole('button', { name: '提交', exact: true }).click()
  await cadre.page.waitForURL('**/outbox')
  await cadre.page.getByText('已报送').first().waitFor({ timeout: 30_000 })
  const duty = (await myEntries()).filter((e) => e.formTitle === '防汛值班登记')
  assert.equal(duty.length, 1)
  assert.equal(duty[0].data.on_duty, '孙干部、村民兵连长')
  await cadre.context.close()
})

test('the administrator archives the form: it leaves the cadre\'s list, and what was filed stays', async () => {
  const { context, page } = await signIn(ADMIN)
  await page.goto(server.base + '/admin')
  await page.getByText('防汛值班登记').click()
  await page.getByRole('button', { name: '归档' }).click()
  await page.getByText('归档后不再出现在待办和填报列表中').waitFor()
  await page.getByRole('button', { name: '归档' }).last().click()
  await page.getByText('已归档', { exact: true }).waitFor()
  await page.goto(server.base + '/admin')
  await page.locator('.van-cell', { hasText: '防汛值班登记' }).getByText('已归档').waitFor()
  await context.close()

  const cadre = await signIn(CADRE)
  await cadre.page.getByText('填报', { exact: true }).click()
  await cadre.page.getByText('我为群众办实事台账').waitFor() // the list has arrived
  assert.equal(await cadre.page.getByText('防汛值班登记').count(), 0, 'an archived form is not offered')
  await cadre.context.close()
  assert.equal((await myEntries()).filter((e) => e.formTitle === '防汛值班登记').length, 1, 'what was filed stays')
})
