package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/predparams/predparams/engine/gemm"
)

// AEStream is the PCG stream TrainAE draws from: rand.NewPCG(cfg.Seed, AEStream).
const AEStream = 0x6165 // "ae"

// AEConfig sets up TrainAE. PaperAEConfig returns the paper code's values.
type AEConfig struct {
	Epochs    int     // passes over the data, ≥ 1
	Batch     int     // examples per update, ≥ 1 (the last batch of an epoch may be smaller)
	LR        float64 // initial learning rate, > 0
	Momentum  float64 // classical momentum, in [0, 1)
	LRDecay   float64 // the rate is divided by LRDecay after every update, ≥ 1 (1: constant)
	MinLR     float64 // floor of the decayed rate, ≥ 0
	InitScale float32 // W starts iid uniform in [−InitScale, InitScale), the bias at 0; > 0
	Seed      uint64  // fixes the initial W and the order of the examples

	// Stop, if not nil, abandons the training when it is closed: TrainAE
	// polls it between minibatches and returns ErrStopped.
	Stop <-chan struct{}
}

// ErrStopped is the error of a computation abandoned through its Stop
// channel (see AEConfig).
var ErrStopped = errors.New("kernels: stopped")

// Stopped reports whether stop has been closed. It first yields the
// processor, so that on a single thread without preemption (js/wasm) a
// timer or another goroutine that closes stop gets to run while a long
// computation polls.
func Stopped(stop <-chan struct{}) bool {
	runtime.Gosched()
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// PaperAEConfig returns the settings of the paper code's 1000-unit dictionary autoencoder
// (method.md §8): 50 epochs, batch 100, lr 0.1 divided by 1.00004 per update (floor 1e-6),
// momentum 0.7, init ±0.001.
func PaperAEConfig(seed uint64) AEConfig {
	return AEConfig{Epochs: 50, Batch: 100, LR: 0.1, Momentum: 0.7, LRDecay: 1.00004,
		MinLR: 1e-6, InitScale: 0.001, Seed: seed}
}

// Validate reports whether every field is in range.
func (c AEConfig) Validate() error {
	switch {
	case c.Epochs < 1 || c.Batch < 1:
		return fmt.Errorf("kernels: AE needs epochs ≥ 1 and batch ≥ 1, have %d and %d", c.Epochs, c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("kernels: AE learning rate %g: must be positive and finite", c.LR)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("kernels: AE momentum %g: must be in [0, 1)", c.Momentum)
	case !(c.LRDecay >= 1) || math.IsInf(c.LRDecay, 0):
		return fmt.Errorf("kernels: AE learning-rate divisor %g: must be ≥ 1 and finite", c.LRDecay)
	case !(c.MinLR >= 0):
		return fmt.Errorf("kernels: AE minimum learning rate %g: must be ≥ 0", c.MinLR)
	case !(c.InitScale > 0) || math.IsInf(float64(c.InitScale), 0):
		return fmt.Errorf("kernels: AE init scale %g: must be positive and finite", c.InitScale)
	}
	return nil
}

// TrainAE trains a tied-weight sigmoid autoencoder on the rows of x (n examples × d inputs) and
// returns its weights W, a d×hidden row-major matrix whose columns are the features (the AE
// dictionary, method.md §3 and §8). The model, as in the paper code, has no decoder bias:
//
//	h = sigmoid(x·W + b),   x̂ = sigmoid(h·Wᵀ),   loss = (1/B)·Σ_batch ‖x̂ − x‖²
//
// (squared error summed over inputs, averaged over the batch, as pylearn2's
// MeanSquaredReconstructionError). It runs minibatch SGD with classical momentum
// (v ← μv − η∇, θ ← θ + v) on W and b, over a fresh random order of the examples each epoch.
// The products run on g; cfg.Seed fixes the result for a given g.
func TrainAE(g gemm.Impl, x []float32, n, d, hidden int, cfg AEConfig) ([]float32, error) {
	w, _, _, err := trainAE(g, x, n, d, hidden, cfg)
	return w, err
}

// AEDict returns the d×|α| dictionary made of the columns α of features (d×hidden, from
// TrainAE): the paper code trains one large AE and draws n_α of its features per column.
// α must hold distinct indices in [0, hidden).
func AEDict(features []float32, d, hidden int, alpha []int) ([]float32, error) {
	if d < 1 || hidden < 1 || d > len(features)/hidden || len(features) != d*hidden {
		return nil, fmt.Errorf("kernels: AEDict: %d features values, want %d×%d", len(features), d, hidden)
	}
	if err := CheckAlpha(hidden, alpha); err != nil {
		return nil, err
	}
	m := len(alpha)
	u := make([]float32, d*m)
	for i := 0; i < d; i++ {
		for j, p := range alpha {
			u[i*m+j] = features[i*hidden+p]
		}
	}
	return u, nil
}

// trainAE is TrainAE returning also the encoder bias and the mean minibatch loss of each epoch.
func trainAE(g gemm.Impl, x []float32, n, d, hidden int, cfg AEConfig) (w, b []float32, losses []float64, err error) {
	if n < 1 || d < 1 || hidden < 1 {
		return nil, nil, nil, fmt.Errorf("kernels: AE on %d×%d data with %d hidden units: sizes must be positive", n, d, hidden)
	}
	if n > len(x)/d || len(x) != n*d {
		return nil, nil, nil, fmt.Errorf("kernels: AE: data has %d values, want %d×%d", len(x), n, d)
	}
	if d > math.MaxInt32/hidden {
		return nil, nil, nil, errors.New("kernels: AE too large")
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, nil, err
	}

	r := rand.New(rand.NewPCG(cfg.Seed, AEStream))
	w = make([]float32, d*hidden)
	for i := range w {
		w[i] = cfg.InitScale * float32(2*r.Float64()-1)
	}
	b = make([]float32, hidden)
	dw, db := make([]float32, len(w)), make([]float32, len(b))
	vw, vb := make([]float32, len(w)), make([]float32, len(b))

	bs := min(cfg.Batch, n)
	wk := newAEWork(bs, d, hidden)
	xb := make([]float32, bs*d)
	lr := cfg.LR
	mu := float32(cfg.Momentum)
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		order := r.Perm(n)
		var sum float64
		batches := 0
		for start := 0; start < n; start += bs {
			if Stopped(cfg.Stop) {
				return nil, nil, nil, ErrStopped
			}
			rows := min(bs, n-start)
			for k, e := range order[start : start+rows] {
				copy(xb[k*d:(k+1)*d], x[e*d:(e+1)*d])
			}
			sum += aeLossGrad(g, xb[:rows*d], rows, d, hidden, w, b, dw, db, wk)
			batches++
			step := float32(lr)
			for i := range w {
				vw[i] = mu*vw[i] - step*dw[i]
				w[i] += vw[i]
			}
			for i := range b {
				vb[i] = mu*vb[i] - step*db[i]
				b[i] += vb[i]
			}
			lr = max(lr/cfg.LRDecay, cfg.MinLR)
		}
		losses = append(losses, sum/float64(batches))
	}
	return w, b, losses, nil
}

// aeWork holds the activations and their gradients for one batch.
type aeWork struct {
	h  []float32 // batch×hidden: hidden activations, then their pre-activation gradients
	xh []float32 // batch×d: reconstructions, then their pre-activation gradients
	dh []float32 // batch×hidden: gradient w.r.t. h
}

func newAEWork(batch, d, hidden int) *aeWork {
	return &aeWork{
		h:  make([]float32, batch*hidden),
		xh: make([]float32, batch*d),
		dh: make([]float32, batch*hidden),
	}
}

// aeLossGrad returns the autoencoder loss (1/bs)·Σ‖x̂ − x‖² on the batch xb (bs×d) and writes
// its gradients w.r.t. W (d×hidden) into dw and w.r.t. b into db.
func aeLossGrad(g gemm.Impl, xb []float32, bs, d, hidden int, w, b, dw, db []float32, wk *aeWork) float64 {
	h, xh, dh := wk.h[:bs*hidden], wk.xh[:bs*d], wk.dh[:bs*hidden]

	// Forward: h = σ(x·W + b), x̂ = σ(h·Wᵀ).
	g.Sgemm(false, false, bs, hidden, d, 1, xb, d, w, hidden, 0, h, hidden)
	for r := 0; r < bs; r++ {
		row := h[r*hidden : (r+1)*hidden]
		for j := range row {
			row[j] = sigmoid(row[j] + b[j])
		}
	}
	g.Sgemm(false, true, bs, d, hidden, 1, h, hidden, w, hidden, 0, xh, d)

	// Loss, and xh ← ∂L/∂(h·Wᵀ) = (2/bs)·(x̂ − x)·x̂·(1 − x̂).
	var loss float64
	scale := 2 / float32(bs)
	for i, z := range xh {
		xhat := sigmoid(z)
		e := xhat - xb[i]
		loss += float64(e) * float64(e)
		xh[i] = scale * e * xhat * (1 - xhat)
	}

	// Decoder part of ∂L/∂W = xhᵀ·h; ∂L/∂h = xh·W.
	g.Sgemm(true, false, d, hidden, bs, 1, xh, d, h, hidden, 0, dw, hidden)
	g.Sgemm(false, false, bs, hidden, d, 1, xh, d, w, hidden, 0, dh, hidden)

	// dh ← ∂L/∂(x·W + b) = dh·h·(1 − h); ∂L/∂b = Σ_rows dh; encoder part of ∂L/∂W = xᵀ·dh.
	clear(db)
	for r := 0; r < bs; r++ {
		hr, dr := h[r*hidden:(r+1)*hidden], dh[r*hidden:(r+1)*hidden]
		for j := range dr {
			dr[j] *= hr[j] * (1 - hr[j])
			db[j] += dr[j]
		}
	}
	g.Sgemm(true, false, d, hidden, bs, 1, xb, d, dh, hidden, 1, dw, hidden)
	return loss / float64(bs)
}

func sigmoid(z float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(z))))
}
