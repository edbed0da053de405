// The signed-in user and their tokens, kept in localStorage so a cadre stays
// signed in across app restarts (the refresh token lasts 30 days).
import { defineStore } from 'pinia'
import { Client, type Tokens } from '../api/client'
import { offlineDB } from '../offline/db'

export interface User {
  id: string
  name: string
  phone: string
  unitId: string
  roles: string[]
  mustChangePassword: boolean
}

const KEY = 'taizhang.session'

interface Saved {
  tokens: Tokens | null
  user: User | null
}

function load(): Saved {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '') as Saved
  } catch {
    return { tokens: null, user: null }
  }
}

export const useSession = defineStore('session', {
  state: (): Saved & { expired: boolean } => ({ ...load(), expired: false }),
  getters: {
    signedIn: (s) => s.tokens !== null,
  },
  actions: {
    save() {
      localStorage.setItem(KEY, JSON.stringify({ tokens: this.tokens, user: this.user }))
      // The service worker sends the outbox in the background with the access
      // token (never the refresh token: rotating it there would sign the page out).
      const access = this.tokens ? { accessToken: this.tokens.accessToken, refreshToken: '' } : null
      offlineDB().kv.put({ key: 'tokens', value: access }).catch(() => {})
    },
    setTokens(t: Tokens | null) {
      // Dropped by the client (a refresh was refused) rather than by signing out.
      this.expired = !t && this.tokens !== null
      this.tokens = t
      if (!t) this.user = null
      this.save()
    },
    async login(phone: string, password: string) {
      const pair = await api().request<Tokens & { user: User }>('/api/v1/auth/login', {
        method: 'POST',
        body: { phone, password },
      })
      this.user = pair.user
      this.setTokens({ accessToken: pair.accessToken, refreshToken: pair.refreshToken })
    },
    /** loginVia finishes a sign-in through another platform (企业微信). */
    async loginVia(provider: string, code: string, state: string) {
      const pair = await api().request<Tokens & { user: User }>(`/api/v1/auth/${provider}/callback`, {
        method: 'POST',
        body: { code, state },
      })
      this.user = pair.user
      this.setTokens({ accessToken: pair.accessToken, refreshToken: pair.refreshToken })
    },
    async logout() {
      const refreshToken = this.tokens?.refreshToken
      this.setTokens(null)
      this.expired = false
      if (refreshToken) await api().request('/api/v1/auth/logout', { method: 'POST', body: { refreshToken } }).catch(() => {})
    },
  },
})

let client: Client | null = null

/** api is the app's one client, bound to the session store. */
export function api(): Client {
  if (!client) {
    const session = useSession()
    client = new Client({ tokens: () => session.tokens, setTokens: (t) => session.setTokens(t) })
  }
  return client
}
