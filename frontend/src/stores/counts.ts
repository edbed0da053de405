// What the tab bar's badges count: entries waiting for this user's review, their
// returned entries and unread messages. Refreshed on every screen change and
// every minute; kept as last seen when offline.
import { defineStore } from 'pinia'
import { api } from './session'

export interface Counts {
  reviews: number
  returned: number
  unread: number
}

export const useCounts = defineStore('counts', {
  state: (): Counts => ({ reviews: 0, returned: 0, unread: 0 }),
  actions: {
    async refresh() {
      try {
        Object.assign(this, await api().request<Counts>('/api/v1/me/counts'))
      } catch {
        // offline or signed out: the last counts stay
      }
    },
  },
})

/** badge is what a badge shows: nothing for 0, 99+ beyond 99. */
export const badge = (n: number): string => (n <= 0 ? '' : n > 99 ? '99+' : String(n))
