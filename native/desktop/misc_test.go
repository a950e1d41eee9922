package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"github.com/predparams/predparams/engine"
)

func TestXAddrs(t *testing.T) {
	cases := []struct {
		display string
		want    string // first address, network/addr
		err     bool
	}{
		{":0", "unix//tmp/.X11-unix/X0", false},
		{":99.0", "unix//tmp/.X11-unix/X99", false},
		{"unix:1", "unix//tmp/.X11-unix/X1", false},
		{"localhost:10.0", "tcp/localhost:6010", false},
		{"[::1]:2", "tcp/[::1]:6002", false},
		{"nohost", "", true},
		{":x", "", true},
		{":-1", "", true},
	}
	for _, c := range cases {
		addrs, err := xAddrs(c.display)
		if c.err {
			if err == nil {
				t.Errorf("%q: no error", c.display)
			}
			continue
		}
		if err != nil || len(addrs) == 0 || addrs[0].network+"/"+addrs[0].addr != c.want {
			t.Errorf("%q: %v, %v; want %s", c.display, addrs, err, c.want)
		}
	}
}

func TestCheckDisplayWithoutDisplay(t *testing.T) {
	err := checkDisplay(func(string) string { return "" })
	switch {
	case skipsDisplayCheck():
		if err != nil {
			t.Fatal(err)
		}
	case err == nil || !strings.Contains(err.Error(), "no display"):
		t.Fatalf("DISPLAY unset: %v", err)
	}
}

// skipsDisplayCheck reports whether checkDisplay trusts the system.
func skipsDisplayCheck() bool {
	return slices.Contains([]string{"darwin", "windows", "ios", "android", "js"}, runtime.GOOS)
}

func TestNiceAxis(t *testing.T) {
	cases := []struct {
		lo, hi     float64
		n          int
		want       axis
		firstLabel string
		lastLabel  string
	}{
		{0, 2.31, 5, axis{0, 2.5, 0.5}, "0.0", "2.5"},
		{0, 20, 6, axis{0, 20, 5}, "0", "20"},
		{0, 0.013, 6, axis{0, 0.015, 0.005}, "0.000", "0.015"},
		{0, 0, 5, axis{0, 1, 0.2}, "0.0", "1.0"},
		{0, 97, 5, axis{0, 100, 20}, "0", "100"},
	}
	for _, c := range cases {
		a := niceAxis(c.lo, c.hi, c.n)
		near := func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }
		if !near(a.lo, c.want.lo) || !near(a.hi, c.want.hi) || !near(a.step, c.want.step) {
			t.Errorf("niceAxis(%v, %v, %d) = %+v, want %+v", c.lo, c.hi, c.n, a, c.want)
			continue
		}
		ticks := a.ticks()
		if l := a.label(ticks[0]); l != c.firstLabel {
			t.Errorf("first label %q, want %q", l, c.firstLabel)
		}
		if l := a.label(ticks[len(ticks)-1]); l != c.lastLabel {
			t.Errorf("last label %q, want %q", l, c.lastLabel)
		}
	}
}

// TestTiling checks that every row lands in its own cell, inside the
// tile, and that gaps separate the channels.
func TestTiling(t *testing.T) {
	cases := []struct {
		shape engine.Shape
		w, h  int
	}{
		{engine.Shape{H: 28, W: 28, C: 1}, 28, 28},
		{engine.Shape{H: 1, W: 1, C: 500}, 23, 22},
		{engine.Shape{H: 5, W: 5, C: 20}, 29, 23},
		{engine.Shape{H: 5, W: 5, C: 1}, 5, 5},
		{engine.Shape{H: 4, W: 4, C: 50}, 39, 34},
	}
	for _, c := range cases {
		tl := newTiling(c.shape)
		if tl.w != c.w || tl.h != c.h || tl.rows() != c.shape.Size() {
			t.Errorf("%v: %d×%d cells for %d rows, want %d×%d", c.shape, tl.w, tl.h, tl.rows(), c.w, c.h)
			continue
		}
		seen := map[[2]int]bool{}
		for r := range c.shape.Size() {
			x, y := tl.cell(r)
			if x < 0 || y < 0 || x >= tl.w || y >= tl.h || seen[[2]int{x, y}] {
				t.Errorf("%v: row %d at (%d, %d): outside or taken", c.shape, r, x, y)
				break
			}
			seen[[2]int{x, y}] = true
		}
		// Row 1 is channel 1 of pixel 0 when C > 1: a block away.
		if c.shape.C > 1 && c.shape.H > 1 {
			if x, _ := tl.cell(1); x != c.shape.W+1 {
				t.Errorf("%v: channel 1 starts at x %d, want %d", c.shape, x, c.shape.W+1)
			}
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 647000: "647,000", 1234567: "1,234,567", -5000: "-5,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestLabelsHaveGlyphs checks that the fonts draw every character of
// every string in the package, so that no label shows a missing-glyph box.
func TestLabelsHaveGlyphs(t *testing.T) {
	var faces []*sfnt.Font
	for _, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		faces = append(faces, f)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, r := range s {
				if unicode.IsControl(r) {
					continue
				}
				for _, f := range faces {
					if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
						t.Errorf("%s: %q in %s has no glyph in the Go fonts", fset.Position(lit.Pos()), r, lit.Value)
						return true
					}
				}
			}
			return true
		})
	}
}
