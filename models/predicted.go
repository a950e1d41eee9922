package models

import (
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/kernels"
)

// predicted is a predicted layer under construction: the engine layer and
// its accounting.
type predicted struct {
	layer engine.Layer
	info  LayerInfo
	dict  *Dictionary
	// grown reports that the layer was built with a larger n_α than its
	// config's (see PredictConfig.Grow).
	grown bool
}

// newPredicted builds layer i of the config in predicted form, on input
// shape in, with n_α = size (0: the config's): it resolves the
// dictionary's settings, computes U (from the training data or the layers
// below when the dictionary is data-driven) and returns the layer with
// its accounting.
func (b *builder) newPredicted(i int, lc LayerConfig, in engine.Shape, size int) (*predicted, error) {
	cfg := b.m.Config
	act, _ := engine.ParseAct(lc.Act)
	conv := lc.Type == "conv"
	rows, units, grid := in.Size(), lc.Units, in
	if conv {
		rows, units = lc.K*lc.K*in.C, lc.Filters
		grid = engine.Shape{H: lc.K, W: lc.K, C: in.C}
	}
	spec, err := resolveSpec(lc.Predict, conv, rows, units, grid, size)
	if err != nil {
		return nil, err
	}
	seed := layerSeed(cfg.Train.Seed, i)
	inputs := func(n int, g gemm.Impl) ([]float32, int, string, error) {
		return b.inputs(i, n, spec.Source == "pretrained", g)
	}
	d, err := buildDict(spec, seed, b.env, inputs)
	if err != nil {
		return nil, fmt.Errorf("%s dictionary: %w", spec.Kind, err)
	}
	f := spec.F
	alternate := lc.Predict.Alternate
	learnU := lookupDict(spec.Kind).LearnsU || alternate > 0
	p := &predicted{dict: d, grown: f.NAlpha != spec.Start}
	info := LayerInfo{Static: f.USize(), Learned: f.NAlpha * f.Units, Biases: units, DenseWeights: rows * units,
		Predicted: true, Dict: d.Spec, Source: d.Source, SetupSeconds: d.Seconds}
	params := PredictedParams{F: f, U: d.u, VInit: initFunc(lc), MaxNorm: lc.MaxNorm, Alternate: alternate}
	if learnU {
		info.Static = 0
		info.Learned += f.USize()
		params.U, params.LearnU = nil, true
		// A learned dictionary starts at uniform values of mean squared
		// row norm 1, as the gain of the fixed dictionaries; one trained
		// alternately with V starts as the dictionary built.
		params.UInit = engine.Uniform(math.Sqrt(3 / float64(f.NAlpha)))
		if alternate > 0 {
			u0 := d.u
			params.UInit = func(_ *rand.Rand, w []float32) { copy(w, u0) }
			info.Dict += fmt.Sprintf("; U learned too, alternating with V every %d epochs", alternate)
		}
	}
	if conv {
		p.layer = &PredictedConv{PredictedParams: params, K: lc.K, Stride: lc.Stride, Pad: lc.Pad, Act: act}
		info.Kind = "predicted conv"
		info.Desc = fmt.Sprintf("%d×%d×%d→%d %s", lc.K, lc.K, in.C, lc.Filters, act)
		info.Form = Materialised.String()
	} else {
		form := chooseForm(f, cfg.Train.Batch, i > 0, learnU)
		p.layer = &PredictedDense{PredictedParams: params, Act: act, Form: form, NoInputGrad: i == 0}
		info.Kind = "predicted dense"
		info.Desc = fmt.Sprintf("%d→%d %s", rows, units, act)
		info.Form = form.String()
	}
	if g := lc.Predict.Grow; g != nil {
		info.Dict += fmt.Sprintf("; grows from n_α=%d %s up to %d", spec.Start, g.step(), spec.GrowMax)
	}
	src := ""
	if d.Source != "" {
		src = " from " + d.Source
	}
	b.env.Log("layer %d: %s dictionary%s, %s form (%.2f s)", i, info.Dict, src, info.Form, d.Seconds)
	p.info = info
	return p, nil
}

