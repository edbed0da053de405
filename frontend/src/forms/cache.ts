// What the phone last saw — forms with their schemas, units, 待办, recent
// entries, messages: fetched when online and kept in IndexedDB, so a cadre in a
// village without signal still sees them and can fill every assigned form.
import { reactive } from 'vue'
import { api, useSession } from '../stores/session'
import { offlineDB } from '../offline/db'
import type { Form } from './schema'

/** freshness.offlineSince is set while screens show what was kept: the time it
 *  was fetched, for the quiet "离线 · 数据更新于 …" line. */
export const freshness = reactive({ offlineSince: null as string | null })

interface Kept<T> {
  value: T
  at: string
}

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

/** cached fetches and keeps a value, or, when that fails, returns the kept one.
 *  Kept per user: a shared phone never shows one person's lists to another. */
export async function cached<T>(name: string, fetcher: () => Promise<T>): Promise<T> {
  const db = offlineDB()
  const key = `${useSession().user?.id ?? ''}:${name}`
  try {
    const fresh = await fetcher()
    await db.kv.put({ key, value: { value: fresh, at: new Date().toISOString() } satisfies Kept<T> }).catch(() => {})
    freshness.offlineSince = null
    return fresh
  } catch (e) {
    const kept = (await db.kv.get(key))?.value as Kept<T> | T | undefined
    if (kept === undefined) throw e
    if (kept && typeof kept === 'object' && 'at' in kept && 'value' in kept) {
      const at = (kept as Kept<T>).at
      if (!freshness.offlineSince || at < freshness.offlineSince) freshness.offlineSince = at
      return (kept as Kept<T>).value
    }
    return kept as T // kept before timestamps
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

/** treeOrder lists units depth first (children in the server's order), each
 *  with its depth, for trees and pickers. */
export function treeOrder(units: Unit[]): { unit: Unit; depth: number }[] {
  const children = new Map<string, Unit[]>()
  for (const u of units) children.set(u.parentId ?? '', [...(children.get(u.parentId ?? '') ?? []), u])
  const ids = new Set(units.map((u) => u.id))
  const out: { unit: Unit; depth: number }[] = []
  const walk = (u: Unit, depth: number) => {
    out.push({ unit: u, depth })
    for (const c of children.get(u.id) ?? []) walk(c, depth + 1)
  }
  units.filter((u) => !u.parentId || !ids.has(u.parentId)).forEach((r) => walk(r, 0))
  return out
}

/** loadUnits returns the units the user can see, as a flat list. */
export function loadUnits(): Promise<Unit[]> {
  return cached('units', async () => {
    const res = await api().request<Unit[] | { items: Unit[] }>('/api/v1/units')
    return Array.isArray(res) ? res : res.items
  })
}

let lastPrefetch = 0

/**
 * prefetchForOffline keeps what a cadre needs without a network: every assigned
 * form with its schema, and the units the pickers offer. Run after a successful
 * sync, at most every ten minutes.
 */
export async function prefetchForOffline(now = Date.now()): Promise<void> {
  if (now - lastPrefetch < 10 * 60 * 1000) return
  lastPrefetch = now
  try {
    const forms = await loadAssignedForms()
    await Promise.all([...forms.map((f) => loadForm(f.id)), loadUnits()])
  } catch {
    lastPrefetch = 0 // try again next time
  }
}
