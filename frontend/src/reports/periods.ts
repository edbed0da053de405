// Periods as people choose them: 本周, 上周, a week by its dates, a month.
// Keys are the API's ("2026-W49", "2026-12"); labels are Beijing dates.

const DAY = 24 * 3600 * 1000
const BEIJING = 8 * 3600 * 1000

/** beijingDay is the calendar day in Beijing of an instant, as UTC midnight. */
function beijingDay(t: Date): Date {
  const b = new Date(t.getTime() + BEIJING)
  return new Date(Date.UTC(b.getUTCFullYear(), b.getUTCMonth(), b.getUTCDate()))
}

/** weekKey is the ISO week of a Beijing day: 2026-W49. */
export function weekKey(t: Date): string {
  const day = beijingDay(t)
  const thursday = new Date(day.getTime() + (3 - ((day.getUTCDay() + 6) % 7)) * DAY)
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1)
  const week = 1 + Math.floor((thursday.getTime() - jan1) / DAY / 7)
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}

/** weekMonday is the Monday of an ISO week key, as UTC midnight. */
export function weekMonday(key: string): Date | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(key)
  if (!m) return null
  const jan4 = new Date(Date.UTC(Number(m[1]), 0, 4))
  return new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * DAY + (Number(m[2]) - 1) * 7 * DAY)
}

const md = (d: Date) => `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`

/** periodLabel names a period for a picker: 第49周（11月30日–12月6日）, 2026年12月. */
export function periodLabel(key: string): string {
  const monday = weekMonday(key)
  if (monday) return `第${Number(key.slice(6))}周（${md(monday)}–${md(new Date(monday.getTime() + 6 * DAY))}）`
  const month = /^(\d{4})-(\d{2})$/.exec(key)
  if (month) return `${month[1]}年${Number(month[2])}月`
  return key === 'once' ? '一次性' : key
}

/** shortLabel fits a column: 第49周, 12月. */
export function shortLabel(key: string): string {
  if (weekMonday(key)) return `第${Number(key.slice(6))}周`
  const month = /^(\d{4})-(\d{2})$/.exec(key)
  if (month) return `${Number(month[2])}月`
  return key === 'once' ? '一次性' : key
}

/** recentWeeks lists the last n week keys up to now's, newest first. */
export function recentWeeks(now: Date, n: number): string[] {
  return Array.from({ length: n }, (_, i) => weekKey(new Date(now.getTime() - i * 7 * DAY)))
}

/** recentMonths lists the last n month keys up to now's, newest first. */
export function recentMonths(now: Date, n: number): string[] {
  const b = new Date(now.getTime() + BEIJING)
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(b.getUTCFullYear(), b.getUTCMonth() - i, 1))
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
  })
}

/** relativeName says 本周/上周 (本月/上月) for the keys it fits, else the label. */
export function relativeName(key: string, now: Date): string {
  if (weekMonday(key)) {
    if (key === weekKey(now)) return '本周'
    if (key === weekKey(new Date(now.getTime() - 7 * DAY))) return '上周'
  } else {
    const [thisMonth, lastMonth] = recentMonths(now, 2)
    if (key === thisMonth) return '本月'
    if (key === lastMonth) return '上月'
  }
  return periodLabel(key)
}

/** isoDay is a Beijing calendar day n days before now: 2026-09-08. */
export function isoDay(now: Date, daysBack = 0): string {
  return beijingDay(new Date(now.getTime() - daysBack * DAY)).toISOString().slice(0, 10)
}
