// Deadline texts for the 待办 list: "周报 · 周五12:00截止 · 剩3小时".
const weekdays = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

/** beijing returns the wall-clock parts of t in Beijing time. */
function beijing(t: Date) {
  const b = new Date(t.getTime() + 8 * 3600 * 1000)
  return { day: b.getUTCDay(), hh: b.getUTCHours(), mm: b.getUTCMinutes(), date: b.getUTCDate(), month: b.getUTCMonth() + 1 }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** dueText says when something is due and how long is left, against the server's clock. */
export function dueText(due: Date, now: Date): string {
  const b = beijing(due)
  const week = 7 * 24 * 3600 * 1000
  const when =
    due.getTime() - now.getTime() < week && due.getTime() >= now.getTime()
      ? `${weekdays[b.day]}${pad(b.hh)}:${pad(b.mm)}截止`
      : `${b.month}月${b.date}日 ${pad(b.hh)}:${pad(b.mm)}截止`
  return `${when} · ${remaining(due.getTime() - now.getTime())}`
}

function remaining(ms: number): string {
  if (ms < 0) return '已逾期'
  const hours = Math.floor(ms / 3600_000)
  if (hours >= 48) return `剩${Math.floor(hours / 24)}天`
  if (hours >= 1) return `剩${hours}小时`
  return `剩${Math.max(1, Math.floor(ms / 60_000))}分钟`
}
