package attachments

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestIDForIsWhatThePhoneComputes pins the id scheme: the PWA names a photo with
// the same derivation while offline (frontend/src/offline/files.test.ts holds the
// same vector), so an entry can reference a photo before it is uploaded.
func TestIDForIsWhatThePhoneComputes(t *testing.T) {
	sum := sha256.Sum256([]byte("hello"))
	if got := IDFor("user-1", hex.EncodeToString(sum[:])); got != "d57754517d0ea793394cb32f" {
		t.Fatalf("IDFor = %s; the PWA expects d57754517d0ea793394cb32f", got)
	}
}
