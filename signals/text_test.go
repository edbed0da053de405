package signals

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

var phrases = []string{"由村会计", "每月五日前", "在公开栏", "张贴补助明细", "并拍照上传", "镇纪委备查", "群众可现场查阅", "提出意见", "村两委", "逐户走访",
	"低保户", "自来水管网", "道路照明", "整改到位", "建立台账", "限期销号", "党员干部", "包保责任", "回访群众", "满意度调查"}

// sentence is a text of n phrases picked by r: texts of one vocabulary, as a
// campaign's records are.
func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(phrases[r.IntN(len(phrases))])
		b.WriteString("，")
	}
	return b.String()
}

// edit changes about share of a text's characters, as a unit copying another's
// measure and changing names and numbers does.
func edit(r *rand.Rand, text string, share float64) string {
	runes := []rune(text)
	for i := range runes {
		if r.Float64() < share {
			runes[i] = []rune("甲乙丙丁戊己庚辛壬癸")[r.IntN(10)]
		}
	}
	return string(runes)
}

func sharesKey(a, b []int64) bool {
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}

// TestCopiedTextIsFoundAndDistinctTextIsNot: lightly edited copies are
// found through the index and measured ≥ CopyThreshold; texts of the same
// vocabulary written apart are not, and the index's miss rate at the
// threshold is measured.
func TestCopiedTextIsFoundAndDistinctTextIsNot(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	missed, copies := 0, 0
	for range 300 {
		original := sentence(r, 12)
		copied := edit(r, original, 0.02)
		a, b := Shingles(original), Shingles(copied)
		s := Similarity(a, b)
		if s < CopyThreshold {
			continue // the edit changed more than a copy keeps
		}
		copies++
		if !sharesKey(TextKeys(a), TextKeys(b)) {
			missed++
		}
	}
	t.Logf("%d copies at similarity ≥ %.1f, %d missed by the index (%.2f%%)", copies, CopyThreshold, missed, 100*float64(missed)/float64(copies))
	if copies < 200 || float64(missed)/float64(copies) > 0.03 {
		t.Fatalf("the index missed %d of %d copies", missed, copies)
	}
	flagged, pairs := 0, 0
	var texts []ShingleSet
	for range 150 {
		texts = append(texts, Shingles(sentence(r, 12)))
	}
	for i := range texts {
		for j := i + 1; j < len(texts); j++ {
			pairs++
			if Similarity(texts[i], texts[j]) >= CopyThreshold {
				flagged++
			}
		}
	}
	t.Logf("distinct texts of one vocabulary: %d of %d pairs ≥ %.1f", flagged, pairs, CopyThreshold)
	if flagged > 0 {
		t.Fatalf("%d pairs of independently written texts flagged as copies", flagged)
	}
}

func TestShortAndHugeTexts(t *testing.T) {
	if keys := TextKeys(Shingles("同意。")); keys != nil {
		t.Fatalf("a short text has keys: %v", keys)
	}
	huge := strings.Repeat("由村会计每月五日前张贴补助明细。", 4500) // ≈ 64 KB
	if len(huge) < 64<<10 {
		t.Fatalf("only %d bytes", len(huge))
	}
	if keys := TextKeys(Shingles(huge)); len(keys) != textBands {
		t.Fatalf("keys of a 64 KB text: %d", len(keys))
	}
	data := map[string]any{"b": strings.Repeat("长", 40), "a": "短", "measures": []any{map[string]any{"measure": strings.Repeat("措", 31)}}}
	if got := LongText(data); got != strings.Repeat("长", 40)+"\n"+strings.Repeat("措", 31) {
		t.Fatalf("long text: %q", got)
	}
}

