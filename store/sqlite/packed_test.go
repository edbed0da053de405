package sqlite

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Entries are packed because Chinese text compresses by about a third even in
// one 2 KB entry. Checked on a real text (a campaign speech, testdata) cut
// into entries of the thirty-field form, so a change of compressor or level
// that gives that up fails here, not only in docs/performance.md.
func TestPackShrinksChineseEntries(t *testing.T) {
	raw, err := os.ReadFile("testdata/speech.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := []rune(strings.Join(strings.Fields(string(raw)), ""))
	var plainBytes, packedBytes int
	for pos := 0; pos+15*48 <= len(text); {
		data := map[string]any{}
		for f := range 30 {
			if f%2 == 1 {
				data[fmt.Sprintf("f%02d", f)] = f
				continue
			}
			n := 36 + pos%13 // texts of 36–48 characters: about 2 KB of JSON an entry
			data[fmt.Sprintf("f%02d", f)] = string(text[pos : pos+n])
			pos += n
		}
		body, _ := json.Marshal(data)
		plain, packed := pack(body)
		if plain != "" {
			t.Fatalf("a %d-byte entry was not packed", len(body))
		}
		back, err := entryData("", packed)
		if err != nil || string(back) != string(body) {
			t.Fatalf("unpacked %q (%v)", back, err)
		}
		plainBytes, packedBytes = plainBytes+len(body), packedBytes+len(packed)
	}
	ratio := float64(packedBytes) / float64(plainBytes)
	t.Logf("%d bytes of JSON packed to %.3f", plainBytes, ratio)
	if plainBytes < 6000 || ratio > 0.75 {
		t.Fatalf("%d bytes of entries packed to %.3f of their size, want at most 0.75", plainBytes, ratio)
	}
}
