package forms

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// stockPhrases are the words the campaign speech calls "虚、大、空": they fill a
// sentence without saying what will be done. A measure made only of them (and of
// punctuation) is refused. The list is mirrored in frontend/src/forms/vague.ts.
var stockPhrases = []string{
	"高度重视", "认真落实", "切实加强", "进一步", "加强", "提高", "认真", "落实", "切实", "全面", "深入", "扎实",
	"推进", "抓好", "强化", "不断", "努力", "积极", "完善", "持续", "贯彻", "工作", "有效", "大力", "稳步",
	"着力", "坚决", "确保", "提升", "狠抓", "做好", "整改", "问题", "措施", "力度", "意识", "水平", "能力", "作风",
	"建设", "管理", "机制", "制度", "相关", "各项",
}

// minSubstance is how many characters must remain once stock phrases and
// punctuation are removed.
const minSubstance = 6

// isVague reports whether s says nothing beyond stock phrases.
func isVague(s string) bool {
	for _, p := range stockPhrases {
		s = strings.ReplaceAll(s, p, "")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
	return utf8.RuneCountInString(s) < minSubstance
}
