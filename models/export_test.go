package models

import (
	"math"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/safetensors"
)

// exportCases are models with every kind of weight layer: dense, conv
// (before a dense layer, whose inputs then change order in PyTorch's
// layout), and predicted layers with fixed, learned and data-driven
// dictionaries, J = 1 and J > 1.
func exportCases() []struct {
	name string
	cfg  *Config
} {
	conv := &Config{
		Name: "conv",
		Layers: []LayerConfig{
			{Type: "conv", Filters: 4, K: 3, Pad: 1, Act: "relu", Predict: &PredictConfig{Dict: "se", NAlpha: 4, Columns: 2}},
			{Type: "maxpool", K: 2},
			{Type: "conv", Filters: 3, K: 3, Pad: 1, Act: "relu"}, // 3×3×3 into the dense layer
			{Type: "dense", Units: 6, Act: "relu"},
			{Type: "dense", Units: 3},
		},
		Train: TrainConfig{Epochs: 1, Batch: 10, Seed: 3, Optimizer: engine.OptimConfig{Kind: "adam", LR: 0.01}},
	}
	dense := mlpConfig(6, "relu", nil, nil)
	// Two epochs, so that U has its turn.
	alternate := mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 4, Columns: 2, Alternate: 1}, &PredictConfig{Dict: "randfixu", NAlpha: 3, Alternate: 1})
	alternate.Train.Epochs = 2
	return []struct {
		name string
		cfg  *Config
	}{
		{"dense", dense},
		{"se-emp", mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 5, Columns: 3}, &PredictConfig{Dict: "emp", NAlpha: 3, Columns: 2})},
		{"lowrank-pca", mlpConfig(6, "tanh", &PredictConfig{Dict: "lowrank", NAlpha: 4, Columns: 2}, &PredictConfig{Dict: "pca", NAlpha: 3})},
		{"dct-ae", mlpConfig(6, "sigmoid", &PredictConfig{Dict: "dct", NAlpha: 5}, &PredictConfig{Dict: "ae", NAlpha: 3, AEHidden: 8, AEEpochs: 2})},
		{"conv", conv},
		{"alternate", alternate},
	}
}

// logits returns the net's outputs on ds.
func logits(m *Model, ds *data.Dataset) []float32 {
	var out []float32
	dim := ds.Dim()
	for s := 0; s < ds.N; s += m.Net.MaxBatch {
		n := min(m.Net.MaxBatch, ds.N-s)
		out = append(out, m.Net.Forward(ds.X[s*dim:(s+n)*dim], n)...)
	}
	return out
}

// TestExportImport trains each model briefly, exports it in both forms
// through the file format, imports it again and compares the outputs:
// bit for bit for the compact form, which rebuilds the same model, and
// to float32 rounding for the materialised one, which computes x·(UV)
// instead of (x·U)·V.
func TestExportImport(t *testing.T) {
	train := synthImages(60, 6, 6, 1, 3, 6)
	test := synthImages(20, 6, 6, 1, 3, 7)
	for _, c := range exportCases() {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewRun(c.cfg, train, test, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			runToEnd(r)
			want := logits(r.Model, test)
			for _, materialise := range []bool{false, true} {
				f, err := r.Model.Export(materialise)
				if err != nil {
					t.Fatal(err)
				}
				b, err := safetensors.Marshal(f)
				if err != nil {
					t.Fatal(err)
				}
				f, err = safetensors.Unmarshal(b)
				if err != nil {
					t.Fatal(err)
				}
				m, err := Import(f, nil, train, testEnv)
				if err != nil {
					t.Fatalf("materialise=%v: %v", materialise, err)
				}
				got := logits(m, test)
				for i := range want {
					d := math.Abs(float64(got[i] - want[i]))
					if !materialise && d != 0 || d > 1e-4*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("materialise=%v: logit %d = %v, want %v", materialise, i, got[i], want[i])
					}
				}
				for i, l := range m.Net.Layers {
					_, predicted := l.(*PredictedDense)
					_, pconv := l.(*PredictedConv)
					if materialise && (predicted || pconv) {
						t.Fatalf("materialised import: layer %d is %T", i, l)
					}
				}
			}
		})
	}
}

