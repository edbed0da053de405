import { describe, expect, it } from 'vitest'
import { latestOnly } from './latest'

describe('latestOnly', () => {
  it('lets only the last load started show its answer', () => {
    const next = latestOnly()
    const first = next()
    expect(first()).toBe(true)
    const second = next()
    expect(first()).toBe(false) // a later filter was chosen: drop this answer
    expect(second()).toBe(true)
    const other = latestOnly()() // another screen counts its own loads
    expect(other()).toBe(true)
    expect(second()).toBe(true)
  })
})
