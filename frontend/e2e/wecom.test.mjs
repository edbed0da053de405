// Sign-in through 企业微信 (issue 15), at 390×844 against the real binary
// configured for a fake 企业微信 that speaks its protocol (gettoken,
// auth/getuserinfo, user/get). The login page offers 企业微信登录 with a
// state; the platform's own page cannot be reached here, so the test plays
// it: it takes the state from the link, has the fake issue a code for a
// member, and comes back to /login/wecom as 企业微信 would.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { phone, shot, demoCity } from './harness.mjs'

const members = { SunGanBu: '13800000005', Stranger: '13999999999' } // 孙干部, and someone who is no user
const codes = new Map()
const fake = createServer((req, res) => {
  const url = new URL(req.url, 'http://fake')
  const answer = (body) => { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({ errcode: 0, errmsg: 'ok', ...body })) }
  if (url.pathname === '/cgi-bin/gettoken') return answer({ access_token: 'token-1', expires_in: 7200 })
  if (url.searchParams.get('access_token') !== 'token-1') return answer({ errcode: 42001, errmsg: 'access_token expired' })
  if (url.pathname === '/cgi-bin/auth/getuserinfo') {
    const member = codes.get(url.searchParams.get('code'))
    codes.delete(url.searchParams.get('code'))
    return member ? answer({ userid: member }) : answer({ errcode: 40029, errmsg: 'invalid code' })
  }
  if (url.pathname === '/cgi-bin/user/get') return answer({ userid: url.searchParams.get('userid'), mobile: members[url.searchParams.get('userid')] })
  res.statusCode = 404
  res.end()
})

after(() => fake.close())
const server = demoCity(async () => {
  await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve))
  return { TAIZHANG_WECOM_CORP_ID: 'wwcorp0001', TAIZHANG_WECOM_AGENT_ID: '1000002', TAIZHANG_WECOM_SECRET: 'app-secret',
    TAIZHANG_WECOM_BASE_URL: `http://127.0.0.1:${fake.address().port}`, TAIZHANG_PUBLIC_URL: 'https://taizhang.example.gov.cn' }
})

async function cameBack(page, member) {
  await page.goto(`${server.base}/login`)
  const link = page.getByRole('link', { name: '企业微信登录' })
  const authorize = new URL(await link.getAttribute('href'))
  assert.equal(authorize.origin + authorize.pathname, 'https://open.weixin.qq.com/connect/oauth2/authorize')
  assert.equal(authorize.searchParams.get('appid'), 'wwcorp0001')
  assert.equal(authorize.searchParams.get('redirect_uri'), `${server.base}/login/wecom`)
  const code = `code-${Math.random().toString(36).slice(2)}`
  codes.set(code, member)
  await page.goto(`${authorize.searchParams.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(authorize.searchParams.get('state'))}`)
  return authorize.searchParams.get('state')
}

test('a cadre signs in through 企业微信 and lands on 待办; someone who is no user is told why', async () => {
  const { context, page } = await phone()
  await page.goto(`${server.base}/login`)
  await page.getByRole('link', { name: '企业微信登录' }).waitFor()
  await shot(page, 'login-wecom')
  const state = await cameBack(page, 'SunGanBu')
  await page.waitForURL(/\/todo$/)
  await page.getByRole('tab', { name: '我的' }).or(page.getByText('我的', { exact: true })).first().click()
  await page.getByText('孙干部').waitFor()

  // The same state again is refused: nothing signed in.
  const again = await context.newPage()
  codes.set('code-again', 'SunGanBu')
  await again.goto(`${server.base}/login/wecom?code=code-again&state=${encodeURIComponent(state)}`)
  await again.getByText('登录请求无效或已过期，请重新登录').waitFor()

  const stranger = await (await server.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })).newPage()
  await cameBack(stranger, 'Stranger')
  await stranger.getByText(/企业微信账号未关联台账中的在用账号/).waitFor()
  await stranger.getByRole('button', { name: '返回登录页' }).waitFor()
  await context.close()
  await stranger.context().close()
})
