package site

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/idx"
)

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), "<!doctype html><title>x</title>")
	write(t, filepath.Join(dir, "main.wasm"), "\x00asm\x01\x00\x00\x00")
	write(t, filepath.Join(dir, "app.js"), "'use strict';")
	write(t, filepath.Join(dir, "data", TrainLabels), "\x1f\x8bnot really")
	if err := Precompress(dir); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(dir))
	defer srv.Close()
	for _, tc := range []struct {
		path, accept         string
		status               int
		ctype, encoding, get string
	}{
		{"/", "gzip, deflate, br", 200, "text/html; charset=utf-8", "gzip", "<!doctype html><title>x</title>"},
		{"/main.wasm", "gzip", 200, "application/wasm", "gzip", "\x00asm\x01\x00\x00\x00"},
		{"/main.wasm", "", 200, "application/wasm", "", "\x00asm\x01\x00\x00\x00"},
		{"/main.wasm", "gzip;q=0", 200, "application/wasm", "", "\x00asm\x01\x00\x00\x00"},
		{"/app.js", "br, gzip", 200, "text/javascript; charset=utf-8", "gzip", "'use strict';"},
		{"/data/" + TrainLabels, "gzip", 200, "application/octet-stream", "", "\x1f\x8bnot really"},
		{"/missing.js", "gzip", 404, "", "", ""},
		{"/../etc/passwd", "", 404, "", "", ""},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		req.Header.Set("Accept-Encoding", tc.accept) // set explicitly: no transparent gunzip
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, ct, tc.ctype)
		}
		if enc := resp.Header.Get("Content-Encoding"); enc != tc.encoding {
			t.Errorf("%s (Accept-Encoding %q): Content-Encoding %q, want %q", tc.path, tc.accept, enc, tc.encoding)
		}
		if tc.encoding == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", tc.path, err)
			}
			body, _ = io.ReadAll(zr)
		}
		if string(body) != tc.get {
			t.Errorf("%s: body %q, want %q", tc.path, body, tc.get)
		}
	}
}

func TestEncodeIDX(t *testing.T) {
	ds := &data.Dataset{Name: "t", N: 2, H: 28, W: 28, C: 1, Classes: 10, X: make([]float32, 2*784), Y: []int32{3, 9}}
	for i := range ds.X {
		ds.X[i] = float32(i%256) / 255
	}
	for _, levels := range []int{256, 32, 2} {
		img, lab := EncodeIDX(ds, levels)
		n, pix, err := idx.ReadImagesSize(bytes.NewReader(img), 28, 28)
		if err != nil || n != 2 {
			t.Fatalf("levels %d: %d images, %v", levels, n, err)
		}
		y, err := idx.ReadLabels(bytes.NewReader(lab))
		if err != nil || len(y) != 2 || y[0] != 3 || y[1] != 9 {
			t.Fatalf("levels %d: labels %v, %v", levels, y, err)
		}
		seen := map[byte]bool{}
		for i, p := range pix {
			seen[p] = true
			if d := float64(p)/255 - float64(ds.X[i]); d > 0.5/float64(levels-1)+1e-6 || d < -0.5/float64(levels-1)-1e-6 {
				t.Fatalf("levels %d: pixel %d is %d for %v", levels, i, p, ds.X[i])
			}
		}
		if len(seen) != levels || !seen[0] || !seen[255] {
			t.Errorf("levels %d: %d distinct values (0: %v, 255: %v)", levels, len(seen), seen[0], seen[255])
		}
	}
}

func TestFirstVisit(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), strings.Repeat("a", 1000))
	write(t, filepath.Join(dir, "main.wasm"), strings.Repeat("b", 1000))
	write(t, filepath.Join(dir, "notes.txt"), "not part of the page")
	for _, f := range []string{TrainImages, TrainLabels, TestImages, TestLabels, MenusFile, FiltersFile, Fig4File} {
		write(t, filepath.Join(dir, "data", f), "12345")
	}
	if _, _, err := FirstVisit(dir); err != nil {
		t.Fatal(err)
	}
	if err := Precompress(dir); err != nil {
		t.Fatal(err)
	}
	files, total, err := FirstVisit(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 9 {
		t.Errorf("%d files, want 9: %+v", len(files), files)
	}
	var want int64 = 7 * 5
	for _, f := range files {
		if strings.HasPrefix(f.Name, "data/") {
			continue
		}
		if !f.Compressed || f.Wire >= f.Raw {
			t.Errorf("%s: wire %d of raw %d, compressed %v", f.Name, f.Wire, f.Raw, f.Compressed)
		}
		want += f.Wire
	}
	if total != want {
		t.Errorf("total %d, want %d", total, want)
	}
	os.Remove(filepath.Join(dir, "data", TestLabels))
	if _, _, err := FirstVisit(dir); err == nil {
		t.Error("no error for a missing data file")
	}
}

// TestBuildScriptToolchain checks that build.sh tests the wasm build with
// the toolchain that Build compiles it with.
func TestBuildScriptToolchain(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nWASM_TOOLCHAIN=" + WasmToolchain + "\n"; !strings.Contains(string(b), want) {
		t.Errorf("build.sh does not set %q", strings.TrimSpace(want))
	}
}

// TestHandlerMisuse checks the answers to requests no page makes: a POST
// (answered like a GET) and a path segment no file system allows
// (answered 500).
func TestHandlerMisuse(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), "<!doctype html><title>x</title>")
	srv := httptest.NewServer(Handler(dir))
	defer srv.Close()
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 200},
		{"HEAD", "/index.html", 200},
		{"POST", "/", 405},
		{"PUT", "/index.html", 405},
		{"DELETE", "/index.html", 405},
		{"GET", "/" + strings.Repeat("a", 256), 404},
		{"GET", "/" + strings.Repeat("a", 256) + "/index.html", 404},
		{"GET", "/" + strings.Repeat("a", 255), 404},
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %.40s…: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
		if c.want == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow %q", c.method, resp.Header.Get("Allow"))
		}
	}
}
