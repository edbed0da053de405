import { describe, expect, it } from 'vitest'
import { filtersOf } from './exports'

describe('filtersOf', () => {
  it('turns the entry list query into an export’s filters, the form apart', () => {
    expect(filtersOf('formId=f1&unitId=u1&status=approved&overdue=true&period=2026-W48')).toEqual({
      unitId: 'u1', status: 'approved', overdue: true, period: '2026-W48',
    })
    expect(filtersOf('')).toEqual({})
  })
})
