import { describe, expect, it } from 'vitest'
import { dueText } from './due'

// Friday 2026-11-27 12:00 in Beijing.
const friday = new Date('2026-11-27T04:00:00Z')

describe('dueText', () => {
  it.each([
    ['three hours before', '2026-11-27T01:00:00Z', '周五12:00截止 · 剩3小时'],
    ['twenty minutes before', '2026-11-27T03:40:00Z', '周五12:00截止 · 剩20分钟'],
    ['three days before', '2026-11-24T04:00:00Z', '周五12:00截止 · 剩3天'],
    ['after the deadline', '2026-11-27T05:00:00Z', '11月27日 12:00截止 · 已逾期'],
  ])('%s', (_name, now, want) => {
    expect(dueText(friday, new Date(now))).toBe(want)
  })
})

describe('period names', () => {
  it('reads weeks and months', async () => {
    const { periodName } = await import('./labels')
    expect(periodName('2026-W49')).toBe('2026年第49周')
    expect(periodName('2026-12')).toBe('2026年12月')
    expect(periodName('')).toBe('')
  })
})
