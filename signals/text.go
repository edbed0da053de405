package signals

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Copied text is found with MinHash and LSH over character shingles: a text
// is the set of its 3-character runs (Chinese has no spaces to split words
// on); 32 MinHash values estimate how much two sets share, and 8 bands of 4
// values are the index keys, so a text is compared only with texts that
// share a band. Each candidate is then checked exactly (Jaccard of the
// shingle sets), so nothing is flagged that is not ≥ CopyThreshold the same.
// The index misses a pair with similarity s with probability (1 − s⁴)⁸:
// 1.5% at 0.8, 0.03% at 0.9 (text_test.go measures it).
const (
	CopyThreshold = 0.8
	// MinTextRunes is how long a text value must be to count: names, places
	// and short answers are the same in many entries by nature.
	MinTextRunes = 30
	// MaxTextRunes bounds the text fingerprinted (64 KB texts exist).
	MaxTextRunes = 20_000
	shingleRunes = 3
	minHashes    = 32
	textBands    = 8
	bandRows     = minHashes / textBands
)

// hashSeeds are the MinHash functions' seeds, fixed so that every instance
// and every release computes the same keys.
var hashSeeds = func() [minHashes][2]uint64 {
	r := rand.New(rand.NewPCG(0x7a697a68, 0x616e67))
	var s [minHashes][2]uint64
	for i := range s {
		s[i] = [2]uint64{r.Uint64() | 1, r.Uint64()}
	}
	return s
}()

// ShingleSet is a text's shingles, hashed, sorted, each once: a sorted slice
// is built and compared several times faster than a map.
type ShingleSet []uint64

// Shingles is a text's set of 3-character runs, letters and digits only
// (punctuation and spacing do not make a text different), of its first
// MaxTextRunes letters and digits. Each run is hashed as the text is read:
// only the hashes are kept.
func Shingles(text string) ShingleSet {
	out := make(ShingleSet, 0, min(utf8.RuneCountInString(text), MaxTextRunes))
	var run [shingleRunes]rune
	kept := 0
	for _, r := range text {
		if !isWordRune(r) {
			continue
		}
		copy(run[:], run[1:])
		run[shingleRunes-1] = lower(r)
		if kept++; kept >= shingleRunes {
			out = append(out, shingleHash(run[:]))
		}
		if kept == MaxTextRunes {
			break
		}
	}
	sortHashes(out)
	return slices.Compact(out)
}

// sortHashes sorts hashes in place by radix, a byte at a time from the
// lowest: counting and placing. The hashes are random, so a comparison sort
// mispredicts about every other comparison; this has no branch that depends
// on them. It was two fifths of a text's cost, with texts that differ from
// one to the next (BenchmarkShinglesAndKeys).
func sortHashes(hashes []uint64) {
	if len(hashes) < 256 {
		// Clearing and summing eight tables of 256 counts costs about 2.5 µs
		// whatever the length: below 200 or so hashes, comparing is faster.
		slices.Sort(hashes)
		return
	}
	var counts [8][256]int
	for _, h := range hashes {
		for digit := range counts {
			counts[digit][byte(h>>(8*digit))]++
		}
	}
	from, to := hashes, make([]uint64, len(hashes))
	for digit := range counts {
		next := 0
		for b, n := range counts[digit] {
			counts[digit][b] = next
			next += n
		}
		for _, h := range from {
			b := byte(h >> (8 * digit))
			to[counts[digit][b]] = h
			counts[digit][b]++
		}
		from, to = to, from
	}
	// Eight passes, an even number: the sorted hashes are back in hashes.
}

// isWordRune is unicode.IsLetter(r) || unicode.IsDigit(r), answered first
// for the runes most texts are made of: ASCII, and the CJK ideographs
// U+4E00–U+9FFF, every one a letter (TestWordRunesAsUnicodeSays).
func isWordRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	case 0x4E00 <= r && r <= 0x9FFF:
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// lower is unicode.ToLower(r), without its tables for ASCII and the CJK
// ideographs (which have no case).
func lower(r rune) rune {
	switch {
	case 'A' <= r && r <= 'Z':
		return r + 'a' - 'A'
	case r < utf8.RuneSelf, 0x4E00 <= r && r <= 0x9FFF:
		return r
	}
	return unicode.ToLower(r)
}

// shingleHash is FNV-1a of the runes, each as four little-endian bytes: the
// hash the stored keys were made with, so it must never change. FNV-1a of a
// zero byte is a bare multiplication by the prime, so the zero high bytes of
// a rune below U+10000 (every CJK ideograph and ASCII letter) are folded into
// one multiplication by a power of it: half the work, the same hash
// (TestShinglesAsTheFirstReleaseMadeThem compares with hash/fnv).
func shingleHash(runes []rune) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	const prime3 = prime * prime * prime % (1 << 64) // 64-bit wrap, as the steps multiply
	h := uint64(offset)
	for _, r := range runes {
		h = (h ^ uint64(byte(r))) * prime
		if r < 0x10000 {
			h = (h ^ uint64(byte(r>>8))) * prime3
			continue
		}
		for shift := 8; shift < 32; shift += 8 {
			h = (h ^ uint64(byte(uint32(r)>>shift))) * prime
		}
	}
	return h
}

// Similarity is the Jaccard similarity of two texts' shingle sets.
func Similarity(a, b ShingleSet) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			common, i, j = common+1, i+1, j+1
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

// minShingles is the fewest distinct shingles a text is indexed with.
const minShingles = 8

// TextKeys are a text's LSH band keys; none for a text with too little in it
// (LongText has already left out short values).
func TextKeys(shingles ShingleSet) []int64 {
	if len(shingles) < minShingles {
		return nil
	}
	var mins [minHashes]uint64
	for i, seed := range hashSeeds {
		m := ^uint64(0)
		for _, s := range shingles {
			m = min(m, mix(s*seed[0]+seed[1]))
		}
		mins[i] = m
	}
	keys := make([]int64, textBands)
	for b := range textBands {
		h := fnv.New64a()
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], uint64(b))
		_, _ = h.Write(buf[:])
		for _, m := range mins[b*bandRows : (b+1)*bandRows] {
			binary.LittleEndian.PutUint64(buf[:], m)
			_, _ = h.Write(buf[:])
		}
		keys[b] = int64(h.Sum64())
	}
	return keys
}

// mix is a 64-bit finaliser (SplitMix64's): turns a multiply-add into a
// well-spread hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// LongText is the text an entry is compared by: its text values of at least
// MinTextRunes characters (descriptions, measures, evidence), in a fixed order.
func LongText(data map[string]any) string {
	var parts []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if utf8.RuneCountInString(strings.TrimSpace(x)) >= MinTextRunes {
				parts = append(parts, x)
			}
		case []any:
			for _, item := range x {
				walk(item)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(x[k])
			}
		}
	}
	walk(data)
	return strings.Join(parts, "\n")
}
