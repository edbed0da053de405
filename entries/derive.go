package entries

import (
	"fmt"
	"reflect"
	"slices"
	"sort"

	"taizhang/forms"
)

// attachmentIDs is the sorted, distinct ids of attachmentRefs.
func attachmentIDs(fields []forms.Field, data map[string]any) []string {
	var out []string
	for _, r := range attachmentRefs(fields, data, "") {
		out = append(out, r.id)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// attachmentRef is one attachment id at a field path.
type attachmentRef struct {
	path, id string
	image    bool // in a photo or signature field
}

// attachmentRefs lists the attachment ids of photo, file and signature fields
// with their paths.
func attachmentRefs(fields []forms.Field, data map[string]any, prefix string) []attachmentRef {
	var out []attachmentRef
	for _, f := range fields {
		path := prefix + f.Key
		switch v := data[f.Key].(type) {
		case string:
			if f.Type == "signature" {
				out = append(out, attachmentRef{path: path, id: v, image: true})
			}
		case []any:
			for i, item := range v {
				switch x := item.(type) {
				case string:
					if f.Type == "photo" || f.Type == "file" {
						out = append(out, attachmentRef{path: fmt.Sprintf("%s[%d]", path, i), id: x, image: f.Type == "photo"})
					}
				case map[string]any:
					out = append(out, attachmentRefs(f.Fields, x, fmt.Sprintf("%s[%d].", path, i))...)
				}
			}
		}
	}
	return out
}

// evidenceIDs are the photos the history's steps brought as evidence: the
// entry shows them to whoever reads it, like its own attachments.
func evidenceIDs(history []Event) []string {
	var out []string
	for _, ev := range history {
		m, _ := ev.Data.(map[string]any)
		photos, _ := m["evidencePhotos"].([]any)
		for _, p := range photos {
			if id, ok := p.(string); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// mergeIDs is the sorted union of two id lists.
func mergeIDs(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Diff lists the field paths whose values differ between two versions of an
// entry's data, with before and after, in path order.
func Diff(before, after map[string]any) []Change {
	var out []Change
	diffInto(&out, "", before, after)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func diffInto(out *[]Change, prefix string, before, after map[string]any) {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for k := range keys {
		b, a := before[k], after[k]
		bl, bIsList := b.([]any)
		al, aIsList := a.([]any)
		if bIsList && aIsList && isObjectList(bl) && isObjectList(al) {
			for i := range max(len(bl), len(al)) {
				var bi, ai map[string]any
				if i < len(bl) {
					bi = bl[i].(map[string]any)
				}
				if i < len(al) {
					ai = al[i].(map[string]any)
				}
				diffInto(out, fmt.Sprintf("%s%s[%d].", prefix, k, i), bi, ai)
			}
			continue
		}
		if !reflect.DeepEqual(b, a) {
			*out = append(*out, Change{Path: prefix + k, Before: b, After: a})
		}
	}
}

func isObjectList(list []any) bool {
	for _, item := range list {
		if _, ok := item.(map[string]any); !ok {
			return false
		}
	}
	return true
}
