package reports

import (
	"context"
	"slices"
	"time"

	"taizhang/auth"
	"taizhang/forms"
	"taizhang/ledger"
)

// Option is a reportable field's option with its count.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
	N     int    `json:"n"`
}

// Breakdown counts a reportable field by option.
type Breakdown struct {
	Field   string   `json:"field"`
	Label   string   `json:"label"`
	Options []Option `json:"options"`
}

// Bucket is the count of entries in one period (or week).
type Bucket struct {
	Bucket string `json:"bucket"`
	Label  string `json:"label"`
	N      int    `json:"n"`
}

// UnitCount is a child unit's count, by status.
type UnitCount struct {
	UnitID   string         `json:"unitId"`
	Name     string         `json:"name"`
	N        int            `json:"n"`
	ByStatus map[string]int `json:"byStatus"`
	// Flagged counts entries with signals nobody has explained (疑点).
	Flagged int `json:"flagged"`
}

// Summary is how many entries of a form a subtree has: by status, by option
// of each reportable field, by period and by child unit. Drafts never count.
type Summary struct {
	FormID    string         `json:"formId"`
	FormTitle string         `json:"formTitle"`
	UnitID    string         `json:"unitId"`
	Total     int            `json:"total"`
	ByStatus  map[string]int `json:"byStatus"`
	ByOption  []Breakdown    `json:"byOption"`
	ByPeriod  []Bucket       `json:"byPeriod"`
	ByUnit    []UnitCount    `json:"byUnit"`
	Flagged   int            `json:"flagged"`
}

// Summary reads the kept counts of a subtree, summed by child unit in the
// store: its cost grows with the children and periods in view, not with the
// entries.
func (s *Service) Summary(ctx context.Context, scope auth.Scope, formID, unitID string, span Range) (Summary, error) {
	now := s.Now()
	v, err := s.viewOf(ctx, scope, formID, unitID)
	if err != nil {
		return Summary{}, err
	}
	if span, err = rangeOf(span, now, 12*7*24*time.Hour); err != nil {
		return Summary{}, err
	}
	counts, err := s.Ledger.Counts(ctx, scope, ledger.CountQuery{FormID: v.def.ID, UnitID: v.unit.ID, ByChild: true})
	if err != nil {
		return Summary{}, err
	}
	out := Summary{FormID: v.def.ID, FormTitle: v.version.Schema.Title, UnitID: v.unit.ID, ByStatus: map[string]int{}}
	options := map[string]map[string]int{}
	byBucket, byUnit := map[string]int{}, map[string]*UnitCount{}
	inSpan := map[string]bool{} // by bucket: a summary has a few dozen
	for _, c := range counts {
		in, seen := inSpan[c.Bucket]
		if !seen {
			in = bucketIn(c.Bucket, span)
			inSpan[c.Bucket] = in
		}
		if v.ownOnly && c.UnitID != v.unit.ID || !in {
			continue
		}
		if c.Field == ledger.SignalsField {
			out.Flagged += c.N
			unitCount(byUnit, c.UnitID).Flagged += c.N
			continue
		}
		if c.Field != "" {
			if options[c.Field] == nil {
				options[c.Field] = map[string]int{}
			}
			options[c.Field][c.Option] += c.N
			continue
		}
		out.Total += c.N
		out.ByStatus[c.Status] += c.N
		byBucket[c.Bucket] += c.N
		child := unitCount(byUnit, c.UnitID) // the store summed by child: the child's id, or the unit's own
		child.N += c.N
		child.ByStatus[c.Status] += c.N
	}
	out.ByOption = breakdowns(&v.version.Schema, options)
	out.ByPeriod = buckets(byBucket)
	out.ByUnit = v.unitCounts(byUnit)
	return out, nil
}

func unitCount(byUnit map[string]*UnitCount, id string) *UnitCount {
	if byUnit[id] == nil {
		byUnit[id] = &UnitCount{UnitID: id, ByStatus: map[string]int{}}
	}
	return byUnit[id]
}

// breakdowns lists each reportable field's options in the schema's order,
// with their labels; options no longer offered follow, by value.
func breakdowns(schema *forms.Form, counts map[string]map[string]int) []Breakdown {
	out := []Breakdown{}
	for _, f := range schema.ReportableFields() {
		b := Breakdown{Field: f.Key, Label: f.Label, Options: []Option{}}
		seen := map[string]bool{}
		for _, o := range f.Options {
			b.Options = append(b.Options, Option{Value: o.Value, Label: o.Label, N: counts[f.Key][o.Value]})
			seen[o.Value] = true
		}
		for value, n := range counts[f.Key] {
			if !seen[value] {
				b.Options = append(b.Options, Option{Value: value, Label: value, N: n})
			}
		}
		out = append(out, b)
	}
	return out
}

func buckets(n map[string]int) []Bucket {
	out := []Bucket{}
	for k, c := range n {
		out = append(out, Bucket{Bucket: k, Label: PeriodLabel(k), N: c})
	}
	start := func(bucket string) time.Time { t, _, _ := PeriodSpan(bucket); return t } // "once" first
	slices.SortFunc(out, func(a, b Bucket) int { return start(a.Bucket).Compare(start(b.Bucket)) })
	return out
}

func (v view) unitCounts(byUnit map[string]*UnitCount) []UnitCount {
	out := []UnitCount{}
	names := v.names()
	order := append([]string{v.unit.ID}, childIDs(v)...)
	for _, id := range order {
		if c := byUnit[id]; c != nil {
			c.Name = names[id]
			if id == v.unit.ID {
				c.Name += "（本单位）"
			}
			out = append(out, *c)
		}
	}
	return out
}

func childIDs(v view) []string {
	var out []string
	for _, c := range v.children() {
		out = append(out, c.ID)
	}
	return out
}

// bucketIn reports whether a bucket (a week or a month) overlaps the span;
// "once" always does.
func bucketIn(bucket string, r Range) bool {
	start, end, ok := PeriodSpan(bucket)
	return !ok || start.Before(r.To.Add(24*time.Hour)) && end.After(r.From)
}
