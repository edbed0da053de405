import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { OfflineDB, quotaMessage } from './db'

describe('the offline database', () => {
  it('keeps every draft and outbox item of an older app version when upgraded', async () => {
    // The database as version 1 of the app left it on a phone.
    const old = new Dexie('upgrade-test')
    old.version(1).stores({ outbox: 'clientId, state, nextAttemptAt', drafts: 'key, formId' })
    await old.table('drafts').put({ key: 'weekly', formId: 'weekly', data: { progress: '未写完的周报' }, savedAt: 1 })
    await old.table('outbox').put({ clientId: 'c1', formId: 'weekly', data: { progress: '待发送' }, submit: true, state: 'waiting', attempts: 2, nextAttemptAt: 0, createdAt: 1 })
    old.close()

    const db = new OfflineDB('upgrade-test')
    expect((await db.drafts.get('weekly'))?.data).toEqual({ progress: '未写完的周报' })
    expect((await db.outbox.get('c1'))?.attempts).toBe(2)
    await db.files.put({ id: 'f', bytes: new ArrayBuffer(1), type: 'image/jpeg', name: 'a.jpg', uploaded: false, createdAt: 0 })
    expect(await db.files.count()).toBe(1)
  })

  it('explains a full device in Chinese', () => {
    expect(quotaMessage({ name: 'QuotaExceededError' })).toContain('存储空间已满')
    expect(quotaMessage({ name: 'AbortError', inner: { name: 'QuotaExceededError' } })).toContain('已保存的内容都还在')
    expect(quotaMessage(new Error('other'))).toBeNull()
  })
})
