// The API client: bearer tokens, one silent refresh on an expired session, RFC 9457
// problems turned into ApiError (with per-field errors for forms), and the server's
// clock, which deadlines are shown against because phones' clocks drift.

export interface FieldError {
  field: string
  code: string
  message: string
  params?: Record<string, unknown>
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public errors: FieldError[] = [],
  ) {
    super(message)
  }

  /** fieldErrors maps field paths to their first message, for showing next to fields. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.errors) out[e.field] ??= e.message
    return out
  }
}

export interface Tokens {
  accessToken: string
  refreshToken: string
}

export interface Session {
  tokens(): Tokens | null
  setTokens(t: Tokens | null): void
}

let clockOffsetMs = 0

/** serverNow is the server's time, corrected by the Date header of the last answer. */
export function serverNow(): Date {
  return new Date(Date.now() + clockOffsetMs)
}

function noteServerTime(resp: Response) {
  const date = resp.headers.get('Date')
  const t = date ? Date.parse(date) : NaN
  if (!Number.isNaN(t)) clockOffsetMs = t - Date.now()
}

async function toError(resp: Response): Promise<ApiError> {
  try {
    const p = await resp.json()
    return new ApiError(resp.status, p.code ?? 'error', p.detail ?? '请求失败', p.errors ?? [])
  } catch {
    return new ApiError(resp.status, 'error', resp.status >= 500 ? '服务器暂时无法处理，请稍后重试' : '请求失败')
  }
}

/** FileFacts is what is shown of a file that is not a photo. */
export interface FileFacts {
  type: string
  size: number // 0 when unknown
}

export interface RequestOptions {
  method?: string
  body?: unknown // JSON, FormData for uploads, or a Blob sent as raw bytes (a piece of a file)
  headers?: Record<string, string>
}

export class Client {
  private refreshing: Promise<boolean> | null = null

  constructor(
    private session: Session,
    private fetchFn: typeof fetch = (...a) => fetch(...a),
  ) {}

  /** request calls the API; on a 401 it refreshes the session once and retries. */
  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    let resp = await this.send(path, opts)
    if (resp.status === 401 && this.session.tokens()) {
      if (await this.refresh()) resp = await this.send(path, opts)
    }
    noteServerTime(resp)
    if (!resp.ok) throw await toError(resp)
    return (resp.status === 204 ? undefined : await resp.json()) as T
  }

  /**
   * blob fetches a file (a photo, an export) with the session's credentials.
   * onProgress hears the bytes read so far and the file's size, 0 when the
   * answer does not say it (a compressed CSV is sent without its length).
   */
  async blob(path: string, onProgress?: (loaded: number, total: number) => void): Promise<Blob> {
    const resp = await this.fetchOk(path)
    if (!onProgress || !resp.body) return resp.blob()
    const total = resp.headers.get('Content-Encoding') ? 0 : Number(resp.headers.get('Content-Length') ?? 0)
    const reader = resp.body.getReader()
    const chunks: BlobPart[] = []
    let loaded = 0
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks.push(read.value)
      loaded += read.value.byteLength
      onProgress(loaded, total)
    }
    return new Blob(chunks, { type: resp.headers.get('Content-Type') ?? '' })
  }

  /**
   * thumb fetches a photo's thumbnail. A file that is not an image has none
   * (the server would send the whole file), so for one only the headers are
   * read: its type and size, to show it as a file.
   */
  async thumb(path: string): Promise<Blob | FileFacts> {
    const resp = await this.fetchOk(path)
    const type = resp.headers.get('Content-Type') ?? ''
    if (type.startsWith('image/')) return resp.blob()
    await resp.body?.cancel()
    return { type, size: Number(resp.headers.get('Content-Length') ?? 0) }
  }

  private async fetchOk(path: string): Promise<Response> {
    let resp = await this.send(path, {})
    if (resp.status === 401 && this.session.tokens()) {
      if (await this.refresh()) resp = await this.send(path, {})
    }
    if (!resp.ok) throw await toError(resp)
    return resp
  }

  private send(path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers }
    const tokens = this.session.tokens()
    if (tokens) headers.Authorization = `Bearer ${tokens.accessToken}`
    const form = typeof FormData !== 'undefined' && opts.body instanceof FormData
    const raw = typeof Blob !== 'undefined' && opts.body instanceof Blob
    if (opts.body !== undefined && !form) headers['Content-Type'] ??= raw ? 'application/octet-stream' : 'application/json'
    return this.fetchFn(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : form || raw ? (opts.body as BodyInit) : JSON.stringify(opts.body),
    })
  }

  /** refresh trades the refresh token for a new pair, once even if many calls ask. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null))
    return this.refreshing
  }

  private async doRefresh(): Promise<boolean> {
    const tokens = this.session.tokens()
    if (!tokens) return false
    const resp = await this.fetchFn('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: tokens.refreshToken }),
    })
    if (!resp.ok) {
      this.session.setTokens(null) // back to the login page; drafts stay on the device
      return false
    }
    const pair = await resp.json()
    this.session.setTokens({ accessToken: pair.accessToken, refreshToken: pair.refreshToken })
    return true
  }
}
