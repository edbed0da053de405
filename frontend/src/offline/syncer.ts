// When the outbox is sent: at every app start, whenever the phone comes back
// online, on a timer while items wait (the outbox's own backoff decides which are
// due), and by Background Sync where the browser has it — then the service worker
// sends the outbox even after the page is closed.
import type { Client } from '../api/client'
import type { OfflineDB } from './db'
import { sync } from './outbox'

const TICK_MS = 5000
export const SYNC_TAG = 'taizhang-outbox'

/** startSyncing runs sync now and on every trigger; it returns a stop function. */
export function startSyncing(
  db: OfflineDB,
  client: Client,
  onSynced: (filed: number) => void = () => {},
  enabled: () => boolean = () => true, // e.g. only while signed in
): () => void {
  const kick = () => {
    if ((typeof navigator !== 'undefined' && navigator.onLine === false) || !enabled()) return
    sync(db, client).then(onSynced, () => {})
  }
  kick()
  window.addEventListener('online', kick)
  const timer = window.setInterval(kick, TICK_MS)
  return () => {
    window.removeEventListener('online', kick)
    window.clearInterval(timer)
  }
}

/** askBackgroundSync registers a one-off Background Sync, where supported. */
export async function askBackgroundSync(): Promise<void> {
  try {
    const reg = await navigator.serviceWorker?.ready
    const syncManager = (reg as unknown as { sync?: { register(tag: string): Promise<void> } })?.sync
    await syncManager?.register(SYNC_TAG)
  } catch {
    // Not supported or refused: the page's own triggers still send the outbox.
  }
}
