// What fields need from the page around them: who uploads photos (their ids
// derive from it), the units and people to choose from, and the offline store.
import type { InjectionKey } from 'vue'
import type { OfflineDB } from '../offline/db'

export interface Choice {
  id: string
  name: string
}

export interface FormContext {
  uploaderId: string
  db: OfflineDB
  units: Choice[]
  users: Choice[]
}

export const formContextKey: InjectionKey<FormContext> = Symbol('form-context')

/** fieldId makes a DOM id from a field path, for labels and error links. */
export const fieldId = (path: string) => 'f-' + path.replace(/[^a-zA-Z0-9_-]/g, '-')
