package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/ids"
	"taizhang/signals"
	"taizhang/signals/signalstest"
	"taizhang/store/sqlite"
	"taizhang/store/storetest"
)

// TestTextCandidatesAreOfTheFormAskedAbout: the candidate search stops at its
// limit, and only this form's entries count towards it. Thirty copies of a
// text in another form are printed first, then one in this form: the search
// for this form finds that one, past the other form's band rows, and the
// search for the other form finds its own, at most the limit.
func TestTextCandidatesAreOfTheFormAskedAbout(t *testing.T) {
	db := openTestDB(t)
	text := signalstest.Text(1)
	keys := signals.TextKeys(signals.Shingles(text))
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var list []entries.Entry
	var prints []signals.Prints
	for i := range 31 {
		form := "other"
		if i == 30 {
			form = "this"
		}
		data, _ := json.Marshal(map[string]any{"what": text})
		id := ids.New(at.Add(time.Duration(i) * time.Second))
		list = append(list, entries.Entry{ID: id, FormID: form, FormVersion: 1, UnitID: "v1", UnitPath: []string{"city", "v1"},
			AuthorID: "u", ClientID: fmt.Sprintf("c%d", i), Status: "submitted", Data: data, CreatedAt: at, UpdatedAt: at})
		prints = append(prints, signals.Prints{EntryID: id, FormID: form, UnitID: "v1", TextKeys: keys})
	}
	sqlite.SeedEntries(t, db, list)
	sqlite.SeedPrints(t, db, prints)
	index, scope := db.Signals(), auth.ScopeForTest(t, "city", "system", auth.RoleAdmin)
	hits, err := index.TextCandidates(context.Background(), scope, "this", keys, "new")
	if err != nil || len(hits) != 1 || hits[0].EntryID != list[30].ID {
		t.Fatalf("this form's candidates: %+v %v, want only %s", hits, err, list[30].ID)
	}
	hits, err = index.TextCandidates(context.Background(), scope, "other", keys, list[0].ID)
	if err != nil || len(hits) != signals.MaxTextCandidates {
		t.Fatalf("the other form's candidates: %d %v, want %d", len(hits), err, signals.MaxTextCandidates)
	}
	for _, h := range hits {
		if h.EntryID == list[30].ID || h.EntryID == list[0].ID {
			t.Fatalf("the other form's candidates hold %s", h.EntryID)
		}
	}
}

// TestAPhotoFiledManyTimesIsStillChecked: 20,000 entries hold the same
// picture (a poster passed round the chat groups). Its next filing's check
// must neither fail — binding every match into one query exceeded SQLite's
// 32,766 parameters — nor read them all: it names the earliest entry and
// says there are at least as many more as it read.
func TestAPhotoFiledManyTimesIsStillChecked(t *testing.T) {
	db := openTestDB(t)
	storetest.PhotoFiledManyTimes(t, 20_000, func(list []signals.Prints) { sqlite.SeedPrints(t, db, list) }, db.Signals())
}
