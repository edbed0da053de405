// Every main screen at 390 px wide, as the one who uses it: nothing wider than
// the viewport, and everything a finger taps at least 44 × 44 px (WCAG 2.5.5).
// Measured in the browser, not by eye; a screenshot of each screen is kept.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { daysAhead, demoCity, shot } from './harness.mjs'

const CADRE = '13800000005'
const TOWN_SUPERVISOR = '13800000004'
const ADMIN = '13800000001'
const OFFICE = '13800000002'
const WIDTH = 390
const MIN = 44
const server = demoCity()
const { signIn, api } = server

// problems measures the page: its width, and every visible tap target that is
// smaller than 44 × 44. A text box inside a Vant field is tapped through its
// field's row, and a box inside a <label> through the label, which are measured
// instead; a file input is tapped through its label.
function problems(page) {
  return page.evaluate(({ WIDTH, MIN }) => {
    const out = []
    const width = document.documentElement.scrollWidth
    if (width > WIDTH) out.push(`the page is ${width} px wide`)
    const targets = document.querySelectorAll('a[href], button, select, input, textarea, [role=button], [role=tab], [role=checkbox], [role=radio], [role=switch], .van-cell--clickable')
    for (const el of targets) {
      let box = el
      if (el.matches('input[type=file], input[type=hidden]')) continue
      if (el.matches('.van-field input, .van-field textarea, .van-field select')) box = el.closest('.van-field')
      else if (el.matches('input, select, textarea') && el.closest('label')) box = el.closest('label')
      if (el.closest('[aria-hidden=true], .van-overlay[style*="display: none"]')) continue
      const r = box.getBoundingClientRect()
      const style = getComputedStyle(box)
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || el.disabled || el.getAttribute('aria-disabled') === 'true') continue
      if (r.right > WIDTH + 1 && !inScroller(el)) out.push(`${describe(el)} reaches ${Math.round(r.right)} px`)
      if (r.width < MIN - 0.5 || r.height < MIN - 0.5) out.push(`${describe(el)} is ${Math.round(r.width)}×${Math.round(r.height)}`)
    }
    return out
    // A wide table (the compliance matrix) scrolls sideways inside its box:
    // what lies beyond the screen is reached by scrolling, not cut off.
    function inScroller(el) {
      for (let a = el.parentElement; a; a = a.parentElement) {
        if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return a.getBoundingClientRect().right <= WIDTH + 1
      }
      return false
    }
    function describe(el) {
      const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('placeholder') || '').trim().slice(0, 20)
      return `<${el.tagName.toLowerCase()}${el.className ? ' class="' + String(el.className).slice(0, 40) + '"' : ''}> "${text}"`
    }
  }, { WIDTH, MIN })
}

async function check(page, name) {
  await page.waitForLoadState('networkidle')
  // Measure what stays, not a dialog halfway through its opening animation.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity) // not a spinner
    .map((a) => a.finished.catch(() => {}))))
  await shot(page, `layout-${name}`)
  const found = await problems(page)
  assert.deepEqual(found, [], `${name}: ${found.join('; ')}`)
}

test('the login page', async () => {
  const context = await server.browser.newContext({ viewport: { width: WIDTH, height: 844 }, locale: 'zh-CN' })
  const page = await context.newPage()
  await page.goto(server.base + '/login')
  await page.getByText('登录').first().waitFor()
  await check(page, 'login')
  await context.close()
})

test('a cadre’s screens', async () => {
  const form = (await api(CADRE, 'GET', '/api/v1/forms?assigned=true')).items.find((f) => f.key === 'problem')
  const entry = (await api(CADRE, 'POST', `/api/v1/forms/${form.id}/entries`, {
    clientId: crypto.randomUUID(), submit: true, data: {
      problem: '村务公开栏三个月未更新，群众反映看不到补助发放情况', source: 'public', style: 'lan', owner: '王某',
      measures: [{ measure: '由村会计王某每月5日前在公开栏张贴上月补助发放明细并拍照上传', deadline: daysAhead(4) }],
    },
  })).entry
  const { context, page } = await signIn(CADRE)
  await check(page, 'todo')
  for (const [path, name, ready] of [
    ['/fill', 'fill-list', '我的记录'], [`/fill/${form.id}`, 'fill-problem', '问题表现'], ['/mine', 'mine', '问题清单'],
    ['/outbox', 'outbox', '发件箱'], [`/entries/${entry.id}`, 'entry', '办理记录'], ['/messages', 'messages', '消息'],
    ['/me', 'me', '修改密码'], ['/password', 'password', '确认修改'], ['/mine/rounds', 'mine-rounds', '工作周报'],
  ]) {
    await page.goto(server.base + path)
    await page.getByText(ready).first().waitFor()
    await check(page, name)
  }
  await page.goto(`${server.base}/fill/${form.id}`)
  await page.getByRole('button', { name: /添加/ }).first().click().catch(() => {}) // a second measure shows its 删除 button
  await check(page, 'fill-problem-items')
  await context.close()
})

test('a supervisor’s screens', async () => {
  const { context, page } = await signIn(TOWN_SUPERVISOR)
  await page.goto(server.base + '/review')
  await page.locator('.entry').first().waitFor()
  await check(page, 'review')
  await page.locator('.entry').first().click()
  await page.getByText('办理记录').waitFor()
  await check(page, 'review-entry')
  await page.getByRole('button', { name: '退回' }).click()
  await page.getByLabel('退回意见').waitFor()
  await check(page, 'review-dialog')
  await context.close()
})

test('the office’s and the administrator’s screens', async () => {
  const office = await signIn(OFFICE)
  await office.page.goto(server.base + '/office')
  await office.page.getByText(/共 \d+ 条/).waitFor()
  await check(office.page, 'office')
  await office.page.goto(server.base + '/office/import')
  await office.page.getByText('导入到表单').waitFor()
  await check(office.page, 'import')
  await office.page.goto(server.base + '/stats')
  await office.page.locator('.chart canvas').first().waitFor()
  await check(office.page, 'stats')
  await office.page.getByText('查看各单位各期报送矩阵').click()
  await office.page.locator('button.cell').first().waitFor()
  await check(office.page, 'compliance')
  await office.page.goto(server.base + '/stats')
  await office.page.locator('.card', { hasText: '迟报' }).click()
  await office.page.locator('.owing').first().waitFor()
  await check(office.page, 'obligations')
  await office.context.close()

  const { context, page } = await signIn(ADMIN)
  await page.goto(server.base + '/admin')
  await page.getByText('从模板：我为群众办实事台账').waitFor()
  await check(page, 'admin-forms')
  await page.getByRole('tab', { name: '单位' }).click()
  await page.getByText('红旗村').waitFor()
  await check(page, 'admin-units')
  await page.getByRole('tab', { name: '人员' }).click()
  await page.getByText('孙干部').waitFor()
  await check(page, 'admin-users')
  await page.goto(server.base + '/admin/forms/new?template=shishi')
  await page.getByRole('tab', { name: '字段' }).click()
  await page.locator('.fields button.title').first().click()
  await check(page, 'builder')
  // The public board, as the masses see it on a phone (the same context: no sign-in is needed).
  const me = await api(ADMIN, 'GET', '/api/v1/me')
  await page.goto(`${server.base}/p/${me.user?.unitId ?? me.unitId}`)
  await page.locator('.item').first().waitFor()
  await check(page, 'public-board')
  await context.close()
})
