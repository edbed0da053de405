// An entry's title, as the server derives it (forms.TitleOf): the value of the
// form's title field (an option's label for a choice), or of its first
// single-line text field, shortened to 60 characters.
import type { Form } from './schema'
import { trimBlank } from './text'

export function titleOf(form: Form, data: Record<string, unknown>): string {
  const field = form.fields.find((f) => (form.titleField ? f.key === form.titleField : f.type === 'text'))
  if (!field) return ''
  let s = typeof data[field.key] === 'string' ? (data[field.key] as string) : ''
  s = field.options?.find((o) => o.value === s)?.label ?? s
  const chars = [...trimBlank(s)]
  return chars.length > 60 ? chars.slice(0, 59).join('') + '…' : chars.join('')
}
