import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { setClock } from '../rules'
import type { Form } from './schema'
import { titleOf } from './title'
import { validate } from './validate'

// The shared table: forms/testdata/form-cases.json, which the Go engine runs too.
interface Case {
  name: string
  form: string
  mode?: 'submit' | 'draft'
  now?: string
  data: Record<string, unknown>
  errors: [string, string][]
  visible?: Record<string, boolean>
  computed?: Record<string, unknown>
  stored?: Record<string, unknown>
  title?: string
}
const suite = JSON.parse(readFileSync(resolve(__dirname, '../../../forms/testdata/form-cases.json'), 'utf8')) as {
  forms: Record<string, Form>
  cases: Case[]
}

describe('shared form cases', () => {
  it.each(suite.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    setClock(() => (c.now ? new Date(c.now) : new Date()))
    const res = validate(suite.forms[c.form], c.data, c.mode ?? 'submit')
    const got = res.errors.map((e) => [e.field, e.code]).sort()
    expect(got).toEqual([...c.errors].sort())
    for (const [path, visible] of Object.entries(c.visible ?? {})) expect(res.visible[path]).toBe(visible)
    for (const [path, value] of Object.entries(c.computed ?? {})) expect(res.computed[path]).toEqual(value)
    if (c.stored) expect(res.data).toEqual(c.stored)
    if (c.title !== undefined) expect(titleOf(suite.forms[c.form], c.data)).toBe(c.title)
  })
})
