// Reviewing at scale and problem items: a supervisor approves several weekly
// reports at once; a problem item goes 立项 → 整改 (with evidence) → 销号 through
// the screens; an expired session goes back to the login page keeping the draft.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { daysAhead, demoCity, shot } from './harness.mjs'

const CADRE = '13800000005'
const OTHER_CADRE = '13800000006' // 周干部, 幸福社区: also under 城关镇
const TOWN_SUPERVISOR = '13800000004'
const ADMIN = '13800000001'
const server = demoCity()
const { signIn, api } = server

const formByKey = async (key) => (await api(CADRE, 'GET', '/api/v1/forms?assigned=true')).items.find((f) => f.key === key)
const file = async (key, data, phone = CADRE) =>
  (await api(phone, 'POST', `/api/v1/forms/${(await formByKey(key)).id}/entries`, { clientId: crypto.randomUUID(), data, submit: true })).entry

// approveWaiting clears what the demo's past left in a supervisor's queue.
async function approveWaiting(phone) {
  const waiting = await api(phone, 'GET', '/api/v1/entries?status=submitted&withActions=true&limit=100')
  for (const e of waiting.items.filter((e) => e.actions?.includes('approve'))) {
    await api(phone, 'POST', `/api/v1/entries/${e.id}/actions`, { action: 'approve', rev: e.rev, comment: '' })
  }
}

test('a supervisor approves several weekly reports at once, choosing all with 全选', async () => {
  await approveWaiting(TOWN_SUPERVISOR)
  const progress = '本周走访低保户十二户，解决自来水、道路照明等实际问题三件，整改问题清单两项。'
  const a = await file('weekly', { progress, plan: '下周完成河口镇两个村的入户走访。' })
  const b = await file('weekly', { progress: progress + '另协调修复路灯一处。', plan: '下周完成幸福社区的入户走访。' }, OTHER_CADRE)
  const { context, page } = await signIn(TOWN_SUPERVISOR)
  await page.getByText('审批', { exact: true }).click()
  await page.locator('.pick').nth(1).waitFor()
  assert.equal(await page.locator('.pick').count(), 2, 'each entry once')
  await page.getByText('全选可通过的 2 条').click()
  await shot(page, 'review-queue')
  await page.getByRole('button', { name: '批量通过（2）' }).click()
  await page.getByRole('button', { name: '全部通过' }).click()
  await page.getByText('已通过 2 条').waitFor()
  for (const e of [a, b]) assert.equal((await api(TOWN_SUPERVISOR, 'GET', `/api/v1/entries/${e.id}`)).entry.status, 'approved')
  await context.close()
})

test('an entry page gets a form schema once: the next entry of the same form comes without it', async () => {
  const item = (problem) => ({ problem, source: 'public', style: 'lan', owner: '王某',
    measures: [{ measure: '由村会计每月5日前在公开栏张贴补助明细并拍照上传备查', deadline: daysAhead(9) }] })
  const a = await file('problem', item('村卫生室夜间无人值守，群众就医需跑到镇上'))
  const b = await file('problem', item('村道路灯损坏两个月未修，群众夜间出行不便'), OTHER_CADRE)
  const { context, page } = await signIn(TOWN_SUPERVISOR)
  const reads = []
  page.on('response', async (r) => {
    const url = new URL(r.url())
    if (r.request().method() === 'GET' && /^\/api\/v1\/entries\/[0-9a-f]{24}$/.test(url.pathname)) {
      reads.push({ known: url.searchParams.get('knownForms'), body: await r.json() })
    }
  })
  await page.goto(`${server.base}/entries/${a.id}`)
  await page.getByText('村卫生室夜间无人值守').first().waitFor()
  // Within the app (no reload), as a reviewer goes from one entry to the next.
  await page.evaluate((path) => { history.pushState({}, '', path); dispatchEvent(new PopStateEvent('popstate')) }, `/entries/${b.id}`)
  await page.getByText('村道路灯损坏两个月未修').first().waitFor()
  await page.getByText('问题表现').first().waitFor() // a label from the kept schema
  assert.equal(reads.length, 2, 'one read per entry')
  assert.ok(reads[0].body.form.schema, 'the first read brings the schema')
  assert.ok((reads[1].known ?? '').includes(`${reads[0].body.form.id}@${reads[0].body.form.version}`), reads[1].known)
  assert.equal(reads[1].body.form.schema, undefined, 'the second read leaves it out')
  await context.close()
})

