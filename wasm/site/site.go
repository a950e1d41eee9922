// Package site builds and serves the browser demonstrator: the page's
// files from static/, the worker's wasm binary, Go's wasm_exec.js and a
// compact MNIST subset, in one folder that any static file server can
// serve. build.sh, the browser test and bench/browser all build through
// Build, so they test what a reader gets.
//
// site runs natively; it imports engine/data, engine/data/idx,
// engine/data/mnist, engine, models and wasm/session (for the dictionary
// menus and the sample filters it writes), never syscall/js.
package site

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/idx"
	"github.com/predparams/predparams/engine/data/mnist"
)

// Package paths of what Build compiles.
const (
	WasmPackage = "github.com/predparams/predparams/wasm"
	module      = "github.com/predparams/predparams"
)

// Options configures Build.
type Options struct {
	// Out is the folder to build into; it is created if needed.
	Out string
	// Assets is the folder holding the page's own files (index.html,
	// *.css, *.js); "" means the module's static/ folder. When it is
	// Out, nothing is copied.
	Assets string
	// TrainN and TestN are how many training and test digits the data
	// subset holds (0 means 30,000 and 10,000).
	TrainN, TestN int
	// Levels is how many grey levels the pixels keep (2 to 256; 0 means
	// DefaultLevels): fewer levels compress better.
	Levels int
	// Log receives one line per stage; nil discards.
	Log io.Writer
}

// DefaultLevels is the number of grey levels the data subset keeps by
// default. 16 levels (4 bits) cost no accuracy a reader could see, and
// they make room in the 6 MB first visit for 30,000 training digits
// instead of 20,000: the default model's accuracy at 60 s is limited by
// the training set, not by the grey levels.
const DefaultLevels = 16

// Data file names, under Out/data.
const (
	TrainImages = "train-images.idx.gz"
	TrainLabels = "train-labels.idx.gz"
	TestImages  = "test-images.idx.gz"
	TestLabels  = "test-labels.idx.gz"
)

// WasmToolchain is the Go toolchain that compiles the worker's wasm: the
// first with WebAssembly SIMD (simd/archsimd under GOEXPERIMENT=simd).
// The go command fetches it through the module proxy on first use; the
// native builds keep the Go of the machine.
const WasmToolchain = "go1.27.3"

// wasmBuilds are the worker's two wasm binaries: main.wasm runs the
// engine's 128-bit SIMD kernels, main-scalar.wasm the pure-Go ones, for
// browsers without wasm SIMD (static/app.js picks one). Both give
// bit-identical training (see engine/gemm). One toolchain builds both, so
// that one wasm_exec.js serves both.
var wasmBuilds = []struct{ name, experiment string }{
	{"main.wasm", "simd"},
	{"main-scalar.wasm", ""},
}

// Build writes the site into o.Out: the assets, main.wasm and
// main-scalar.wasm (and their .gz twins), wasm_exec.js and the data subset
// under data/. The data is rebuilt only when its settings changed.
func Build(ctx context.Context, o Options) error {
	if o.Out == "" {
		return errors.New("site: no output folder")
	}
	if o.TrainN == 0 {
		o.TrainN = 30000
	}
	if o.TestN == 0 {
		o.TestN = 10000
	}
	if o.Levels == 0 {
		o.Levels = DefaultLevels
	}
	if o.Levels < 2 || o.Levels > 256 || o.TrainN < 0 || o.TestN < 0 {
		return fmt.Errorf("site: %d levels, %d training and %d test digits: out of range", o.Levels, o.TrainN, o.TestN)
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	if o.Assets == "" {
		o.Assets = filepath.Join(root, "static")
	}
	if err := os.MkdirAll(filepath.Join(o.Out, "data"), 0o755); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if err := copyAssets(o.Assets, o.Out); err != nil {
		return err
	}
	for _, w := range wasmBuilds {
		fmt.Fprintf(o.Log, "site: compiling %s for js/wasm with %s (GOEXPERIMENT=%s) into %s\n",
			WasmPackage, WasmToolchain, w.experiment, w.name)
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(o.Out, w.name), WasmPackage)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0",
			"GOTOOLCHAIN="+WasmToolchain, "GOEXPERIMENT="+w.experiment)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("site: go build %s: %v\n%s", w.name, err, out)
		}
	}
	// wasm_exec.js must come from the toolchain that built the binaries.
	src := filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js")
	if goroot, err := goEnv(ctx, "GOROOT", "GOTOOLCHAIN="+WasmToolchain); err == nil {
		src = filepath.Join(goroot, "lib", "wasm", "wasm_exec.js")
	}
	if err := copyFile(src, filepath.Join(o.Out, "wasm_exec.js")); err != nil {
		return err
	}
	if err := buildData(o); err != nil {
		return err
	}
	if err := writePageData(o, root); err != nil {
		return err
	}
	if err := Precompress(filepath.Join(o.Out, "data")); err != nil {
		return err
	}
	return Precompress(o.Out)
}

// moduleRoot returns the folder of this module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	gomod, err := goEnv(ctx, "GOMOD")
	if err != nil {
		return "", err
	}
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("site: not inside the module " + module)
	}
	return filepath.Dir(gomod), nil
}

