// Excel out (issue 14), at 390×844 against the real binary and the demo city:
// the office exports the problem list from 台账查询 and a week's 通报 from
// the compliance matrix; each runs as a job with its progress shown and ends
// in the browser's download.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { demoCity, loginAs, shot } from './harness.mjs'

const OFFICE = '13800000002' // 李办公
const server = demoCity()
const { signIn, api } = server
const formNamed = async (title) => (await api(OFFICE, 'GET', '/api/v1/forms')).items.find((f) => f.title === title)

/** exported fetches an export the way the download does, as bytes. */
async function exported(formId, query) {
  const { accessToken } = await loginAs(server.base, OFFICE)
  const res = await fetch(`${server.base}/api/v1/forms/${formId}/export.xlsx?${query}`, { headers: { Authorization: `Bearer ${accessToken}` } })
  assert.equal(res.status, 200)
  return { rows: Number(res.headers.get('x-total-count')), buffer: Buffer.from(await res.arrayBuffer()) }
}

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
  // A village's network: the made file takes a while to arrive, and the page says how far it is.
  const network = await context.newCDPSession(page)
  await network.send('Network.emulateNetworkConditions', { offline: false, latency: 100, downloadThroughput: 8 * 1024, uploadThroughput: -1 })
  const file = await downloaded(page, async () => {
    await page.getByText('Excel 表格（.xlsx）').click()
    await page.getByText(/^正在下载 \d+ KB \/ \d+ KB$/).waitFor()
    assert.ok(await page.getByRole('button', { name: /导出中/ }).isDisabled(), 'no second export while the first arrives')
    await shot(page, 'export-downloading')
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  })
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

test('the office moves an Excel ledger into a form: checked first, imported once, problems by row and column', async () => {
  const shishi = await formNamed('我为群众办实事台账')
  const problems = await formNamed('问题清单')
  const ledger = await exported(shishi.id, 'status=approved') // an office's ledger: what the export writes, read back
  assert.ok(ledger.rows > 0)
  const { context, page } = await signIn(OFFICE)
  await page.goto(`${server.base}/office`)
  await page.getByText('导入台账').click()
  await page.waitForURL('**/office/import')

  // A form whose records have many measures each cannot come from one row: said before anything is written.
  await page.getByLabel('导入到表单').selectOption({ label: '问题清单' })
  const problemList = await exported(problems.id, '')
  await page.setInputFiles('input[type=file]', { name: '问题清单.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: problemList.buffer })
  await page.getByText(/发现 \d+ 处问题/).waitFor()
  await page.getByText(/“整改措施”是多条明细/).waitFor()

  await page.getByLabel('导入到表单').selectOption({ label: '我为群众办实事台账' })
  await page.setInputFiles('input[type=file]', { name: '办实事台账.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: ledger.buffer })
  await page.getByText(`共 ${ledger.rows} 行，全部通过检查`).waitFor()
  assert.equal(await page.getByLabel('“实事名称”导入为').inputValue(), 'title', 'columns are matched by label')
  assert.equal(await page.getByLabel('“编号”导入为').inputValue(), '', 'what is not a field is left out')
  await shot(page, 'import-checked')
  await page.getByRole('button', { name: `导入 ${ledger.rows} 行到“我为群众办实事台账”` }).click()
  await page.getByText(`已导入 ${ledger.rows} 条`).waitFor()

  // The same file again adds nothing.
  await page.setInputFiles('input[type=file]', { name: '办实事台账.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: ledger.buffer })
  await page.getByRole('button', { name: /^导入 \d+ 行/ }).click()
  await page.getByText(`已导入 0 条，跳过 ${ledger.rows} 条（此前已从这个文件导入）`).waitFor()
  const after = await exported(shishi.id, 'status=approved')
  assert.equal(after.rows, 2 * ledger.rows, 'imported once, as approved records')
  await context.close()
})
