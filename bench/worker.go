package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// worker is a contender in another process (PyTorch in Python, the engine
// under Node) that answers the lab's line protocol on its stdin and
// stdout.
type worker struct {
	name   string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr bytes.Buffer
}

// startWorker starts argv in dir with extra environment variables env.
func startWorker(name, dir string, env []string, argv ...string) (*worker, error) {
	w := &worker{name: name, cmd: exec.Command(argv[0], argv[1:]...)}
	w.cmd.Dir = dir
	w.cmd.Env = append(os.Environ(), env...)
	w.cmd.Stderr = &w.stderr
	in, err := w.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	w.in, w.out = in, bufio.NewScanner(out)
	return w, nil
}

// call sends one command and returns the text after "ok".
func (w *worker) call(line string) (string, error) {
	if _, err := fmt.Fprintln(w.in, line); err != nil {
		return "", fmt.Errorf("%s: %v%s", w.name, err, w.stderrTail())
	}
	if !w.out.Scan() {
		return "", fmt.Errorf("%s exited%s", w.name, w.stderrTail())
	}
	reply := w.out.Text()
	if v, ok := strings.CutPrefix(reply, "ok "); ok {
		return v, nil
	}
	return "", fmt.Errorf("%s: %s", w.name, strings.TrimPrefix(reply, "err "))
}

// rate sends one command and parses the rate it answers.
func (w *worker) rate(line string) (float64, error) {
	s, err := w.call(line)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(s, 64)
}

// stderrTail returns the end of the worker's stderr, for error messages.
func (w *worker) stderrTail() string {
	s := strings.TrimSpace(w.stderr.String())
	if s == "" {
		return ""
	}
	if len(s) > 400 {
		s = "…" + s[len(s)-400:]
	}
	return ": " + strings.ReplaceAll(s, "\n", " | ")
}

// close ends the worker by closing its stdin and waits for it.
func (w *worker) close() {
	if w == nil {
		return
	}
	w.in.Close()
	w.cmd.Wait()
}

// torchInstall is printed when PyTorch cannot be started.
const torchInstall = `PyTorch not available; the engine numbers follow without it. Install it (Debian) with
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch libopenblas0-openmp
(libopenblas0-openmp matters: without it torch uses the reference BLAS, ~20× slower).`

// startTorch starts torchbench.py under python with the extra
// environment env and returns the worker and its description.
func startTorch(python, root string, env ...string) (*worker, string, error) {
	w, err := startWorker("torch", root, env, python, "-c", torchScript)
	if err != nil {
		return nil, "", err
	}
	info, err := w.call("info")
	if err != nil {
		w.close()
		return nil, "", err
	}
	return w, info, nil
}

// startWasm builds this command for js/wasm into tmp and starts it under
// Node as a worker. It returns the worker and its description.
func startWasm(root, tmp string) (*worker, string, error) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return nil, "", fmt.Errorf("go env GOROOT: %v", err)
	}
	wasmExec := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec_node.js")
	bin := filepath.Join(tmp, "bench.wasm")
	build := exec.Command("go", "build", "-o", bin, "./bench")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("GOOS=js GOARCH=wasm go build ./bench: %v: %s", err, out)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "", err
	}
	version, _ := exec.Command(node, "--version").Output()
	w, err := startWorker("wasm", root, nil, node, wasmExec, bin, "-worker")
	if err != nil {
		return nil, "", err
	}
	info, err := w.call("info")
	if err != nil {
		w.close()
		return nil, "", err
	}
	return w, fmt.Sprintf("%s, Node %s", info, strings.TrimSpace(string(version))), nil
}
