package mongo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"taizhang/signals"
	"taizhang/store/mongo"
)

// TestAPhotoFiledManyTimesIsStillChecked (as on SQLite): a picture in 300
// entries is matched with the earliest MaxPhotoCandidates of them, and the
// signal names the earliest and says there are at least as many more.
func TestAPhotoFiledManyTimesIsStillChecked(t *testing.T) {
	db := startFerretDB(t).open(t)
	print, sha := []uint64{0x0123456789abcdef}, fmt.Sprintf("%064x", 7)
	var list []signals.Prints
	for i := range 300 {
		list = append(list, signals.Prints{EntryID: fmt.Sprintf("e%07d", 299-i), UnitID: "v1", At: time.Unix(int64(1_800_000_000+299-i), 0),
			Photos: []signals.PhotoPrint{{AttachmentID: fmt.Sprintf("a%07d", i), SHA256: sha, Print: print, Bands: signals.Bands(print)}}})
	}
	mongo.SeedPrints(t, db, list) // the latest first: the store must still name the earliest
	detector := &signals.Detector{Index: db.Signals(), UnitName: func(context.Context, string) string { return "红旗村" }}
	found, _, err := detector.Detect(context.Background(), signals.Subject{EntryID: "new", FormID: "form", UnitID: "v9", AuthorID: "someone",
		Root: "city", Photos: []signals.Photo{{AttachmentID: "mine", SHA256: sha, Print: print}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].OtherEntryID != "e0000000" ||
		!strings.Contains(found[0].Detail, fmt.Sprintf("另有至少 %d 条", signals.MaxPhotoCandidates-1)) {
		t.Fatalf("signals: %+v", found)
	}
}
