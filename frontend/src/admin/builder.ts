// The form builder's model: field types with their Chinese names and settings,
// new fields with safe keys, conditions as JsonLogic, and the diff shown before
// publishing.
import type { Field, Form } from '../forms/schema'

export const typeNames: Record<string, string> = {
  text: '单行文本', textarea: '多行文本', number: '数字', integer: '整数', money: '金额', date: '日期', datetime: '日期时间',
  time: '时间', select: '下拉选择', radio: '单选', multiselect: '多选', checkbox: '是/否', phone: '手机号', idcard: '身份证号',
  email: '邮箱', url: '网址', photo: '照片', file: '文件', signature: '签名', geopoint: '定位', unit: '单位', user: '人员',
  section: '分节标题', note: '说明文字', group: '明细（可多项）',
}

export const hasOptions = (t: string) => ['select', 'radio', 'multiselect'].includes(t)
export const hasLength = (t: string) => ['text', 'textarea'].includes(t)
export const hasRange = (t: string) => ['number', 'integer', 'money'].includes(t)
export const hasFiles = (t: string) => ['photo', 'file'].includes(t)
export const holdsValue = (t: string) => !['section', 'note'].includes(t)

/** newField makes a field of type with a key not yet used among siblings. */
export function newField(type: string, siblings: Field[]): Field {
  const used = new Set(siblings.map((f) => f.key))
  let n = siblings.length + 1
  while (used.has(`field_${n}`)) n++
  const f: Field = { key: `field_${n}`, type, label: typeNames[type] ?? type }
  if (hasOptions(type)) f.options = [{ value: 'o1', label: '选项一' }, { value: 'o2', label: '选项二' }]
  if (type === 'group') f.fields = [{ key: 'item', type: 'text', label: '内容' }]
  if (type === 'note') f.text = '说明文字'
  return f
}

/** optionValue is a code for a new option that none of the others use. The
 *  administrator sees labels; codes are stored and stay hidden unless asked for. */
export function optionValue(options: { value: string }[]): string {
  const used = new Set(options.map((o) => o.value))
  let n = options.length + 1
  while (used.has(`o${n}`)) n++
  return `o${n}`
}

/** formKey is a code for a new form, made from the time: the administrator
 *  names the form; its code is technical and shown only under 高级. */
export function formKey(now = Date.now()): string {
  return `form_${now.toString(36)}`
}

/** choicesOf are what a condition on field may compare with: its options (by
 *  label, storing the code) or yes/no; null for free input. */
export function choicesOf(field: Field | undefined): { value: string; label: string }[] | null {
  if (!field) return null
  if (field.type === 'checkbox') return [{ value: 'true', label: '是' }, { value: 'false', label: '否' }]
  return hasOptions(field.type) ? (field.options ?? []) : null
}

export function move<T>(list: T[], from: number, to: number): void {
  if (to < 0 || to >= list.length) return
  const [item] = list.splice(from, 1)
  list.splice(to, 0, item)
}

export type Operator = '==' | '!=' | '>' | '<' | 'in' | 'filled'
export const operatorNames: Record<Operator, string> = { '==': '等于', '!=': '不等于', '>': '大于', '<': '小于', in: '包含', filled: '已填写' }

export interface Condition {
  field: string
  op: Operator
  value: string
}

/** toLogic turns a simple condition into JsonLogic, with numbers compared as
 *  numbers and 是/否 as booleans. */
export function toLogic(c: Condition): unknown {
  const v = { var: c.field }
  const value = c.value === 'true' || c.value === 'false' ? c.value === 'true'
    : c.value.trim() !== '' && !Number.isNaN(Number(c.value)) ? Number(c.value) : c.value
  switch (c.op) {
    case 'filled': return { '!!': [v] }
    case 'in': return { in: [value, v] }
    default: return { [c.op]: [v, value] }
  }
}

/** fromLogic reads back a condition toLogic made; anything else is for the raw editor. */
export function fromLogic(rule: unknown): Condition | null {
  if (!rule || typeof rule !== 'object' || Array.isArray(rule)) return null
  const [op, args] = Object.entries(rule as Record<string, unknown>)[0] ?? []
  if (!Array.isArray(args)) return null
  const varOf = (x: unknown) => (x && typeof x === 'object' && 'var' in x ? String((x as { var: unknown }).var) : null)
  if (op === '!!' && varOf(args[0])) return { field: varOf(args[0])!, op: 'filled', value: '' }
  if (op === 'in' && varOf(args[1])) return { field: varOf(args[1])!, op: 'in', value: String(args[0]) }
  if (['==', '!=', '>', '<'].includes(op) && varOf(args[0]) && args.length === 2 && (args[1] === null || typeof args[1] !== 'object')) {
    return { field: varOf(args[0])!, op: op as Operator, value: String(args[1]) }
  }
  return null
}

export interface Diff {
  added: string[]
  removed: string[]
  changed: string[]
}

/** diffForms lists, by label, the fields a publish adds, removes or changes. */
export function diffForms(before: Form | null, after: Form): Diff {
  const flat = (fields: Field[], prefix = ''): Map<string, Field> => {
    const out = new Map<string, Field>()
    for (const f of fields) {
      out.set(prefix + f.key, f)
      if (f.fields) for (const [k, v] of flat(f.fields, `${prefix}${f.key}.`)) out.set(k, v)
    }
    return out
  }
  const a = flat(before?.fields ?? [])
  const b = flat(after.fields)
  const name = (k: string, f: Field) => f.label || k
  const strip = (f: Field) => JSON.stringify({ ...f, fields: undefined })
  return {
    added: [...b].filter(([k]) => !a.has(k)).map(([k, f]) => name(k, f)),
    removed: [...a].filter(([k]) => !b.has(k)).map(([k, f]) => name(k, f)),
    changed: [...b].filter(([k, f]) => a.has(k) && strip(a.get(k)!) !== strip(f)).map(([k, f]) => name(k, f)),
  }
}
