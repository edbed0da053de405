package org

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"taizhang/auth"
	"taizhang/errs"
)

// User is a person who signs in.
type User struct {
	ID                 string
	Name               string
	Phone              string // normalised: 11 digits
	UnitID             string
	UnitPath           []string // the unit's path; scope checks test it
	Roles              []auth.Role
	Active             bool
	PasswordHash       string
	MustChangePassword bool
	// AuthVersion changes whenever the user's unit, roles, password or active flag
	// change; refresh tokens remember it, so such a change ends every session.
	AuthVersion int
	Rev         int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	LastLoginAt time.Time
}

var phoneSeparators = strings.NewReplacer(" ", "", "-", "", "\u00a0", "")

// NormalizePhone accepts a mainland mobile number with an optional +86/86 prefix,
// spaces and dashes, and returns its 11 digits.
func NormalizePhone(raw string) (string, error) {
	s := phoneSeparators.Replace(strings.TrimSpace(raw))
	s = strings.TrimPrefix(s, "+86")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	bad := errs.Fields("手机号无效", errs.FieldError{Field: "phone", Code: "invalid_phone", Message: "请输入 11 位中国大陆手机号"})
	if len(s) != 11 || s[0] != '1' || s[1] < '3' {
		return "", bad
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", bad
		}
	}
	return s, nil
}

// checkName allows letters (any script), digits, marks and the punctuation found
// in Chinese unit and person names; emoji, control characters and overlong names
// are refused.
func checkName(field, name string, maxRunes int) *errs.FieldError {
	n := utf8.RuneCountInString(name)
	switch {
	case strings.TrimSpace(name) == "":
		return &errs.FieldError{Field: field, Code: "required", Message: "请填写名称"}
	case n > maxRunes:
		return &errs.FieldError{Field: field, Code: "too_long", Message: "名称过长", Params: map[string]any{"max": maxRunes}}
	case name != strings.TrimSpace(name):
		return &errs.FieldError{Field: field, Code: "invalid", Message: "名称首尾不能有空格"}
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune(" ·•-—_()（）、.", r) {
			return &errs.FieldError{Field: field, Code: "invalid_char", Message: "名称含有不允许的字符"}
		}
	}
	return nil
}

// CheckUserFields validates a user's name and roles.
func CheckUserFields(name string, roles []auth.Role) error {
	var problems []errs.FieldError
	if p := checkName("name", name, 30); p != nil {
		problems = append(problems, *p)
	}
	if len(roles) == 0 {
		problems = append(problems, errs.FieldError{Field: "roles", Code: "required", Message: "请至少选择一个角色"})
	}
	for _, r := range roles {
		if !auth.ValidRole(r) {
			problems = append(problems, errs.FieldError{Field: "roles", Code: "invalid", Message: "角色无效: " + string(r)})
		}
	}
	if problems != nil {
		return errs.Fields("用户信息有误", problems...)
	}
	return nil
}

// CheckPassword enforces the password rules: at least 8 characters, not only
// digits, not the phone number. field names the request field for the error.
func CheckPassword(field, password, phone string) error {
	fail := func(code, msg string) error {
		return errs.Fields(msg, errs.FieldError{Field: field, Code: code, Message: msg})
	}
	switch {
	case utf8.RuneCountInString(password) < 8:
		return fail("too_short", "密码至少 8 个字符")
	case len(password) > 128:
		return fail("too_long", "密码不能超过 128 个字符")
	case strings.Trim(password, "0123456789") == "":
		return fail("all_digits", "密码不能全是数字")
	case strings.Contains(password, phone) && phone != "":
		return fail("contains_phone", "密码不能包含手机号")
	}
	return nil
}