// Dictionary is the fixed part of a predicted layer, W = [U_1V_1 | … |
// U_JV_J], exposed for inspection and drawing.
type Dictionary struct {
	// Kind is the config's dictionary name ("se", "emp", …).
	Kind string
	// Rows is n_v, the layer's input positions (K·K·C for conv); Units is
	// n_h; Columns is J; NAlpha is n_α per column.
	Rows, Units, Columns, NAlpha int
	// Alpha[j] lists column j's n_α positions in [0, Rows) for the
	// dictionaries drawn from positions (se, emp, emp2, randcon), or the
	// autoencoder features it picked for ae; nil where atoms are not
	// positions (pca, dct, randfixu, lowrank).
	Alpha [][]int
	// U[j] is column j's dictionary, Rows×NAlpha row-major, a view of the
	// layer's. For lowrank it is a view of the learned parameter.
	U [][]float32
	// Kernel is the kernel U was built from, nil for other dictionaries.
	// The emp and emp2 dictionaries are built from the covariance
	// columns at α only; their Kernel computes the whole covariance (a
	// forward pass over the data, on its own gemm) the first time a pair
	// outside those columns is asked for.
	Kernel kernels.Kernel
	// Source says which state of the layers below fed a data-driven
	// dictionary ("input data, 60000 examples", "layer 0 at init, 60000
	// examples", "layer 0 at pretrained, …"); empty otherwise.
	Source string
	// Spec describes the dictionary and its settings in a few words.
	Spec string
	// Atoms[j] lists the basis atoms column j took, for pca and dct
	// (indices into the basis ordered by decreasing variance or
	// increasing frequency).
	Atoms [][]int
	// Gain[j] is the scalar U_j was multiplied by (see
	// PredictConfig.Normalize); 1 for the KRR forms.
	Gain []float64
	// Examples is the number of training examples a data-driven
	// dictionary was computed from.
	Examples int
	// Seconds is the time spent building the dictionary.
	Seconds float64

	u       []float32 // the fixed U, all columns; nil for lowrank
	form    string    // the kernel dictionaries' form: "krr" or "raw"
	growMax int       // the cap on NAlpha of a layer that grows
}

// setViews points U at the dictionary of the built layer l.
func (d *Dictionary) setViews(l engine.Layer) {
	u := predictedOf(l).Dict()
	s := d.Rows * d.NAlpha
	d.U = make([][]float32, d.Columns)
	for j := range d.U {
		d.U[j] = u[j*s : (j+1)*s : (j+1)*s]
	}
}

// Dictionary returns layer i's dictionary, or nil if layer i is not
// predicted.
func (m *Model) Dictionary(i int) *Dictionary {
	if i < 0 || i >= len(m.dicts) {
		return nil
	}
	return m.dicts[i]
}

// StaticSums returns a checksum of each predicted layer's fixed
// dictionary, in layer order, so that a checkpoint can tell whether the
// dictionaries rebuilt on load are the ones it was trained with. Each is
// "layer I KIND CRC" with the CRC-32C of U's float32 bits (and of α);
// a learned dictionary (lowrank) is stored with the parameters instead
// and reads "layer I lowrank learned".
func (m *Model) StaticSums() []string {
	var sums []string
	table := crc32.MakeTable(crc32.Castagnoli)
	for i, d := range m.dicts {
		if d == nil {
			continue
		}
		if d.u == nil {
			sums = append(sums, fmt.Sprintf("layer %d %s learned", i, d.Kind))
			continue
		}
		h := crc32.New(table)
		var b [4]byte
		for _, v := range d.u {
			bits := math.Float32bits(v)
			b[0], b[1], b[2], b[3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
			h.Write(b[:])
		}
		for _, a := range d.Alpha {
			for _, p := range a {
				bits := uint32(p)
				b[0], b[1], b[2], b[3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
				h.Write(b[:])
			}
		}
		sums = append(sums, fmt.Sprintf("layer %d %s %08x", i, d.Kind, h.Sum32()))
	}
	return sums
}

// Weights returns layer i's effective weight matrix W (rows × units: the
// layer's input positions by its units; column j is unit j's incoming
// weights), materialising U·V for predicted layers into dst when dst is
// large enough (a new slice otherwise). For ordinary layers it returns
// the parameter itself. It returns nil for layers without weights. It
// uses the Net's gemm, so it must not run concurrently with training.
func (m *Model) Weights(i int, dst []float32) (w []float32, rows, units int) {
	switch l := m.Net.Layers[i].(type) {
	case *engine.Dense:
		return l.W.Data, l.W.Rows, l.W.Cols
	case *engine.Conv2D:
		return l.W.Data, l.W.Rows, l.W.Cols
	}
	p := predictedOf(m.Net.Layers[i])
	if p == nil {
		return nil, 0, 0
	}
	f := p.F
	if len(dst) < f.Rows*f.Units {
		dst = make([]float32, f.Rows*f.Units)
	}
	dst = dst[:f.Rows*f.Units]
	p.effectiveW(&m.Net.Ctx, dst)
	return dst, f.Rows, f.Units
}
