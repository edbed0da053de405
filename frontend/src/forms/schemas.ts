// Form schemas this page has already been sent, by form id and version: an
// entry's page tells the server which it has (?knownForms=…), and the server
// leaves the schema — 9 KB for a typical form — out of the answer. A reviewer
// opening twenty entries of one form fetches its schema once.
import type { Form } from './schema'

const limit = 50 // the server looks at this many
const kept = new Map<string, Form>()

const keyOf = (formId: string, version: number) => `${formId}@${version}`

/** knownForms is the query value naming the schemas kept, most recent last. */
export function knownForms(): string {
  return [...kept.keys()].join(',')
}

/** remember keeps a schema the server sent, forgetting the oldest beyond the limit. */
export function remember(formId: string, version: number, schema: Form): void {
  const key = keyOf(formId, version)
  kept.delete(key)
  kept.set(key, schema)
  while (kept.size > limit) kept.delete(kept.keys().next().value as string)
}

/** schemaOf is a kept schema, if any. */
export function schemaOf(formId: string, version: number): Form | undefined {
  return kept.get(keyOf(formId, version))
}

/** withSchema fills in a schema the server left out because this page has it.
 *  The page's own copy is gone only if it was forgotten between the request and
 *  the answer; then the caller asks again without knownForms. */
export function withSchema<T extends { form: { id: string; version: number; schema?: Form } }>(answer: T): T | null {
  const { id, version, schema } = answer.form
  if (schema) {
    remember(id, version, schema)
    return answer
  }
  const known = schemaOf(id, version)
  return known ? { ...answer, form: { ...answer.form, schema: known } } : null
}

/** forgetSchemas empties the cache (sign-out, tests). */
export function forgetSchemas(): void {
  kept.clear()
}
