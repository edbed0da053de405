package attachments

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"taizhang/imaging"
)

func BenchmarkThumbOfPhoto(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 560, 560))
	seed := uint32(1)
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = uint8(seed >> 24)
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	b.ResetTimer()
	for b.Loop() {
		decoded, _, _ := image.Decode(bytes.NewReader(buf.Bytes()))
		small := imaging.Shrink(decoded, ThumbSize)
		var out bytes.Buffer
		_ = jpeg.Encode(&out, small, &jpeg.Options{Quality: 75})
	}
}
