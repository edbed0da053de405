// A cadre attaches a 3 MB PDF (a scanned rectification report) to a form with
// a file field, on a connection that drops once mid-upload: the PWA sends it in
// pieces through the resumable upload API and goes on from where the server
// stands; the entry holds the very file, shown as a file, not a broken photo —
// also to the reviewer, whose phone learns the file's size from the server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { daysAhead, demoCity, loginAs, shot } from './harness.mjs'

const ADMIN = '13800000001' // 王管理
const CADRE = '13800000005' // 孙干部, 红旗村
const TOWN_SUPERVISOR = '13800000004' // 钱审核, 城关镇: reviews 红旗村
const server = demoCity()
const { signIn, api } = server

function scannedReport() {
  const line = Buffer.from('红旗村三组自来水管道整改报告 第一页 扫描件 0123456789\n')
  const body = Buffer.alloc(3 * 1024 * 1024)
  for (let at = 0; at < body.length; at += line.length) line.copy(body, at)
  return Buffer.concat([Buffer.from('%PDF-1.4\n'), body, Buffer.from('\n%%EOF\n')])
}

// shownAsFile waits for the attachment's tile — a file, not a broken photo —
// and checks that it is drawn at its size (a style of the field's once hid it).
async function shownAsFile(page) {
  await page.getByRole('button', { name: /（PDF 文件，3\.0 MB）$/ }).waitFor()
  const box = await page.locator('.thumb.doc').boundingBox()
  assert.ok(box && box.width >= 80 && box.height >= 80, `the tile is ${JSON.stringify(box)}`)
  assert.equal(await page.locator('.thumb.doc').evaluate((b) => getComputedStyle(b).opacity), '1')
}

test('a large PDF goes up in pieces and survives a dropped connection', async () => {
  const district = (await api(ADMIN, 'GET', '/api/v1/units')).find((u) => u.name === '东城区')
  const form = await api(ADMIN, 'POST', '/api/v1/forms', {
    key: 'rectify_report', title: '整改报告', category: 'custom', workflow: 'approval',
    fields: [{ key: 'summary', type: 'text', label: '整改摘要', required: true },
      { key: 'report', type: 'file', label: '整改报告', required: true, maxFiles: 1 }],
  })
  await api(ADMIN, 'POST', `/api/v1/forms/${form.id}/publish`)
  await api(ADMIN, 'PUT', `/api/v1/forms/${form.id}/assignments`, {
    assignments: [{ unitId: district.id, schedule: { kind: 'once', due: `${daysAhead(3)}T18:00:00+08:00` } }],
  })
  const pdf = scannedReport()

  const { context, page } = await signIn(CADRE)
  const pieces = []
  let dropped = false
  await context.route('**/api/v1/attachments/uploads/*', async (route) => {
    if (route.request().method() !== 'PATCH') return route.continue()
    pieces.push(route.request().headers()['content-range'])
    if (pieces.length === 3 && !dropped) {
      dropped = true
      return route.abort('connectionreset') // the village's connection drops
    }
    await new Promise((r) => setTimeout(r, 300)) // a slow network: the progress can be read
    return route.continue()
  })
  await page.goto(`${server.base}/fill/${form.id}`)
  await page.getByLabel('整改摘要').fill('管道已更换，报告扫描件附后')
  await page.setInputFiles('#f-report', { name: '整改报告.pdf', mimeType: 'application/pdf', buffer: pdf })
  await shownAsFile(page)
  await page.getByRole('button', { name: '提交', exact: true }).click()
  await page.waitForURL('**/outbox')
  await page.getByText('网络不可用，稍后自动重试').waitFor()
  await shot(page, 'outbox-file-dropped')
  await page.getByRole('button', { name: '立即发送' }).click()
  await page.getByText(/^正在上传 整改报告\.pdf：[12]\.\d MB \/ 3\.0 MB$/).waitFor()
  await shot(page, 'outbox-file-progress')
  await page.getByText('已报送', { exact: true }).waitFor({ timeout: 30_000 }) // not the toast 发件箱已报送 1 条

  const size = pdf.length
  assert.equal(pieces.filter((r) => r.startsWith('bytes 0-')).length, 1, 'the first piece is sent once')
  assert.equal(pieces.length, Math.ceil(size / (512 * 1024)) + 1, `every piece once, and the dropped one again: ${pieces.join(', ')}`)
  assert.equal(pieces.at(-1), `bytes ${Math.floor((size - 1) / (512 * 1024)) * 512 * 1024}-${size - 1}/${size}`)

  const mine = (await api(CADRE, 'GET', `/api/v1/entries?formId=${form.id}`)).items
  assert.equal(mine.length, 1, 'filed once')
  const [attachment] = mine[0].data.report
  const login = await loginAs(server.base, CADRE)
  const stored = await fetch(`${server.base}/api/v1/attachments/${attachment}`, { headers: { Authorization: `Bearer ${login.accessToken}` } })
  assert.equal(stored.headers.get('content-type'), 'application/pdf')
  assert.ok(Buffer.from(await stored.arrayBuffer()).equals(pdf), 'the server holds the very file')

  await page.goto(`${server.base}/entries/${mine[0].id}`)
  await shownAsFile(page)
  await shot(page, 'entry-file')
  await context.close()

  // The reviewer's phone has no copy: the tile's size is the server's
  // Content-Length, which an on-the-fly compression of the PDF once dropped.
  const reviewer = await signIn(TOWN_SUPERVISOR)
  await reviewer.page.goto(`${server.base}/entries/${mine[0].id}`)
  await shownAsFile(reviewer.page)
  // Opening it on a slow network: the tile says how far the download is, then
  // the phone's viewer opens — or, when the download outlasted the tap's leave
  // to open a window, the tile asks for one more tap.
  const network = await reviewer.context.newCDPSession(reviewer.page)
  await network.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: 1024 * 1024, uploadThroughput: -1 })
  const viewer = reviewer.context.waitForEvent('page')
  const tile = reviewer.page.locator('.thumb.doc')
  await tile.click()
  await reviewer.page.getByText(/^下载中 \d+%$/).waitFor()
  await shot(reviewer.page, 'entry-file-downloading')
  const held = reviewer.page.getByText('已下载，点按打开')
  if (await Promise.race([viewer.then(() => false), held.waitFor().then(() => true)])) await tile.click()
  await viewer
  await reviewer.page.getByRole('button', { name: /（PDF 文件，3\.0 MB）$/ }).getByText('3.0 MB').waitFor()
  await reviewer.context.close()
})
