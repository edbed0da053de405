import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'

const router = () => createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<div/>' } }] })
import { flushPromises, mount } from '@vue/test-utils'
import App from './App.vue'
import { checkServer } from './health'

const respond = (statuses: Record<string, number>) =>
  (async (url: string) => new Response('{}', { status: statuses[url] ?? 404 })) as unknown as typeof fetch

describe('checkServer', () => {
  it('is ready when both probes pass', async () => {
    expect(await checkServer(respond({ '/healthz': 200, '/readyz': 200 }))).toBe('ready')
  })
  it('is degraded when the database is down', async () => {
    expect(await checkServer(respond({ '/healthz': 200, '/readyz': 503 }))).toBe('degraded')
  })
  it('is offline when the network fails', async () => {
    const failing = (async () => { throw new TypeError('Failed to fetch') }) as unknown as typeof fetch
    expect(await checkServer(failing)).toBe('offline')
  })
})

describe('App shell', () => {
  it('tells, in Chinese, when the database is down', async () => {
    globalThis.fetch = respond({ '/healthz': 200, '/readyz': 503 })
    const wrapper = mount(App, { global: { plugins: [createPinia(), router()], stubs: { RouterView: true } } })
    await flushPromises()
    expect(wrapper.get('[role=status]').text()).toBe('服务器已连接，但数据库暂不可用，请稍后重试')
  })
  it('stays quiet when all is well', async () => {
    globalThis.fetch = respond({ '/healthz': 200, '/readyz': 200 })
    const wrapper = mount(App, { global: { plugins: [createPinia(), router()], stubs: { RouterView: true } } })
    await flushPromises()
    expect(wrapper.find('[role=status]').exists()).toBe(false)
  })
})
