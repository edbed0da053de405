package mongo_test

import (
	"testing"

	"taizhang/signals"
	"taizhang/store/mongo"
	"taizhang/store/storetest"
)

// TestAPhotoFiledManyTimesIsStillChecked (as on SQLite): a picture in 300
// entries is matched with the earliest MaxPhotoCandidates of them, and the
// signal names the earliest and says there are at least as many more.
func TestAPhotoFiledManyTimesIsStillChecked(t *testing.T) {
	db := startFerretDB(t).open(t)
	storetest.PhotoFiledManyTimes(t, 300, func(list []signals.Prints) { mongo.SeedPrints(t, db, list) }, db.Signals())
}
