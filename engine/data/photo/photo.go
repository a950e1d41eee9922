// Package photo reads photographs (PNG, JPEG) as grayscale images with values
// in [0, 1], and the photographs of Debian's plasma-workspace-wallpapers
// package (Wallpapers), a source of natural-image patches.
// It imports no other package of this module.
package photo

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode
	"io"
)

// Image is a grayscale image: H rows of W values in [0, 1], row-major in Pix.
type Image struct {
	W, H int
	Pix  []float32
}

// At returns the value at column x, row y.
func (m *Image) At(x, y int) float32 { return m.Pix[y*m.W+x] }

// Decode reads a PNG or JPEG image and returns its luma in [0, 1], averaged
// over factor×factor blocks (factor 1 keeps every pixel; the right and bottom
// remainders of a size that factor does not divide are dropped).
//
// The luma is ITU-R BT.601's Y' = 0.299 R + 0.587 G + 0.114 B of the
// gamma-encoded values, as JPEG stores it: a JPEG's Y plane is used as it is
// (Y/255), a gray image's values likewise, and any other image's colours are
// converted (alpha is ignored: colours are taken premultiplied, so over black).
// MNIST's pixels are gray bytes over 255 in the same way.
//
// A format other than PNG or JPEG, or a corrupt file, is the decoder's error; an
// image smaller than one block is an error too.
func Decode(r io.Reader, factor int) (*Image, error) {
	if factor < 1 {
		return nil, fmt.Errorf("photo: downsampling factor %d, want ≥ 1", factor)
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("photo: %w", err)
	}
	b := img.Bounds()
	w, h := b.Dx()/factor, b.Dy()/factor
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("photo: %d×%d image for %d×%d blocks: want at least one block", b.Dx(), b.Dy(), factor, factor)
	}
	luma := lumaFunc(img)
	out := &Image{W: w, H: h, Pix: make([]float32, w*h)}
	inv := 1 / float64(factor*factor)
	for y := range h {
		for x := range w {
			s := 0.0
			for dy := range factor {
				for dx := range factor {
					s += luma(b.Min.X+x*factor+dx, b.Min.Y+y*factor+dy)
				}
			}
			out.Pix[y*w+x] = float32(s * inv)
		}
	}
	return out, nil
}

// DecodeBytes is Decode of an image held in memory.
func DecodeBytes(b []byte, factor int) (*Image, error) { return Decode(bytes.NewReader(b), factor) }

// lumaFunc returns the luma in [0, 1] at (x, y) of img, reading the planes of
// the types the decoders return directly.
func lumaFunc(img image.Image) func(x, y int) float64 {
	switch m := img.(type) {
	case *image.YCbCr:
		return func(x, y int) float64 { return float64(m.Y[m.YOffset(x, y)]) / 255 }
	case *image.Gray:
		return func(x, y int) float64 { return float64(m.GrayAt(x, y).Y) / 255 }
	case *image.Gray16:
		return func(x, y int) float64 { return float64(m.Gray16At(x, y).Y) / 65535 }
	}
	return func(x, y int) float64 {
		r, g, b, _ := img.At(x, y).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 65535
	}
}
