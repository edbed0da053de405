// The outbox: a filing is stored on the phone first, then sent when the network
// allows — retried with backoff, on every app start and by Background Sync — and
// never dropped. The clientId makes every retry safe: the server files it once.
import { ApiError, type Client } from '../api/client'
import type { OfflineDB, OutboxItem } from './db'

const MAX_BACKOFF_MS = 10 * 60 * 1000

/** enqueue stores a filing for sending and returns its clientId. */
export async function enqueue(db: OfflineDB, formId: string, data: Record<string, unknown>, submit: boolean, now = Date.now()): Promise<string> {
  const clientId = crypto.randomUUID()
  await db.outbox.add({ clientId, formId, data, submit, state: 'waiting', attempts: 0, nextAttemptAt: now, createdAt: now })
  return clientId
}

/** backoff is the wait before attempt n+1: 5 s doubling, at most 10 minutes. */
export function backoff(attempts: number): number {
  return Math.min(5000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS)
}

/**
 * sync sends every item that is due. Server refusals (bad data, a clientId reused
 * with other content) mark the item failed with the reason, kept for the user to
 * see and fix; network errors, 5xx and 429 leave it waiting for a later attempt.
 */
export async function sync(db: OfflineDB, client: Client, now = Date.now()): Promise<void> {
  // Items left 'sending' by a closed page are retried: the clientId makes it safe.
  const due = await db.outbox.filter((i) => (i.state === 'waiting' || i.state === 'sending') && i.nextAttemptAt <= now).toArray()
  for (const item of due) {
    await db.outbox.update(item.clientId, { state: 'sending' })
    await db.outbox.update(item.clientId, await attempt(client, item, now))
  }
}

async function attempt(client: Client, item: OutboxItem, now: number): Promise<Partial<OutboxItem>> {
  const attempts = item.attempts + 1
  try {
    const res = await client.request<{ entry: { id: string } }>(`/api/v1/forms/${item.formId}/entries`, {
      method: 'POST',
      body: { clientId: item.clientId, data: item.data, submit: item.submit, clientCreatedAt: new Date(item.createdAt).toISOString() },
    })
    return { state: 'done', attempts, entryId: res.entry.id, lastError: undefined }
  } catch (e) {
    if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429 && e.status !== 401) {
      return { state: 'failed', attempts, lastError: e.message }
    }
    const reason = e instanceof ApiError ? e.message : '网络不可用，稍后自动重试'
    return { state: 'waiting', attempts, lastError: reason, nextAttemptAt: now + backoff(attempts) }
  }
}
