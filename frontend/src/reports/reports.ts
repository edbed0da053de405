// The office's reports: what the reports API answers, and the few sums the
// screens make of it. The sums are plain functions, tested without a browser.
import { showConfirmDialog, showNotify } from 'vant'
import { ApiError } from '../api/client'
import { api } from '../stores/session'

export type ObligationStatus = 'onTime' | 'late' | 'missing' | 'exempted' | 'pending'

/** The statuses in the order the screens show them, with their words and colours. */
export const obligationStatuses: { code: ObligationStatus; name: string; short: string; color: string }[] = [
  { code: 'onTime', name: '按时报送', short: '按时', color: '#07a35a' },
  { code: 'late', name: '迟报', short: '迟报', color: '#e8710a' },
  { code: 'missing', name: '未报', short: '未报', color: '#d4202c' },
  { code: 'exempted', name: '免报', short: '免报', color: '#7a7d82' },
  { code: 'pending', name: '未到截止', short: '未到', color: '#4a90d9' },
]
export const statusOf = (code: string) => obligationStatuses.find((s) => s.code === code)

export interface Round {
  period: string
  label: string
  due: string
}

export interface Cell {
  period: string
  status?: ObligationStatus
  firstSubmittedAt?: string
  entryId?: string
  exemptionId?: string
  reason?: string
  counts?: Partial<Record<ObligationStatus, number>>
}

export interface Row {
  unitId: string
  name: string
  self?: boolean
  subtree?: boolean
  onTimeRate: number | null
  cells: Cell[]
}

export interface Matrix {
  formId: string
  formTitle: string
  unitId: string
  unitName: string
  periods: Round[]
  rows: Row[]
  totals: Partial<Record<ObligationStatus, number>>
}

export interface Owing {
  unitId: string
  unitName: string
  unitPath: string
  period: string
  status: ObligationStatus
  dueAt: string
  firstSubmittedAt: string | null
  entryId?: string
  exemption?: { id: string; reason: string; by?: string; at?: string }
  filers: { name: string; phone: string }[]
}

export interface Summary {
  formId: string
  formTitle: string
  total: number
  byStatus: Record<string, number>
  byOption: { field: string; label: string; options: { value: string; label: string; n: number }[] }[]
  byPeriod: { bucket: string; label: string; n: number }[]
  byUnit: { unitId: string; name: string; n: number; byStatus: Record<string, number>; flagged: number }[]
  flagged: number // entries with 疑点 nobody has explained yet
}

export interface Late {
  kind: 'rectification' | 'review'
  entryId: string
  title: string
  formTitle: string
  unitId: string
  unitName: string
  status: string
  dueAt: string
  daysOverdue: number
}

const q = (params: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString()

export const loadCompliance = (formId: string, unitId?: string, from?: string, to?: string) =>
  api().request<Matrix>(`/api/v1/reports/compliance?${q({ formId, unitId, from, to })}`)

export const loadObligations = (formId: string, period: string, status?: string, unitId?: string) =>
  api().request<{ items: Owing[] }>(`/api/v1/reports/obligations?${q({ formId, period, status, unitId })}`).then((r) => r.items)

export const loadSummary = (formId: string, unitId?: string, from?: string) =>
  api().request<Summary>(`/api/v1/reports/summary?${q({ formId, unitId, from })}`)

export const loadOverdue = (unitId?: string) =>
  api().request<{ items: Late[] }>(`/api/v1/reports/overdue?${q({ unitId })}`).then((r) => r.items)

export const exempt = (formId: string, unitId: string, period: string, reason: string) =>
  api().request('/api/v1/obligations/exemptions', { method: 'POST', body: { formId, unitId, period, reason } })

export const unexempt = (id: string) => api().request(`/api/v1/obligations/exemptions/${id}`, { method: 'DELETE' })

/** takeBack asks, takes an exemption back and says so; true when it was. */
export async function takeBack(exemptionId: string, unitName: string): Promise<boolean> {
  try {
    await showConfirmDialog({ title: `撤销${unitName}的免报？`, message: '撤销后，未报送的单位将计为未报。' })
  } catch {
    return false
  }
  try {
    await unexempt(exemptionId)
    showNotify({ type: 'success', message: '已撤销免报' })
    return true
  } catch (e) {
    showNotify({ type: 'danger', message: e instanceof ApiError ? e.message : '网络错误，请重试' })
    return false
  }
}

/** countsOf sums a cell: a unit's status counts one, a subtree's counts as given. */
export function countsOf(cell?: Cell): Record<ObligationStatus, number> {
  const out: Record<ObligationStatus, number> = { onTime: 0, late: 0, missing: 0, exempted: 0, pending: 0 }
  if (!cell) return out
  if (cell.status) out[cell.status]++
  for (const [k, n] of Object.entries(cell.counts ?? {})) out[k as ObligationStatus] += n ?? 0
  return out
}

/** periodTotals sums every row's cell of one period. */
export function periodTotals(m: Matrix, period: string): Record<ObligationStatus, number> {
  const out = countsOf()
  for (const row of m.rows) {
    const c = countsOf(row.cells.find((x) => x.period === period))
    for (const s of obligationStatuses) out[s.code] += c[s.code]
  }
  return out
}

/**
 * onTimeRate is the share filed on time of what was owed and due: late and
 * missing count against it, excused and not-yet-due rounds not at all. Null
 * when nothing was due.
 */
export function onTimeRate(c: Record<ObligationStatus, number>): number | null {
  const due = c.onTime + c.late + c.missing
  return due ? c.onTime / due : null
}

/** percent shows a rate: 87%, or — when there is none. */
export const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`)

/** latestDue is the most recent round whose due time has passed (or the first). */
export function latestDue(rounds: Round[], now: Date): string {
  const due = rounds.filter((r) => new Date(r.due) <= now)
  return (due.at(-1) ?? rounds[0])?.period ?? ''
}
