import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import EntryList from './EntryList.vue'

const entry = (id: string) => ({ id, formId: 'f', formTitle: '工作周报', unitId: 'u', status: 'submitted', rev: 1, data: { progress: id },
  createdAt: '2026-11-27T00:00:00Z', overdue: false, reviewOverdue: false, actions: ['approve'] })

describe('the entry list', () => {
  it('asks for each page once and shows each entry once', async () => {
    setActivePinia(createPinia())
    const asked: string[] = []
    globalThis.fetch = (async (url: string) => {
      asked.push(url)
      return new Response(JSON.stringify({ items: [entry('a'), entry('b')], nextCursor: '', total: 2 }), { status: 200 })
    }) as unknown as typeof fetch
    const wrapper = mount(EntryList, { props: { query: 'status=submitted', selectable: () => true } })
    void (wrapper.vm as unknown as { more(): Promise<void> }).more() // the list scrolled while the first page loads
    await flushPromises()
    await flushPromises()
    expect(asked.length).toBe(1)
    expect(wrapper.findAll('.entry').length).toBe(2)
  })
})
