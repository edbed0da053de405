/// <reference lib="webworker" />
// The service worker: the app shell from the precache (so the PWA opens with no
// network), API calls always to the network, and Background Sync sending the
// outbox after the page is gone. An update waits until the user accepts it (the
// page asks), and IndexedDB is never touched by an update.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { CacheFirst } from 'workbox-strategies'
import { Client } from './api/client'
import { OfflineDB } from './offline/db'
import { sync } from './offline/outbox'
import { SYNC_TAG } from './offline/syncer'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<string | { url: string; revision: string | null }> }

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
// The chart code, left out of the precache: kept after its first use. Its
// name carries a content hash, so a kept copy is never stale.
registerRoute(({ url }) => /^\/assets\/echarts-[\w-]+\.js$/.test(url.pathname), new CacheFirst({ cacheName: 'charts' }))
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/healthz/, /^\/readyz/, /^\/metrics/] }))

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') self.skipWaiting()
})

self.addEventListener('sync', (event) => {
  const e = event as ExtendableEvent & { tag: string }
  if (e.tag === SYNC_TAG) e.waitUntil(syncInBackground())
})

async function syncInBackground(): Promise<void> {
  const db = new OfflineDB()
  const saved = (await db.kv.get('tokens'))?.value as { accessToken: string; refreshToken: string } | null
  if (!saved) return
  // An expired access token cannot be refreshed here; the items wait for the page.
  const client = new Client({ tokens: () => saved, setTokens: () => {} })
  await sync(db, client)
}

// A pushed reminder: shown as a notification that opens its page. Only pages
// of this app are opened, whatever the payload says.
self.addEventListener('push', (event) => {
  let m: { kind?: string; title?: string; body?: string; url?: string } = {}
  try {
    m = event.data?.json() ?? {}
  } catch {
    m = { body: event.data?.text() }
  }
  event.waitUntil(self.registration.showNotification(m.title || '台账消息', {
    body: m.body ?? '', tag: m.kind, icon: '/icons/icon-192.png', badge: '/icons/icon-192.png', data: { url: m.url || '/messages' },
  }))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const target = new URL(event.notification.data?.url ?? '/messages', self.location.origin)
  const path = target.origin === self.location.origin ? target.pathname + target.search : '/messages'
  event.waitUntil(openPage(path))
})

// openPage shows a page of the app: an open window routes to it itself (no
// reload, whether or not this worker controls it yet), else a new window opens.
async function openPage(path: string): Promise<unknown> {
  const [w] = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  if (!w) return self.clients.openWindow(path)
  w.postMessage({ type: 'OPEN_PAGE', path })
  return w.focus().catch(() => w) // focusing needs the tap's activation
}
