// Forms and units as the phone last saw them: fetched when online and kept in
// IndexedDB, so a cadre in a village without signal can still open a form.
import { api } from '../stores/session'
import { offlineDB } from '../offline/db'
import type { Form } from './schema'

export interface FormVersion {
  id: string
  key: string
  version: number
  schema: Form
}

export interface Unit {
  id: string
  name: string
  parentId?: string
  kind: string
  path?: string[]
  active?: boolean
}

async function cached<T>(key: string, fetcher: () => Promise<T>): Promise<T> {
  const db = offlineDB()
  try {
    const fresh = await fetcher()
    await db.kv.put({ key, value: fresh }).catch(() => {})
    return fresh
  } catch (e) {
    const kept = await db.kv.get(key)
    if (kept) return kept.value as T
    throw e
  }
}

/** loadForm returns a form's latest version (or a given one). */
export function loadForm(formId: string, version?: number): Promise<FormVersion> {
  const q = version ? `?version=${version}` : ''
  return cached(`form:${formId}${q}`, () => api().request<FormVersion>(`/api/v1/forms/${formId}${q}`))
}

/** A form the user's unit must fill, with its current period and deadline. */
export interface AssignedForm {
  id: string
  key: string
  title: string
  category: string
  period?: string
  due?: string
}

/** loadAssignedForms returns the forms the user's own unit must fill. */
export async function loadAssignedForms(): Promise<AssignedForm[]> {
  return cached('assigned-forms', async () => (await api().request<{ items: AssignedForm[] }>('/api/v1/forms?assigned=true')).items)
}

/** loadUnits returns the units the user can see, as a flat list. */
export function loadUnits(): Promise<Unit[]> {
  return cached('units', async () => {
    const res = await api().request<Unit[] | { items: Unit[] }>('/api/v1/units')
    return Array.isArray(res) ? res : res.items
  })
}