// goEnv returns go env name, run with env added to the environment.
func goEnv(ctx context.Context, name string, env ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", name)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("site: go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// pageFile reports whether a file of the assets folder belongs to the page.
func pageFile(name string) bool {
	switch filepath.Ext(name) {
	case ".html", ".css", ".js", ".svg", ".ico":
		return name != "wasm_exec.js"
	}
	return false
}

func copyAssets(from, to string) error {
	if same, _ := sameDir(from, to); same {
		return nil
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		return fmt.Errorf("site: assets: %w", err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() && pageFile(e.Name()) {
			if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func sameDir(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	return nil
}

// dataStamp records the settings the data subset was built with.
type dataStamp struct {
	TrainN, TestN, Levels int
	Source                string
}

// buildData writes the data subset unless a stamp says it is current.
func buildData(o Options) error {
	dir := filepath.Join(o.Out, "data")
	want := dataStamp{TrainN: o.TrainN, TestN: o.TestN, Levels: o.Levels, Source: mnist.Module}
	stampPath := filepath.Join(dir, "stamp.json")
	if b, err := os.ReadFile(stampPath); err == nil {
		var got dataStamp
		if json.Unmarshal(b, &got) == nil && got == want {
			ok := true
			for _, f := range []string{TrainImages, TrainLabels, TestImages, TestLabels} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					ok = false
				}
			}
			if ok {
				fmt.Fprintf(o.Log, "site: data subset is current\n")
				return nil
			}
		}
	}
	fmt.Fprintf(o.Log, "site: writing %d training and %d test digits (%d grey levels) from %s\n",
		o.TrainN, o.TestN, o.Levels, mnist.Module)
	train, test, err := mnist.Load("")
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if o.TrainN > train.N || o.TestN > test.N {
		return fmt.Errorf("site: MNIST has %d training and %d test digits", train.N, test.N)
	}
	sets := []struct {
		ds             *data.Dataset
		n              int
		images, labels string
	}{{train, o.TrainN, TrainImages, TrainLabels}, {test, o.TestN, TestImages, TestLabels}}
	for _, s := range sets {
		img, lab := EncodeIDX(s.ds.Subset(0, s.n), o.Levels)
		if err := writeGzip(filepath.Join(dir, s.images), img); err != nil {
			return err
		}
		if err := writeGzip(filepath.Join(dir, s.labels), lab); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(want)
	if err := os.WriteFile(stampPath, b, 0o644); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	return nil
}

// EncodeIDX returns ds as IDX images (28×28 bytes each) and IDX labels,
// with the pixels (x in [0, 1]) rounded to levels evenly spaced grey
// levels of 0..255.
func EncodeIDX(ds *data.Dataset, levels int) (images, labels []byte) {
	images = make([]byte, 16, 16+len(ds.X))
	binary.BigEndian.PutUint32(images[0:], idx.ImagesMagic)
	binary.BigEndian.PutUint32(images[4:], uint32(ds.N))
	binary.BigEndian.PutUint32(images[8:], uint32(ds.H))
	binary.BigEndian.PutUint32(images[12:], uint32(ds.W))
	step := 255 / float64(levels-1)
	for _, x := range ds.X {
		q := float64(int(x*float32(levels-1)+0.5)) * step
		images = append(images, byte(min(255, q+0.5)))
	}
	labels = make([]byte, 8, 8+ds.N)
	binary.BigEndian.PutUint32(labels[0:], idx.LabelsMagic)
	binary.BigEndian.PutUint32(labels[4:], uint32(ds.N))
	for _, y := range ds.Y {
		labels = append(labels, byte(y))
	}
	return images, labels
}

// writeGzip writes b gzip'd at the best compression, with no time stamp,
// so that the same input gives the same file.
func writeGzip(path string, b []byte) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	return nil
}

// compressible reports whether Precompress makes a .gz twin of a file.
func compressible(name string) bool {
	switch filepath.Ext(name) {
	case ".wasm", ".js", ".html", ".css", ".svg", ".json":
		return true
	}
	return false
}

// Precompress writes name.gz beside every .wasm, .js, .html, .css, .svg
// and .json file of dir, for Handler to serve with Content-Encoding gzip.
func Precompress(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !compressible(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("site: %w", err)
		}
		if err := writeGzip(filepath.Join(dir, e.Name()+".gz"), b); err != nil {
			return err
		}
	}
	return nil
}

// FileSize is one file of a first visit and its size on the wire.
type FileSize struct {
	Name       string
	Raw, Wire  int64
	Compressed bool
}

// FirstVisit lists the files a first visit fetches from dir (every page
// file, the wasm binary, wasm_exec.js and the data) with their sizes on
// the wire: the .gz twin's size when Handler would serve it.
func FirstVisit(dir string) ([]FileSize, int64, error) {
	var files []FileSize
	var total int64
	add := func(name string) error {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("site: %w", err)
		}
		f := FileSize{Name: name, Raw: st.Size(), Wire: st.Size()}
		if gz, err := os.Stat(filepath.Join(dir, name+".gz")); err == nil {
			f.Wire, f.Compressed = gz.Size(), true
		}
		files = append(files, f)
		total += f.Wire
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("site: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && (pageFile(n) || n == "main.wasm" || n == "wasm_exec.js") {
			if err := add(n); err != nil {
				return nil, 0, err
			}
		}
	}
	for _, n := range []string{TrainImages, TrainLabels, TestImages, TestLabels, MenusFile, FiltersFile, Fig4File} {
		if err := add("data/" + n); err != nil {
			return nil, 0, err
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Wire > files[j].Wire })
	return files, total, nil
}
