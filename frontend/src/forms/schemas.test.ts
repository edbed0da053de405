import { beforeEach, describe, expect, it } from 'vitest'
import { forgetSchemas, knownForms, remember, schemaOf, withSchema } from './schemas'
import type { Form } from './schema'

const form = (title: string): Form => ({ key: 'k', title, fields: [] }) as unknown as Form

describe('schemas a page keeps', () => {
  beforeEach(forgetSchemas)

  it('names what it keeps and fills in a schema the server left out', () => {
    expect(knownForms()).toBe('')
    const sent = withSchema({ form: { id: 'f1', version: 2, schema: form('周报') }, entry: {} })
    expect(sent?.form.schema?.title).toBe('周报')
    expect(knownForms()).toBe('f1@2')
    const short = withSchema<{ form: { id: string; version: number; schema?: Form }; entry: unknown }>({ form: { id: 'f1', version: 2 }, entry: { id: 'e' } })
    expect(short?.form.schema?.title).toBe('周报')
    expect(short?.entry).toEqual({ id: 'e' })
  })

  it('asks again when it no longer has the schema', () => {
    expect(withSchema({ form: { id: 'f9', version: 1 } })).toBeNull()
  })

  it('keeps at most fifty, forgetting the oldest', () => {
    for (let i = 0; i < 55; i++) remember(`f${i}`, 1, form(String(i)))
    expect(knownForms().split(',')).toHaveLength(50)
    expect(schemaOf('f0', 1)).toBeUndefined()
    expect(schemaOf('f54', 1)?.title).toBe('54')
  })
})
