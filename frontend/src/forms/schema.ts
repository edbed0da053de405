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
}

export interface Form {
  key: string
  title: string
  description?: string
  category: 'shishi' | 'problem' | 'weekly' | 'custom'
  workflow?: string
  /** the top-level field whose value titles an entry in lists */
  titleField?: string
  fields: Field[]
}

export interface FieldError {
  field: string
  code: string
  message: string
  params?: Record<string, unknown>
}
