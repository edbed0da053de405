package formimport

import (
	"context"
	"fmt"
	"strings"

	"taizhang/auth"
	"taizhang/org"
)

// directory finds units and people of the caller's subtree by what a sheet
// says of them: a unit by its name or its path of names (东城区/城关镇), a
// person by phone or, when unique, by name.
type directory struct {
	units   []org.Unit
	names   map[string]string // unit id → name
	byName  map[string][]org.Unit
	people  map[string][]org.User // by name and by phone
	byID    map[string]org.User
	unitIDs map[string]bool
}

func newDirectory(ctx context.Context, scope auth.Scope, units []org.Unit, users org.UserStore) (*directory, error) {
	d := &directory{units: units, names: map[string]string{}, byName: map[string][]org.Unit{}, people: map[string][]org.User{},
		byID: map[string]org.User{}, unitIDs: map[string]bool{}}
	for _, u := range units {
		d.names[u.ID] = u.Name
		d.byName[u.Name] = append(d.byName[u.Name], u)
		d.unitIDs[u.ID] = true
	}
	for after := ""; ; {
		page, err := users.ListUsers(ctx, scope, "", after, 1000)
		if err != nil {
			return nil, err
		}
		for _, u := range page {
			if u.Active {
				d.people[u.Name] = append(d.people[u.Name], u)
				d.people[u.Phone] = append(d.people[u.Phone], u)
				d.byID[u.ID] = u
			}
		}
		if len(page) < 1000 {
			return d, nil
		}
		after = page[len(page)-1].ID
	}
}

func (d *directory) unit(raw string) (org.Unit, string) {
	raw = strings.Trim(strings.TrimSpace(raw), "/")
	parts := strings.Split(raw, "/")
	var found []org.Unit
	for _, u := range d.byName[parts[len(parts)-1]] {
		if d.endsWith(u, parts) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 1:
		return found[0], ""
	case 0:
		return org.Unit{}, fmt.Sprintf("找不到单位“%s”（或不在您的管辖范围内）", raw)
	}
	return org.Unit{}, fmt.Sprintf("有 %d 个单位名为“%s”，请写出上级，如“%s/%s”", len(found), raw, d.names[parentOf(found[0])], raw)
}

// endsWith reports whether the unit's path of names ends with parts.
func (d *directory) endsWith(u org.Unit, parts []string) bool {
	if len(parts) > len(u.Path) {
		return false
	}
	path := u.Path[len(u.Path)-len(parts):]
	for i, id := range path {
		if d.names[id] != strings.TrimSpace(parts[i]) {
			return false
		}
	}
	return true
}

func parentOf(u org.Unit) string {
	if len(u.Path) < 2 {
		return ""
	}
	return u.Path[len(u.Path)-2]
}

func (d *directory) user(raw string) (org.User, string) {
	raw = strings.TrimSpace(raw)
	found := d.people[raw]
	switch len(found) {
	case 1:
		return found[0], ""
	case 0:
		return org.User{}, fmt.Sprintf("找不到人员“%s”（或不在您的管辖范围内，或已停用）", raw)
	}
	return org.User{}, fmt.Sprintf("有 %d 人名为“%s”，请改填手机号", len(found), raw)
}
