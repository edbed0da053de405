import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import EntryList from './EntryList.vue'

const entry = (id: string) => ({ id, formId: 'f', formTitle: '工作周报', title: `修复水管${id}`, authorName: '孙干部', unitName: '城关镇/红旗村',
  unitId: 'u', status: 'submitted', rev: 1, data: { progress: id }, createdAt: '2026-11-27T00:00:00Z', overdue: false,
  reviewOverdue: false, actions: ['approve'] })

describe('the entry list', () => {
  it('asks for each page once and shows each entry once, with its title, filer and unit', async () => {
    setActivePinia(createPinia())
    const asked: string[] = []
    globalThis.fetch = (async (url: string) => {
      asked.push(url)
      return new Response(JSON.stringify({ items: [entry('a'), entry('b')], nextCursor: '', total: 2 }), { status: 200 })
    }) as unknown as typeof fetch
    const wrapper = mount(EntryList, { props: { query: 'status=submitted', selectable: () => true } })
    void (wrapper.vm as unknown as { more(): Promise<void> }).more() // the list scrolled while the first page loads
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.findAll('.entry').length).toBe(2)
    })
    expect(asked.length).toBe(1)
    const row = wrapper.findAll('.entry')[0].text()
    for (const want of ['修复水管a', '孙干部 · 城关镇/红旗村', '工作周报']) expect(row).toContain(want)
  })

  it('shows the first page it kept when the network is gone', async () => {
    setActivePinia(createPinia())
    globalThis.fetch = (async () => new Response(JSON.stringify({ items: [entry('c')], nextCursor: '', total: 1 }), { status: 200 })) as unknown as typeof fetch
    const online = mount(EntryList, { props: { query: 'status=returned' } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(online.findAll('.entry').length).toBe(1)
    })
    globalThis.fetch = (async () => { throw new TypeError('Failed to fetch') }) as unknown as typeof fetch
    const offline = mount(EntryList, { props: { query: 'status=returned' } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(offline.text()).toContain('修复水管c')
    })
  })
})
