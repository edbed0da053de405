import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { computed, defineComponent, h, provide, reactive } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import FormRenderer from './FormRenderer.vue'
import { formContextKey } from './context'
import { OfflineDB } from '../offline/db'
import type { Field, Form } from '../forms/schema'
import { validate } from '../forms/validate'
import { fieldTypes } from '../forms/types'

// A page like FillView: the engine decides visibility and calculations; errors
// from the engine (submit mode) or the server show at their fields.
function page(form: Form, data: Record<string, unknown> = {}, serverErrors: Record<string, string> = {}, submit = false) {
  const model = reactive<Record<string, unknown>>(data)
  const Page = defineComponent({
    setup() {
      provide(formContextKey, { uploaderId: 'user-1', db: new OfflineDB('renderer'), units: [{ id: 'u1', name: '红旗村' }], users: [] })
      const result = computed(() => validate(form, model, submit ? 'submit' : 'draft'))
      const errors = computed(() => ({ ...Object.fromEntries(result.value.errors.map((e) => [e.field, e.message])), ...serverErrors }))
      return () => h(FormRenderer, { fields: form.fields, model, errors: errors.value, visible: result.value.visible, computed: result.value.computed })
    },
  })
  return { wrapper: mount(Page), model }
}

const options = [{ value: 'y', label: '是' }, { value: 'n', label: '否' }]
const every: Field[] = Object.keys(fieldTypes).map((type) => ({
  key: `f_${type}`, type, label: `标签${type}`,
  ...(['select', 'radio', 'multiselect'].includes(type) ? { options } : {}),
  ...(type === 'group' ? { fields: [{ key: 'x', type: 'text', label: '明细内容' }] } : {}),
  ...(type === 'note' ? { text: '说明文字在此' } : {}),
}))

describe('the form renderer', () => {
  it('draws every field type the engine knows', () => {
    const { wrapper } = page({ key: 'all', title: '全部', category: 'custom', fields: every })
    for (const f of every) {
      if (f.type === 'note') expect(wrapper.text()).toContain('说明文字在此')
      else expect(wrapper.text(), f.type).toContain(f.label)
    }
    expect(wrapper.findAll('input[type=date]').length).toBe(1)
    expect(wrapper.findAll('input[type=file]').length).toBe(2) // photo and file
    expect(wrapper.find('canvas').exists()).toBe(true) // signature
    expect(wrapper.text()).toContain('获取位置') // geopoint
    expect(wrapper.text()).toContain('红旗村') // unit choices
  })

  it('stores numbers as numbers and keeps what was typed', async () => {
    const { wrapper, model } = page({ key: 'n', title: 'n', category: 'custom', fields: [{ key: 'size', type: 'integer', label: '人口' }] })
    await wrapper.get('input').setValue('12')
    expect(model.size).toBe(12)
    await wrapper.get('input').setValue('')
    expect('size' in model).toBe(false)
  })

  it('shows and hides fields by the same rules as the server', async () => {
    const form: Form = { key: 'v', title: 'v', category: 'custom', fields: [
      { key: 'poor', type: 'radio', label: '是否低保户', options },
      { key: 'card', type: 'text', label: '低保证号', visibleIf: { '==': [{ var: 'poor' }, 'y'] } },
    ] }
    const { wrapper, model } = page(form)
    expect(wrapper.text()).not.toContain('低保证号')
    model.poor = 'y'
    await flushPromises()
    expect(wrapper.text()).toContain('低保证号')
  })

  it('shows calculated values and errors at their paths, inside groups too', async () => {
    const form: Form = { key: 'c', title: 'c', category: 'custom', fields: [
      { key: 'a', type: 'number', label: '甲' }, { key: 'b', type: 'number', label: '乙' },
      { key: 'sum', type: 'number', label: '合计', calculate: { '+': [{ var: 'a' }, { var: 'b' }] } },
      { key: 'measures', type: 'group', label: '整改措施', fields: [{ key: 'measure', type: 'text', label: '措施', required: true }] },
    ] }
    const { wrapper } = page(form, { a: 2, b: 3, measures: [{}] }, { 'measures[0].measure': '服务器说：措施过于空泛' }, true)
    const inputs = wrapper.findAll('input')
    expect(inputs[2].element.value).toBe('5')
    expect(wrapper.text()).toContain('服务器说：措施过于空泛')
    await wrapper.findAll('button').find((b) => b.text().startsWith('添加'))!.trigger('click')
    expect(wrapper.text()).toContain('第 2 项')
  })
})
