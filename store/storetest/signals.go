package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"taizhang/signals"
)

// PhotoFiledManyTimes stores, through seed, one picture in n entries, the
// latest first, and checks the next filing of it against index: the check
// must not fail, must match only the earliest MaxPhotoCandidates, name the
// earliest entry and say there are at least as many more.
func PhotoFiledManyTimes(t *testing.T, n int, seed func([]signals.Prints), index signals.Index) {
	t.Helper()
	print, sha := []uint64{0x0123456789abcdef}, fmt.Sprintf("%064x", 7)
	list := make([]signals.Prints, 0, n)
	for i := n - 1; i >= 0; i-- {
		list = append(list, signals.Prints{EntryID: fmt.Sprintf("e%07d", i), UnitID: "v1", At: time.Unix(int64(1_800_000_000+i), 0),
			Photos: []signals.PhotoPrint{{AttachmentID: fmt.Sprintf("a%07d", i), SHA256: sha, Print: print, Bands: signals.Bands(print)}}})
	}
	seed(list) // the latest first: the store must still name the earliest
	detector := &signals.Detector{Index: index, UnitName: func(context.Context, string) string { return "红旗村" }}
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
