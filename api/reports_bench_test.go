package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/ids"
	"taizhang/ledger"
	"taizhang/store/sqlite"
)

// BenchmarkReports measures the office's reports end to end through the API
// (routing, token, scope, store, JSON) on the embedded SQLite store seeded
// with a city of 1,010 units (10 districts × 10 townships × 9 villages), a
// weekly form owed by every unit for 12 weeks, and 1,000,000 entries with
// their kept counts: the compliance matrix of the whole city and of one
// district, and the summary of a district's 100,000 entries.
// `make bench` runs it; figures in docs/performance.md.
func BenchmarkReports(b *testing.B) {
	w := newWorldOn(b, sqliteStores(b))
	w.now = beijing(12, 5, 10)
	db := w.st.sqlite
	if db == nil {
		b.Skip("the reports benchmark seeds the embedded store")
	}
	var units [][]string // the paths of the villages, townships and districts
	for d := range 10 {
		district := fmt.Sprintf("bd%d", d)
		w.addUnit("city", district)
		units = append(units, w.units[district].Path)
		for t := range 10 {
			town := fmt.Sprintf("%s-t%d", district, t)
			w.addUnit("city", district, town)
			units = append(units, w.units[town].Path)
			for v := range 9 {
				village := fmt.Sprintf("%s-v%d", town, v)
				w.addUnit("city", district, town, village)
				units = append(units, w.units[village].Path)
			}
		}
	}
	office := w.tokenFor(w.addUser("13900000900", "city", false, auth.RoleOffice))
	admin := w.tokenFor(w.addUser("13900000901", "city", false, auth.RoleAdmin))
	schema := weeklyLite
	schema.Fields = append(schema.Fields, forms.Field{Key: "category", Type: "select", Label: "类别", Options: forms.ShishiCategories, Reportable: true})
	formID := str(w.call("POST", "/api/v1/forms", admin, schema).json(b), "id")
	w.call("POST", "/api/v1/forms/"+formID+"/publish", admin, nil)
	start := w.now.AddDate(0, 0, -7*12).In(forms.Beijing).Format(time.DateOnly)
	assign := map[string]any{"assignments": []any{map[string]any{"unitId": "unit-city", "start": start,
		"schedule": map[string]any{"kind": "weekly", "weekday": 5, "time": "12:00"}}}}
	if r := w.call("PUT", "/api/v1/forms/"+formID+"/assignments", admin, assign); r.status != 200 {
		b.Fatalf("assign: %d %s", r.status, r.body)
	}
	def, err := w.st.forms.GetForm(context.Background(), auth.SystemScope("unit-city"), formID)
	if err != nil {
		b.Fatal(err)
	}
	periods := def.Assignments[0].Periods(def.CreatedAt, w.now)
	periods = periods[max(0, len(periods)-13) : len(periods)-1] // the 12 rounds due
	seedLedger(b, db, w, formID, units, periods)

	from := periods[0].Key
	for _, c := range []struct{ name, url string }{
		{"Compliance/city=1010units×12weeks", "/api/v1/reports/compliance?formId=" + formID + "&from=" + from},
		{"Compliance/district=101units×12weeks", "/api/v1/reports/compliance?formId=" + formID + "&from=" + from + "&unitId=unit-bd3"},
		{"Summary/district=100k-entries", "/api/v1/reports/summary?formId=" + formID + "&from=" + from + "&unitId=unit-bd3"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if r := w.call("GET", c.url, office, nil); r.status != 200 {
					b.Fatalf("%d %s", r.status, r.body)
				}
			}
		})
	}
}

// seedLedger writes 1,000,000 entries spread over the units and rounds, their
// obligations (80% on time, 10% late, 10% missing) and their counts.
func seedLedger(b *testing.B, db *sqlite.DB, w *world, formID string, units [][]string, periods []forms.Period) {
	rng := rand.New(rand.NewPCG(13, 12))
	var owed []ledger.Obligation
	for _, path := range units {
		for _, p := range periods {
			o := ledger.Obligation{FormID: formID, Period: p.Key, UnitID: path[len(path)-1], UnitPath: path, DueAt: p.Due.UTC(), Owed: true}
			switch r := rng.Float64(); {
			case r < 0.8:
				o.FirstSubmittedAt, o.EntryID = p.Due.Add(-time.Hour), ids.New(p.Due)
			case r < 0.9:
				o.FirstSubmittedAt, o.EntryID = p.Due.Add(5*time.Hour), ids.New(p.Due)
			}
			owed = append(owed, o)
		}
	}
	sqlite.SeedObligations(b, db, owed)

	const total, batch = 1_000_000, 100_000
	counts := map[ledger.CountKey]*ledger.Count{}
	add := func(k ledger.CountKey, path []string) {
		if counts[k] == nil {
			counts[k] = &ledger.Count{CountKey: k, UnitPath: path}
		}
		counts[k].N++
	}
	categories := forms.ShishiCategories
	for done := 0; done < total; done += batch {
		es := make([]entries.Entry, 0, batch)
		for i := done; i < done+batch; i++ {
			path, p := units[i%len(units)], periods[(i/len(units))%len(periods)]
			at := p.Due.Add(-time.Duration(rng.IntN(96)) * time.Hour)
			status := []string{"submitted", "approved", "approved", "returned"}[i%4]
			category := categories[i%len(categories)].Value
			unit := path[len(path)-1]
			es = append(es, entries.Entry{ID: ids.New(at), FormID: formID, FormVersion: 1, UnitID: unit, UnitPath: path,
				AuthorID: "author-" + unit, ClientID: fmt.Sprintf("bench-%07d", i), Status: status, Rev: 1, Period: p.Key,
				Data: json.RawMessage(`{"progress":"本周走访低保户十二户，解决实际问题三件。","category":"` + category + `"}`), PayloadHash: "h",
				CreatedAt: at, SubmittedAt: at, UpdatedAt: at, ClientCreatedAt: at})
			add(ledger.CountKey{FormID: formID, UnitID: unit, Bucket: p.Key, Status: status}, path)
			add(ledger.CountKey{FormID: formID, UnitID: unit, Bucket: p.Key, Field: "category", Option: category}, path)
		}
		sqlite.SeedEntries(b, db, es)
	}
	list := make([]ledger.Count, 0, len(counts))
	for _, c := range counts {
		list = append(list, *c)
	}
	if err := w.st.ledger.ReplaceCounts(context.Background(), list); err != nil {
		b.Fatal(err)
	}
}
