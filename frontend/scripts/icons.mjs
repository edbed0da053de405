// Renders the app icons (public/icons) with Debian's Chromium: a red square with
// 台账 in white. The maskable one keeps the text inside the 80% safe zone.
// Run once after changing the design: node scripts/icons.mjs
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath } from '../e2e/harness.mjs'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons')
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs })
const page = await browser.newPage()

async function icon(file, size, textScale, radius) {
  await page.setViewportSize({ width: size, height: size })
  await page.setContent(`<html><body style="margin:0"><div style="width:${size}px;height:${size}px;background:#c9151e;border-radius:${radius}%;
    display:flex;align-items:center;justify-content:center;color:#fff;font:700 ${Math.round(size * textScale)}px 'Noto Sans CJK SC','Noto Serif CJK SC',sans-serif;letter-spacing:-0.02em">台账</div></body></html>`)
  await page.screenshot({ path: join(out, file), omitBackground: true })
}

await icon('icon-192.png', 192, 0.36, 18)
await icon('icon-512.png', 512, 0.36, 18)
await icon('maskable-512.png', 512, 0.28, 0)
await icon('apple-touch-icon.png', 180, 0.36, 0)
await browser.close()