// Stored text keys are compared with keys computed by later releases and
// other instances: the shingle hash and MinHash must never change. These are
// the keys the first release computed for this text.
func TestTextKeysNeverChange(t *testing.T) {
	keys := TextKeys(Shingles("本周走访困难群众十二户，解决用水问题三件，落实帮扶措施五项。Ab12 ÄÖ"))
	want := []int64{8221826103879116144, -7316930706002290498, 6087078955582482074, -5283828302676433556,
		-6346695262552365896, -6840869808192258385, 2495302559061826958, 7530306236511987245}
	if !slices.Equal(keys, want) {
		t.Fatalf("text keys changed: %v, stored ones are %v", keys, want)
	}
	a, b := Shingles("本周走访困难群众十二户，解决用水问题三件，落实帮扶措施五项。"), Shingles("本周走访困难群众十三户，解决用水问题三件，落实帮扶措施五项。")
	if len(a) != 25 || math.Abs(Similarity(a, b)-0.7857142857142857) > 1e-12 {
		t.Fatalf("%d shingles, similarity %v", len(a), Similarity(a, b))
	}
}

// TestShinglesAsTheFirstReleaseMadeThem: shingles are hashed as the text is
// read now, with the zero bytes folded; the set must be the one the first
// release made by collecting the letters first and hashing each run's bytes
// with hash/fnv, or stored keys would stop matching. Texts with punctuation,
// mixed scripts, letters beyond U+FFFF, fewer letters than a run, and more
// than MaxTextRunes.
func TestShinglesAsTheFirstReleaseMadeThem(t *testing.T) {
	firstRelease := func(text string) ShingleSet {
		runes := make([]rune, 0, min(len(text), MaxTextRunes))
		for _, r := range text {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				runes = append(runes, unicode.ToLower(r))
				if len(runes) == MaxTextRunes {
					break
				}
			}
		}
		out := make(ShingleSet, 0, max(0, len(runes)-shingleRunes+1))
		for i := 0; i+shingleRunes <= len(runes); i++ {
			h := fnv.New64a()
			for _, r := range runes[i : i+shingleRunes] {
				_ = binary.Write(h, binary.LittleEndian, r)
			}
			out = append(out, h.Sum64())
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	r := rand.New(rand.NewPCG(7, 8))
	texts := []string{"", "同", "同意", "同意。", "，。！", "Ab12 ÄÖ 本周走访", "𠀀𠀁𠀂𪚥 本周𠮷野家走访 ā€", strings.Repeat("由村会计每月五日前张贴补助明细。", 4500),
		strings.Repeat("甲乙", MaxTextRunes/2) + "丙丁戊", strings.Repeat("ab, ", MaxTextRunes)}
	for range 20 {
		texts = append(texts, sentence(r, 1+r.IntN(300)))
	}
	for _, n := range []int{MaxTextRunes - 1, MaxTextRunes, MaxTextRunes + 1, MaxTextRunes + 2} {
		var b strings.Builder // letters that do not repeat: every run counts
		for range n {
			b.WriteRune(rune(0x4e00 + r.IntN(20_000)))
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		if got, want := Shingles(text), firstRelease(text); !slices.Equal(got, want) {
			t.Fatalf("%.40q…: %d shingles, the first release made %d", text, len(got), len(want))
		}
	}
}

// TestWordRunesAsUnicodeSays: the shortcuts for ASCII and the CJK block
// answer as the unicode tables do, for every rune.
func TestWordRunesAsUnicodeSays(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := isWordRune(r), unicode.IsLetter(r) || unicode.IsDigit(r); got != want {
			t.Fatalf("%U: word rune %v, unicode says %v", r, got, want)
		}
		if got, want := lower(r), unicode.ToLower(r); got != want {
			t.Fatalf("%U: lower %U, unicode says %U", r, got, want)
		}
	}
}

// TestSortHashesAsSlicesSort: the radix sort orders hashes as slices.Sort
// does, for lengths on both sides of where it takes over, with repeats and
// with the extremes.
func TestSortHashesAsSlicesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 100, 255, 256, 257, 600, 5000} {
		hashes := make([]uint64, n)
		for i := range hashes {
			switch i % 7 {
			case 0:
				hashes[i] = hashes[r.IntN(i+1)] // a repeat (or zero)
			case 1:
				hashes[i] = ^uint64(0) - uint64(r.IntN(3))
			default:
				hashes[i] = r.Uint64()
			}
		}
		want := slices.Sorted(slices.Values(hashes))
		sortHashes(hashes)
		if !slices.Equal(hashes, want) {
			t.Fatalf("%d hashes sorted differently", n)
		}
	}
}
