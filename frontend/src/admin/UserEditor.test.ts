import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import UserEditor from './UserEditor.vue'

const units = [
  { id: 'city', name: '示范市', kind: 'city' },
  { id: 'town', name: '城关镇', kind: 'township', parentId: 'city' },
  { id: 'village', name: '红旗村', kind: 'village', parentId: 'town' },
]
const sun = { id: 'u5', name: '孙干部', phone: '13800000005', unitId: 'village', roles: ['cadre'], active: true, mustChangePassword: false }

// A server that records what it is asked and answers each call in turn.
function server(...answers: [number, unknown][]) {
  const asked: { url: string; method: string; body: unknown }[] = []
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    asked.push({ url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : undefined })
    const [status, body] = answers.shift() ?? [500, {}]
    return new Response(JSON.stringify(body), { status })
  }) as unknown as typeof fetch
  return asked
}

async function settle() {
  await flushPromises()
  await vi.waitFor(() => {})
}

describe('the user editor', () => {
  it('changes roles and unit, and sets a new password for someone who forgot theirs', async () => {
    setActivePinia(createPinia())
    const asked = server([200, { ...sun, roles: ['cadre', 'supervisor'], unitId: 'town' }], [200, { ...sun, mustChangePassword: true }])
    const wrapper = mount(UserEditor, { props: { user: sun, units } })
    const options = wrapper.findAll('option').map((o) => o.element.textContent)
    expect(options).toEqual(['请选择', '示范市', '　城关镇', '　　红旗村']) // the tree, indented
    await wrapper.find('select').setValue('town')
    await wrapper.findAll('input[type=checkbox]').find((c) => c.element.parentElement?.textContent === '审核人')!.setValue(true)
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(asked[0]).toEqual({ url: '/api/v1/users/u5', method: 'PATCH', body: { name: '孙干部', unitId: 'town', roles: ['cadre', 'supervisor'], active: true } })
    expect(wrapper.emitted('saved')?.[0]?.[0]).toMatchObject({ unitId: 'town' })

    await wrapper.findAll('input').find((i) => i.element.parentElement?.textContent?.startsWith('新密码'))!.setValue('Hongqi2026!')
    await wrapper.findAll('button').find((b) => b.text() === '设置新密码')!.trigger('click')
    await settle()
    expect(asked[1]).toEqual({ url: '/api/v1/users/u5/reset-password', method: 'POST', body: { password: 'Hongqi2026!' } })
  })

  it('adds a person, and shows a refusal next to its field', async () => {
    setActivePinia(createPinia())
    const asked = server([422, { code: 'invalid', detail: '密码不能包含手机号', errors: [{ field: 'password', code: 'contains_phone', message: '密码不能包含手机号' }] }])
    const wrapper = mount(UserEditor, { props: { units } })
    expect(wrapper.text()).toContain('添加用户')
    const field = (label: string) => wrapper.findAll('input').find((i) => i.element.parentElement?.textContent?.startsWith(label))!
    await field('姓名').setValue('吴干部')
    await field('手机号').setValue('13800000009')
    await wrapper.find('select').setValue('village')
    await field('初始密码').setValue('13800000009a')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(asked[0]).toEqual({ url: '/api/v1/users', method: 'POST',
      body: { name: '吴干部', phone: '13800000009', unitId: 'village', roles: ['cadre'], password: '13800000009a' } })
    expect(wrapper.find('.error').text()).toBe('密码不能包含手机号')
    expect(wrapper.emitted('saved')).toBeUndefined()
  })
})
