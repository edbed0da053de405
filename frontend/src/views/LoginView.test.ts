import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import LoginView from './LoginView.vue'
import { useSession } from '../stores/session'

function setup() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const router = createRouter({ history: createMemoryHistory(), routes: [
    { path: '/login', component: LoginView }, { path: '/', component: { template: '<p>home</p>' } }] })
  return { pinia, router }
}

const problem = (status: number, body: unknown) =>
  (async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json' } })) as unknown as typeof fetch

describe('LoginView', () => {
  beforeEach(() => localStorage.clear())

  it('shows the server’s field error next to the phone field', async () => {
    const { pinia, router } = setup()
    globalThis.fetch = problem(400, { code: 'invalid', detail: '手机号无效',
      errors: [{ field: 'phone', code: 'invalid_phone', message: '请输入 11 位中国大陆手机号' }] })
    await router.push('/login')
    const wrapper = mount(LoginView, { global: { plugins: [pinia, router] } })
    await wrapper.find('input[name=phone]').setValue('1380013800a')
    await wrapper.find('input[name=password]').setValue('whatever1')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('请输入 11 位中国大陆手机号')
  })

  it('signs in and keeps the session', async () => {
    const { pinia, router } = setup()
    globalThis.fetch = problem(200, { accessToken: 'a', refreshToken: 'r', expiresIn: 900,
      user: { id: 'u1', name: '孙干部', phone: '13800000005', unitId: 'v1', roles: ['cadre'], mustChangePassword: false } })
    await router.push('/login')
    const wrapper = mount(LoginView, { global: { plugins: [pinia, router] } })
    await wrapper.find('input[name=phone]').setValue('13800000005')
    await wrapper.find('input[name=password]').setValue('taizhang2026')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(useSession().signedIn).toBe(true)
    expect(JSON.parse(localStorage.getItem('taizhang.session') ?? '{}').user.name).toBe('孙干部')
    expect(router.currentRoute.value.path).toBe('/')
  })
})
