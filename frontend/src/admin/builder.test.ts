import { describe, expect, it } from 'vitest'
import { apply } from '../rules'
import { diffForms, fromLogic, move, newField, toLogic, type Condition } from './builder'

describe('form builder', () => {
  it('gives new fields keys the server accepts and no sibling uses', () => {
    const f = newField('text', [{ key: 'field_1', type: 'text' }])
    expect(f.key).toMatch(/^[a-z][a-z0-9_]{0,39}$/)
    expect(f.key).not.toBe('field_1')
    expect(newField('radio', []).options?.length).toBe(2)
  })

  it('turns conditions into JsonLogic that the rule engine evaluates, and back', () => {
    const cases: [Condition, Record<string, unknown>, boolean][] = [
      [{ field: 'poor', op: '==', value: 'y' }, { poor: 'y' }, true],
      [{ field: 'size', op: '>', value: '3' }, { size: 5 }, true],
      [{ field: 'size', op: '>', value: '3' }, { size: 2 }, false],
      [{ field: 'tags', op: 'in', value: 'flood' }, { tags: ['flood', 'rural'] }, true],
      [{ field: 'note', op: 'filled', value: '' }, {}, false],
      [{ field: 'flood', op: '==', value: 'true' }, { flood: true }, true], // 是/否 as a boolean
      [{ field: 'flood', op: '==', value: 'true' }, { flood: false }, false],
    ]
    for (const [c, data, want] of cases) {
      expect(!!apply(toLogic(c), data)).toBe(want)
      expect(fromLogic(toLogic(c))).toEqual(c)
    }
    expect(fromLogic({ and: [{ var: 'a' }, { var: 'b' }] })).toBeNull()
  })

  it('moves fields and reports what a publish changes', () => {
    const list = ['a', 'b', 'c']
    move(list, 2, 0)
    expect(list).toEqual(['c', 'a', 'b'])
    const before = { key: 'k', title: 't', category: 'custom' as const, fields: [{ key: 'a', type: 'text', label: 'A' }, { key: 'b', type: 'text' }] }
    const after = { ...before, fields: [{ key: 'a', type: 'text', label: 'A2' }, { key: 'c', type: 'date', label: 'C' }] }
    expect(diffForms(before, after)).toEqual({ added: ['C'], removed: ['b'], changed: ['A2'] })
  })
})
