// What the tab bar's badges count: entries waiting for this user's review, their
// returned entries and unread messages. Refreshed on every screen change, every
// minute while the app is in view and when it comes back into view; kept as
// last seen when offline.
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

/**
 * followCounts keeps the badges current while the app is in view: now, every
 * minute, and at once when it comes back into view. A phone with the app open
 * in the background asks nothing: every phone asking each minute is the
 * server's most frequent request, and it costs the phone data and battery.
 * Returns what stops it.
 */
export function followCounts(counts: { refresh: () => Promise<void> }, every = 60_000): () => void {
  const refreshInView = () => {
    if (document.visibilityState !== 'hidden') void counts.refresh()
  }
  void counts.refresh()
  const timer = window.setInterval(refreshInView, every)
  document.addEventListener('visibilitychange', refreshInView)
  return () => {
    window.clearInterval(timer)
    document.removeEventListener('visibilitychange', refreshInView)
  }
}
