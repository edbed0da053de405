// The rounds the user's own unit owes — each scheduled form's recent periods
// with their status in the obligation ledger — for 待办 (补报 what is missing)
// and for 本单位报送情况. Kept on the phone like everything 待办 shows.
import { serverNow } from '../api/client'
import { isoDay } from '../reports/periods'
import { loadCompliance, type ObligationStatus } from '../reports/reports'
import { useSession } from '../stores/session'
import { cached, type AssignedForm } from './cache'

export interface MyRound {
  formId: string
  formTitle: string
  period: string
  label: string
  due: string
  status: ObligationStatus
  entryId?: string
  reason?: string
}

/** loadMyRounds lists the recent rounds of every scheduled form the unit owes, newest first. */
export async function loadMyRounds(forms: AssignedForm[]): Promise<MyRound[]> {
  const unitId = useSession().user?.unitId ?? ''
  const scheduled = forms.filter((f) => f.period)
  return cached(`my-rounds:${scheduled.map((f) => f.id).join(',')}`, async () => {
    const all = await Promise.all(scheduled.map(async (f) => {
      const days = f.period!.includes('-W') ? 7 * 8 : 370
      const m = await loadCompliance(f.id, unitId, isoDay(serverNow(), days))
      const row = m.rows.find((r) => r.unitId === unitId)
      return (row?.cells ?? []).filter((c) => c.status).map((c): MyRound => {
        const round = m.periods.find((p) => p.period === c.period)!
        return { formId: f.id, formTitle: f.title, period: c.period, label: round.label, due: round.due, status: c.status!,
          entryId: c.entryId, reason: c.reason }
      })
    }))
    return all.flat().sort((a, b) => b.due.localeCompare(a.due))
  })
}
