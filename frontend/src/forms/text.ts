// Characters that do not count as content, and characters no text may hold;
// the same lists as forms/text_chars.go.

const BLANK =
  '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a' +
  '\u2028\u2029\u202f\u205f\u3000\u180e\u200b\u200c\u200d\u2060\ufeff'

/** trimBlank removes white space and zero-width characters from both ends. */
export function trimBlank(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && BLANK.includes(s[start])) start++
  while (end > start && BLANK.includes(s[end - 1])) end--
  return s.slice(start, end)
}

/** hasBadText: control characters other than tab and line breaks, U+FFFD (undecodable
 *  bytes) and lone surrogates (not valid UTF-8 on the server). */
export function hasBadText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 9 || c === 10 || c === 13) continue
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) return true
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return true
  }
  return false
}
