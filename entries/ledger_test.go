package entries

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/signals"
)

// TestAStepThatKeepsTheDataCountsWhatChanged: a record of a form with a
// reportable field, whose data a step keeps (the signals check flagging it,
// a reviewer's explanation, an approval), changes only the counts of what the
// step changed. The data is read once for both sides of the step; what one
// side adds to its options must not show in the other's, and a step that
// changes the data is read twice.
func TestAStepThatKeepsTheDataCountsWhatChanged(t *testing.T) {
	schema := forms.Templates(forms.DefaultCampaignEnd)[0] // 办实事: category is reportable
	data, _ := json.Marshal(map[string]any{"category": "livelihood", "title": "修通村口断头路"})
	plain := Entry{FormID: "f", UnitID: "u", UnitPath: []string{"city", "u"}, Status: "submitted", Data: data, CreatedAt: time.Now()}
	flaggedEntry := plain
	flaggedEntry.Signals = []signals.Signal{{Kind: signals.TextCopy}}
	approved := plain
	approved.Status = "approved"
	edited := plain
	edited.Data, _ = json.Marshal(map[string]any{"category": "governance", "title": "修通村口断头路"})
	flagged := ledger.CountKey{FormID: "f", UnitID: "u", Bucket: ledger.BucketOf("", plain.CreatedAt), Field: ledger.SignalsField, Option: ledger.Flagged}
	status := func(s string) ledger.CountKey {
		return ledger.CountKey{FormID: "f", UnitID: "u", Bucket: flagged.Bucket, Status: s}
	}
	option := func(o string) ledger.CountKey {
		return ledger.CountKey{FormID: "f", UnitID: "u", Bucket: flagged.Bucket, Field: "category", Option: o}
	}
	for _, step := range []struct {
		name          string
		before, after Entry
		want          map[ledger.CountKey]int
	}{
		{"flagged by the check", plain, flaggedEntry, map[ledger.CountKey]int{flagged: 1}},
		{"explained", flaggedEntry, plain, map[ledger.CountKey]int{flagged: -1}},
		{"approved", plain, approved, map[ledger.CountKey]int{status("submitted"): -1, status("approved"): 1}},
		{"edited to another category", plain, edited, map[ledger.CountKey]int{option("livelihood"): -1, option("governance"): 1}},
	} {
		var fx Effects
		withLedger(&fx, &step.before, step.after, &schema, false)
		got := map[ledger.CountKey]int{}
		for _, c := range fx.Counts {
			got[c.CountKey] = c.N
		}
		if !maps.Equal(got, step.want) {
			t.Errorf("%s: counts %v, want %v", step.name, got, step.want)
		}
	}
	var fx Effects // a new record counts its category
	withLedger(&fx, nil, plain, &schema, true)
	if !slices.ContainsFunc(fx.Counts, func(c ledger.Count) bool { return c.Field == "category" && c.Option == "livelihood" && c.N == 1 }) {
		t.Errorf("a new record's counts: %v", fx.Counts)
	}
}
