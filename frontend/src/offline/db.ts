// What the phone keeps while offline: drafts (autosaved while typing), the
// outbox (filings waiting to reach the server), the photos they reference, form
// schemas for filling without a network, and the tokens the service worker needs
// to sync in the background. IndexedDB through Dexie; schema changes are new
// versions with upgrades, never a wipe, so an app update never loses a draft or
// an outbox item.
import Dexie, { type EntityTable } from 'dexie'
import type { PhotoMeta } from './exif'

export type OutboxState = 'waiting' | 'sending' | 'failed' | 'done'

export interface OutboxItem {
  clientId: string // made here; the server files each clientId at most once
  formId: string
  title?: string // the form's title, for the outbox page
  entryTitle?: string // the entry's own (forms/title.ts)
  notice?: string // what the server said beyond "filed" (nobody can review it)
  data: Record<string, unknown>
  submit: boolean
  state: OutboxState
  attempts: number
  nextAttemptAt: number // ms since epoch
  lastError?: string // in Chinese, shown on the outbox page
  progress?: string // while a large file goes up: how much of it has, in Chinese
  fieldErrors?: Record<string, string> // the server's, by field path, shown when the cadre fixes the item
  entryId?: string // once done
  period?: string // a late filing (补报) for this earlier round; empty: the current one
  filedEntryId?: string // refused: the unit already filed this round, in this entry
  createdAt: number
}

export interface Draft {
  key: string // formId, or formId:entryId when editing a returned entry
  formId: string
  data: Record<string, unknown>
  savedAt: number
}

/**
 * A photo or file taken on the phone, kept until the server has it. Bytes are
 * stored as an ArrayBuffer, not a Blob: some mobile browsers have lost Blobs
 * kept in IndexedDB.
 */
export interface StoredFile {
  id: string // the attachment id the server will give it (see files.ts)
  bytes: ArrayBuffer
  type: string
  name: string
  uploaded: boolean
  createdAt: number
  meta?: PhotoMeta // what the camera wrote, read before compression removed it
}

export interface KV {
  key: string
  value: unknown
}

export class OfflineDB extends Dexie {
  outbox!: EntityTable<OutboxItem, 'clientId'>
  drafts!: EntityTable<Draft, 'key'>
  files!: EntityTable<StoredFile, 'id'>
  kv!: EntityTable<KV, 'key'>

  constructor(name = 'taizhang') {
    super(name)
    this.version(1).stores({
      outbox: 'clientId, state, nextAttemptAt',
      drafts: 'key, formId',
    })
    // Version 2 adds tables only: every draft and outbox item of version 1 stays.
    this.version(2).stores({
      outbox: 'clientId, state, nextAttemptAt',
      drafts: 'key, formId',
      files: 'id, uploaded',
      kv: 'key',
    })
  }
}

let shared: OfflineDB | null = null

/** offlineDB is the app's one database. */
export function offlineDB(): OfflineDB {
  shared ??= new OfflineDB()
  return shared
}

/** quotaMessage explains a full device in words a cadre can act on. */
export function quotaMessage(e: unknown): string | null {
  const name = (e as { name?: string; inner?: { name?: string } })?.name
  const inner = (e as { inner?: { name?: string } })?.inner?.name
  if (name === 'QuotaExceededError' || inner === 'QuotaExceededError') {
    return '手机存储空间已满：已保存的内容都还在，请清理手机空间后再继续'
  }
  return null
}
