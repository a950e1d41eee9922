// Command roundtrip checks the safetensors exchange against PyTorch, in
// both directions, on the MNIST test set:
//
//   - ours → torch: headless trains a config and exports it (-export,
//     compact), converts it to the materialised form (-import -export
//     -materialise), and roundtrip.py loads that into an equivalent torch
//     model with load_state_dict and evaluates it. Ours are the predictions
//     of the compact file, bit-identical to the trained model.
//   - torch → ours: roundtrip.py trains a dense MLP in torch and writes
//     safetensors; headless -import evaluates it, and the predictions of
//     models.Import are compared with torch's.
//
// It prints the two test errors, their difference (target ≤ 0.01 points)
// and the share of test digits on which the predictions agree (target ≥
// 99.9%) for each direction, and exits 1 if a target is missed.
//
//	go run ./bench/roundtrip [-config FILE] [-epochs N] [-torch-epochs N]
//
// It needs Debian's python3-torch (see bench/README.md); PyTorch is a
// yardstick here, never a dependency of the product.
package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/mnist"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/engine/safetensors"
	"github.com/predparams/predparams/models"
)

//go:embed roundtrip.py
var script string

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "roundtrip: %v\n", err)
		os.Exit(2)
	}
}

// Targets of issue 15.
const (
	maxErrDiff   = 0.0001 // 0.01 points
	minAgreement = 0.999
)

func run() error {
	config := flag.String("config", "models/configs/mnist-mlp-se-emp-5pct.json", "the predicted model to train and export")
	epochs := flag.Int("epochs", 0, "train for `N` epochs instead of the config's")
	torchConfig := flag.String("torch-config", "models/configs/mnist-mlp-dense.json", "the dense model torch trains")
	torchEpochs := flag.Int("torch-epochs", 3, "torch's training epochs")
	python := flag.String("python", "/usr/bin/python3", "the Python with Debian's python3-torch")
	threads := flag.Int("threads", 2, "threads for both sides")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "roundtrip")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	py := filepath.Join(tmp, "roundtrip.py")
	if err := os.WriteFile(py, []byte(script), 0o644); err != nil {
		return err
	}
	headless := filepath.Join(tmp, "headless")
	if out, err := exec.Command("go", "build", "-o", headless, "./native/headless").CombinedOutput(); err != nil {
		return fmt.Errorf("building headless: %v\n%s", err, out)
	}
	mod, err := mnist.ModuleDir()
	if err != nil {
		return err
	}
	mnistDir := filepath.Join(mod, "data")
	_, test, err := mnist.Load("")
	if err != nil {
		return err
	}
	th := strconv.Itoa(*threads)
	// roundtrip.py reads its thread count from THREADS; libgomp's spinning
	// barriers slow torch down badly on a shared machine (bench/README.md).
	os.Setenv("THREADS", th)
	os.Setenv("OMP_WAIT_POLICY", "PASSIVE")

	// Ours → torch.
	compact, dense := filepath.Join(tmp, "compact.safetensors"), filepath.Join(tmp, "dense.safetensors")
	args := []string{"-config", *config, "-out", filepath.Join(tmp, "out"), "-export", compact, "-threads", th, "-q"}
	if *epochs > 0 {
		args = append(args, "-epochs", strconv.Itoa(*epochs))
	}
	if _, err := command(headless, args...); err != nil {
		return err
	}
	if _, err := command(headless, "-import", compact, "-export", dense, "-materialise", "-threads", th, "-q"); err != nil {
		return err
	}
	var sum struct {
		TestError float64 `json:"test_error"`
	}
	if b, err := os.ReadFile(filepath.Join(tmp, "out", "summary.json")); err != nil {
		return err
	} else if err := json.Unmarshal(b, &sum); err != nil {
		return err
	}
	ours, err := predictions(compact, test, *threads)
	if err != nil {
		return err
	}
	torchOut, err := command(*python, py, "eval", dense, mnistDir, filepath.Join(tmp, "torch.pred"))
	if err != nil {
		return err
	}
	torchErr, err := testError(torchOut)
	if err != nil {
		return err
	}
	torchPred, err := os.ReadFile(filepath.Join(tmp, "torch.pred"))
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	for _, p := range []string{compact, dense, filepath.Join(tmp, "out", "checkpoint.ckpt")} {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		sizes[filepath.Base(p)] = st.Size()
	}
	ok := report("ours → torch", *config, sum.TestError, torchErr, ours, torchPred)
	fmt.Printf("  sizes: compact %d bytes, materialised %d bytes, checkpoint (with optimizer state) %d bytes\n",
		sizes["compact.safetensors"], sizes["dense.safetensors"], sizes["checkpoint.ckpt"])

	// Torch → ours.
	torchFile := filepath.Join(tmp, "torch.safetensors")
	torchOut, err = command(*python, py, "train", *torchConfig, mnistDir, torchFile, filepath.Join(tmp, "torch2.pred"), strconv.Itoa(*torchEpochs), "1")
	if err != nil {
		return err
	}
	if torchErr, err = testError(torchOut); err != nil {
		return err
	}
	if torchPred, err = os.ReadFile(filepath.Join(tmp, "torch2.pred")); err != nil {
		return err
	}
	if st, err := os.Stat(torchFile); err == nil {
		fmt.Printf("  the dense MLP of %s in safetensors: %d bytes\n", *torchConfig, st.Size())
	}
	out, err := command(headless, "-import", torchFile, "-threads", th, "-q")
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`test error ([0-9.]+)%`).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("headless -import printed %q", out)
	}
	if ours, err = predictions(torchFile, test, *threads); err != nil {
		return err
	}
	ourErr := errorRate(ours, test)
	fmt.Printf("headless -import of the torch file: %s", out)
	ok = report("torch → ours", *torchConfig, torchErr, ourErr, torchPred, ours) && ok
	if !ok {
		return errors.New("a target was missed")
	}
	return nil
}

