import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { apply, setClock } from './index'

// The official JsonLogic suite, the same file the Go tests run.
const suite = JSON.parse(
  readFileSync(resolve(__dirname, '../../../forms/jsonlogic/testdata/jsonlogic-tests.json'), 'utf8'),
) as unknown[]
const cases = suite.filter((c): c is [unknown, unknown, unknown] => Array.isArray(c))

describe('JsonLogic conformance suite', () => {
  it('has all 278 cases', () => {
    expect(cases.length).toBe(278)
  })
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i', (_i, rule, data, expected) => {
    expect(apply(rule, data)).toStrictEqual(expected)
  })
})

describe('form operators', () => {
  // 2026-11-27 17:30 UTC is already 2026-11-28 in Beijing.
  setClock(() => new Date(Date.UTC(2026, 10, 27, 17, 30)))
  const table: [unknown, unknown][] = [
    [{ today: [] }, '2026-11-28'],
    [{ days_between: ['2026-11-01', '2026-11-28'] }, 27],
    [{ days_between: ['2026-11-28', '2026-11-01'] }, -27],
    [{ days_between: ['2026-11-27T20:00:00Z', '2026-11-29'] }, 1],
    [{ days_between: [{ today: [] }, '2026-12-31'] }, 33],
    [{ days_between: ['not a date', '2026-11-01'] }, null],
    [{ '<=': [{ days_between: [{ today: [] }, '2026-12-01'] }, 30] }, true],
    [{ days_between: [{ var: 'start' }, { var: 'end' }] }, null],
  ]
  it.each(table)('%j', (rule, expected) => {
    expect(apply(rule, null)).toStrictEqual(expected)
  })
})
