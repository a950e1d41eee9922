package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// grayValue is the test images' byte at (x, y): distinct values, so that a
// shifted or transposed read is seen.
func grayValue(x, y int) uint8 { return uint8(10*y + 3*x) }

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodePNG(t *testing.T) {
	const w, h = 7, 5
	gray := image.NewGray(image.Rect(0, 0, w, h))
	rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			gray.SetGray(x, y, color.Gray{grayValue(x, y)})
			// Colours whose luma is known: 0.299 R + 0.587 G + 0.114 B.
			rgba.SetNRGBA(x, y, color.NRGBA{R: grayValue(x, y), G: 255, B: 0, A: 255})
		}
	}
	tests := []struct {
		name   string
		img    image.Image
		factor int
		want   func(x, y int) float64 // at the output's (x, y)
		w, h   int
	}{
		{"gray", gray, 1, func(x, y int) float64 { return float64(grayValue(x, y)) / 255 }, 7, 5},
		{"colour", rgba, 1, func(x, y int) float64 { return (0.299*float64(grayValue(x, y)) + 0.587*255) / 255 }, 7, 5},
		{"gray, 2×2 blocks (remainders dropped)", gray, 2, func(x, y int) float64 {
			s := 0.0
			for dy := range 2 {
				for dx := range 2 {
					s += float64(grayValue(2*x+dx, 2*y+dy))
				}
			}
			return s / 4 / 255
		}, 3, 2},
	}
	for _, tt := range tests {
		m, err := DecodeBytes(encodePNG(t, tt.img), tt.factor)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if m.W != tt.w || m.H != tt.h || len(m.Pix) != tt.w*tt.h {
			t.Fatalf("%s: %d×%d with %d values, want %d×%d", tt.name, m.W, m.H, len(m.Pix), tt.w, tt.h)
		}
		for y := range m.H {
			for x := range m.W {
				if got, want := float64(m.At(x, y)), tt.want(x, y); math.Abs(got-want) > 1e-6 {
					t.Errorf("%s: (%d, %d) = %g, want %g", tt.name, x, y, got, want)
				}
			}
		}
	}
}

// TestDecodeJPEG encodes 8×8 blocks of constant gray (which JPEG keeps up to
// rounding at quality 100), in colour (a YCbCr JPEG) and in gray, and reads
// them back within one level.
func TestDecodeJPEG(t *testing.T) {
	const w, h = 24, 16
	levels := []uint8{0, 40, 90, 128, 200, 255}
	level := func(x, y int) uint8 { return levels[(x/8+3*(y/8))%len(levels)] }
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := level(x, y)
			rgba.Set(x, y, color.RGBA{v, v, v, 255})
			gray.SetGray(x, y, color.Gray{v})
		}
	}
	for _, tt := range []struct {
		name string
		img  image.Image
	}{{"colour", rgba}, {"gray", gray}} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, tt.img, &jpeg.Options{Quality: 100}); err != nil {
			t.Fatal(err)
		}
		m, err := Decode(&b, 1)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if m.W != w || m.H != h {
			t.Fatalf("%s: %d×%d, want %d×%d", tt.name, m.W, m.H, w, h)
		}
		for y := range h {
			for x := range w {
				if got, want := float64(m.At(x, y)), float64(level(x, y))/255; math.Abs(got-want) > 1.01/255 {
					t.Errorf("%s: (%d, %d) = %g, want %g", tt.name, x, y, got, want)
				}
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	small := encodePNG(t, image.NewGray(image.Rect(0, 0, 3, 3)))
	tests := []struct {
		name   string
		b      []byte
		factor int
		want   string
	}{
		{"not an image", []byte("GIF89a, or anything else"), 1, "unknown format"},
		{"truncated PNG", small[:len(small)/2], 1, "photo:"},
		{"factor 0", small, 0, "factor 0"},
		{"smaller than a block", small, 4, "3×3 image for 4×4 blocks"},
	}
	for _, tt := range tests {
		_, err := DecodeBytes(tt.b, tt.factor)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// TestLoad writes two wallpapers' folders and reads them back, in the
// table's order; a changed file is a *ChecksumError, a missing one an error,
// and Present says which folders hold every file.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	var ws []Wallpaper
	for i, name := range []string{"B", "A"} {
		img := image.NewGray(image.Rect(0, 0, 4, 2))
		for k := range img.Pix {
			img.Pix[k] = uint8(50*i + k)
		}
		b := encodePNG(t, img)
		w := Wallpaper{Name: name, File: "contents/images/4x2.png"}
		if err := os.MkdirAll(filepath.Dir(w.Path(dir)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(w.Path(dir), b, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		w.SHA256 = hex.EncodeToString(sum[:])
		ws = append(ws, w)
	}
	imgs, err := Load(dir, ws, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 || imgs[0].At(1, 0) != 1.0/255 || imgs[1].At(1, 0) != 51.0/255 {
		t.Errorf("loaded %d images, first values %g and %g; want 2 in the table's order", len(imgs), imgs[0].At(1, 0), imgs[1].At(1, 0))
	}
	if !Present(dir, ws) || Present(t.TempDir(), ws) || Present("", ws) {
		t.Error("Present: wrong for the written folder, an empty one or none")
	}
	bad := append([]Wallpaper(nil), ws...)
	bad[1].SHA256 = strings.Repeat("0", 64)
	var ce *ChecksumError
	if _, err := Load(dir, bad, 1); !errors.As(err, &ce) || ce.Want != bad[1].SHA256 {
		t.Errorf("changed file: %v, want a *ChecksumError", err)
	}
	if _, err := Load(t.TempDir(), ws, 1); err == nil {
		t.Error("missing files: no error")
	}
}

// TestWallpapers reads the photographs of plasma-workspace-wallpapers when
// they are installed (apt-get install plasma-workspace-wallpapers).
func TestWallpapers(t *testing.T) {
	ws := Wallpapers()
	if len(ws) != 11 {
		t.Fatalf("%d wallpapers, want the 11 photographs", len(ws))
	}
	dir := os.Getenv(DirEnv)
	if dir == "" {
		dir = DebianDir
	}
	if !Present(dir, ws) {
		t.Skipf("no wallpapers in %s (apt-get install plasma-workspace-wallpapers, or set $%s)", dir, DirEnv)
	}
	imgs, err := Load(dir, ws, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range imgs {
		lo, hi := float32(1), float32(0)
		for _, v := range m.Pix {
			lo, hi = min(lo, v), max(hi, v)
		}
		if m.W != 640 || m.H != 400 || lo < 0 || hi > 1 || hi-lo < 0.2 {
			t.Errorf("%s: %d×%d, values in [%g, %g]; want 640×400 within [0, 1], not flat", ws[i].Name, m.W, m.H, lo, hi)
		}
	}
}
