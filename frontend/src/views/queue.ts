// The review queue as last listed, so that after a decision the next entry
// opens without going back to the list.
const KEY = 'taizhang.review-queue'

export function rememberQueue(ids: string[]): void {
  sessionStorage.setItem(KEY, JSON.stringify(ids))
}

/** nextInQueue is the entry after id in the remembered queue, or null. */
export function nextInQueue(id: string): string | null {
  try {
    const ids = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as string[]
    const i = ids.indexOf(id)
    return i >= 0 && i + 1 < ids.length ? ids[i + 1] : null
  } catch {
    return null
  }
}

// The words a supervisor used lately, offered again as 常用意见.
const COMMENTS = 'taizhang.comments'

export function recentComments(): string[] {
  try {
    return JSON.parse(localStorage.getItem(COMMENTS) ?? '[]') as string[]
  } catch {
    return []
  }
}

export function rememberComment(text: string): void {
  const t = text.trim()
  if (!t) return
  localStorage.setItem(COMMENTS, JSON.stringify([t, ...recentComments().filter((c) => c !== t)].slice(0, 6)))
}
