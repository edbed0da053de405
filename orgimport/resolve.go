package orgimport

import (
	"strings"

	"taizhang/org"
)

// directory finds units by name or by a "/"-separated name path, among the units
// already visible to the importer and those created by earlier rows.
type directory struct {
	units    map[string]org.Unit // by id
	namePath map[string]string   // id → "示范市/东城区/城关镇"
	order    []string            // ids, for stable messages
}

func newDirectory(units []org.Unit) *directory {
	d := &directory{units: map[string]org.Unit{}, namePath: map[string]string{}}
	org.SortByDepth(units)
	for _, u := range units {
		d.add(u)
	}
	return d
}

func (d *directory) add(u org.Unit) {
	d.units[u.ID] = u
	d.order = append(d.order, u.ID)
	if parent, ok := d.namePath[u.ParentID]; ok {
		d.namePath[u.ID] = parent + "/" + u.Name
	} else {
		d.namePath[u.ID] = u.Name
	}
}

// find resolves a reference: exactly one unit whose name path equals it or ends
// with "/" + it. It returns the candidates when there are several.
func (d *directory) find(ref string) (org.Unit, []string) {
	ref = strings.Trim(strings.TrimSpace(ref), "/")
	var matches []string
	for _, id := range d.order {
		p := d.namePath[id]
		if p == ref || strings.HasSuffix(p, "/"+ref) {
			matches = append(matches, id)
		}
	}
	if len(matches) != 1 {
		names := make([]string, len(matches))
		for i, id := range matches {
			names[i] = d.namePath[id]
		}
		return org.Unit{}, names
	}
	return d.units[matches[0]], nil
}

// hasChild reports whether parentID already has a child called name.
func (d *directory) hasChild(parentID, name string) bool {
	for _, u := range d.units {
		if u.ParentID == parentID && u.Name == name {
			return true
		}
	}
	return false
}