test('a problem item: sent back at 立项, then 立项, each measure rectified with its evidence, 销号 with the evidence in view', async () => {
  const item = await file('problem', {
    problem: '村务公开栏三个月未更新，群众反映看不到补助发放情况', source: 'public', style: 'lan', owner: '王某',
    measures: [
      { measure: '由村会计王某每月5日前在公开栏张贴上月补助发放明细并拍照上传', deadline: daysAhead(4), owner: '王会计' },
      { measure: '由村文书每月10日前将公开栏照片上传镇纪委备查并登记台账', deadline: daysAhead(19) },
    ],
  })
  const sup = await signIn(TOWN_SUPERVISOR)
  await sup.page.goto(`${server.base}/entries/${item.id}`)
  for (const name of ['立项', '退回', '驳回']) await sup.page.getByRole('button', { name, exact: true }).waitFor()
  await shot(sup.page, 'problem-at-filing')
  await sup.page.getByRole('button', { name: '退回', exact: true }).click()
  await sup.page.getByLabel('退回意见').fill('第二项措施请写明完成标准')
  await sup.page.getByRole('button', { name: '提交' }).click()
  await sup.page.getByText('已退回').first().waitFor()

  const cadre = await signIn(CADRE)
  await cadre.page.goto(`${server.base}/entries/${item.id}`)
  await cadre.page.getByText('第二项措施请写明完成标准').first().waitFor() // the comment, in the history
  await cadre.page.getByRole('button', { name: '修改后重新提交' }).click()
  await cadre.page.waitForURL('**/fill/**')
  await cadre.page.getByRole('button', { name: '重新提交' }).click()
  await cadre.page.waitForURL(`**/entries/${item.id}`)
  await cadre.page.getByText('待审核').first().waitFor()

  await sup.page.reload()
  await sup.page.getByRole('button', { name: '立项', exact: true }).click()
  await sup.page.getByRole('button', { name: '立项' }).last().click()
  await sup.page.getByText('已立项').first().waitFor()

  // Each measure is reported done on its own, with its own evidence.
  await cadre.page.reload()
  await cadre.page.getByText('整改措施（0/2 已完成）').waitFor()
  await cadre.page.getByRole('button', { name: '报整改结果' }).first().click()
  await cadre.page.getByRole('button', { name: '提交' }).click() // nothing given: checked before sending
  await cadre.page.getByText('请写明整改情况或上传整改照片').waitFor()
  await shot(cadre.page, 'measure-evidence-required')
  await cadre.page.getByLabel('整改情况').fill('公开栏已更新，十一月补助明细已张贴，群众可随时查看。')
  await cadre.page.setInputFiles('#f-evidencePhotos', { name: 'board.png', mimeType: 'image/png', buffer: await cadre.page.screenshot() })
  await cadre.page.locator('.dialog .photo img').waitFor()
  await shot(cadre.page, 'measure-evidence')
  await cadre.page.getByRole('button', { name: '提交' }).click()
  await cadre.page.getByText('整改措施（1/2 已完成）').waitFor()
  await cadre.page.getByRole('button', { name: '报整改结果' }).click()
  await cadre.page.getByLabel('整改情况').fill('已登记台账，照片已报镇纪委备查。')
  await cadre.page.getByRole('button', { name: '提交' }).click()
  await cadre.page.getByText('整改措施（2/2 已完成）').waitFor()
  await cadre.page.getByRole('button', { name: '提请销号' }).click()
  await cadre.page.getByRole('button', { name: '提请销号' }).last().click()
  await cadre.page.getByText('待销号').first().waitFor()

  // The supervisor sees what was done, measure by measure, before deciding.
  await sup.page.goto(server.base + '/review')
  await sup.page.getByRole('tab', { name: /待销号/ }).click()
  await sup.page.getByText('村务公开栏三个月未更新').click()
  await sup.page.getByText('待您决定：提请销号').waitFor()
  await sup.page.getByText('公开栏已更新，十一月补助明细已张贴').first().waitFor()
  await sup.page.locator('.measures .thumb img').waitFor() // the evidence photo, fetched with the session
  await sup.page.getByText(/孙干部.*红旗村/).first().waitFor() // who filed it, and where
  await shot(sup.page, 'problem-evidence')
  await sup.page.getByRole('button', { name: '销号', exact: true }).click()
  await sup.page.getByRole('button', { name: '销号' }).last().click()
  await sup.page.getByText('已销号').first().waitFor()
  await shot(sup.page, 'problem-closed')
  const done = await api(CADRE, 'GET', `/api/v1/entries/${item.id}`)
  assert.deepEqual(done.history.map((h) => h.action), ['submit', 'return', 'submit', 'accept', 'measure', 'measure', 'rectify', 'close'])
  assert.equal(done.history[4].data.evidencePhotos.length, 1)
  assert.equal(done.history[4].actorName, '孙干部')
  await sup.context.close()
  await cadre.context.close()
})

