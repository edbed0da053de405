// What cadres, supervisors and administrators hit on a phone (issue 12), walked
// at 390×844 in Chromium against the real binary, with a screenshot of each:
// nobody to review a department's reports; the app opened offline; who filed
// what, in every list; badges and messages; the form builder in plain words;
// and the smaller things — 我的 with the unit and 修改密码, the login page's
// help, 常用意见 and moving on to the next entry, the location line.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { demoCity, shot } from './harness.mjs'

const CADRE = '13800000005' // 孙干部, 红旗村
const COMMUNITY_CADRE = '13800000006' // 周干部, 幸福社区
const DEPARTMENT_CADRE = '13800000007' // 吴干部, 市自然资源局: nobody above reviews
const TOWN_SUPERVISOR = '13800000004' // 钱审核, 城关镇
const ADMIN = '13800000001' // 王管理
const server = demoCity()
const { signIn, api } = server
const formByKey = async (phone, key) => (await api(phone, 'GET', '/api/v1/forms?assigned=true')).items.find((f) => f.key === key)
const weekly = (n) => ({ progress: `本周走访低保户${n}户，解决自来水、道路照明等实际问题三件，整改问题清单两项。`, plan: '下周完成河口镇两个村的入户走访。' })
async function file(phone, key, data) {
  const form = await formByKey(phone, key)
  return (await api(phone, 'POST', `/api/v1/forms/${form.id}/entries`, { clientId: crypto.randomUUID(), data, submit: true })).entry
}

// tab opens a tab of the bottom bar.
const tab = (page, name) => page.locator('.van-tabbar-item', { hasText: name }).click()

// keptKeys lists what the app keeps in IndexedDB for offline use.
const keptKeys = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('taizhang')
  open.onerror = () => reject(open.error)
  open.onsuccess = () => {
    const req = open.result.transaction('kv').objectStore('kv').getAllKeys()
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  }
}))

test('a department nobody reviews: the filer is told, the administrator sees a warning and a message', async () => {
  const { context, page } = await signIn(DEPARTMENT_CADRE)
  await page.getByText('填报', { exact: true }).click()
  await page.waitForURL('**/fill')
  await page.getByText('工作周报', { exact: true }).click()
  await page.getByLabel('本周工作进展').fill('本周完成国土空间规划数据核查三项，办结群众来信两件，整改问题清单一项。')
  await page.getByLabel('下周工作计划').fill('下周完成不动产登记窗口作风整顿自查。')
  await page.getByRole('button', { name: '提交', exact: true }).click()
  await page.getByText('本单位及上级暂无审核人，已通知管理员').first().waitFor({ timeout: 30_000 })
  await shot(page, 'no-reviewer-notice')
  await context.close()

  const admin = await signIn(ADMIN)
  await tab(admin.page, '消息')
  await admin.page.getByText(/无人审核：本单位及上级单位都没有审核人/).first().waitFor()
  await shot(admin.page, 'admin-messages')
  await admin.page.goto(server.base + '/admin')
  await admin.page.getByRole('tab', { name: '单位' }).click()
  await admin.page.getByText(/个单位的填报无人审核/).waitFor()
  await admin.page.locator('.warning', { hasText: '市自然资源局' }).waitFor()
  await shot(admin.page, 'admin-units-unreviewed')
  await admin.context.close()
})

test('names, titles, badges and messages; 常用意见 and the next entry after a decision', async () => {
  const first = await file(COMMUNITY_CADRE, 'weekly', weekly(12))
  const second = await file(CADRE, 'weekly', weekly(13))
  const sup = await signIn(TOWN_SUPERVISOR)
  await sup.page.locator('.van-tabbar-item', { hasText: '审批' }).locator('.van-badge', { hasText: /^[1-9]/ }).waitFor()
  await sup.page.getByText('待审核的记录').waitFor() // 待办 mentions the reviews
  await shot(sup.page, 'todo-supervisor-badges')
  await sup.page.getByText('审批', { exact: true }).click()
  await sup.page.getByText('孙干部 · 红旗村').first().waitFor() // who filed it, and where
  await shot(sup.page, 'review-queue-names')

  // Returning the newer one with a comment moves on to the next in the queue.
  await sup.page.locator('.entry').first().click()
  await sup.page.waitForURL(`**/entries/${second.id}`)
  await sup.page.getByRole('button', { name: '退回' }).click()
  await sup.page.getByLabel('退回意见').fill('请写明三件实事分别是什么')
  await sup.page.getByRole('button', { name: '提交' }).click()
  await sup.page.waitForURL(`**/entries/${first.id}`)
  await sup.page.getByText('待审核').first().waitFor()
  // The words used a moment ago are offered again.
  await sup.page.getByRole('button', { name: '退回' }).click()
  await sup.page.getByRole('button', { name: '请写明三件实事分别是什么' }).click()
  assert.equal(await sup.page.getByLabel('退回意见').inputValue(), '请写明三件实事分别是什么')
  await shot(sup.page, 'common-comments')
  await sup.page.getByRole('button', { name: '取消' }).click()
  await sup.context.close()

  const cadre = await signIn(CADRE)
  await cadre.page.locator('.van-tabbar-item', { hasText: '待办' }).locator('.van-badge', { hasText: /^[1-9]/ }).waitFor()
  await cadre.page.locator('.van-tabbar-item', { hasText: '消息' }).locator('.van-badge', { hasText: /^[1-9]/ }).waitFor()
  await cadre.page.getByText(/退回意见（钱审核）：请写明三件实事分别是什么/).waitFor()
  await shot(cadre.page, 'todo-cadre-badges')
  await tab(cadre.page, '消息')
  await cadre.page.getByText(/您的记录被退回/).first().click()
  await cadre.page.waitForURL(`**/entries/${second.id}`)
  await cadre.page.getByText('退回 · 钱审核（审核人）').waitFor() // names in the history
  await cadre.page.getByText(/孙干部.*红旗村/).first().waitFor()
  await shot(cadre.page, 'entry-history-names')
  await cadre.context.close()
})

