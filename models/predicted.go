package models

import (
	"errors"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/kernels"
)

// predicted is a predicted layer under construction: the engine layer and
// its accounting.
type predicted struct {
	layer engine.Layer
	info  LayerInfo
	dict  *Dictionary
}

// newPredicted builds layer i of m's config in predicted form.
func newPredicted(m *Model, i int, lc LayerConfig, in engine.Shape, env Env) (*predicted, error) {
	return nil, errors.New("predicted layers are not built yet")
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
	// dictionaries drawn from positions (se, emp, emp2, randcon, ae picks
	// features); nil where atoms are not positions (pca, dct, randfixu,
	// lowrank).
	Alpha [][]int
	// U[j] is column j's dictionary, Rows×NAlpha row-major. For lowrank it
	// is a view of the learned parameter.
	U [][]float32
	// Kernel is the kernel U was built from, nil for other dictionaries.
	Kernel kernels.Kernel
	// Source says which state of the layers below fed a data-driven
	// dictionary ("init", "pretrained", …); empty otherwise.
	Source string
}

// Dictionary returns layer i's dictionary, or nil if layer i is not
// predicted.
func (m *Model) Dictionary(i int) *Dictionary {
	return nil
}

// StaticSums returns a checksum of each predicted layer's fixed
// dictionary, in layer order, so that a checkpoint can tell whether the
// dictionaries rebuilt on load are the ones it was trained with.
func (m *Model) StaticSums() []string {
	return nil
}

// Weights returns layer i's effective weight matrix W (rows × units: the
// layer's input positions by its units; column j is unit j's incoming
// weights), materialising U·V for predicted layers into dst when dst is
// large enough. It returns nil for layers without weights.
func (m *Model) Weights(i int, dst []float32) (w []float32, rows, units int) {
	switch l := m.Net.Layers[i].(type) {
	case *engine.Dense:
		return l.W.Data, l.W.Rows, l.W.Cols
	case *engine.Conv2D:
		return l.W.Data, l.W.Rows, l.W.Cols
	}
	return nil, 0, 0
}