// report prints one direction and reports whether it meets the targets.
func report(dir, config string, errA, errB float64, a, b []byte) bool {
	agree := 0
	for i := range a {
		if i < len(b) && a[i] == b[i] {
			agree++
		}
	}
	rate := float64(agree) / float64(len(a))
	diff := errA - errB
	if diff < 0 {
		diff = -diff
	}
	ok := diff <= maxErrDiff+1e-12 && rate >= minAgreement && len(a) == len(b)
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
	}
	fmt.Printf("%s (%s): test error %.2f%% → %.2f%%, difference %.4f points (target ≤ 0.01); predictions agree on %d of %d test digits (%.2f%%, target ≥ 99.9%%): %s\n",
		dir, config, 100*errA, 100*errB, 100*diff, agree, len(a), 100*rate, verdict)
	return ok
}

// predictions imports the model in path and returns its predicted digit
// for every test example.
func predictions(path string, test *data.Dataset, threads int) ([]byte, error) {
	f, err := safetensors.Read(path)
	if err != nil {
		return nil, err
	}
	info, err := models.ReadExportInfo(f)
	if err != nil {
		return nil, err
	}
	var train *data.Dataset
	if info.Format == models.ExportCompact {
		if train, _, err = mnist.Load(""); err != nil {
			return nil, err
		}
	} else {
		train = test // the materialised form needs the shape only
	}
	m, err := models.Import(f, nil, train, models.Env{Gemm: gemm.Best(threads), Threads: threads})
	if err != nil {
		return nil, err
	}
	pred := make([]byte, test.N)
	dim, k := test.Dim(), test.Classes
	for s := 0; s < test.N; s += m.Net.MaxBatch {
		n := min(m.Net.MaxBatch, test.N-s)
		logits := m.Net.Forward(test.X[s*dim:(s+n)*dim], n)
		for i := 0; i < n; i++ {
			pred[s+i] = byte(engine.Argmax(logits[i*k : (i+1)*k]))
		}
	}
	return pred, nil
}

func errorRate(pred []byte, test *data.Dataset) float64 {
	wrong := 0
	for i, p := range pred {
		if int32(p) != test.Y[i] {
			wrong++
		}
	}
	return float64(wrong) / float64(test.N)
}

// command runs a program and returns its standard output.
func command(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", filepath.Base(name), strings.Join(args[:min(2, len(args))], " "), err)
	}
	return string(out), nil
}

func testError(out string) (float64, error) {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "test_error "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no test_error in %q", out)
}
