package models

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/engine/safetensors"
)

// Portability between targets: a checkpoint and a compact export written
// under js/wasm (the browser page's build) must load natively, and the
// reverse, for every dictionary kind, and evaluate to the same error.
// TestPortability runs natively; it builds this package's tests for
// js/wasm and runs TestPortabilityPeer under Node, first to write files
// that the native side then reads, then to read the files the native side
// wrote.

const (
	portableDirEnv  = "PREDPARAMS_PORTABLE_DIR"
	portableModeEnv = "PREDPARAMS_PORTABLE_MODE" // "write" or "read"
)

// portableCases returns one model per dictionary kind, the kind in both
// hidden layers where it applies (se and dct need an image grid, so
// their second layer takes emp, as for every kind that needs a grid),
// and a dense model.
func portableCases() map[string]*Config {
	cases := map[string]*Config{"dense": mlpConfig(6, "relu", nil, nil)}
	for _, k := range DictKinds() {
		kind := k.Name
		p1 := &PredictConfig{Dict: kind, NAlpha: 4, Columns: 2}
		p2 := &PredictConfig{Dict: kind, NAlpha: 3, Columns: 3}
		if k.Spatial {
			p2.Dict = "emp"
		}
		if kind == "ae" {
			p1.AEHidden, p1.AEEpochs, p2.AEHidden, p2.AEEpochs = 8, 2, 8, 2
		}
		c := mlpConfig(6, "relu", p1, p2)
		c.Train.Epochs = 2
		cases[kind] = c
	}
	return cases
}

// portableData is the data of every case: data.Random draws integers
// only, so every target makes the same bits.
func portableData() (train, test *data.Dataset) {
	return data.Random(60, 6, 6, 1, 3, 21), data.Random(30, 6, 6, 1, 3, 22)
}

// portableEnv runs products on the target's best kernel, as a real run
// does: the point is that the kernels' rounding differs between targets.
func portableEnv() Env { return Env{Gemm: gemm.Best(1), Threads: 1} }

// outcome is what a model gives on the test set.
type outcome struct {
	Error, Loss float64
	Logits      []float32
}

func evaluate(m *Model, test *data.Dataset) outcome {
	e, l := engine.Evaluate(m.Net, test, nil)
	return outcome{e, l, logits(m, test)}
}

// writePortable trains every case and writes NAME.ckpt, NAME.safetensors
// and outcomes.json into dir.
func writePortable(t *testing.T, dir string) {
	train, test := portableData()
	out := map[string]outcome{}
	for name, cfg := range portableCases() {
		r, err := NewRun(cfg, train, test, portableEnv())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		runToEnd(r)
		if err := r.Save(filepath.Join(dir, name+".ckpt")); err != nil {
			t.Fatal(err)
		}
		f, err := r.Model.Export(false)
		if err != nil {
			t.Fatal(err)
		}
		if err := safetensors.Write(filepath.Join(dir, name+".safetensors"), f); err != nil {
			t.Fatal(err)
		}
		out[name] = evaluate(r.Model, test)
	}
	b, _ := json.Marshal(out)
	if err := os.WriteFile(filepath.Join(dir, "outcomes.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkPortable loads every case's checkpoint and export from dir and
// compares their outcomes with those the writer recorded: the same test
// error, and logits equal to float32 rounding (the gemm kernels differ).
func checkPortable(t *testing.T, dir string) {
	train, test := portableData()
	b, err := os.ReadFile(filepath.Join(dir, "outcomes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]outcome
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(portableCases()) {
		t.Fatalf("%d outcomes written, %d cases", len(want), len(portableCases()))
	}
	for name := range portableCases() {
		r, err := LoadRun(filepath.Join(dir, name+".ckpt"), train, test, portableEnv())
		if err != nil {
			t.Errorf("%s: checkpoint on %s: %v", name, runtime.GOARCH, err)
			continue
		}
		compare(t, name+" checkpoint", evaluate(r.Model, test), want[name])
		f, err := safetensors.Read(filepath.Join(dir, name+".safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Import(f, nil, train, portableEnv())
		if err != nil {
			t.Errorf("%s: export on %s: %v", name, runtime.GOARCH, err)
			continue
		}
		compare(t, name+" export", evaluate(m, test), want[name])
	}
}

func compare(t *testing.T, what string, got, want outcome) {
	t.Helper()
	if got.Error != want.Error || math.Abs(got.Loss-want.Loss) > 1e-5*(1+want.Loss) || len(got.Logits) != len(want.Logits) {
		t.Errorf("%s on %s: error %v, loss %v; written with error %v, loss %v", what, runtime.GOARCH, got.Error, got.Loss, want.Error, want.Loss)
		return
	}
	for i, w := range want.Logits {
		if d := math.Abs(float64(got.Logits[i] - w)); d > 1e-4*(1+math.Abs(float64(w))) {
			t.Errorf("%s on %s: logit %d is %v, written %v", what, runtime.GOARCH, i, got.Logits[i], w)
			return
		}
	}
}

// TestPortabilityPeer is the js/wasm side of TestPortability; it runs
// only when TestPortability starts it.
func TestPortabilityPeer(t *testing.T) {
	dir := os.Getenv(portableDirEnv)
	if dir == "" {
		t.Skip("run by TestPortability")
	}
	switch os.Getenv(portableModeEnv) {
	case "write":
		writePortable(t, dir)
	case "read":
		checkPortable(t, dir)
	default:
		t.Fatalf("$%s must be write or read", portableModeEnv)
	}
}

func TestPortability(t *testing.T) {
	if runtime.GOOS == "js" || os.Getenv(portableDirEnv) != "" {
		t.Skip("the native side drives this test")
	}
	if testing.Short() {
		t.Skip("builds the tests for js/wasm (-short)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is needed to run the js/wasm side")
		}
		t.Skip("node is not installed: cannot run the js/wasm side")
	}
	goroot := runtime.GOROOT()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "models.test.wasm")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the tests for js/wasm: %v\n%s", err, out)
	}
	peer := func(mode, dir string) {
		t.Helper()
		cmd := exec.Command(node, filepath.Join(goroot, "lib", "wasm", "wasm_exec_node.js"), bin,
			"-test.run=^TestPortabilityPeer$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), portableDirEnv+"="+dir, portableModeEnv+"="+mode)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("js/wasm side (%s): %v\n%s", mode, err, out)
		}
	}
	fromWasm := filepath.Join(tmp, "wasm")
	fromNative := filepath.Join(tmp, "native")
	os.Mkdir(fromWasm, 0o755)
	os.Mkdir(fromNative, 0o755)
	peer("write", fromWasm)
	checkPortable(t, fromWasm) // written under js/wasm, read natively
	writePortable(t, fromNative)
	peer("read", fromNative) // written natively, read under js/wasm
}
