package signals

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkShinglesAndKeys is what a text costs the signals check before any
// lookup: its shingles, its keys, and one exact comparison, for a record of
// about 600 characters.
func BenchmarkShinglesAndKeys(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	text, other := sentence(r, 120), sentence(r, 120)
	otherSet := Shingles(other)
	for b.Loop() {
		set := Shingles(text)
		_ = TextKeys(set)
		_ = Similarity(set, otherSet)
	}
}
