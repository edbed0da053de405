package signals

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkShinglesAndKeys is what a text costs the signals check before any
// lookup: its shingles, its keys, and one exact comparison, for a record of
// about 600 characters. The texts differ from one to the next, as a check's
// do: sorting one text over and over let the branch predictor learn it, and
// measured a fifth of what sorting costs the server.
func BenchmarkShinglesAndKeys(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	texts := make([]string, 256)
	for i := range texts {
		texts[i] = sentence(r, 120)
	}
	otherSet := Shingles(sentence(r, 120))
	i := 0
	for b.Loop() {
		set := Shingles(texts[i%len(texts)])
		_ = TextKeys(set)
		_ = Similarity(set, otherSet)
		i++
	}
}
