// Package demo loads a small, realistic city so that `make run` shows something
// on a fresh machine: the units named in the campaign speech, a few districts,
// townships and villages, and one login for every role.
package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/org"
)

// Password is every demo account's password. Demo data is for trying taizhang
// out; never load it into a production database.
const Password = "taizhang2026"

type unitSpec struct {
	name     string
	kind     org.UnitKind
	children []unitSpec
}

// city is the demo tree under the root.
var city = []unitSpec{
	{"市委组织部", org.KindDepartment, nil},
	{"市政府办公室", org.KindDepartment, nil},
	{"市委政法委", org.KindDepartment, nil},
	{"市直机关工委", org.KindDepartment, nil},
	{"市国资委", org.KindDepartment, nil},
	{"市自然资源局", org.KindDepartment, nil},
	{"市交通运输局", org.KindDepartment, nil},
	{"市工商局", org.KindDepartment, nil},
	{"市税务局", org.KindDepartment, nil},
	{"东城区", org.KindDistrict, []unitSpec{
		{"城关镇", org.KindTownship, []unitSpec{{"红旗村", org.KindVillage, nil}, {"幸福社区", org.KindCommunity, nil}}},
		{"河口镇", org.KindTownship, []unitSpec{{"柳树村", org.KindVillage, nil}}},
	}},
	{"西城区", org.KindDistrict, []unitSpec{
		{"西山乡", org.KindTownship, []unitSpec{{"石桥村", org.KindVillage, nil}}},
	}},
}

// Login is one demo account, printed at start.
type Login struct {
	Phone, Name, Unit string
	Roles             []auth.Role
}

// logins are created in the named units ("" is the root).
var logins = []Login{
	{"13800000001", "王管理", "", []auth.Role{auth.RoleAdmin, auth.RoleOffice}},
	{"13800000002", "李办公", "", []auth.Role{auth.RoleOffice}},
	{"13800000003", "赵督查", "东城区", []auth.Role{auth.RoleSupervisor}},
	{"13800000004", "钱审核", "城关镇", []auth.Role{auth.RoleSupervisor}},
	{"13800000005", "孙干部", "红旗村", []auth.Role{auth.RoleCadre}},
	{"13800000006", "周干部", "幸福社区", []auth.Role{auth.RoleCadre}},
	{"13800000007", "吴干部", "市自然资源局", []auth.Role{auth.RoleCadre}},
	{"13800000008", "郑督查", "西城区", []auth.Role{auth.RoleSupervisor, auth.RoleAdmin}},
	{"13800000009", "冯干部", "石桥村", []auth.Role{auth.RoleCadre}},
}

// staff are the city's other filers and reviewers: a cadre in every unit
// that files, and a supervisor in each department but 市自然资源局 (whose
// reports nobody above reviews: the demo shows that case too). They give the
// ledger a city to report on; their password is the same.
var staff = []Login{
	{"13800000101", "刘建国", "市委组织部", cadre}, {"13800000102", "陈晓燕", "市政府办公室", cadre},
	{"13800000103", "杨志强", "市委政法委", cadre}, {"13800000104", "黄丽华", "市直机关工委", cadre},
	{"13800000105", "何文军", "市国资委", cadre}, {"13800000106", "林海燕", "市交通运输局", cadre},
	{"13800000107", "高建华", "市工商局", cadre}, {"13800000108", "罗春梅", "市税务局", cadre},
	{"13800000109", "梁志明", "东城区", cadre}, {"13800000110", "宋晓红", "城关镇", cadre},
	{"13800000111", "谢国平", "河口镇", cadre}, {"13800000112", "韩雪梅", "柳树村", cadre},
	{"13800000113", "唐建军", "西城区", cadre}, {"13800000114", "许丽娟", "西山乡", cadre},
	{"13800000121", "马振华", "市委组织部", supervisor}, {"13800000122", "胡秀英", "市政府办公室", supervisor},
	{"13800000123", "郭卫东", "市委政法委", supervisor}, {"13800000124", "邓玉兰", "市直机关工委", supervisor},
	{"13800000125", "曹志刚", "市国资委", supervisor}, {"13800000126", "彭桂芳", "市交通运输局", supervisor},
	{"13800000127", "曾庆华", "市工商局", supervisor}, {"13800000128", "萧红梅", "市税务局", supervisor},
}

