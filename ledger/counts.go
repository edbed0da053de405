package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"taizhang/forms"
)

// SignalsField is the pseudo-field an entry with unexplained signals is
// counted under, with option Flagged: the office's summary counts flagged
// entries per unit from the kept counts, like any option.
const (
	SignalsField = "_signals"
	Flagged      = "flagged"
)

// Snapshot is what the counts see of an entry at one moment.
type Snapshot struct {
	FormID, UnitID, Bucket, Status string
	UnitPath                       []string
	// Options holds the chosen option of each reportable field.
	Options map[string]string
}

// BucketOf is the bucket an entry is counted in: its period, or for an entry
// of a form without schedule the ISO week (Beijing) it was created in.
func BucketOf(period string, created time.Time) string {
	if period != "" {
		return period
	}
	year, week := created.In(forms.Beijing).ISOWeek()
	return fmt.Sprintf("%d-W%02d", year, week)
}

// OptionsOf reads the reportable fields' options from an entry's data.
func OptionsOf(schema *forms.Form, data map[string]any) map[string]string {
	var out map[string]string
	for _, f := range schema.ReportableFields() {
		if v, ok := data[f.Key].(string); ok && v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[f.Key] = v
		}
	}
	return out
}

// cells are the count keys an entry in this state adds one to.
func (s Snapshot) cells() []CountKey {
	if s.Status == "" || s.Status == "draft" {
		return nil // drafts never count
	}
	out := []CountKey{{FormID: s.FormID, UnitID: s.UnitID, Bucket: s.Bucket, Status: s.Status}}
	for field, option := range s.Options {
		out = append(out, CountKey{FormID: s.FormID, UnitID: s.UnitID, Bucket: s.Bucket, Field: field, Option: option})
	}
	return out
}

// Deltas are the changes to the counts when an entry goes from before (nil:
// a new entry) to after. Cells both states count are left alone.
func Deltas(before *Snapshot, after Snapshot) []Count {
	n := map[CountKey]int{}
	if before != nil {
		for _, k := range before.cells() {
			n[k]--
		}
	}
	for _, k := range after.cells() {
		n[k]++
	}
	var out []Count
	for k, d := range n {
		if d != 0 {
			out = append(out, Count{CountKey: k, UnitPath: after.UnitPath, N: d})
		}
	}
	slices.SortFunc(out, func(a, b Count) int { return compareKeys(a.CountKey, b.CountKey) })
	return out
}

// Tally counts entries from scratch, one at a time, as `rollup verify` and
// `rebuild` do.
type Tally map[CountKey]*Count

// Add counts one entry as it is now.
func (t Tally) Add(s Snapshot) {
	for _, k := range s.cells() {
		if c := t[k]; c != nil {
			c.N++
		} else {
			t[k] = &Count{CountKey: k, UnitPath: s.UnitPath, N: 1}
		}
	}
}

// Counts are the counted cells, in key order.
func (t Tally) Counts() []Count {
	out := make([]Count, 0, len(t))
	for _, c := range t {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Count) int { return compareKeys(a.CountKey, b.CountKey) })
	return out
}

// Difference is one cell where the kept counts and a recount disagree.
type Difference struct {
	Key           CountKey
	Kept, Counted int
}

func (d Difference) String() string {
	what := "status " + d.Key.Status
	if d.Key.Field != "" {
		what = "option " + d.Key.Field + "=" + d.Key.Option
	}
	return fmt.Sprintf("form %s unit %s %s %s: kept %d, counted %d", d.Key.FormID, d.Key.UnitID, d.Key.Bucket, what, d.Kept, d.Counted)
}

// Compare lists every cell where kept and counted differ; cells of 0 count
// as absent.
func Compare(kept, counted []Count) []Difference {
	k, c := map[CountKey]int{}, map[CountKey]int{}
	for _, x := range kept {
		k[x.CountKey] += x.N
	}
	for _, x := range counted {
		c[x.CountKey] += x.N
	}
	var out []Difference
	for key, n := range k {
		if n != c[key] {
			out = append(out, Difference{Key: key, Kept: n, Counted: c[key]})
		}
	}
	for key, n := range c {
		if _, seen := k[key]; !seen && n != 0 {
			out = append(out, Difference{Key: key, Kept: 0, Counted: n})
		}
	}
	slices.SortFunc(out, func(a, b Difference) int { return compareKeys(a.Key, b.Key) })
	return out
}

func compareKeys(a, b CountKey) int {
	return strings.Compare(strings.Join([]string{a.FormID, a.UnitID, a.Bucket, a.Status, a.Field, a.Option}, "\x00"),
		strings.Join([]string{b.FormID, b.UnitID, b.Bucket, b.Status, b.Field, b.Option}, "\x00"))
}

// SumByChild adds up the counts of a unit's subtree by the child of the unit
// they lie under: each sum carries the child's id and path (the unit's own
// counts stay its own). Counts outside the unit's subtree are left out.
func SumByChild(counts []Count, unitID string) []Count {
	sums := map[CountKey]*Count{}
	var order []CountKey
	for _, c := range counts {
		i := slices.Index(c.UnitPath, unitID)
		if i < 0 {
			continue
		}
		path := c.UnitPath[:min(i+2, len(c.UnitPath))]
		k := c.CountKey
		k.UnitID = path[len(path)-1]
		if sums[k] == nil {
			sums[k] = &Count{CountKey: k, UnitPath: path}
			order = append(order, k)
		}
		sums[k].N += c.N
	}
	out := make([]Count, len(order))
	for i, k := range order {
		out[i] = *sums[k]
	}
	return out
}
