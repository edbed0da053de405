package workbooktest

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// TestBombIsARealBomb: the assembled part inflates, checksum and all, to
// exactly the spaces it claims.
func TestBombIsARealBomb(t *testing.T) {
	raw := Bomb("单位", 8<<20)
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range z.File {
		if part.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		r, err := part.Open()
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, r)
		if err != nil || n != 8<<20 {
			t.Fatalf("inflated %d bytes, %v; want %d", n, err, 8<<20)
		}
		if ratio := part.UncompressedSize64 / part.CompressedSize64; ratio < 500 {
			t.Fatalf("compressed only %d×", ratio)
		}
		return
	}
	t.Fatal("no sheet part")
}
