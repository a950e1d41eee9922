package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/predparams/predparams"

// TestOnlyDesktopImportsEbiten keeps ebiten, and with it any need for a
// display or cgo, out of every package but this one: the headless
// trainer, the engine and the models must build with CGO_ENABLED=0 and
// run where no X library is installed.
func TestOnlyDesktopImportsEbiten(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	cmd := exec.Command("go", "list", "-e", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", module+"/...")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		seen[pkg] = true
		if pkg == module+"/native/desktop" {
			if !strings.Contains(deps, "github.com/hajimehoshi/ebiten/v2") {
				t.Errorf("%s does not import ebiten: is the listing right?", pkg)
			}
			continue
		}
		if strings.HasPrefix(pkg, module+"/native/desktop") {
			continue
		}
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, "github.com/hajimehoshi/ebiten") || strings.HasPrefix(d, "github.com/ebitengine/") {
				t.Errorf("%s imports %s: only native/desktop may import ebiten", pkg, d)
				break
			}
		}
	}
	for _, p := range []string{"engine", "kernels", "models", "native/headless"} {
		if !seen[module+"/"+p] {
			t.Errorf("go list did not list %s/%s", module, p)
		}
	}
}

// TestEbitenVersion pins ebiten at v2.10.4: the module proxy's @latest
// resolves to v2.8.8, which needs cgo and the X11 and GL development
// packages to build.
func TestEbitenVersion(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-m", "github.com/hajimehoshi/ebiten/v2").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "github.com/hajimehoshi/ebiten/v2 v2.10.4" {
		t.Fatalf("go.mod has %s, want ebiten v2.10.4", got)
	}
}

// TestDesktopImports keeps the face thin: of this module, the app may
// import engine/... and models/... only (docs/DESIGN.md).
func TestDesktopImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		rest, ours := strings.CutPrefix(imp, module+"/")
		if ours && rest != "models" && rest != "engine" && !strings.HasPrefix(rest, "engine/") && !strings.HasPrefix(rest, "models/") {
			t.Errorf("native/desktop imports %s: it may import engine/... and models/... only", imp)
		}
	}
}
