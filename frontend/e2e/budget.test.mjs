// The PWA's budgets and installability, checked on the built files and the real
// binary: initial JavaScript ≤ 150 KB gzip with the administrator's code split
// out, a manifest with a maskable icon, a service worker, and cache headers
// that never pin a phone to an old release.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { startServer } from './harness.mjs'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'webui', 'dist')
const index = readFileSync(join(dist, 'index.html'), 'utf8')
const initial = [...index.matchAll(/<(?:script type="module"[^>]*src|link rel="modulepreload"[^>]*href)="\/([^"]+)"/g)].map((m) => m[1])
let server

before(async () => (server = await startServer()))
after(() => server?.stop())

test('initial JavaScript is at most 150 KB gzip, without the administrator pages', () => {
  assert.ok(initial.length > 0, 'index.html names its scripts')
  const bytes = initial.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file))).length, 0)
  console.log(`initial JS: ${(bytes / 1024).toFixed(1)} KB gzip in ${initial.length} files`)
  assert.ok(bytes <= 150 * 1024, `initial JS is ${bytes} bytes gzip`)
  assert.ok(!initial.some((f) => /FormBuilder|Admin/.test(f)), 'admin code is loaded on demand')
})

test('installable: a manifest with a maskable icon and a service worker', async () => {
  const manifest = await (await fetch(server.base + '/manifest.webmanifest')).json()
  assert.equal(manifest.display, 'standalone')
  assert.equal(manifest.lang, 'zh-CN')
  assert.ok(manifest.icons.some((i) => i.purpose === 'maskable' && i.sizes === '512x512'))
  for (const icon of manifest.icons) assert.equal((await fetch(server.base + icon.src)).status, 200, icon.src)
  const sw = await fetch(server.base + '/sw.js')
  assert.equal(sw.status, 200)
  assert.match(await sw.text(), /taizhang-outbox/) // Background Sync of the outbox
})

test('hashed assets are immutable; index.html and the service worker are revalidated', async () => {
  const asset = initial[0]
  assert.match((await fetch(`${server.base}/${asset}`)).headers.get('cache-control'), /immutable/)
  for (const path of ['/', '/todo', '/sw.js', '/manifest.webmanifest']) {
    assert.equal((await fetch(server.base + path)).headers.get('cache-control'), 'no-cache', path)
  }
})
