import { describe, expect, it } from 'vitest'
import { ApiError, Client, type Session, type Tokens } from './client'

function memorySession(initial: Tokens | null): Session & { current: Tokens | null } {
  return {
    current: initial,
    tokens() {
      return this.current
    },
    setTokens(t) {
      this.current = t
    },
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

describe('Client', () => {
  it('refreshes once on 401 and retries with the new token', async () => {
    const session = memorySession({ accessToken: 'old', refreshToken: 'r1' })
    const seen: string[] = []
    const fetchFn = (async (url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string>).Authorization ?? ''
      seen.push(`${url} ${auth}`)
      if (url === '/api/v1/auth/refresh') return json(200, { accessToken: 'new', refreshToken: 'r2' })
      return auth === 'Bearer new' ? json(200, { ok: true }) : json(401, { code: 'unauthorized', detail: '登录已失效' })
    }) as unknown as typeof fetch
    const client = new Client(session, fetchFn)
    await Promise.all([client.request('/api/v1/me'), client.request('/api/v1/units')])
    expect(session.current).toEqual({ accessToken: 'new', refreshToken: 'r2' })
    expect(seen.filter((s) => s.startsWith('/api/v1/auth/refresh'))).toHaveLength(1)
  })

  it('drops the session when the refresh is refused', async () => {
    const session = memorySession({ accessToken: 'old', refreshToken: 'stolen' })
    const fetchFn = (async () => json(401, { code: 'unauthorized', detail: '登录已过期，请重新登录' })) as unknown as typeof fetch
    const client = new Client(session, fetchFn)
    await expect(client.request('/api/v1/me')).rejects.toMatchObject({ status: 401 })
    expect(session.current).toBeNull()
  })

  it('turns problems into ApiError with field errors', async () => {
    const fetchFn = (async () =>
      json(400, { code: 'invalid', detail: '手机号无效', errors: [{ field: 'phone', code: 'invalid_phone', message: '请输入 11 位中国大陆手机号' }] })) as unknown as typeof fetch
    const client = new Client(memorySession(null), fetchFn)
    const err = await client.request('/api/v1/auth/login', { method: 'POST', body: {} }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fieldErrors()).toEqual({ phone: '请输入 11 位中国大陆手机号' })
  })

  it('tells how far a file download is, and its size only when the server said it', async () => {
    const pieces = [new Uint8Array(300_000), new Uint8Array(300_000), new Uint8Array(100_000)]
    const answer = (headers: Record<string, string>) =>
      new Response(new ReadableStream({
        start(c) {
          for (const p of pieces) c.enqueue(p)
          c.close()
        },
      }), { status: 200, headers })
    const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    let headers: Record<string, string> = { 'Content-Type': xlsx, 'Content-Length': '700000' }
    const client = new Client(memorySession(null), (async () => answer(headers)) as unknown as typeof fetch)
    const heard: string[] = []
    const blob = await client.blob('/api/v1/exports/e1/file', (loaded, total) => heard.push(`${loaded}/${total}`))
    expect(heard).toEqual(['300000/700000', '600000/700000', '700000/700000'])
    expect(blob.size).toBe(700_000)
    expect(blob.type).toBe(xlsx)

    headers = { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip', 'Content-Length': '9000' } // the compressed length
    heard.length = 0
    await client.blob('/api/v1/exports/e2/file', (loaded, total) => heard.push(`${loaded}/${total}`))
    expect(heard.at(-1)).toBe('700000/0')
  })
})