// TestTorchLayout checks the PyTorch layouts on a hand-computed case: a
// dense layer over a 1×2×2 input (H=1, W=2, C=2) whose engine rows are
// (w0c0, w0c1, w1c0, w1c1) and PyTorch's (c0w0, c0w1, c1w0, c1w1); and a
// conv layer's taps.
func TestTorchLayout(t *testing.T) {
	in := engine.Shape{H: 1, W: 2, C: 2}
	// W is 4 rows × 1 unit: row r holds 10·r.
	w := []float32{0, 10, 20, 30}
	got, shape := toTorch(w, 4, 1, in, LayerConfig{Type: "dense"})
	if want := []float32{0, 20, 10, 30}; !equalF32(got, want) || shape[0] != 1 || shape[1] != 4 {
		t.Fatalf("dense: %v %v, want %v [1 4]", got, shape, want)
	}
	back := make([]float32, 4)
	fromTorch(back, got, 4, 1, in, LayerConfig{Type: "dense"})
	if !equalF32(back, w) {
		t.Fatalf("dense round trip: %v, want %v", back, w)
	}
	// A 2×2 conv over 2 channels with 1 filter: engine row (ky·2+kx)·2+c,
	// PyTorch (c, ky, kx).
	cw := []float32{0, 1, 2, 3, 4, 5, 6, 7} // row r holds r
	got, shape = toTorch(cw, 8, 1, engine.Shape{H: 3, W: 3, C: 2}, LayerConfig{Type: "conv", K: 2})
	if want := []float32{0, 2, 4, 6, 1, 3, 5, 7}; !equalF32(got, want) || len(shape) != 4 || shape[1] != 2 {
		t.Fatalf("conv: %v %v, want %v [1 2 2 2]", got, shape, want)
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestImportErrors(t *testing.T) {
	train := synthImages(30, 6, 6, 1, 3, 6)
	r, err := NewRun(mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 5, Columns: 3}, nil), train, train, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	good := func(materialise bool) *safetensors.File {
		f, err := r.Model.Export(materialise)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	tests := []struct {
		name string
		edit func(f *safetensors.File) *safetensors.File
		cfg  *Config
		ds   *data.Dataset
		msg  string
	}{
		{"no config", func(f *safetensors.File) *safetensors.File { delete(f.Metadata, "config"); return f }, nil, train, "holds no config"},
		{"other layers", nil, mlpConfig(7, "relu", nil, nil), train, "other layers"},
		{"unknown format", func(f *safetensors.File) *safetensors.File { f.Metadata["format"] = "x"; return f }, nil, train, "format"},
		{"missing tensor", func(f *safetensors.File) *safetensors.File { f.Tensors = f.Tensors[1:]; return f }, nil, train, "missing"},
		{"extra tensor", func(f *safetensors.File) *safetensors.File {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "layers.9.weight", Shape: []int{1}, Data: []float32{1}})
			return f
		}, nil, train, "does not belong"},
		{"wrong shape", func(f *safetensors.File) *safetensors.File {
			f.Tensors[0].Shape = []int{1, len(f.Tensors[0].Data)}
			return f
		}, nil, train, "has shape"},
		{"wrong classes", nil, nil, synthImages(30, 6, 6, 1, 4, 6), "classes"},
		{"wrong input", nil, nil, synthImages(30, 5, 5, 1, 3, 6), "examples"},
		{"other dictionary", func(f *safetensors.File) *safetensors.File {
			f.Metadata["static_sums"] = `["layer 0 se 00000000"]`
			return f
		}, nil, train, "differ"},
	}
	for _, tt := range tests {
		for _, materialise := range []bool{false, true} {
			if tt.name == "other dictionary" && materialise {
				continue
			}
			f := good(materialise)
			if tt.edit != nil {
				f = tt.edit(f)
			}
			_, err := Import(f, tt.cfg, tt.ds, testEnv)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s (materialise=%v): error %v, want one mentioning %q", tt.name, materialise, err, tt.msg)
			}
		}
	}
}
