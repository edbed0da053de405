import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { Client, type Session } from '../api/client'
import { OfflineDB } from './db'
import { PIECE_BYTES, backoff, enqueue, retry, sync, uploadInPieces } from './outbox'
import { keepFile } from './files'

const session: Session = { tokens: () => ({ accessToken: 'a', refreshToken: 'r' }), setTokens: () => {} }
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status })

// A fake server that files each clientId once, like the real one, and takes
// uploads (naming them as the phone does, unless told to rename them).
function server(mode: { down?: boolean; refuse?: boolean; tooLarge?: boolean; rename?: boolean; filedAs?: string } = {}) {
  const filed = new Map<string, string>()
  const uploads: string[] = []
  const claims: (string | null)[][] = [] // takenAt, lat, lng of each upload
  const bodies: Record<string, unknown>[] = []
  const fetchFn = (async (url: string, init: RequestInit) => {
    if (mode.down) throw new TypeError('Failed to fetch')
    if (url === '/api/v1/attachments') {
      if (mode.tooLarge) return json(413, { code: 'too_large', detail: '文件过大' })
      const file = (init.body as FormData).get('file') as Blob
      uploads.push(await file.text())
      const form = init.body as FormData
      claims.push(['takenAt', 'lat', 'lng'].map((k) => form.get(k) as string | null))
      return json(201, { id: mode.rename ? 'f'.repeat(24) : 'ab'.repeat(12) })
    }
    const body = JSON.parse(String(init.body))
    bodies.push(body)
    if (mode.refuse) return json(422, { code: 'unprocessable', detail: '填报内容有 1 处需要修改', errors: [] })
    if (mode.filedAs) return json(409, { code: 'conflict', detail: '本单位这一期已经报送过，请打开已报送的记录',
      errors: [{ field: 'period', code: 'already_filed', message: '本单位这一期已有记录', params: { entryId: mode.filedAs, period: '2026-W49' } }] })
    const id = filed.get(body.clientId) ?? `entry-${filed.size + 1}`
    const created = !filed.has(body.clientId)
    filed.set(body.clientId, id)
    return json(created ? 201 : 200, { entry: { id } })
  }) as unknown as typeof fetch
  return { filed, uploads, claims, bodies, client: new Client(session, fetchFn), mode }
}

let n = 0
const freshDB = () => new OfflineDB(`test-${++n}`)

