package models

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine"
)

// TooLargeError reports a model whose buffers would not fit in the memory
// allowed (Env.MemLimit), found before anything is allocated.
type TooLargeError struct {
	Need, Limit float64 // bytes
	Batch       int
	// Source says where Limit comes from ("3/4 of this machine's 23.4
	// GiB", "Env.MemLimit").
	Source string
}

func (e *TooLargeError) Error() string {
	limit := gib(e.Limit) + " allowed (" + e.Source + ")"
	return fmt.Sprintf("model needs %s of memory (parameters, gradients, optimizer state, activations for batches of %d, dictionaries), more than the %s: use fewer units or filters, or a smaller batch",
		gib(e.Need), e.Batch, limit)
}

// gib formats a byte count in GiB, or MiB below 1 GiB.
func gib(b float64) string {
	switch {
	case b < 1<<30:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<50:
		return fmt.Sprintf("%.3g GiB", b/(1<<30))
	}
	return fmt.Sprintf("%.1f GiB", b/(1<<30))
}

// DefaultMemLimit returns the memory a model may take when Env.MemLimit
// is 0: three quarters of the physical memory (MemTotal of
// /proc/meminfo), or, where that cannot be read, 2 GiB under js/wasm and
// 8 GiB elsewhere.
func DefaultMemLimit() int64 {
	limit, _ := defaultMemLimit()
	return limit
}

// defaultMemLimit is DefaultMemLimit, with where it comes from.
func defaultMemLimit() (int64, string) {
	if total := memTotal(); total > 0 {
		return total / 4 * 3, "3/4 of this machine's " + gib(float64(total))
	}
	if runtime.GOOS == "js" {
		return 2 << 30, "the default under js/wasm"
	}
	return 8 << 30, "the default where the machine's memory is unknown"
}

// memTotal returns MemTotal from /proc/meminfo in bytes, or 0.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "MemTotal:       24523452 kB"
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil || kb <= 0 || kb > math.MaxInt64>>10 {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// Footprint estimates the bytes that building and training a model of
// cfg on examples of shape in, with trainN training examples, allocates
// at most at one time, from the config alone: the parameters with their
// gradients and optimizer state, the activations and their gradients for
// a batch of train.batch, a predicted layer's dictionary U (n_v × n_α per
// column) and its work buffers and materialised W, the float64 matrices
// of kernel ridge regression and of the data-driven dictionaries
// (covariances, the layer's inputs over the training set), and a conv
// layer's patches. It is computed in float64, so that no size overflows,
// and it leaves out small buffers: it is for refusing a model that cannot
// fit, not for sizing a machine. A layer whose α grows counts at its
// cap (while it grows, the model at the smaller size is held too, which
// is left out). A layer whose shape is impossible ends
// the estimate there (building reports it).
func Footprint(cfg *Config, in engine.Shape, trainN int) float64 {
	const f32, f64 = 4, 8
	batch := float64(cfg.Train.Batch)
	copies := 3.0 // parameters, gradients, SGD velocity or Adam's first moment
	if cfg.Train.Optimizer.Kind == "adam" {
		copies = 4
	}
	size := func(s engine.Shape) float64 { return float64(s.H) * float64(s.W) * float64(s.C) }
	var params, acts, peak float64 // peak: the largest set-up buffers of one layer
	shape := in
layers:
	for i, lc := range cfg.Layers {
		var nv, units float64 // a weight matrix's rows and columns
		var out engine.Shape
		var area float64 // a conv layer's output pixels
		switch lc.Type {
		case "dense":
			nv, units = size(shape), float64(lc.Units)
			out = engine.Shape{H: 1, W: 1, C: max(lc.Units, 1)}
		case "conv":
			stride := lc.Stride
			if stride == 0 {
				stride = 1
			}
			g, err := engine.NewConvGeom(shape, lc.K, stride, lc.Pad)
			if err != nil {
				break layers
			}
			nv, units = float64(g.Taps()), float64(lc.Filters)
			area = float64(g.OutH) * float64(g.OutW)
			out = engine.Shape{H: g.OutH, W: g.OutW, C: max(lc.Filters, 1)}
			acts += area * nv * f32 // one image's patches, at least
		case "maxpool":
			stride := lc.Stride
			if stride == 0 {
				stride = lc.K
			}
			if lc.K <= 0 || stride <= 0 || shape.H < lc.K || shape.W < lc.K {
				break layers
			}
			out = engine.Shape{H: (shape.H-lc.K)/stride + 1, W: (shape.W-lc.K)/stride + 1, C: shape.C}
			acts += batch * size(out) * 4 // the argmax indices
		default:
			break layers
		}
		acts += 2 * batch * size(out) * f32 // activations and their gradients
		params += nv*units + units
		if p := lc.Predict; p != nil {
			j := float64(max(p.Columns, 1))
			na := float64(p.NAlpha)
			if na == 0 {
				na = math.Ceil(p.Fraction * nv)
			}
			if p.Grow != nil && nv < math.MaxInt32 {
				na = float64(p.Grow.max(int(nv))) // its size at the cap
			}
			// V replaces W among the parameters (lowrank learns U too),
			// W is still materialised, U is fixed, and the factored
			// form's work buffers hold batch·(area)·J·n_α floats twice.
			params += na*units - nv*units
			if p.Dict == "lowrank" {
				params += j * nv * na
			}
			acts += (nv*units + j*nv*na + 2*batch*max(area, 1)*j*na) * f32
			set := (nv*na + na*na) * f64 // KRR: k(all, α) and K_αα
			k := lookupDict(p.Dict)
			if k.setupBytes != nil {
				set += k.setupBytes(p, nv)
			}
			if k.DataDriven && i > 0 {
				n := float64(trainN)
				if p.Examples > 0 {
					n = min(n, float64(p.Examples))
				}
				set += n * nv * f32 // the layer's inputs over the training set
			}
			peak = max(peak, set)
		}
		if cfg.Train.Pretrain != nil && i < len(cfg.Layers)-1 {
			// The layer's inputs over the training set, and the
			// autoencoder's own net.
			peak = max(peak, float64(trainN)*nv*f32+copies*(nv*units+units)*f32+4*batch*(nv+units)*f32)
		}
		shape = out
	}
	acts += batch * size(in) * f32 // the trainer's minibatch
	return params*copies*f32 + acts + peak
}

// checkFootprint returns a *TooLargeError if the model of cfg needs more
// than env's memory limit.
func checkFootprint(cfg *Config, in engine.Shape, trainN int, env Env) error {
	limit, source := env.MemLimit, "Env.MemLimit"
	if limit == 0 {
		limit, source = defaultMemLimit()
	}
	if need := Footprint(cfg, in, trainN); need > float64(limit) {
		return &TooLargeError{Need: need, Limit: float64(limit), Batch: cfg.Train.Batch, Source: source}
	}
	return nil
}
