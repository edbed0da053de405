// A cadre of the demo city signs in on a phone and finds the campaign's forms
// with their deadlines; then signs out.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { phone, screenshots, startServer } from './harness.mjs'

let server, context, page

before(async () => {
  server = await startServer()
  ;({ context, page } = await phone())
})

after(async () => {
  await context?.close()
  await server?.stop()
})

test('a cadre signs in and sees what is due', async () => {
  await page.goto(server.base + '/')
  await page.waitForURL('**/login')
  await page.screenshot({ path: join(screenshots, 'login.png') })
  await page.fill('input[name=phone]', '13800000005')
  await page.fill('input[name=password]', 'wrong-password')
  await page.click('button[type=submit]')
  await page.getByRole('alert').waitFor()
  assert.match(await page.getByRole('alert').innerText(), /手机号或密码错误/)

  await page.fill('input[name=password]', 'taizhang2026')
  await page.click('button[type=submit]')
  await page.waitForURL('**/todo')
  await page.getByText('工作周报', { exact: true }).waitFor() // not the 补报 rows below it
  const text = await page.innerText('body')
  assert.match(text, /我为群众办实事台账/)
  assert.match(text, /问题清单/)
  assert.match(text, /截止 · (剩|已逾期)/)
  await page.screenshot({ path: join(screenshots, 'todo.png') })
})

test('the session survives a reload, and signing out ends it', async () => {
  await page.reload()
  await page.getByText('工作周报', { exact: true }).waitFor() // not the 补报 rows below it
  await page.getByText('我的').click()
  await page.getByText('孙干部').waitFor()
  await page.screenshot({ path: join(screenshots, 'me.png') })
  await page.getByText('退出登录').click()
  await page.waitForURL('**/login')
  await page.goto(server.base + '/todo')
  await page.waitForURL('**/login')
})
