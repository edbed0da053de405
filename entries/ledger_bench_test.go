package entries

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"taizhang/forms"
	"taizhang/signals"
)

// BenchmarkLedgerOfACheck is what a signals check's step costs the ledger:
// the counts of a 办实事 record (a reportable category) before and after it
// was flagged, its data the same in both.
func BenchmarkLedgerOfACheck(b *testing.B) {
	schema := forms.Templates(forms.DefaultCampaignEnd)[0]
	data, _ := json.Marshal(map[string]any{"category": "livelihood", "title": "修通村口断头路", "people_served": 320,
		"place": "东风村", "location": map[string]any{"lat": 30.1, "lng": 120.2}, "done_on": "2026-11-30",
		"description": strings.Repeat("组织党员干部逐户走访，协调资金修通断头路，群众出行难问题得到解决。", 10), "photos": []string{"a1", "a2"}})
	before := Entry{ID: "e1", FormID: "f", UnitID: "u", UnitPath: []string{"city", "u"}, Status: "submitted", Data: data, CreatedAt: time.Now()}
	after := before
	after.Signals = []signals.Signal{{Kind: signals.TextCopy}}
	for b.Loop() {
		var fx Effects
		withLedger(&fx, &before, after, &schema, false)
	}
}
