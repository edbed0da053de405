// longText mirrors the server's signals.LongText: the text values of at least
// 30 characters in an entry's data, in key order — what copied-text signals
// compare, shown side by side on the review screen.
const minRunes = 30

export function longText(data: unknown): string {
  const parts: string[] = []
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if ([...v.trim()].length >= minRunes) parts.push(v)
    } else if (Array.isArray(v)) {
      v.forEach(walk)
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>
      Object.keys(o).sort().forEach((k) => walk(o[k]))
    }
  }
  walk(data)
  return parts.join('\n')
}
