// Excel out (issue 14), at 390×844 against the real binary and the demo city:
// the office exports the problem list from 台账查询 and a week's 通报 from
// the compliance matrix; each runs as a job with its progress shown and ends
// in the browser's download.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { demoCity, shot } from './harness.mjs'

const OFFICE = '13800000002' // 李办公
const server = demoCity()
const { signIn, api } = server
const formNamed = async (title) => (await api(OFFICE, 'GET', '/api/v1/forms')).items.find((f) => f.title === title)

async function downloaded(page, start) {
  const [download] = await Promise.all([page.waitForEvent('download'), start()])
  const path = await download.path()
  const bytes = await readFile(path)
  return { name: download.suggestedFilename(), bytes }
}

test('the office exports the problem list it is looking at, masked unless it gives a reason', async () => {
  const { context, page } = await signIn(OFFICE)
  await page.goto(`${server.base}/office`)
  await page.getByText('选择一张表单后可导出').waitFor()
  const problems = await formNamed('问题清单')
  const { total } = await api(OFFICE, 'GET', `/api/v1/entries?formId=${problems.id}&count=true&limit=1`)
  assert.ok(total > 0, 'the demo city has problem items')
  await page.getByLabel('表单').selectOption({ label: '问题清单' })
  await page.getByText(`共 ${total} 条`).waitFor()
  await page.getByRole('button', { name: '导出 Excel' }).click()
  const file = await downloaded(page, () => page.getByText('Excel 表格（.xlsx）').click())
  assert.match(file.name, /^问题清单-\d{8}-\d{4}\.xlsx$/)
  assert.equal(file.bytes.subarray(0, 2).toString(), 'PK', 'an xlsx is a zip')
  await page.getByText(`已导出 ${total} 条`).waitFor() // every row the list counts
  await shot(page, 'export-done')

  await page.getByRole('button', { name: '导出 Excel' }).click()
  await page.getByText('Excel，不隐去身份证号和手机号…').click()
  await page.getByRole('button', { name: '导出', exact: true }).click()
  await page.getByText('请填写理由，导出会记入审计日志').waitFor() // no reason, no export
  await page.getByLabel('理由').fill('向市纪委提供核查名单')
  const full = await downloaded(page, () => page.getByRole('button', { name: '导出', exact: true }).click())
  assert.equal(full.bytes.subarray(0, 2).toString(), 'PK')
  const audit = await api(OFFICE, 'GET', '/api/v1/audit?action=export.entries')
  assert.ok(audit.items.some((r) => r.detail?.reason === '向市纪委提供核查名单' && r.detail?.masked === false), 'the unmasked export is audited with its reason')
  await context.close()
})

test('the office exports a week’s 通报 from the compliance matrix', async () => {
  const weekly = await formNamed('工作周报')
  const { context, page } = await signIn(OFFICE)
  await page.goto(`${server.base}/stats/compliance?formId=${weekly.id}`)
  await page.getByRole('button', { name: '导出通报' }).click()
  const first = page.locator('.van-action-sheet__item').first()
  const label = await first.innerText()
  assert.match(label, /^第\d+周（.+）通报$/, 'the newest round already due comes first')
  const file = await downloaded(page, () => first.click())
  assert.match(file.name, /^通报-\d{4}-W\d{2}\.xlsx$/)
  assert.equal(file.bytes.subarray(0, 2).toString(), 'PK')
  await page.getByText('通报已生成').waitFor()
  await context.close()
})
