import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import AuditView from './AuditView.vue'

const records = [
  { seq: 3, at: '2026-12-02T02:00:00Z', actorId: 'u1', actorName: '王管理', action: 'user.update', target: 'u5', targetName: '孙干部',
    detail: { roles: ['cadre', 'supervisor'], rolesBefore: ['cadre'], unitId: 'v1', unitBefore: 'v1', active: true } },
  { seq: 2, at: '2026-12-02T01:00:00Z', actorId: 'u5', actorName: '孙干部', action: 'entry.submit', target: 'e9', targetName: '修复水管' },
  { seq: 1, at: '2026-12-02T00:00:00Z', actorId: 'u5', actorName: '孙干部', action: 'login', target: 'u5', targetName: '孙干部', detail: { via: 'wecom' } },
]

describe('the audit log', () => {
  it('says who did what to whom by name, and narrows to a person or an action', async () => {
    setActivePinia(createPinia())
    const asked: string[] = []
    globalThis.fetch = (async (url: string) => {
      asked.push(url)
      return new Response(JSON.stringify({ items: records, nextCursor: '' }), { status: 200 })
    }) as unknown as typeof fetch
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<p />' } }] })
    const wrapper = mount(AuditView, { global: { plugins: [router] } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.findAll('.record').length).toBe(3)
    })
    const rows = wrapper.findAll('.record').map((r) => r.text())
    expect(rows[0]).toContain('王管理修改用户孙干部')
    expect(rows[0]).toContain('角色：干部 → 干部、审核人')
    expect(rows[1]).toContain('孙干部提交记录修复水管')
    expect(rows[2]).toContain('通过企业微信')
    expect(rows.join()).not.toMatch(/u1|u5|e9|user\.update/) // names, never ids or codes

    await wrapper.findAll('button.who')[0].trigger('click')
    await flushPromises()
    expect(asked.at(-1)).toBe('/api/v1/audit?limit=50&actorId=u1')
    expect(wrapper.text()).toContain('只看 王管理')
    await wrapper.find('select').setValue('user.reset_password')
    await flushPromises()
    expect(asked.at(-1)).toBe('/api/v1/audit?limit=50&action=user.reset_password&actorId=u1')

    await wrapper.findAll('.record')[1].trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/entries/e9')
  })

  it('shows only the last filter\'s records, whichever answer comes back first', async () => {
    setActivePinia(createPinia())
    const answers: Record<string, (items: unknown[]) => void> = {}
    globalThis.fetch = ((url: string) => new Promise<Response>((resolve) => {
      const action = new URL(url, 'http://x').searchParams.get('action') ?? ''
      answers[action] = (items) => resolve(new Response(JSON.stringify({ items, nextCursor: '' }), { status: 200 }))
    })) as unknown as typeof fetch
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<p />' } }] })
    const wrapper = mount(AuditView, { global: { plugins: [router] } })
    await flushPromises()
    answers['']!(records)
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.findAll('.record').length).toBe(3)
    })
    await wrapper.find('select').setValue('login')
    await flushPromises()
    expect(wrapper.findAll('.record')).toHaveLength(0) // nothing shown under a filter it does not match
    expect(wrapper.text()).toContain('加载中')
    await wrapper.find('select').setValue('user.update')
    await flushPromises()
    answers['user.update']!([records[0]])
    await flushPromises()
    answers.login!([records[2]]) // the first filter's answer, late
    await flushPromises()
    const rows = wrapper.findAll('.record').map((r) => r.text())
    expect(rows).toHaveLength(1)
    expect(rows[0]).toContain('修改用户')
  })
})
