// The administrator manages people on the phone, as the units tree tells them
// to ("请在“人员”中……指定审核人"): a cadre who forgot her password gets a new
// one and must change it at sign-in; a new supervisor is added to a village;
// a cadre who left is switched off and can no longer sign in.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { demoCity, shot } from './harness.mjs'

const ADMIN = '13800000001' // 王管理
const COMMUNITY_CADRE = '13800000006' // 周干部, 幸福社区
const server = demoCity()
const { signIn } = server
const login = (phone, password) => fetch(`${server.base}/api/v1/auth/login`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone, password }),
})

test('an administrator resets a password, adds a supervisor and switches a cadre off', async () => {
  const { context, page } = await signIn(ADMIN)
  await page.goto(server.base + '/admin')
  await page.getByRole('tab', { name: '人员' }).click()

  // 周干部 forgot her password: the administrator finds her by her unit.
  const community = (await server.api(ADMIN, 'GET', '/api/v1/units')).find((u) => u.name === '幸福社区')
  await page.getByLabel('按单位查看').selectOption(community.id)
  await page.locator('.user', { hasText: '王管理' }).waitFor({ state: 'detached' })
  // The list empties as the filter changes; wait for the unit's answer, not just the emptying.
  await page.locator('.user', { hasText: '周干部' }).waitFor()
  assert.ok(await page.locator('.user').count() >= 1)
  assert.deepEqual(new Set(await page.locator('.user').evaluateAll((rows) => rows.map((r) => r.textContent.includes('幸福社区')))), new Set([true]),
    'only 幸福社区\'s people')
  await page.locator('.user', { hasText: '周干部' }).click()
  await page.getByRole('heading', { name: '编辑 周干部' }).waitFor()
  const editor = await page.getByRole('heading', { name: '编辑 周干部' }).evaluate((h) => h.getBoundingClientRect().top)
  assert.ok(editor >= 0 && editor < 844, `the editor opens in view, not above it (top ${editor})`)
  await page.getByLabel('新密码').fill('12345678')
  await page.getByRole('button', { name: '设置新密码' }).click()
  await page.getByText('密码不能全是数字').waitFor() // the server's rule, next to the field
  await page.getByLabel('新密码').fill('Xingfu-2026')
  await page.getByRole('button', { name: '设置新密码' }).click()
  await page.getByText(/已为 周干部 设置新密码/).waitFor()
  assert.equal((await login(COMMUNITY_CADRE, 'taizhang2026')).status, 401, 'the old password no longer works')

  // A new supervisor for 红旗村.
  await page.getByLabel('按单位查看').selectOption('')
  await page.locator('.user', { hasText: '王管理' }).waitFor()
  await page.getByRole('button', { name: '添加用户' }).click()
  await page.getByLabel('姓名').fill('吴审核')
  await page.getByLabel('手机号').fill('13800000019')
  const village = (await server.api(ADMIN, 'GET', '/api/v1/units')).find((u) => u.name === '红旗村')
  await page.getByLabel('所属单位').selectOption(village.id)
  await page.getByLabel('干部').uncheck()
  await page.getByLabel('审核人').check()
  await page.getByLabel('初始密码').fill('Hongqi-2026')
  await shot(page, 'admin-user-add')
  await page.getByRole('button', { name: '添加', exact: true }).click()
  const added = page.locator('.user', { hasText: '吴审核' })
  await added.getByText('审核人').waitFor()
  assert.match(await added.innerText(), /13800000019 · 红旗村/)
  const wu = await (await login('13800000019', 'Hongqi-2026')).json()
  assert.deepEqual([wu.user.roles, wu.user.mustChangePassword], [['supervisor'], true])

  // 周干部 switched off: she cannot sign in, and the list says so.
  await page.locator('.user', { hasText: '周干部' }).click()
  await page.getByLabel('允许登录').uncheck()
  await page.getByRole('button', { name: '保存', exact: true }).click()
  await page.locator('.user', { hasText: '周干部' }).getByText('已停用').waitFor()
  await shot(page, 'admin-users')
  assert.notEqual((await login(COMMUNITY_CADRE, 'Xingfu-2026')).status, 200, 'a switched-off account cannot sign in')
  await context.close()
})

test('someone given a password by the administrator changes it when signing in', async () => {
  const context = await server.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
  const page = await context.newPage()
  await page.goto(server.base + '/login')
  await page.fill('input[name=phone]', '13800000019')
  await page.fill('input[name=password]', 'Hongqi-2026')
  await page.click('button[type=submit]')
  await page.waitForURL('**/password')
  await page.getByText('您的密码是管理员设置的').waitFor()
  await context.close()
})

test('the office reads it all in 操作记录: who did what to whom, by name', async () => {
  const { context, page } = await signIn('13800000002') // 李办公
  await page.goto(server.base + '/me')
  await page.getByText('操作记录').click()
  await page.waitForURL('**/audit')
  const reset = page.locator('.record', { hasText: '重置密码' }).first()
  await reset.waitFor()
  assert.match(await reset.innerText(), /王管理\s*重置密码\s*周干部/)
  await page.locator('.record', { hasText: '添加用户' }).first().getByText('角色：审核人').waitFor()
  await page.getByLabel('操作', { exact: true }).selectOption({ label: '修改用户' })
  await page.locator('.record', { hasText: '修改用户' }).first().getByText('已停用').waitFor()
  assert.equal(await page.locator('.record', { hasText: '登录' }).count(), 0, 'only what was asked for')
  await shot(page, 'audit-log')
  await page.getByRole('button', { name: '只看 王管理 的操作' }).first().click()
  await page.getByText('只看 王管理').waitFor()
  await context.close()
})
