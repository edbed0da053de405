// make lighthouse: Lighthouse 12.8 (mobile emulation, its default) on Debian's
// Chromium against the real binary with the demo city. It audits the sign-in
// page a newcomer lands on and, signed in as a cadre, the 待办 page; prints the
// performance and accessibility scores and exits non-zero below the budgets
// (performance 0.9, accessibility 0.95). Kept out of `make test`: scores move
// with the machine's load, and timed thresholds do not belong in tests.
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath, loginAs, screenshots, startServer } from '../e2e/harness.mjs'

const chromePath = process.env.CHROME_PATH || chromiumPath()
const server = await startServer()
const chrome = await chromeLauncher.launch({
  chromePath,
  chromeFlags: chromiumArgs,
})

// A cadre's session, stored the way the app stores it, for the signed-in page.
const login = await loginAs(server.base, '13800000005')
const session = JSON.stringify({ tokens: { accessToken: login.accessToken, refreshToken: login.refreshToken }, user: login.user })

const pages = [
  { name: 'login', url: server.base + '/login' },
  { name: 'todo', url: server.base + '/todo', session },
]
const budgets = { performance: 0.9, accessibility: 0.95 }
let failed = false
mkdirSync(screenshots, { recursive: true })
try {
  for (const p of pages) {
    const flags = { port: chrome.port, output: 'html', onlyCategories: ['performance', 'accessibility'], logLevel: 'error' }
    if (p.session) {
      // Lighthouse clears storage by default; sign in through localStorage first and keep it.
      flags.disableStorageReset = true
      await seed(p.url, p.session)
    }
    const result = await lighthouse(p.url, flags)
    writeFileSync(join(screenshots, `lighthouse-${p.name}.html`), result.report)
    const scores = Object.fromEntries(Object.entries(result.lhr.categories).map(([k, c]) => [k, c.score]))
    console.log(`${p.name}: performance ${scores.performance}, accessibility ${scores.accessibility}`)
    for (const ref of result.lhr.categories.accessibility.auditRefs) {
      const a = result.lhr.audits[ref.id]
      if (ref.weight > 0 && a.score !== null && a.score < 1) {
        const where = (a.details?.items ?? []).map((i) => i.node?.snippet ?? i.node?.selector).filter(Boolean).slice(0, 5)
        console.log(`  accessibility: ${a.id} — ${a.title} ${where.join(' | ')}`)
      }
    }
    for (const [k, min] of Object.entries(budgets)) {
      if (scores[k] < min) {
        failed = true
        const audits = Object.values(result.lhr.audits).filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative')
        console.log(`  ${k} below ${min}; audits to look at: ${audits.map((a) => a.id).join(', ')}`)
      }
    }
  }
} finally {
  await chrome.kill()
  server.stop()
}
process.exit(failed ? 1 : 0)

// seed opens the origin in the same Chrome and stores the session there.
async function seed(url, value) {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`)
  const page = await browser.contexts()[0].newPage()
  await page.goto(new URL('/login', url).href)
  await page.evaluate((v) => localStorage.setItem('taizhang.session', v), value)
  await page.close()
  await browser.close()
}
