// What the phone keeps while offline: drafts (autosaved while typing) and the
// outbox (filings waiting to reach the server). IndexedDB through Dexie; schema
// changes are new versions with upgrades, never a wipe, so an app update never
// loses a draft or an outbox item.
import Dexie, { type EntityTable } from 'dexie'

export type OutboxState = 'waiting' | 'sending' | 'failed' | 'done'

export interface OutboxItem {
  clientId: string // made here; the server files each clientId at most once
  formId: string
  data: Record<string, unknown>
  submit: boolean
  state: OutboxState
  attempts: number
  nextAttemptAt: number // ms since epoch
  lastError?: string // in Chinese, shown on the outbox page
  entryId?: string // once done
  createdAt: number
}

export interface Draft {
  key: string // formId, or formId:entryId when editing a returned entry
  formId: string
  data: Record<string, unknown>
  savedAt: number
}

export class OfflineDB extends Dexie {
  outbox!: EntityTable<OutboxItem, 'clientId'>
  drafts!: EntityTable<Draft, 'key'>

  constructor(name = 'taizhang') {
    super(name)
    this.version(1).stores({
      outbox: 'clientId, state, nextAttemptAt',
      drafts: 'key, formId',
    })
  }
}
