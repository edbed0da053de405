package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Photo draws a field photo for a demo record — sky, hills, ground and a row
// of buildings in colours of its own — as a JPEG. Each seed draws a different
// picture, so no two records share a file.
func Photo(seed uint64) []byte {
	const width, height = 480, 360
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	sky := color.RGBA{uint8(120 + rng.IntN(80)), uint8(170 + rng.IntN(60)), uint8(210 + rng.IntN(45)), 255}
	ground := color.RGBA{uint8(70 + rng.IntN(60)), uint8(110 + rng.IntN(60)), uint8(50 + rng.IntN(40)), 255}
	horizon := height/2 + rng.IntN(height/5)
	hill := rng.Float64() * 40
	for y := range height {
		for x := range width {
			ridge := horizon - int(hill*(1+math.Sin(float64(x)/60+float64(seed%7))))
			c := shade(sky, float64(y)/float64(height))
			if y > ridge {
				c = shade(ground, 0.3+float64(y-ridge)/float64(height))
			}
			img.SetRGBA(x, y, c)
		}
	}
	for range 3 + rng.IntN(4) { // buildings on the horizon
		w, h := 40+rng.IntN(60), 40+rng.IntN(90)
		x := rng.IntN(width - w)
		wall := color.RGBA{uint8(180 + rng.IntN(70)), uint8(170 + rng.IntN(70)), uint8(150 + rng.IntN(70)), 255}
		fill(img, x, horizon-h, w, h, wall)
		fill(img, x-4, horizon-h-8, w+8, 8, color.RGBA{150, 60, 50, 255}) // the roof
		for wy := horizon - h + 10; wy < horizon-16; wy += 22 {
			for wx := x + 8; wx < x+w-14; wx += 20 {
				fill(img, wx, wy, 10, 12, color.RGBA{70, 90, 120, 255})
			}
		}
	}
	var out bytes.Buffer
	_ = jpeg.Encode(&out, img, &jpeg.Options{Quality: 70}) // writing to memory cannot fail
	return out.Bytes()
}

func fill(img *image.RGBA, x, y, w, h int, c color.RGBA) {
	r := image.Rect(x, y, x+w, y+h).Intersect(img.Bounds())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			img.SetRGBA(px, py, c)
		}
	}
}

// shade darkens c by up to a third as t goes from 0 to 1.
func shade(c color.RGBA, t float64) color.RGBA {
	f := 1 - min(max(t, 0), 1)/3
	return color.RGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), 255}
}
