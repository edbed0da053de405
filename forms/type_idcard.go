package forms

import "time"

// idcardType is an 18-character resident identity number (GB 11643-1999): its
// birth date must be a real date and its last character the ISO 7064 MOD 11-2
// check digit.
type idcardType struct{}

func (idcardType) settings() []setting            { return nil }
func (idcardType) holdsValue() bool               { return true }
func (idcardType) checkSettings(*Field) []problem { return nil }

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

func (idcardType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	s, ok := v.(string)
	if !ok || !matches(`[0-9]{17}[0-9Xx]`, s) {
		return nil, fail("invalid_idcard", "身份证号应为 18 位")
	}
	if _, err := time.Parse("20060102", s[6:14]); err != nil {
		return nil, fail("invalid_idcard", "身份证号中的出生日期无效")
	}
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * idWeights[i]
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if idCheckChars[sum%11] != last {
		return nil, fail("invalid_idcard", "身份证号校验位不正确，请核对")
	}
	return s[:17] + string(last), nil
}
