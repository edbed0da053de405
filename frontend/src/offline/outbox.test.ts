import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { Client, type Session } from '../api/client'
import { OfflineDB } from './db'
import { backoff, enqueue, sync } from './outbox'

const session: Session = { tokens: () => ({ accessToken: 'a', refreshToken: 'r' }), setTokens: () => {} }
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status })

// A fake server that files each clientId once, like the real one.
function server(mode: { down?: boolean; refuse?: boolean } = {}) {
  const filed = new Map<string, string>()
  const fetchFn = (async (_url: string, init: RequestInit) => {
    if (mode.down) throw new TypeError('Failed to fetch')
    const body = JSON.parse(String(init.body))
    if (mode.refuse) return json(422, { code: 'unprocessable', detail: '填报内容有 1 处需要修改', errors: [] })
    const id = filed.get(body.clientId) ?? `entry-${filed.size + 1}`
    const created = !filed.has(body.clientId)
    filed.set(body.clientId, id)
    return json(created ? 201 : 200, { entry: { id } })
  }) as unknown as typeof fetch
  return { filed, client: new Client(session, fetchFn), mode }
}

let n = 0
const freshDB = () => new OfflineDB(`test-${++n}`)

describe('outbox', () => {
  it('keeps a filing while offline and sends it exactly once when back online', async () => {
    const db = freshDB()
    const s = server({ down: true })
    const id = await enqueue(db, 'weekly', { progress: '本周走访十二户' }, true, 0)
    await sync(db, s.client, 0)
    let item = await db.outbox.get(id)
    expect(item?.state).toBe('waiting')
    expect(item?.lastError).toContain('网络')
    expect(item?.nextAttemptAt).toBe(backoff(1))
    s.mode.down = false
    await sync(db, s.client, 1000) // not yet due: nothing is sent
    expect(s.filed.size).toBe(0)
    await sync(db, s.client, backoff(1))
    await sync(db, s.client, backoff(1) + 1) // a second sync sends nothing more
    item = await db.outbox.get(id)
    expect(item?.state).toBe('done')
    expect(item?.entryId).toBe('entry-1')
    expect(s.filed.size).toBe(1)
  })

  it('retries an item a closed page left "sending", safely', async () => {
    const db = freshDB()
    const s = server()
    const id = await enqueue(db, 'weekly', { progress: 'x' }, true, 0)
    s.filed.set(id, 'entry-9') // the server got it before the page closed
    await db.outbox.update(id, { state: 'sending' })
    await sync(db, s.client, 0)
    expect((await db.outbox.get(id))?.entryId).toBe('entry-9')
    expect(s.filed.size).toBe(1)
  })

  it('never drops a refused filing', async () => {
    const db = freshDB()
    const s = server({ refuse: true })
    const id = await enqueue(db, 'weekly', {}, true, 0)
    await sync(db, s.client, 0)
    await sync(db, s.client, 10 * 60 * 1000)
    const item = await db.outbox.get(id)
    expect(item?.state).toBe('failed')
    expect(item?.lastError).toBe('填报内容有 1 处需要修改')
    expect(await db.outbox.count()).toBe(1)
  })

  it('backs off up to ten minutes', () => {
    expect([1, 2, 3, 10, 20].map(backoff)).toEqual([5000, 10000, 20000, 600000, 600000])
  })
})
