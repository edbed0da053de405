// The outbox: a filing is stored on the phone first, then sent when the network
// allows — retried with backoff, on every app start and by Background Sync — and
// never dropped. The clientId makes every retry safe: the server files it once.
// Photos the filing references are uploaded first; an upload is idempotent too
// (the same bytes by the same person are one attachment).
import { ApiError, type Client } from '../api/client'
import { fileSize } from '../api/size'
import type { OfflineDB, OutboxItem, StoredFile } from './db'
import { fileBlob, referencedFiles, sha256Hex } from './files'

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
 * item is never sent twice at once from this page; and one run at a time holds
 * the outbox lock, so a page and the service worker's Background Sync never
 * send the same item (and its files, which may be megabytes) side by side.
 */
export function sync(db: OfflineDB, client: Client, now = Date.now()): Promise<number> {
  running ??= exclusively(() => run(db, client, now)).finally(() => (running = null))
  return running
}

// exclusively runs fn holding a Web Lock shared by this app's pages and its
// service worker; where the browser has none, it just runs fn.
function exclusively<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  return locks ? locks.request('taizhang-outbox', fn) : fn()
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
    const progress = (text: string) => db.outbox.update(item.clientId, { progress: text }).then(() => {})
    const data = await uploadFiles(db, client, item.data, progress)
    const res = await client.request<{ entry: { id: string; notice?: string } }>(`/api/v1/forms/${item.formId}/entries`, {
      method: 'POST',
      body: { clientId: item.clientId, data, submit: item.submit, clientCreatedAt: new Date(item.createdAt).toISOString(),
        ...(item.period ? { period: item.period } : {}) },
    })
    return { state: 'done', attempts, entryId: res.entry.id, notice: res.entry.notice, lastError: undefined, fieldErrors: undefined, progress: undefined, data }
  } catch (e) {
    if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429 && e.status !== 401) {
      const filed = e.errors.find((f) => f.code === 'already_filed')?.params?.entryId
      return { state: 'failed', attempts, lastError: refusal(e), fieldErrors: e.fieldErrors(), progress: undefined,
        filedEntryId: typeof filed === 'string' ? filed : undefined }
    }
    const reason = e instanceof ApiError ? e.message : '网络不可用，稍后自动重试'
    return { state: 'waiting', attempts, lastError: reason, progress: undefined, nextAttemptAt: now + backoff(attempts) }
  }
}

function refusal(e: ApiError): string {
  if (e.errors.some((f) => f.code === 'already_filed') && e.status === 409) return '本单位这一期已经报送过，不能重复报送：请打开已报送的那条修改或补充'
  if (e.status === 413) return '照片或文件太大，服务器拒收：请删除后换一张较小的'
  const fields = e.errors.map((f) => f.message).filter(Boolean)
  return fields.length ? `${e.message}：${fields.join('；')}` : e.message
}

/** uploadFiles sends the photos and files data references that are still only on the phone. */
export async function uploadFiles(db: OfflineDB, client: Client, data: Record<string, unknown>,
  progress: (text: string) => Promise<void> = async () => {}): Promise<Record<string, unknown>> {
  let json = JSON.stringify(data)
  for (const id of new Set(referencedFiles(data))) {
    const file = await db.files.get(id)
    if (!file || file.uploaded) continue
    const stored = file.bytes.byteLength > PIECED_ABOVE && !file.meta
      ? await uploadInPieces(client, fileBlob(file), (sent, total) => progress(`正在上传 ${file.name}：${fileSize(sent)} / ${fileSize(total)}`))
      : await uploadWhole(client, file)
    await db.files.update(id, { uploaded: true })
    if (stored.id !== id) json = json.split(`"${id}"`).join(`"${stored.id}"`) // the server's name wins
  }
  return JSON.parse(json)
}

/** uploadWhole sends a file in one request, with what its original's EXIF said. */
function uploadWhole(client: Client, file: StoredFile): Promise<{ id: string }> {
  const form = new FormData()
  form.append('file', fileBlob(file), file.name)
  // The original's EXIF, which compression removed: sent as the phone's claim.
  if (file.meta?.takenAt) form.append('takenAt', file.meta.takenAt)
  if (file.meta?.lat !== undefined && file.meta.lng !== undefined) {
    form.append('lat', String(file.meta.lat))
    form.append('lng', String(file.meta.lng))
  }
  return client.request<{ id: string }>('/api/v1/attachments', { method: 'POST', body: form })
}

// Files above PIECED_ABOVE (PDFs of several MB; photos are compressed far below
// it) go up in pieces: on a village network a dropped connection costs one
// piece, not the file, and the next attempt asks the server where to go on.
export const PIECED_ABOVE = 1024 * 1024
export const PIECE_BYTES = 512 * 1024

/**
 * uploadInPieces sends a file through the resumable upload API: start (or
 * resume) by its hash and size, then pieces from the offset the server holds.
 * A piece the server already has (409) moves on to the offset it names.
 */
export async function uploadInPieces(client: Client, blob: Blob, progress: (sent: number, total: number) => Promise<void>): Promise<{ id: string }> {
  const sha256 = await sha256Hex(await blob.arrayBuffer())
  const up = await client.request<{ uploadId: string; offset: number }>('/api/v1/attachments/uploads', {
    method: 'POST', body: { sha256, size: blob.size },
  })
  let offset = up.offset
  let conflicts = 0 // in a row: another tab or a retry sending the same file
  for (;;) {
    await progress(offset, blob.size)
    const end = Math.min(offset + PIECE_BYTES, blob.size)
    try {
      const res = await client.request<{ id?: string; offset?: number }>(`/api/v1/attachments/uploads/${up.uploadId}`, {
        method: 'PATCH', body: blob.slice(offset, end), headers: { 'Content-Range': `bytes ${offset}-${end - 1}/${blob.size}` },
      })
      if (res.id) return { id: res.id }
      offset = res.offset ?? end
      conflicts = 0
    } catch (e) {
      const at = e instanceof ApiError && e.status === 409 ? e.errors.find((f) => f.code === 'wrong_offset')?.params?.offset : undefined
      if (typeof at !== 'number' || ++conflicts > 3) throw e
      offset = at
    }
  }
}
