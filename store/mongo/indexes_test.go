package mongo

import (
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// MongoDB refuses to index a document in which two fields of one compound
// index hold arrays ("cannot index parallel arrays"); FerretDB does not, so
// the contract suite cannot show it. Each index's fields are checked here
// against the Go type its collection's documents are written from.
func TestNoIndexCoversTwoArrays(t *testing.T) {
	docs := map[string]any{
		"entries": entryDoc{}, "obligations": obligationDoc{}, "entry_counts": countDoc{}, "units": unitDoc{},
		"users": userDoc{}, "forms": formDoc{}, "form_versions": versionDoc{}, "attachments": attachmentDoc{},
		"audit_log": auditDoc{}, "notifications": notificationDoc{}, "refresh_tokens": refreshDoc{},
		"deliveries": deliveryDoc{}, "push_subscriptions": subscriptionDoc{}, "uploads": uploadDoc{},
		"photo_prints": photoPrintDoc{}, "text_prints": textPrintDoc{}, "upload_pieces": pieceDoc{},
		"ledger_rounds": struct {
			FormID string `bson:"formId"`
		}{},
	}
	for _, ix := range indexes() {
		doc, ok := docs[ix.collection]
		if !ok {
			t.Errorf("index on %s: add the collection's document type to this test", ix.collection)
			continue
		}
		var arrays []string
		for _, key := range ix.model.Keys.(bson.D) {
			if isArray(reflect.TypeOf(doc), strings.Split(key.Key, ".")[0]) {
				arrays = append(arrays, key.Key)
			}
		}
		if len(arrays) > 1 {
			t.Errorf("index %v on %s covers %d arrays %v: MongoDB would refuse documents", ix.model.Keys, ix.collection, len(arrays), arrays)
		}
	}
	// The check can fail: the index this test was written for.
	if !isArray(reflect.TypeOf(entryDoc{}), "attachments") || !isArray(reflect.TypeOf(entryDoc{}), "unitPath") {
		t.Fatal("entries' attachments and unitPath are arrays")
	}
}

// isArray reports whether the field of t stored under key is a list.
func isArray(t reflect.Type, key string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if strings.Split(f.Tag.Get("bson"), ",")[0] == key {
			kind := f.Type.Kind()
			return (kind == reflect.Slice || kind == reflect.Array) && f.Type != reflect.TypeOf(bson.Raw{}) && f.Type.Elem().Kind() != reflect.Uint8
		}
	}
	return false
}
