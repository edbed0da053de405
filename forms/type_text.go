package forms

import (
	"fmt"
	"regexp"
	"sync"
	"unicode/utf8"
)

// MaxTextBytes bounds any one text value.
const MaxTextBytes = 64 * 1024

// textType is a single line of text.
type textType struct{}

func (textType) settings() []setting { return []setting{sMinLength, sMaxLength, sPattern, sNotVague} }
func (textType) holdsValue() bool    { return true }

func (textType) checkSettings(f *Field) []problem { return checkTextSettings(f) }

func (textType) checkValue(f *Field, v any, _ *Env) (any, []problem) { return checkText(f, v) }

func checkTextSettings(f *Field) []problem {
	var out []problem
	for _, n := range []*int{f.MinLength, f.MaxLength} {
		if n != nil && (*n < 0 || *n > MaxTextBytes) {
			out = append(out, fail("out_of_range", fmt.Sprintf("长度限制应在 0 到 %d 之间", MaxTextBytes))...)
		}
	}
	out = append(out, checkRange(f.MinLength, f.MaxLength, "minLength", "maxLength")...)
	if f.Pattern != "" {
		if _, err := compiledPattern(f.Pattern); err != nil || len(f.Pattern) > 500 {
			out = append(out, fail("invalid_pattern", "pattern 不是有效的正则表达式")...)
		}
	}
	return out
}

var patterns sync.Map // pattern → *regexp.Regexp

// compiledPattern anchors a pattern to the whole value, as the browser does with
// new RegExp("^(?:" + pattern + ")$", "u"); patterns use the syntax both share.
func compiledPattern(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile("^(?:" + p + ")$")
	if err != nil {
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}

func matches(pattern, s string) bool {
	re, err := compiledPattern(pattern)
	return err == nil && re.MatchString(s)
}

func checkText(f *Field, v any) (any, []problem) {
	s, ok := v.(string)
	if !ok {
		return nil, fail("type", "应为文本")
	}
	n := utf8.RuneCountInString(TrimBlank(s)) // blank ends are not content
	switch {
	case HasBadText(s):
		return nil, fail("invalid_char", "含有控制字符或无法识别的字符（乱码），请删除后重新输入")
	case len(s) > MaxTextBytes:
		return nil, fail("too_long", "内容过长", "max", MaxTextBytes)
	case f.MinLength != nil && n < *f.MinLength:
		return nil, fail("too_short", fmt.Sprintf("至少填写 %d 个字", *f.MinLength), "min", *f.MinLength)
	case f.MaxLength != nil && n > *f.MaxLength:
		return nil, fail("too_long", fmt.Sprintf("最多填写 %d 个字", *f.MaxLength), "max", *f.MaxLength)
	case f.Pattern != "" && !matches(f.Pattern, s):
		return nil, fail("pattern", "格式不正确")
	case f.NotVague && isVague(s):
		return nil, fail("vague", "内容过于空泛：请写明具体做什么、由谁负责、何时完成，不要只写“加强”“进一步”等套话")
	}
	return s, nil
}