var (
	cadre      = []auth.Role{auth.RoleCadre}
	supervisor = []auth.Role{auth.RoleSupervisor}
)

// Logins returns the demo accounts printed at start.
func Logins() []Login { return slices.Clone(logins) }

// People returns every demo account: the printed logins and the staff.
func People() []Login { return append(slices.Clone(logins), staff...) }

// Load creates the demo city once: if the first demo account exists it does
// nothing. It builds under the existing root, or creates 示范市 as the root.
// Units and people are dated now: History files their past after it.
func Load(ctx context.Context, units org.UnitStore, users org.UserStore, params auth.PasswordParams, now time.Time) (loaded bool, err error) {
	if _, err := users.UserByPhone(ctx, logins[0].Phone); err == nil {
		return false, nil
	} else if !errs.Is(err, errs.NotFound) {
		return false, err
	}
	root, err := units.RootUnit(ctx)
	if errs.Is(err, errs.NotFound) {
		root = org.Unit{ID: ids.New(now), Name: "示范市", Kind: org.KindCity, Active: true, CreatedAt: now, UpdatedAt: now}
		root.Path = []string{root.ID}
		err = units.InsertUnit(ctx, auth.SystemScope(root.ID), root)
	}
	if err != nil {
		return false, err
	}
	system := auth.SystemScope(root.ID)
	byName := map[string]org.Unit{"": root}
	if err := addUnits(ctx, units, system, root, city, byName, now); err != nil {
		return false, err
	}
	hash, err := auth.HashPassword(Password, params)
	if err != nil {
		return false, err
	}
	for _, l := range People() {
		unit := byName[l.Unit]
		u := org.User{ID: ids.New(now), Name: l.Name, Phone: l.Phone, UnitID: unit.ID, UnitPath: unit.Path, Roles: l.Roles,
			Active: true, PasswordHash: hash, AuthVersion: 1, Rev: 1, CreatedAt: now, UpdatedAt: now}
		if err := users.InsertUser(ctx, system, u); err != nil {
			return false, fmt.Errorf("demo user %s: %w", l.Phone, err)
		}
	}
	return true, nil
}

func addUnits(ctx context.Context, units org.UnitStore, scope auth.Scope, parent org.Unit, specs []unitSpec,
	byName map[string]org.Unit, now time.Time) error {
	for i, spec := range specs {
		id := ids.New(now)
		u := org.Unit{ID: id, ParentID: parent.ID, Name: spec.name, Kind: spec.kind, SortOrder: i, Active: true,
			Path: append(slices.Clone(parent.Path), id), CreatedAt: now, UpdatedAt: now}
		if err := units.InsertUnit(ctx, scope, u); err != nil {
			return fmt.Errorf("demo unit %s: %w", spec.name, err)
		}
		byName[spec.name] = u
		if err := addUnits(ctx, units, scope, u, spec.children, byName, now); err != nil {
			return err
		}
	}
	return nil
}

// PrintLogins writes the demo accounts as a table.
func PrintLogins(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\n演示账号 Demo logins (password 密码: %s)\n", Password)
	fmt.Fprintln(tw, "手机号 phone\t姓名 name\t单位 unit\t角色 roles")
	for _, l := range logins {
		unit := l.Unit
		if unit == "" {
			unit = "(市 root)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", l.Phone, l.Name, unit, l.Roles)
	}
	fmt.Fprintf(tw, "另有 %d 个演示账号（各单位的干部和审核人）：手机号 %s–%s，密码相同\n\n", len(staff), staff[0].Phone, staff[len(staff)-1].Phone)
	return tw.Flush()
}
