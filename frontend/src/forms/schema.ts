// The form schema as the server sends it (forms.Form / forms.Field in Go).
export interface Option {
  value: string
  label: string
}

export interface Field {
  key: string
  type: string
  label?: string
  help?: string
  required?: boolean
  default?: unknown
  visibleIf?: unknown
  requiredIf?: unknown
  validIf?: unknown
  validMessage?: string
  calculate?: unknown
  minLength?: number
  maxLength?: number
  pattern?: string
  notVague?: boolean
  min?: number
  max?: number
  options?: Option[]
  maxFiles?: number
  minItems?: number
  maxItems?: number
  text?: string
  fields?: Field[]
  /** count entries by this field's option in the office's summaries (select and radio, top level) */
  reportable?: boolean
  public?: boolean // shown on the public commitment board
}

export interface Form {
  key: string
  title: string
  description?: string
  category: 'shishi' | 'problem' | 'weekly' | 'custom'
  workflow?: string
  /** the top-level field whose value titles an entry in lists */
  titleField?: string
  /** a unit files a scheduled form once per round; unset: true but for 办实事 and problem lists */
  onePerPeriod?: boolean
  publicCommitment?: boolean // reviewed entries go on the public board (公开承诺)
  fields: Field[]
}

/** oncePerPeriod is the server's rule (forms.Form.OncePerPeriod). */
export const oncePerPeriod = (f: Form) => f.onePerPeriod ?? !['shishi', 'problem'].includes(f.category)

export interface FieldError {
  field: string
  code: string
  message: string
  params?: Record<string, unknown>
}
