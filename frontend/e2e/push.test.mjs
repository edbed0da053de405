// Push (issue 15), at 390×844 against the real binary: a cadre turns 消息推送
// on in 我的 and the subscription reaches the server; a reminder pushed to the
// service worker is shown as a notification and, tapped, opens its form.
//
// Two stand-ins, because Chromium here has no push service: the page's
// pushManager.subscribe returns a subscription of the shape a browser gives
// (its endpoint is never called), and the push itself is handed to the
// service worker through the DevTools protocol (ServiceWorker.deliverPushMessage).
// Headless Chromium shows no notification to tap, so the tap is a
// notificationclick event dispatched in the service worker on the
// notification it shows.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { demoCity, shot } from './harness.mjs'

const CADRE = '13800000005' // 孙干部, 红旗村
const server = demoCity()
const { signIn, api } = server

function standInForPushService() {
  // Kept across page loads, as a browser keeps its subscription.
  const saved = () => sessionStorage.getItem('e2e-push')
  const sub = {
    endpoint: 'https://push.example.org/e2e/' + (saved() ?? Math.random().toString(36).slice(2)),
    expirationTime: null,
    toJSON() {
      return { endpoint: this.endpoint, expirationTime: null,
        keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' } }
    },
    async unsubscribe() { sessionStorage.removeItem('e2e-push'); return true },
  }
  PushManager.prototype.subscribe = async function () { sessionStorage.setItem('e2e-push', sub.endpoint.split('/').pop()); return sub }
  PushManager.prototype.getSubscription = async function () { return saved() ? sub : null }
}

test('a cadre turns push on in 我的; a pushed reminder is shown and opens its form', async () => {
  const weekly = (await api(CADRE, 'GET', '/api/v1/forms')).items.find((f) => f.title === '工作周报')
  const { context, page } = await signIn(CADRE)
  await context.grantPermissions(['notifications'], { origin: server.base })
  await context.addInitScript(standInForPushService)
  await page.goto(`${server.base}/me`)
  const toggle = page.getByRole('switch', { name: '消息推送' })
  assert.equal(await toggle.getAttribute('aria-checked'), 'false')
  await toggle.click()
  await page.waitForFunction(() => document.querySelector('[role=switch]')?.getAttribute('aria-checked') === 'true')
  const subs = await api(CADRE, 'GET', '/api/v1/push/subscriptions')
  assert.equal(subs.items.length, 1, 'the subscription reached the server')
  assert.match(subs.items[0].endpoint, /^https:\/\/push\.example\.org\/e2e\//)
  await shot(page, 'me-push-on')

  const cdp = await context.newCDPSession(page)
  const registered = new Promise((resolve) => cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
    const reg = e.registrations.find((r) => r.scopeURL.startsWith(server.base))
    if (reg) resolve(reg.registrationId)
  }))
  await cdp.send('ServiceWorker.enable')
  const registrationId = await registered
  const message = { kind: 'reminder', title: '截止提醒', body: '工作周报将于 12月4日 12:00 截止，红旗村尚未报送，请及时填报。', url: `/fill/${weekly.id}` }
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.base, registrationId, data: JSON.stringify(message) })
  let shown = []
  for (let i = 0; i < 100 && !shown.length; i++) {
    shown = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications())
      .map((n) => ({ title: n.title, body: n.body, url: n.data?.url })))
    if (!shown.length) await new Promise((r) => setTimeout(r, 100))
  }
  assert.deepEqual(shown, [{ title: message.title, body: message.body, url: message.url }], 'the service worker shows the pushed reminder')

  const [worker] = context.serviceWorkers()
  await worker.evaluate(async () => {
    const [n] = await self.registration.getNotifications()
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }))
  })
  await page.waitForURL(`**/fill/${weekly.id}`)

  // Turned off: the server forgets the browser.
  await page.goto(`${server.base}/me`)
  await page.waitForFunction(() => document.querySelector('[role=switch]')?.getAttribute('aria-checked') === 'true') // still on
  await page.getByRole('switch', { name: '消息推送' }).click()
  await page.waitForFunction(() => document.querySelector('[role=switch]')?.getAttribute('aria-checked') === 'false')
  assert.equal((await api(CADRE, 'GET', '/api/v1/push/subscriptions')).items.length, 0)
  await context.close()
})
