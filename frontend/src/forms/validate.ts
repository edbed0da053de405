// The form engine of the browser, mirroring forms/validate.go field for field:
// fields are processed in order; each field's rules see earlier fields as they
// will be stored (hidden ones removed, calculations applied) and later fields as
// entered; inside a group item, rules see the item's values over the entry's.
import { apply, truthy } from '../rules'
import type { Field, FieldError, Form } from './schema'
import { fieldTypes, type Env, type Problem } from './types'
import { trimBlank } from './text'

export type Mode = 'submit' | 'draft'
type Values = Record<string, unknown>

export interface Result {
  errors: FieldError[]
  visible: Record<string, boolean>
  computed: Record<string, unknown>
  data: Values
}

const isBlank = (v: unknown) =>
  v === null || v === undefined || (typeof v === 'string' && trimBlank(v) === '') || (Array.isArray(v) && v.length === 0)

const DRAFT_CODES = new Set(['type', 'too_long', 'invalid_attachment'])

export function validate(form: Form, data: Values | null, mode: Mode = 'submit', env: Env = {}): Result {
  const res: Result = { errors: [], visible: {}, computed: {}, data: {} }
  const values = data ?? {}
  const run = new Run(mode, env, res)
  res.data = run.level('', form.fields, values, { ...values })
  return res
}

class Run {
  constructor(
    private mode: Mode,
    private env: Env,
    private res: Result,
  ) {}

  fail(field: string, p: Problem) {
    this.res.errors.push({ field, ...p })
  }

  rule(rule: unknown, ctx: Values, ifAbsent: boolean): boolean {
    if (rule === undefined || rule === null) return ifAbsent
    try {
      return truthy(apply(rule, ctx))
    } catch {
      return false
    }
  }

  level(prefix: string, fields: Field[], values: Values, ctx: Values): Values {
    const known = new Map(fields.map((f) => [f.key, fieldTypes[f.type]?.holdsValue ?? false]))
    for (const key of Object.keys(values)) {
      if (!known.get(key)) this.fail(prefix + key, { code: 'unknown', message: '表单中没有这个字段' })
    }
    const out: Values = {}
    for (const f of fields) {
      const path = prefix + f.key
      if (f.visibleIf != null) {
        // Like the server, visibility is reported for conditional fields only.
        const visible = this.rule(f.visibleIf, ctx, true)
        this.res.visible[path] = visible
        if (!visible) {
          delete ctx[f.key]
          continue
        }
      }
      if (!fieldTypes[f.type]?.holdsValue) continue
      let value = values[f.key]
      if (f.calculate !== undefined && f.calculate !== null) {
        try {
          value = apply(f.calculate, ctx)
        } catch {
          value = null
        }
        this.res.computed[path] = value
        ctx[f.key] = value
      }
      const [stored, keep] = this.value(path, f, value, ctx)
      if (keep) out[f.key] = stored
    }
    return out
  }

  value(path: string, f: Field, value: unknown, ctx: Values): [unknown, boolean] {
    if (isBlank(value)) {
      const required = f.required || this.rule(f.requiredIf, ctx, false)
      if (required && this.mode === 'submit') this.fail(path, { code: 'required', message: '此项为必填项' })
      if (f.type === 'group' && value != null && this.mode === 'submit' && (f.minItems ?? 0) > 0) {
        this.fail(path, { code: 'too_few', message: `至少填写 ${f.minItems} 项`, params: { min: f.minItems } })
      }
      return [undefined, false]
    }
    let [normalised, problems] = fieldTypes[f.type].check(f, value, this.env)
    if (this.mode === 'draft') problems = problems.filter((p) => DRAFT_CODES.has(p.code))
    for (const p of problems) this.fail(path, p)
    if (problems.length) return [undefined, false]
    if (f.type === 'group') return [this.items(path, f, value as Values[], ctx), true]
    if (this.mode === 'submit' && f.validIf != null && !this.rule(f.validIf, ctx, true)) {
      this.fail(path, { code: 'invalid', message: f.validMessage ?? '' })
    }
    return [normalised, true]
  }

  items(path: string, f: Field, list: Values[], ctx: Values): Values[] {
    return list.map((item, i) => this.level(`${path}[${i}].`, f.fields ?? [], item, { ...ctx, ...item }))
  }
}
