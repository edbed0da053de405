package forms

import (
	"strings"
	"unicode/utf8"
)

// blankRunes are the characters that do not count as content: the Unicode
// white space and the zero-width characters that look like nothing on a phone.
// Thirty zero-width spaces must not satisfy a required field, nor a minimum
// length. frontend/src/forms/text.ts holds the same list.
const blankRunes = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" +
	"\u2028\u2029\u202f\u205f\u3000\u180e\u200b\u200c\u200d\u2060\ufeff"

// TrimBlank removes blank characters from both ends of s.
func TrimBlank(s string) string {
	return strings.Trim(s, blankRunes)
}

// badTextRune reports a character that no text value may hold: control
// characters other than tab and line breaks (NUL among them), and U+FFFD, which
// is what undecodable bytes (invalid UTF-8) become.
func badTextRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f, r == utf8.RuneError:
		return true
	}
	return false
}

// HasBadText reports whether s holds a character badTextRune refuses, or is not
// valid UTF-8 at all.
func HasBadText(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, badTextRune)
}