describe('outbox', () => {
  it('sends the round of a late filing (补报), and names the entry when the round was filed already', async () => {
    const db = freshDB()
    const s = server()
    const late = await enqueue(db, 'weekly', { progress: '本周走访十二户' }, true, 0, '工作周报', undefined, '2026-W47')
    await sync(db, s.client, 0)
    expect(s.bodies[0]?.period).toBe('2026-W47')
    expect((await db.outbox.get(late))?.state).toBe('done')

    s.mode.filedAs = 'entry-9'
    const second = await enqueue(db, 'weekly', { progress: '本周走访十三户' }, true, 1)
    await sync(db, s.client, 1)
    const item = await db.outbox.get(second)
    expect(s.bodies[1]).not.toHaveProperty('period')
    expect(item?.state).toBe('failed')
    expect(item?.filedEntryId).toBe('entry-9')
    expect(item?.lastError).toContain('已经报送过')
  })

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

  it('uploads the photos a filing references first, once', async () => {
    const db = freshDB()
    const s = server()
    await db.files.put({ id: 'ab'.repeat(12), bytes: new TextEncoder().encode('jpeg').buffer as ArrayBuffer, type: 'image/jpeg', name: 'a.jpg', uploaded: false, createdAt: 0 })
    await enqueue(db, 'shishi', { photos: ['ab'.repeat(12)] }, true, 0)
    await enqueue(db, 'shishi', { photos: ['ab'.repeat(12)] }, true, 0)
    expect(await sync(db, s.client, 0)).toBe(2)
    expect(s.uploads).toEqual(['jpeg']) // the stored bytes, sent once
    expect((await db.files.get('ab'.repeat(12)))?.uploaded).toBe(true)
  })

  it('sends what the camera wrote, read before compression, with the photo', async () => {
    const db = freshDB()
    const s = server()
    await db.files.put({ id: 'ab'.repeat(12), bytes: new TextEncoder().encode('jpeg').buffer as ArrayBuffer, type: 'image/jpeg', name: 'a.jpg',
      uploaded: false, createdAt: 0, meta: { takenAt: '2026-10-28T09:15:30+08:00', lat: 30.63, lng: 120.15 } })
    await db.files.put({ id: 'cd'.repeat(12), bytes: new TextEncoder().encode('png').buffer as ArrayBuffer, type: 'image/png', name: 'b.png', uploaded: false, createdAt: 0 })
    await enqueue(db, 'shishi', { photos: ['ab'.repeat(12), 'cd'.repeat(12)] }, true, 0)
    await sync(db, s.client, 0)
    expect(s.claims).toEqual([['2026-10-28T09:15:30+08:00', '30.63', '120.15'], [null, null, null]])
  })

  it("uses the server's name for a photo if it differs", async () => {
    const db = freshDB()
    const s = server({ rename: true })
    await db.files.put({ id: 'ab'.repeat(12), bytes: new TextEncoder().encode('jpeg').buffer as ArrayBuffer, type: 'image/jpeg', name: 'a.jpg', uploaded: false, createdAt: 0 })
    await enqueue(db, 'shishi', { photos: ['ab'.repeat(12)] }, true, 0)
    await sync(db, s.client, 0)
    expect(s.bodies[0].data).toEqual({ photos: ['f'.repeat(24)] })
  })

  it('keeps a filing whose photo is too large, saying so, and sends it once fixed', async () => {
    const db = freshDB()
    const s = server({ tooLarge: true })
    await db.files.put({ id: 'ab'.repeat(12), bytes: new TextEncoder().encode('jpeg').buffer as ArrayBuffer, type: 'image/jpeg', name: 'a.jpg', uploaded: false, createdAt: 0 })
    const id = await enqueue(db, 'shishi', { title: '修路', photos: ['ab'.repeat(12)] }, true, 0)
    await sync(db, s.client, 0)
    expect((await db.outbox.get(id))?.state).toBe('failed')
    expect((await db.outbox.get(id))?.lastError).toContain('太大')
    await retry(db, id, { title: '修路' }) // the cadre removed the photo
    await sync(db, s.client, 0)
    expect((await db.outbox.get(id))?.state).toBe('done')
    expect(s.filed.get(id)).toBeDefined()
  })

  it('keeps waiting on an expired session instead of failing', async () => {
    const db = freshDB()
    const fetchFn = (async () => json(401, { code: 'unauthorized', detail: '请重新登录' })) as unknown as typeof fetch
    const id = await enqueue(db, 'weekly', {}, true, 0)
    await sync(db, new Client(session, fetchFn), 0)
    expect((await db.outbox.get(id))?.state).toBe('waiting')
  })

  it('runs one sync at a time, so concurrent triggers never send an item twice', async () => {
    const db = freshDB()
    const s = server()
    await enqueue(db, 'weekly', {}, true, 0)
    await Promise.all([sync(db, s.client, 0), sync(db, s.client, 0), sync(db, s.client, 0)])
    expect(s.bodies.length).toBe(1)
  })

  it('names a photo as the server will (attachments.IDFor)', async () => {
    const db = freshDB()
    const id = await keepFile(db, 'user-1', new Blob(['hello']), 'h.txt')
    expect(id).toBe('d57754517d0ea793394cb32f') // the vector in attachments/id_test.go
  })

  it('backs off up to ten minutes', () => {
    expect([1, 2, 3, 10, 20].map(backoff)).toEqual([5000, 10000, 20000, 600000, 600000])
  })
})

describe('photo sizes', () => {
  it('fits photos within 1600 px on the long side, never enlarging', async () => {
    const { fitWithin } = await import('./files')
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 })
    expect(fitWithin(1688, 780)).toEqual({ width: 1600, height: 739 })
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 })
  })
})

