import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import AuthImage from './AuthImage.vue'

// The server answers ?size=thumb of a PDF with the whole file; the tile must
// show it as a file from the headers alone.
function serve(type: string, body: BlobPart) {
  const asked: string[] = []
  let cancelled = false
  globalThis.fetch = (async (url: string) => {
    asked.push(url)
    const stream = new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(64 * 1024)), cancel: () => { cancelled = true } })
    const size = new Blob([body]).size
    return new Response(type.startsWith('image/') ? new Blob([body]) : stream, { status: 200, headers: { 'Content-Type': type, 'Content-Length': String(size) } })
  }) as unknown as typeof fetch
  return { asked, cancelled: () => cancelled }
}

describe('an attachment', () => {
  it('shows a PDF as a file with its size, reading only the headers of the server\'s answer', async () => {
    setActivePinia(createPinia())
    const server = serve('application/pdf', new Uint8Array(3 * 1024 * 1024 + 200 * 1024))
    const wrapper = mount(AuthImage, { props: { id: 'ab'.repeat(12), alt: '整改报告' } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('.doc').exists()).toBe(true)
    })
    expect(wrapper.text()).toContain('PDF 文件')
    expect(wrapper.text()).toContain('3.2 MB')
    expect(wrapper.find('button').attributes('aria-label')).toBe('整改报告（PDF 文件，3.2 MB）')
    expect(wrapper.find('img').exists()).toBe(false)
    expect(server.asked).toEqual([`/api/v1/attachments/${'ab'.repeat(12)}?size=thumb`])
    expect(server.cancelled()).toBe(true)
  })

  it('says how far a PDF\'s download is when tapped, and what to do when it fails or is held back', async () => {
    setActivePinia(createPinia())
    const id = 'ef'.repeat(12)
    const piece = new Uint8Array(100 * 1024)
    let feed: ReadableStreamDefaultController<Uint8Array> | null = null
    let wholeAsked = 0
    let down = true
    globalThis.fetch = (async (url: string) => {
      const headers = { 'Content-Type': 'application/pdf', 'Content-Length': String(3 * piece.length) }
      if (url.endsWith('?size=thumb')) return new Response(new ReadableStream({ pull: (c) => c.enqueue(piece) }), { headers })
      wholeAsked++
      if (down) throw new TypeError('Failed to fetch') // the village's network
      return new Response(new ReadableStream({ start: (c) => { feed = c } }), { headers })
    }) as unknown as typeof fetch
    const opened: string[] = []
    let allowed = false
    window.open = ((u: string) => {
      opened.push(u)
      return allowed ? ({} as Window) : null
    }) as typeof window.open
    const wrapper = mount(AuthImage, { props: { id, alt: '整改报告' } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.text()).toContain('300 KB')
    })
    const tile = wrapper.find('button.doc')

    await tile.trigger('click')
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.text()).toContain('下载失败，点按重试')
    })

    down = false
    await tile.trigger('click')
    await vi.waitFor(() => expect(feed).not.toBeNull())
    feed!.enqueue(piece)
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.text()).toContain('下载中 33%')
    })
    expect(tile.attributes('aria-busy')).toBe('true')
    await tile.trigger('click') // impatient taps start nothing more
    feed!.enqueue(piece)
    feed!.enqueue(piece)
    feed!.close()
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.text()).toContain('已下载，点按打开') // the browser held the viewer back
    })
    expect(opened).toHaveLength(1)

    allowed = true
    await tile.trigger('click')
    await flushPromises()
    expect(opened).toHaveLength(2)
    expect(opened[1]).toBe(opened[0])
    expect(wholeAsked).toBe(2) // the failed try and the one download
    expect(wrapper.text()).toContain('300 KB')
  })

  it('shows a photo as its thumbnail', async () => {
    setActivePinia(createPinia())
    serve('image/jpeg', 'jpeg bytes')
    const wrapper = mount(AuthImage, { props: { id: 'cd'.repeat(12), alt: '现场照片' } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('img').exists()).toBe(true)
    })
    expect(wrapper.find('img').attributes('alt')).toBe('现场照片')
    expect(wrapper.find('.doc').exists()).toBe(false)
  })

  it('says how far the whole photo is when its thumbnail is tapped, then opens it', async () => {
    setActivePinia(createPinia())
    let feed: ReadableStreamDefaultController<Uint8Array> | null = null
    globalThis.fetch = (async (url: string) =>
      url.endsWith('?size=thumb')
        ? new Response(new Blob(['thumb']), { headers: { 'Content-Type': 'image/jpeg' } })
        : new Response(new ReadableStream({ start: (c) => { feed = c } }), { headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '400000' } })) as unknown as typeof fetch
    const wrapper = mount(AuthImage, { props: { id: 'gh'.repeat(12), alt: '现场照片' } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('img').exists()).toBe(true)
    })
    await wrapper.find('button').trigger('click')
    await vi.waitFor(() => expect(feed).not.toBeNull())
    feed!.enqueue(new Uint8Array(100_000))
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('.loading').text()).toBe('下载中 25%')
    })
    feed!.enqueue(new Uint8Array(300_000))
    feed!.close()
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.emitted('open')).toHaveLength(1)
    })
    expect(wrapper.find('.loading').exists()).toBe(false)
  })
})
