import { describe, expect, it } from 'vitest'
import { countsOf, latestDue, onTimeRate, percent, periodTotals, type Matrix } from './reports'
import { periodLabel, recentMonths, relativeName, shortLabel, weekKey, weekMonday } from './periods'

const matrix: Matrix = {
  formId: 'f', formTitle: '工作周报', unitId: 'city', unitName: '示范市', totals: {},
  periods: [
    { period: '2026-W48', label: '2026年第48周', due: '2026-11-27T12:00:00+08:00' },
    { period: '2026-W49', label: '2026年第49周', due: '2026-12-04T12:00:00+08:00' },
  ],
  rows: [
    { unitId: 'd1', name: '东城区', subtree: true, onTimeRate: 0.5, cells: [
      { period: '2026-W48', counts: { onTime: 3, late: 1, missing: 1, exempted: 1 } },
      { period: '2026-W49', counts: { pending: 6 } }] },
    { unitId: 'b', name: '市税务局', onTimeRate: 1, cells: [
      { period: '2026-W48', status: 'missing' }, { period: '2026-W49', status: 'onTime', entryId: 'e1' }] },
  ],
}

describe('the sums of the office’s screens', () => {
  it('adds a round over units and subtrees', () => {
    expect(periodTotals(matrix, '2026-W48')).toEqual({ onTime: 3, late: 1, missing: 2, exempted: 1, pending: 0 })
    expect(periodTotals(matrix, '2026-W49')).toEqual({ onTime: 1, late: 0, missing: 0, exempted: 0, pending: 6 })
  })
  it('counts late and missing against the on-time rate, excused and not-yet-due not at all', () => {
    expect(onTimeRate(periodTotals(matrix, '2026-W48'))).toBeCloseTo(3 / 6)
    expect(onTimeRate(countsOf({ period: 'x', counts: { pending: 4, exempted: 1 } }))).toBeNull()
    expect(percent(0.876)).toBe('88%')
    expect(percent(null)).toBe('—')
  })
  it('opens on the latest round whose due time passed', () => {
    expect(latestDue(matrix.periods, new Date('2026-12-01T10:00:00Z'))).toBe('2026-W48')
    expect(latestDue(matrix.periods, new Date('2026-12-04T05:00:00Z'))).toBe('2026-W49')
  })
})

describe('periods as people say them', () => {
  it('knows ISO weeks in Beijing time', () => {
    expect(weekKey(new Date('2026-12-01T10:00:00Z'))).toBe('2026-W49')
    expect(weekKey(new Date('2026-11-29T17:00:00Z'))).toBe('2026-W49') // Monday 01:00 in Beijing
    expect(weekKey(new Date('2027-01-01T04:00:00Z'))).toBe('2026-W53')
    expect(weekMonday('2026-W49')?.toISOString().slice(0, 10)).toBe('2026-11-30')
  })
  it('labels weeks by their dates and months by name', () => {
    expect(periodLabel('2026-W49')).toBe('第49周（11月30日–12月6日）')
    expect(periodLabel('2026-12')).toBe('2026年12月')
    expect(shortLabel('2026-W09')).toBe('第9周')
    expect(recentMonths(new Date('2026-01-15T00:00:00Z'), 2)).toEqual(['2026-01', '2025-12'])
  })
  it('says 本周 and 上周, 本月 and 上月', () => {
    const now = new Date('2026-12-04T06:00:00Z')
    expect(relativeName('2026-W49', now)).toBe('本周')
    expect(relativeName('2026-W48', now)).toBe('上周')
    expect(relativeName('2026-11', now)).toBe('上月')
    expect(relativeName('2026-W40', now)).toBe('第40周（9月28日–10月4日）')
  })
})
