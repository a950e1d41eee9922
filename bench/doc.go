// Command bench measures the engine against PyTorch (CPU) and itself under
// js/wasm, side by side in one run, and prints ratios:
//
//	go run ./bench          # about 2–3 minutes
//	go run ./bench -quick   # about 30 s, a smoke run
//
// It is a yardstick, never imported and not run by CI; PyTorch (Debian's
// python3-torch, run by /usr/bin/python3) is needed only here. README.md
// explains every line of the output and holds the latest results.
package main
