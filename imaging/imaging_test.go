package imaging

import (
	"image"
	"testing"
)

func TestShrinkKeepsTheShape(t *testing.T) {
	for _, c := range []struct{ w, h, tw, th int }{{800, 600, 320, 240}, {300, 900, 106, 320}, {1000, 10, 320, 3}, {321, 321, 320, 320}} {
		got := Shrink(image.NewGray(image.Rect(0, 0, c.w, c.h)), 320).Bounds()
		if got.Dx() != c.tw || got.Dy() != c.th {
			t.Errorf("%d×%d → %d×%d, want %d×%d", c.w, c.h, got.Dx(), got.Dy(), c.tw, c.th)
		}
	}
}