describe('a large file', () => {
  // A fake of the resumable upload API (api/attachments.go): start by hash
  // and size, pieces in order, 409 naming the offset to go on from. It can
  // lose its answer to a piece it stored, and answer a start with a stale offset.
  function piecedServer(opts: { loseAnswerTo?: number; staleStart?: boolean } = {}) {
    const pieces: Uint8Array[] = []
    let held = 0
    let size = 0
    const s = { patches: 0, oneShot: 0, bodies: [] as Record<string, unknown>[], received: () => new Uint8Array(Buffer.concat(pieces)) }
    const fetchFn = (async (url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>
      if (url === '/api/v1/attachments/uploads') {
        size = JSON.parse(String(init.body)).size
        return json(201, { uploadId: 'up-1', offset: opts.staleStart ? 0 : held })
      }
      if (url === '/api/v1/attachments/uploads/up-1') {
        s.patches++
        const [, first] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers['Content-Range'])!
        if (Number(first) !== held) {
          return json(409, { code: 'conflict', detail: `应从第 ${held} 字节继续上传`,
            errors: [{ field: 'Content-Range', code: 'wrong_offset', message: '', params: { offset: held } }] })
        }
        expect(headers['Content-Type']).toBe('application/octet-stream')
        const piece = new Uint8Array(await (init.body as Blob).arrayBuffer())
        pieces.push(piece)
        held += piece.length
        if (s.patches === opts.loseAnswerTo) throw new TypeError('Failed to fetch')
        return held === size ? json(201, { id: 'ef'.repeat(12) }) : json(200, { uploadId: 'up-1', offset: held })
      }
      if (url === '/api/v1/attachments') {
        s.oneShot++
        return json(201, { id: 'ab'.repeat(12) })
      }
      s.bodies.push(JSON.parse(String(init.body)))
      return json(201, { entry: { id: 'entry-1' } })
    }) as unknown as typeof fetch
    return { ...s, s, client: new Client(session, fetchFn) }
  }
  // same compares bytes without vitest's element-by-element diff of megabytes.
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))
  const pdf = () => {
    const bytes = new Uint8Array(5 * PIECE_BYTES - 1000) // five pieces, the last short
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 9)) & 0xff
    return bytes
  }

  it('goes up in pieces, and after a dropped connection goes on where the server stands', async () => {
    const db = freshDB()
    const { s, client } = piecedServer({ loseAnswerTo: 3 })
    const bytes = pdf()
    await db.files.put({ id: 'cd'.repeat(12), bytes: bytes.buffer, type: 'application/pdf', name: '整改报告.pdf', uploaded: false, createdAt: 0 })
    const id = await enqueue(db, 'problem', { evidence: ['cd'.repeat(12)] }, true, 0)
    await sync(db, client, 0)
    let item = await db.outbox.get(id)
    expect(item?.state).toBe('waiting') // the third piece's answer was lost
    expect(item?.progress).toBeUndefined()
    expect(s.patches).toBe(3)
    await sync(db, client, backoff(1))
    item = await db.outbox.get(id)
    expect(item?.state).toBe('done')
    expect(s.patches).toBe(5) // pieces four and five: none sent twice
    expect(s.oneShot).toBe(0)
    expect(same(s.received(), bytes)).toBe(true)
    expect(s.bodies[0].data).toEqual({ evidence: ['ef'.repeat(12)] }) // the server's name
    expect((await db.files.get('cd'.repeat(12)))?.uploaded).toBe(true)
  })

  it('says how much has gone up, and follows the offset a 409 names', async () => {
    const { s, client } = piecedServer({ staleStart: true, loseAnswerTo: 2 })
    const blob = new Blob([pdf()])
    await expect(uploadInPieces(client, blob, async () => {})).rejects.toThrow('Failed to fetch')
    const seen: number[] = []
    const stored = await uploadInPieces(client, blob, async (sent) => { seen.push(sent) })
    expect(stored.id).toBe('ef'.repeat(12))
    // The start said 0 (stale); the server held two pieces, said so with 409, and the rest followed.
    expect(seen).toEqual([0, 2 * PIECE_BYTES, 3 * PIECE_BYTES, 4 * PIECE_BYTES])
    expect(same(s.received(), new Uint8Array(await blob.arrayBuffer()))).toBe(true)
  })
})
