// The rules of a form (visibleIf, requiredIf, validIf, calculate) are JsonLogic,
// evaluated here by json-logic-js and on the server by forms/jsonlogic with the
// same semantics. The two operators taizhang adds are defined identically on both
// sides: "today" (the date in Beijing) and "days_between" (whole calendar days).
import jsonLogic from 'json-logic-js'

const BEIJING_OFFSET_MS = 8 * 3600 * 1000
const DAY_MS = 86400 * 1000
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

let clock: () => Date = () => new Date()

/** setClock injects the time "today" reads (tests; server time on skewed phones). */
export function setClock(now: () => Date): void {
  clock = now
}

function beijingDate(d: Date): string {
  return new Date(d.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10)
}

/** calendarDay is the date's midnight (UTC-counted) in ms, or null. */
function calendarDay(v: unknown): number | null {
  if (typeof v !== 'string') return null
  if (DATE_ONLY.test(v)) {
    const t = Date.parse(v + 'T00:00:00Z')
    return Number.isNaN(t) ? null : t
  }
  // RFC 3339 with a zone, as the Go side accepts; taken as a Beijing date.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return null
  const t = Date.parse(v)
  return Number.isNaN(t) ? null : Date.parse(beijingDate(new Date(t)) + 'T00:00:00Z')
}

jsonLogic.add_operation('today', () => beijingDate(clock()))
jsonLogic.add_operation('days_between', (a: unknown, b: unknown) => {
  const from = calendarDay(a)
  const to = calendarDay(b)
  return from === null || to === null ? null : Math.round((to - from) / DAY_MS)
})

export type Rule = unknown

/** apply evaluates a rule against data. */
export function apply(rule: Rule, data: unknown): unknown {
  return jsonLogic.apply(rule as jsonLogic.RulesLogic, data as object)
}

/** truthy is JsonLogic's truthiness (an empty array is false). */
export function truthy(v: unknown): boolean {
  return jsonLogic.truthy(v)
}
