// End-to-end harness: the real binary (built by `make build`) on a free port with
// a fresh data dir and the demo city, and Debian's Chromium driven by
// playwright-core at a phone's size. Screenshots go to frontend/screenshots
// (git-ignored).
import { spawn, execSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before } from 'node:test'
import { chromium } from 'playwright-core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const screenshots = join(root, 'frontend', 'screenshots')

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** startServer runs bin/taizhang with the demo city and resolves its base URL;
 *  stop() ends it and removes its data dir. */
export async function startServer(env = {}) {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'taizhang-e2e-'))
  const proc = spawn(join(root, 'bin', 'taizhang'), ['serve'], {
    env: { ...process.env, TAIZHANG_ADDR: `127.0.0.1:${port}`, TAIZHANG_DATA_DIR: dataDir, TAIZHANG_DEMO: '1', TAIZHANG_LOG_LEVEL: 'error',
      ...env },
    stdio: 'ignore',
  })
  const exited = new Promise((resolve) => proc.once('exit', resolve))
  const stop = async () => {
    proc.kill('SIGTERM')
    await exited
    rmSync(dataDir, { recursive: true, force: true })
  }
  const base = `http://127.0.0.1:${port}`
  // Up to a minute: every file's server starts at once, each filing the demo city's past.
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, stop }
    } catch {}
    await new Promise((r) => setTimeout(r, 50))
  }
  proc.kill('SIGKILL')
  await exited
  rmSync(dataDir, { recursive: true, force: true })
  throw new Error('the server did not become ready')
}

/** Debian's Chromium, and the flags it runs with here (no sandbox, no network of its own). */
export const chromiumPath = () => execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim()
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

let shared = null

/** browserFor is Debian's Chromium, headless: one browser for every test of
 *  the run (e2e/all.mjs loads them into one process); each test opens its own
 *  contexts, and closeBrowser ends it after the last one. */
export function browserFor() {
  mkdirSync(screenshots, { recursive: true })
  shared ??= chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs })
  return shared
}

export async function closeBrowser() {
  if (shared) await (await shared).close()
  shared = null
}

/** phoneContext opens a fresh context at a phone's viewport, in Chinese. */
const phoneContext = (browser) => browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', deviceScaleFactor: 2 })

/** phone opens a page at a phone's viewport in the shared browser. */
export async function phone() {
  const browser = await browserFor()
  const context = await phoneContext(browser)
  return { browser, context, page: await context.newPage() }
}

/** shot saves a full-page screenshot of a main screen. */
export const shot = (page, name) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })

/** signIn opens a fresh phone-sized context and signs in with the demo password. */
export async function signIn(browser, base, phone) {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await page.goto(base + '/login')
  await page.fill('input[name=phone]', phone)
  await page.fill('input[name=password]', 'taizhang2026')
  await page.click('button[type=submit]')
  await page.waitForURL(/\/(todo|stats)$/) // the office lands on its statistics
  return { context, page }
}

/** loginAs signs in through the API with the demo password: {accessToken, refreshToken, user}. */
export async function loginAs(base, phone) {
  const res = await fetch(base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone, password: 'taizhang2026' }),
  })
  return res.json()
}

/** api calls the API as a demo user, the way a client would, to check what the server holds. */
export async function api(base, phone, method, path, body) {
  const login = await loginAs(base, phone)
  const res = await fetch(base + path, {
    method, headers: { Authorization: `Bearer ${login.accessToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { user: login.user, body: await res.json() }
}

/** daysAhead is a Beijing calendar day n days from now, 2026-12-05: a deadline
 *  a form accepts whenever the tests run. */
export const daysAhead = (n) => new Date(Date.now() + 8 * 3600 * 1000 + n * 86400 * 1000).toISOString().slice(0, 10)

/** demoCity starts the binary (with env added, or what an async env() gives) with the demo city before a file's tests and
 *  stops it after them. Its base, browser, signIn (a phone-sized context,
 *  signed in) and api (the answer's body) are ready once the tests run. */
export function demoCity(env = {}) {
  const city = {
    signIn: (phone) => signIn(city.browser, city.base, phone),
    api: async (phone, method, path, body) => (await api(city.base, phone, method, path, body)).body,
  }
  let server
  before(async () => {
    server = await startServer(typeof env === 'function' ? await env() : env)
    city.base = server.base
    city.browser = await browserFor()
  })
  after(async () => {
    await server?.stop()
  })
  return city
}
