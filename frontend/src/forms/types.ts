// Field types, mirroring forms/type_*.go: each checks a non-empty value and may
// return it normalised. Codes and messages match the server's.
import type { Field } from './schema'
import { isVague } from './vague'
import { hasBadText, trimBlank } from './text'

export interface Problem {
  code: string
  message: string
  params?: Record<string, unknown>
}

export interface Env {
  unitInScope?: (id: string) => boolean
  userInScope?: (id: string) => boolean
}

type Check = (f: Field, v: unknown, env: Env) => [unknown, Problem[]]

export const MAX_TEXT_BYTES = 64 * 1024
const MAX_GROUP_ITEMS = 200
const DEFAULT_MAX_FILES = 9

const fail = (code: string, message: string, params?: Record<string, unknown>): [unknown, Problem[]] => [
  undefined,
  [params ? { code, message, params } : { code, message }],
]
const ok = (v: unknown): [unknown, Problem[]] => [v, []]

const patterns = new Map<string, RegExp>()
export function matches(pattern: string, s: string): boolean {
  let re = patterns.get(pattern)
  if (!re) {
    re = new RegExp('^(?:' + pattern + ')$', 'u')
    patterns.set(pattern, re)
  }
  return re.test(s)
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const utf8Length = (s: string) => new TextEncoder().encode(s).length

function checkText(f: Field, v: unknown): [unknown, Problem[]] {
  if (typeof v !== 'string') return fail('type', '应为文本')
  const n = [...trimBlank(v)].length // blank ends are not content
  if (hasBadText(v)) return fail('invalid_char', '含有控制字符或无法识别的字符（乱码），请删除后重新输入')
  if (utf8Length(v) > MAX_TEXT_BYTES) return fail('too_long', '内容过长', { max: MAX_TEXT_BYTES })
  if (f.minLength !== undefined && n < f.minLength) return fail('too_short', `至少填写 ${f.minLength} 个字`, { min: f.minLength })
  if (f.maxLength !== undefined && n > f.maxLength) return fail('too_long', `最多填写 ${f.maxLength} 个字`, { max: f.maxLength })
  if (f.pattern && !matches(f.pattern, v)) return fail('pattern', '格式不正确')
  if (f.notVague && isVague(v)) {
    return fail('vague', '内容过于空泛：请写明具体做什么、由谁负责、何时完成，不要只写“加强”“进一步”等套话')
  }
  return ok(v)
}

function checkNumber(f: Field, v: unknown): [unknown, Problem[]] {
  if (!isNumber(v)) return fail('type', '应为数字')
  if (f.min !== undefined && v < f.min) return fail('too_small', `不能小于 ${f.min}`, { min: f.min })
  if (f.max !== undefined && v > f.max) return fail('too_large', `不能大于 ${f.max}`, { max: f.max })
  return ok(v)
}

function checkLayout(v: unknown, valid: (s: string) => boolean, message: string): [unknown, Problem[]] {
  if (typeof v !== 'string') return fail('type', message)
  return valid(v) ? ok(v) : fail('format', message)
}

function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d
}

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  return !!m && realDate(+m[1], +m[2], +m[3])
}

function isDateTime(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(s)
  return !!m && isDate(m[1]) && +m[2] < 24 && +m[3] < 60 && +m[4] < 60 && (m[6] === 'Z' || (+m[7] < 24 && +m[8] < 60))
}

const isTime = (s: string) => /^([01]\d|2[0-3]):[0-5]\d$/.test(s)

function checkChoice(f: Field, v: unknown): [unknown, Problem[]] {
  if (typeof v !== 'string') return fail('type', '应为一个选项')
  if (!f.options?.some((o) => o.value === v)) return fail('not_an_option', '不是可选的选项', { value: v })
  return ok(v)
}

function checkCount(n: number, lo?: number, hi?: number): Problem[] {
  if (lo !== undefined && n < lo) return fail('too_few', `至少选择或填写 ${lo} 项`, { min: lo })[1]
  if (hi !== undefined && n > hi) return fail('too_many', `最多选择或填写 ${hi} 项`, { max: hi })[1]
  return []
}

const isAttachmentID = (v: unknown) => typeof v === 'string' && matches('[0-9a-f]{24,64}', v)

function checkAttachments(f: Field, v: unknown): [unknown, Problem[]] {
  if (!Array.isArray(v)) return fail('type', '应为附件列表')
  if (!v.every(isAttachmentID)) return fail('invalid_attachment', '附件编号无效')
  const limit = f.maxFiles ?? DEFAULT_MAX_FILES
  if (v.length > limit) return fail('too_many', `最多上传 ${limit} 个文件`, { max: limit })
  return ok(v)
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

function checkIdcard(v: unknown): [unknown, Problem[]] {
  if (typeof v !== 'string' || !/^[0-9]{17}[0-9Xx]$/.test(v)) return fail('invalid_idcard', '身份证号应为 18 位')
  if (!realDate(+v.slice(6, 10), +v.slice(10, 12), +v.slice(12, 14))) return fail('invalid_idcard', '身份证号中的出生日期无效')
  let sum = 0
  for (let i = 0; i < 17; i++) sum += +v[i] * ID_WEIGHTS[i]
  const last = v[17].toUpperCase()
  if (ID_CHECK[sum % 11] !== last) return fail('invalid_idcard', '身份证号校验位不正确，请核对')
  return ok(v.slice(0, 17) + last)
}

function checkGeopoint(v: unknown): [unknown, Problem[]] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('type', '应为位置')
  const m = v as Record<string, unknown>
  const keys = Object.keys(m)
  const acc = 'accuracy' in m ? m.accuracy : 0
  if (!isNumber(m.lat) || !isNumber(m.lng) || !isNumber(acc) || keys.some((k) => !['lat', 'lng', 'accuracy'].includes(k))) {
    return fail('type', '位置应包含 lat、lng 和可选的 accuracy')
  }
  if (m.lat < -90 || m.lat > 90 || m.lng < -180 || m.lng > 180 || acc < 0) return fail('out_of_range', '位置坐标超出范围')
  return ok(v)
}