test('an expired session goes back to the login page, keeping the draft', async () => {
  const { context, page } = await signIn(CADRE)
  await page.locator('.done', { hasText: '工作周报' }).getByText('本期已报送').waitFor() // filed by the first test
  await page.getByText('填报', { exact: true }).click()
  await page.waitForURL('**/fill')
  await shot(page, 'fill-list')
  await page.getByText('工作周报', { exact: true }).click()
  await page.getByLabel('本周工作进展').fill('周三走访五保户三户，周四参加镇防汛演练，')
  await page.getByRole('button', { name: '保存草稿' }).click()
  await page.getByText('草稿已保存').waitFor()
  // The session dies elsewhere: signed out on the server, and the access token is no longer valid.
  await page.evaluate(async () => {
    const saved = JSON.parse(localStorage.getItem('taizhang.session'))
    await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: saved.tokens.refreshToken }) })
    saved.tokens.accessToken = 'expired'
    localStorage.setItem('taizhang.session', JSON.stringify(saved))
  })
  await page.reload()
  await page.waitForURL('**/login')
  await page.getByText('登录已过期').waitFor()
  await page.fill('input[name=phone]', CADRE)
  await page.fill('input[name=password]', 'taizhang2026')
  await page.click('button[type=submit]')
  await page.waitForURL('**/todo')
  await page.getByText('工作周报', { exact: true }).click()
  await page.getByText('已恢复上次未提交的草稿').waitFor()
  assert.equal(await page.getByLabel('本周工作进展').inputValue(), '周三走访五保户三户，周四参加镇防汛演练，')
  await context.close()
})

test('the administrator pages', async () => {
  const { context, page } = await signIn(ADMIN)
  await page.setViewportSize({ width: 1280, height: 800 }) // admin pages are used on desktops too
  await page.goto(server.base + '/admin')
  await page.getByText('从模板：我为群众办实事台账').waitFor() // the templates load after the forms
  await page.getByText('我为群众办实事台账', { exact: true }).waitFor()
  await shot(page, 'admin-forms')
  await page.getByRole('tab', { name: '单位' }).click()
  await page.getByText('红旗村').waitFor()
  await page.locator('li', { hasText: '城关镇' }).first().getByRole('button', { name: '添加下级' }).click()
  await page.getByLabel('新单位名称').fill('新华村')
  await page.getByRole('button', { name: '添加', exact: true }).click()
  await page.getByText('新华村').waitFor()
  const units = await api(ADMIN, 'GET', '/api/v1/units')
  const town = units.find((u) => u.name === '城关镇')
  assert.equal(units.find((u) => u.name === '新华村')?.parentId, town.id)
  await shot(page, 'admin-units')
  await page.getByRole('tab', { name: '人员' }).click()
  await page.getByText('孙干部').waitFor()
  await shot(page, 'admin-users')
  await context.close()
})
