// The outbox: a filing is stored on the phone first, then sent when the network
// allows — retried with backoff, on every app start and by Background Sync — and
// never dropped. The clientId makes every retry safe: the server files it once.
// Photos the filing references are uploaded first; an upload is idempotent too
// (the same bytes by the same person are one attachment).
import { ApiError, type Client } from '../api/client'
import type { OfflineDB, OutboxItem } from './db'
import { fileBlob, referencedFiles } from './files'

const MAX_BACKOFF_MS = 10 * 60 * 1000

/** enqueue stores a filing for sending and returns its clientId. */
export async function enqueue(
  db: OfflineDB,
  formId: string,
  data: Record<string, unknown>,
  submit: boolean,
  now = Date.now(),
  title?: string,
  entryTitle?: string,
  period?: string,
): Promise<string> {
  const clientId = crypto.randomUUID()
  await db.outbox.add({ clientId, formId, title, entryTitle, period, data: plain(data), submit, state: 'waiting', attempts: 0, nextAttemptAt: now, createdAt: now })
  return clientId
}

/** backoff is the wait before attempt n+1: 5 s doubling, at most 10 minutes. */
export function backoff(attempts: number): number {
  return Math.min(5000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS)
}

let running: Promise<number> | null = null

/**
 * sync sends every item that is due and returns how many were filed. Server
 * refusals (bad data, a clientId reused with other content) mark the item failed
 * with the reason, kept for the user to see and fix; network errors, 5xx and 429
 * leave it waiting for a later attempt. Concurrent calls share one run, so an
 * item is never sent twice at once from this page.
 */
export function sync(db: OfflineDB, client: Client, now = Date.now()): Promise<number> {
  running ??= run(db, client, now).finally(() => (running = null))
  return running
}

async function run(db: OfflineDB, client: Client, now: number): Promise<number> {
  // Items left 'sending' by a closed page are retried: the clientId makes it safe.
  const due = await db.outbox.filter((i) => (i.state === 'waiting' || i.state === 'sending') && i.nextAttemptAt <= now).toArray()
  let filed = 0
  for (const item of due.sort((a, b) => a.createdAt - b.createdAt)) {
    await db.outbox.update(item.clientId, { state: 'sending' })
    const outcome = await attempt(db, client, item, now)
    await db.outbox.update(item.clientId, outcome)
    if (outcome.state === 'done') filed++
  }
  return filed
}

/** retry puts a failed item back in line, after the user fixed what was wrong. */
export async function retry(db: OfflineDB, clientId: string, data?: Record<string, unknown>): Promise<void> {
  await db.outbox.update(clientId, {
    state: 'waiting', nextAttemptAt: 0, lastError: undefined, fieldErrors: undefined, ...(data ? { data: plain(data) } : {}),
  })
}

// plain copies form data out of Vue's reactive proxies, which IndexedDB cannot store.
const plain = (data: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(data))

async function attempt(db: OfflineDB, client: Client, item: OutboxItem, now: number): Promise<Partial<OutboxItem>> {
  const attempts = item.attempts + 1
  try {
    const data = await uploadFiles(db, client, item.data)
    const res = await client.request<{ entry: { id: string; notice?: string } }>(`/api/v1/forms/${item.formId}/entries`, {
      method: 'POST',
      body: { clientId: item.clientId, data, submit: item.submit, clientCreatedAt: new Date(item.createdAt).toISOString(),
        ...(item.period ? { period: item.period } : {}) },
    })
    return { state: 'done', attempts, entryId: res.entry.id, notice: res.entry.notice, lastError: undefined, fieldErrors: undefined, data }
  } catch (e) {
    if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429 && e.status !== 401) {
      const filed = e.errors.find((f) => f.code === 'already_filed')?.params?.entryId
      return { state: 'failed', attempts, lastError: refusal(e), fieldErrors: e.fieldErrors(), filedEntryId: typeof filed === 'string' ? filed : undefined }
    }
    const reason = e instanceof ApiError ? e.message : '网络不可用，稍后自动重试'
    return { state: 'waiting', attempts, lastError: reason, nextAttemptAt: now + backoff(attempts) }
  }
}

function refusal(e: ApiError): string {
  if (e.errors.some((f) => f.code === 'already_filed') && e.status === 409) return '本单位这一期已经报送过，不能重复报送：请打开已报送的那条修改或补充'
  if (e.status === 413) return '照片或文件太大，服务器拒收：请删除后换一张较小的'
  const fields = e.errors.map((f) => f.message).filter(Boolean)
  return fields.length ? `${e.message}：${fields.join('；')}` : e.message
}

/** uploadFiles sends the photos data references that are still only on the phone. */
export async function uploadFiles(db: OfflineDB, client: Client, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  let json = JSON.stringify(data)
  for (const id of new Set(referencedFiles(data))) {
    const file = await db.files.get(id)
    if (!file || file.uploaded) continue
    const form = new FormData()
    form.append('file', fileBlob(file), file.name)
    // The original's EXIF, which compression removed: sent as the phone's claim.
    if (file.meta?.takenAt) form.append('takenAt', file.meta.takenAt)
    if (file.meta?.lat !== undefined && file.meta.lng !== undefined) {
      form.append('lat', String(file.meta.lat))
      form.append('lng', String(file.meta.lng))
    }
    const stored = await client.request<{ id: string }>('/api/v1/attachments', { method: 'POST', body: form })
    await db.files.update(id, { uploaded: true })
    if (stored.id !== id) json = json.split(`"${id}"`).join(`"${stored.id}"`) // the server's name wins
  }
  return JSON.parse(json)
}