function checkId(v: unknown, inScope: ((id: string) => boolean) | undefined, what: string, scopeMessage: string): [unknown, Problem[]] {
  if (typeof v !== 'string' || v === '' || v.length > 64) return fail('type', what)
  if (inScope && !inScope(v)) return fail('not_in_scope', scopeMessage)
  return ok(v)
}

export const fieldTypes: Record<string, { holdsValue: boolean; check: Check }> = {
  text: { holdsValue: true, check: checkText },
  textarea: { holdsValue: true, check: checkText },
  number: { holdsValue: true, check: checkNumber },
  integer: {
    holdsValue: true,
    check: (f, v) => (isNumber(v) && !Number.isInteger(v) ? fail('not_integer', '应为整数') : checkNumber(f, v)),
  },
  money: {
    holdsValue: true,
    check: (f, v) =>
      isNumber(v) && Math.abs(v * 100 - Math.round(v * 100)) > 1e-6 ? fail('money', '金额最多保留两位小数') : checkNumber(f, v),
  },
  date: { holdsValue: true, check: (_f, v) => checkLayout(v, isDate, '应为日期，如 2026-11-27') },
  datetime: { holdsValue: true, check: (_f, v) => checkLayout(v, isDateTime, '应为日期时间，如 2026-11-27T12:00:00+08:00') },
  time: { holdsValue: true, check: (_f, v) => checkLayout(v, isTime, '应为时间，如 12:00') },
  select: { holdsValue: true, check: checkChoice },
  radio: { holdsValue: true, check: checkChoice },
  multiselect: {
    holdsValue: true,
    check: (f, v) => {
      if (!Array.isArray(v)) return fail('type', '应为选项列表')
      const seen = new Set<string>()
      for (const item of v) {
        if (typeof item !== 'string' || !f.options?.some((o) => o.value === item)) return fail('not_an_option', '含有不可选的选项')
        if (seen.has(item)) return fail('duplicate', '选项重复')
        seen.add(item)
      }
      const p = checkCount(v.length, f.minItems, f.maxItems)
      return p.length ? [undefined, p] : ok(v)
    },
  },
  checkbox: { holdsValue: true, check: (_f, v) => (typeof v === 'boolean' ? ok(v) : fail('type', '应为是或否')) },
  phone: {
    holdsValue: true,
    check: (_f, v) => {
      if (typeof v !== 'string') return fail('type', '应为手机号')
      let phone = v.replace(/[ -]/g, '')
      if (phone.startsWith('+86')) phone = phone.slice(3)
      return matches('1[3-9][0-9]{9}', phone) ? ok(phone) : fail('invalid_phone', '请输入 11 位中国大陆手机号')
    },
  },
  idcard: { holdsValue: true, check: (_f, v) => checkIdcard(v) },
  email: {
    holdsValue: true,
    check: (_f, v) =>
      typeof v === 'string' && v.length <= 254 && matches('[^\\s@]+@[^\\s@]+\\.[^\\s@]+', v) ? ok(v) : fail('invalid_email', '邮箱地址格式不正确'),
  },
  url: {
    holdsValue: true,
    check: (_f, v) =>
      typeof v === 'string' && v.length <= 2048 && matches('https?://[^\\s/?#]+[^\\s]*', v)
        ? ok(v)
        : fail('invalid_url', '网址应以 http:// 或 https:// 开头'),
  },
  photo: { holdsValue: true, check: checkAttachments },
  file: { holdsValue: true, check: checkAttachments },
  signature: { holdsValue: true, check: (_f, v) => (isAttachmentID(v) ? ok(v) : fail('invalid_attachment', '签名图片无效')) },
  geopoint: { holdsValue: true, check: (_f, v) => checkGeopoint(v) },
  unit: { holdsValue: true, check: (_f, v, env) => checkId(v, env.unitInScope, '应为单位', '单位不存在或不在您的范围内') },
  user: { holdsValue: true, check: (_f, v, env) => checkId(v, env.userInScope, '应为人员', '人员不存在或不在您的范围内') },
  section: { holdsValue: false, check: () => ok(undefined) },
  note: { holdsValue: false, check: () => ok(undefined) },
  group: {
    holdsValue: true,
    check: (f, v) => {
      if (!Array.isArray(v)) return fail('type', '应为列表')
      if (!v.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i))) return fail('type', '列表中的每一项都应为对象')
      const p = checkCount(v.length, f.minItems, f.maxItems ?? MAX_GROUP_ITEMS)
      return p.length ? [undefined, p] : ok(v)
    },
  },
}
