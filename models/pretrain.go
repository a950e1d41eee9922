package models

import (
	"errors"
	"fmt"
	"time"

	"github.com/predparams/predparams/engine"
)

// tiedEncoder is a layer whose weight matrix a tied decoder can read and
// back-propagate into: a predicted or an ordinary dense layer.
type tiedEncoder interface {
	engine.Layer
	// effectiveW writes the layer's W (rows×units) into w.
	effectiveW(c *engine.Context, w []float32)
	// addWGrad adds ∂L/∂W, dw, into the gradients of the layer's
	// parameters.
	addWGrad(c *engine.Context, dw []float32)
}

// tiedDense adapts an ordinary dense layer to tiedEncoder.
type tiedDense struct{ *engine.Dense }

func (l tiedDense) effectiveW(_ *engine.Context, w []float32) { copy(w, l.W.Data) }

func (l tiedDense) addWGrad(_ *engine.Context, dw []float32) {
	g := l.W.Grad
	for i, v := range dw[:len(g)] {
		g[i] += v
	}
}

// tiedDecoder is the decoder of a tied-weight autoencoder: out =
// sigmoid(in·Wᵀ), with W the encoder's weight matrix (rows×units) and no
// bias. It has no parameters of its own: its gradient with respect to W
// goes into the encoder's parameters (for a predicted encoder, into V
// through U).
type tiedDecoder struct {
	enc         tiedEncoder
	rows, units int
	w, dw       []float32
}

// Setup implements engine.Layer; in must be the encoder's output.
func (l *tiedDecoder) Setup(in engine.Shape, maxBatch int) (engine.Shape, error) {
	if in.Size() != l.units {
		return engine.Shape{}, fmt.Errorf("tied decoder: input of %d values, the encoder has %d units", in.Size(), l.units)
	}
	l.w = make([]float32, l.rows*l.units)
	l.dw = make([]float32, l.rows*l.units)
	return engine.Flat(l.rows), nil
}

// Params implements engine.Layer: the decoder's weights are the encoder's.
func (l *tiedDecoder) Params() []*engine.Param { return nil }

// Forward implements engine.Layer.
func (l *tiedDecoder) Forward(c *engine.Context, out, in []float32, n int) {
	l.enc.effectiveW(c, l.w)
	c.Gemm.Sgemm(false, true, n, l.rows, l.units, 1, in, l.units, l.w, l.units, 0, out, l.rows)
	engine.ActForward(engine.Sigmoid, out[:n*l.rows])
}

// Backward implements engine.Layer.
func (l *tiedDecoder) Backward(c *engine.Context, dIn, dOut, in, out []float32, n int) {
	dz := dOut[:n*l.rows]
	engine.ActBackward(engine.Sigmoid, dz, out)
	// out = σ(in·Wᵀ): ∂L/∂W = dZᵀ·in, ∂L/∂in = dZ·W.
	c.Gemm.Sgemm(true, false, l.rows, l.units, n, 1, dz, l.rows, in, l.units, 0, l.dw, l.units)
	l.enc.addWGrad(c, l.dw)
	if dIn != nil {
		c.Gemm.Sgemm(false, false, n, l.units, l.rows, 1, dz, l.rows, l.w, l.units, 0, dIn, l.units)
	}
}

// pretrain trains hidden layer i as a tied-weight autoencoder
// (PretrainConfig) on the output of the already pretrained layers below,
// over the whole training set, and returns its parameter values and the
// mean reconstruction error of each epoch.
func (b *builder) pretrain(i int) ([][]float32, []float64, error) {
	cfg := b.m.Config
	pc := cfg.Train.Pretrain
	var enc tiedEncoder
	var rows, units int
	switch l := b.layers[i].(type) {
	case *PredictedDense:
		enc, rows, units = l, l.F.Rows, l.F.Units
	case *engine.Dense:
		enc, rows, units = tiedDense{l}, b.ins[i].Size(), l.Out
	default:
		return nil, nil, errors.New("only dense layers can be pretrained")
	}
	x, _, source, err := b.inputs(i, 0, true, b.env.Gemm)
	if err != nil {
		return nil, nil, err
	}
	n := len(x) / rows
	batch := pc.Batch
	if batch == 0 {
		batch = cfg.Train.Batch
	}
	dec := &tiedDecoder{enc: enc, rows: rows, units: units}
	net, err := engine.NewNet(b.ins[i], []engine.Layer{enc, dec}, batch, b.env.Gemm, b.env.Threads)
	if err != nil {
		return nil, nil, err
	}
	seed := layerSeed(cfg.Train.Seed, i) ^ streamPretrain
	net.Init(seed)
	opt, err := engine.NewOptimizer(pc.Optimizer, net)
	if err != nil {
		return nil, nil, err
	}
	b.env.Log("layer %d: pretraining as a tied autoencoder on %s, %d epochs", i, source, pc.Epochs)
	xb := make([]float32, batch*rows)
	var perm []int32
	var t int64
	var losses []float64
	for epoch := 0; epoch < pc.Epochs; epoch++ {
		start := time.Now()
		perm = engine.Shuffle(perm, n, seed, epoch)
		var sum float64
		steps := 0
		for s := 0; s < n; s += batch {
			if b.env.stopped() {
				return nil, nil, ErrStopped
			}
			nb := min(batch, n-s)
			for k, e := range perm[s : s+nb] {
				copy(xb[k*rows:(k+1)*rows], x[int(e)*rows:int(e+1)*rows])
			}
			sum += aeStep(net, xb[:nb*rows], nb)
			opt.Step(net.Params, t)
			t++
			steps++
		}
		losses = append(losses, sum/float64(steps))
		b.env.Log("  layer %d pretraining epoch %d/%d: reconstruction error %.4f (%.1f s)",
			i, epoch+1, pc.Epochs, sum/float64(steps), time.Since(start).Seconds())
	}
	return getParams(enc), losses, nil
}

// aeStep runs the autoencoder net forward and backward on n examples x
// and returns the loss (1/n)·Σ‖x̂ − x‖², leaving its gradient in Grad.
func aeStep(net *engine.Net, x []float32, n int) float64 {
	xh := net.Forward(x, n)
	g := net.OutputGrad(n)
	scale := 2 / float32(n)
	var loss float64
	for k, v := range xh {
		e := v - x[k]
		loss += float64(e) * float64(e)
		g[k] = scale * e
	}
	net.Backward(x, n, false)
	return loss / float64(n)
}
