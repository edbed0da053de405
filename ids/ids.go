// Package ids makes identifiers for stored records.
package ids

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// New returns a 24-character hex id: 6 bytes of milliseconds since the epoch, then
// 6 random bytes. Ids sort roughly by creation time, which keeps B-tree inserts at
// the right edge, and are unguessable enough that knowing one id reveals no other.
func New(now time.Time) string {
	var b [12]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	if _, err := rand.Read(b[6:]); err != nil {
		panic("ids: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return hex.EncodeToString(b[:])
}

// Valid reports whether s has the shape New produces, so callers can reject junk
// before it reaches a query.
func Valid(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
