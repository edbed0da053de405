import { afterEach, describe, expect, it, vi } from 'vitest'
import { badge, followCounts } from './counts'

const inView = (state: 'visible' | 'hidden') => {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true })
  document.dispatchEvent(new Event('visibilitychange'))
}

describe('the tab bar badges', () => {
  afterEach(() => {
    vi.useRealTimers()
    inView('visible')
  })

  it('ask every minute while the app is in view, nothing while it is not, and at once when it is back', () => {
    vi.useFakeTimers()
    let asked = 0
    const stop = followCounts({ refresh: async () => void asked++ })
    expect(asked).toBe(1)
    vi.advanceTimersByTime(2 * 60_000)
    expect(asked).toBe(3)
    inView('hidden')
    vi.advanceTimersByTime(30 * 60_000)
    expect(asked).toBe(3) // the phone in a pocket asks nothing
    inView('visible')
    expect(asked).toBe(4) // back in view: the badges are brought up to date at once
    vi.advanceTimersByTime(60_000)
    expect(asked).toBe(5)
    stop()
    vi.advanceTimersByTime(5 * 60_000)
    inView('visible')
    expect(asked).toBe(5)
  })

  it('show nothing for none and 99+ beyond 99', () => {
    expect([badge(0), badge(7), badge(100)]).toEqual(['', '7', '99+'])
  })
})