test('opened offline, the app shows what it last saw and every assigned form can be filled', async () => {
  const { context, page } = await signIn(COMMUNITY_CADRE)
  await page.evaluate(() => navigator.serviceWorker.ready)
  await tab(page, '填报')
  await page.getByText('我的记录').click()
  await page.waitForURL('**/mine')
  const newest = await page.locator('.entry').first().innerText() // the demo's past: weeks of reports
  await page.goto(server.base + '/todo')
  // After the first sync the app keeps every assigned form with its schema.
  for (let i = 0; i < 100; i++) {
    const keys = await keptKeys(page)
    if (keys.filter((k) => String(k).includes(':form:')).length >= 3 && keys.some((k) => String(k).endsWith(':units'))) break
    await page.waitForTimeout(200)
  }
  await context.setOffline(true)
  await page.reload()
  await page.getByText(/离线 · 数据更新于/).waitFor()
  await page.getByText('工作周报').first().waitFor()
  assert.equal(await page.getByText('无法连接服务器').count(), 0, 'no error where kept data can be shown')
  await shot(page, 'offline-todo')
  await tab(page, '填报')
  await page.locator('.van-cell__title', { hasText: '问题清单' }).first().click() // never opened before on this phone
  await page.getByLabel('问题表现').fill('社区办事大厅午间无人值守，群众反映多次白跑')
  await shot(page, 'offline-fill')
  await page.goto(server.base + '/mine') // the shell comes from the service worker
  assert.equal(await page.locator('.entry').first().innerText(), newest, 'the list as last seen')
  await context.setOffline(false)
  await context.close()
})

test('the form builder speaks plain words: options by name, conditions from the options', async () => {
  const { context, page } = await signIn(ADMIN)
  await page.goto(server.base + '/admin/forms/new')
  await page.getByRole('button', { name: '保存草稿' }).click()
  await page.getByText(/请填写表单名称/).first().waitFor()
  await page.getByLabel('表单名称').fill('汛期巡查登记')
  assert.equal(await page.getByText(/请填写表单名称/).count(), 0, 'the banner went with its cause')
  await page.getByRole('tab', { name: '字段' }).click()
  await page.getByLabel('新字段类型').selectOption('radio')
  await page.getByRole('button', { name: '添加字段' }).click()
  await page.getByLabel('标题', { exact: true }).fill('是否发现险情')
  await page.getByLabel('选项 1', { exact: true }).fill('是')
  await page.getByLabel('选项 2', { exact: true }).fill('否')
  await page.getByLabel('新字段类型').selectOption('textarea')
  await page.getByRole('button', { name: '添加字段' }).click()
  await page.getByLabel('标题', { exact: true }).fill('险情描述')
  await page.getByLabel('显示条件：依据的字段').last().selectOption({ label: '是否发现险情' })
  await page.getByLabel('显示条件：值').last().selectOption({ label: '是' })
  const words = await page.locator('.editor').innerText()
  for (const code of ['field_1', 'JsonLogic', '字段代码', 'new_form', '格式（正则']) assert.ok(!words.includes(code), `the builder shows ${code}`)
  await shot(page, 'builder-plain')
  // The preview follows the condition: the description appears only for 是.
  await page.locator('.preview').getByText('是', { exact: true }).click()
  await page.locator('.preview').getByText('险情描述').waitFor()
  await page.getByRole('button', { name: '高级设置' }).last().click()
  await page.getByLabel('字段代码（导出和接口用）').waitFor()
  await shot(page, 'builder-advanced')
  await context.close()
})

test('我的 shows the unit and changes the password; the login page says how long to wait and whom to ask', async () => {
  const { context, page } = await signIn(COMMUNITY_CADRE)
  await tab(page, '我的')
  await page.locator('.van-cell', { hasText: '单位' }).getByText('幸福社区').waitFor()
  await shot(page, 'me')
  await page.getByText('修改密码').click()
  await page.getByLabel('原密码').fill('taizhang2026')
  await page.getByLabel('新密码', { exact: true }).fill('xingfu-2026-new')
  await page.getByLabel('确认新密码').fill('xingfu-2026-new')
  await page.getByRole('button', { name: '确认修改' }).click()
  await page.getByText('密码已修改').waitFor()
  await context.close()

  const fresh = await server.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', deviceScaleFactor: 2 })
  const login = await fresh.newPage()
  await login.goto(server.base + '/login')
  await login.getByText('忘记密码？请联系本单位管理员重置密码').waitFor()
  for (let i = 0; i < 6; i++) {
    await login.fill('input[name=phone]', COMMUNITY_CADRE)
    await login.fill('input[name=password]', `wrong-${i}`)
    await login.click('button[type=submit]')
    await login.getByRole('alert').waitFor()
  }
  await login.getByText(/请 1[45] 分钟后再试/).waitFor()
  await shot(login, 'login-locked')
  await fresh.close()
})

test('the location reads 已定位 with its accuracy, the coordinates on a tap', async () => {
  const { context, page } = await signIn(CADRE)
  await context.grantPermissions(['geolocation'])
  await context.setGeolocation({ latitude: 30.592849, longitude: 114.305539, accuracy: 25 })
  await tab(page, '填报')
  await page.getByText('我为群众办实事台账').click()
  await page.getByRole('button', { name: '获取定位' }).click()
  await page.getByText('已定位 · 精度约 25 米').click()
  await page.getByText('30.592849, 114.305539').waitFor()
  await shot(page, 'location')
  await context.close()
})
