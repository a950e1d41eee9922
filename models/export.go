package models

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/checkpoint"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/safetensors"
)

// The two forms of an exported model, the "format" entry of its
// safetensors metadata.
//
// Both name the tensors of config layer I "layers.I.NAME". Ordinary dense
// and conv layers, and every weight layer in the materialised form, hold
// PyTorch's layouts, so that a torch.nn.ModuleList of Linear, Conv2d and
// MaxPool2d modules (one per config layer) loads them with
// load_state_dict:
//
//   - "layers.I.weight": a dense layer's W as out × in (torch.nn.Linear),
//     its inputs in PyTorch's flattening order (channel, row, column) when
//     they come from a conv or max-pool layer; a conv layer's filters as
//     out × in × k × k (torch.nn.Conv2d).
//   - "layers.I.bias": the biases, one per unit or filter.
//
// The compact form holds a predicted layer as its learned part:
//
//   - "layers.I.v.J": V_J, column J's n_α × units/J coefficients (unit u
//     of the column is the layer's unit J·units/J + u);
//   - "layers.I.u.J": U_J, n_v × n_α (rows in the engine's order: NHWC
//     positions, or (ky·k + kx)·C_in + c for conv), for the learned
//     dictionary (lowrank) and for the data-driven ones (emp, emp2, pca,
//     ae), whose rebuild depends on the training data and differs in its
//     last bits between targets (amd64, js/wasm);
//   - "layers.I.bias".
//
// The other dictionaries (se, randfixu, randcon, dct) are rebuilt from
// the config and the seed, and checked against "static_sums".
//
// Metadata: "format", "config" (the model's Config as JSON: layers,
// activations, dictionary specs, train.seed, from which α and U are
// rebuilt), "input_shape" ([H, W, C] of one example, JSON), "classes",
// and for the compact form "static_sums" (Model.StaticSums, JSON).
const (
	ExportCompact      = "predparams.compact/1"
	ExportMaterialised = "predparams.dense/1"
)

// storesU reports whether the compact form stores predicted layer i's U:
// a learned one (lowrank, or one trained alternately with V), and those
// computed from data.
func (m *Model) storesU(i int) bool {
	p := predictedOf(m.Net.Layers[i])
	return p != nil && (p.UP != nil || lookupDict(m.dicts[i].Kind).DataDriven)
}

func layerTensor(i int, name string) string { return fmt.Sprintf("layers.%d.%s", i, name) }

func columnTensor(i int, name string, j int) string {
	return fmt.Sprintf("layers.%d.%s.%d", i, name, j)
}

// Export returns the model's weights as a safetensors file, in the
// compact form or, when materialise is set, with every weight layer's
// W = U·V materialised as an ordinary layer's (see ExportCompact). It
// uses the Net's gemm, so it must not run concurrently with training.
func (m *Model) Export(materialise bool) (*safetensors.File, error) {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return nil, err
	}
	shape, _ := json.Marshal([]int{m.In.H, m.In.W, m.In.C})
	f := &safetensors.File{Metadata: map[string]string{
		"format": ExportCompact, "config": string(cfg), "input_shape": string(shape),
		"classes": strconv.Itoa(m.Classes),
	}}
	if materialise {
		f.Metadata["format"] = ExportMaterialised
	} else {
		sums, _ := json.Marshal(m.StaticSums())
		f.Metadata["static_sums"] = string(sums)
	}
	add := func(name string, shape []int, data []float32) {
		f.Tensors = append(f.Tensors, safetensors.Tensor{Name: name, Shape: shape, Data: data})
	}
	for i, l := range m.Net.Layers {
		var bias, vp *engine.Param
		var ff Factors
		var u []float32
		switch l := l.(type) {
		case *engine.Dense:
			bias = l.B
		case *engine.Conv2D:
			bias = l.B
		case *PredictedDense:
			bias, vp, ff, u = l.B, l.V, l.F, l.Dict()
		case *PredictedConv:
			bias, vp, ff, u = l.B, l.V, l.F, l.Dict()
		default:
			continue
		}
		if vp != nil && !materialise {
			v, g := vp.Data, ff.group()
			for j := 0; j < ff.Columns; j++ {
				vj := make([]float32, ff.NAlpha*g)
				for a := 0; a < ff.NAlpha; a++ {
					copy(vj[a*g:(a+1)*g], v[a*ff.Units+j*g:])
				}
				add(columnTensor(i, "v", j), []int{ff.NAlpha, g}, vj)
			}
			if m.storesU(i) {
				for j := 0; j < ff.Columns; j++ {
					add(columnTensor(i, "u", j), []int{ff.Rows, ff.NAlpha}, append([]float32(nil), ff.uj(u, j)...))
				}
			}
		} else {
			w, rows, units := m.Weights(i, nil)
			wt, shape := toTorch(w, rows, units, m.layerIn(i), m.Config.Layers[i])
			add(layerTensor(i, "weight"), shape, wt)
		}
		add(layerTensor(i, "bias"), []int{bias.Cols}, append([]float32(nil), bias.Data...))
	}
	return f, nil
}

// layerIn returns the input shape of layer i.
func (m *Model) layerIn(i int) engine.Shape {
	if i == 0 {
		return m.Net.In
	}
	return m.Net.Shapes[i-1]
}

// torchRow returns the row of W (in the engine's order) that holds input
// r of a dense layer in PyTorch's flattening order, for input shape in.
func torchRow(r int, in engine.Shape) int {
	hw := in.H * in.W
	c, p := r/hw, r%hw
	return p*in.C + c
}

// toTorch returns layer W (rows × units, the engine's layout) in
// PyTorch's layout and its shape: out × in for dense layers, inputs in
// (channel, row, column) order; out × C_in × k × k for conv layers.
func toTorch(w []float32, rows, units int, in engine.Shape, lc LayerConfig) ([]float32, []int) {
	out := make([]float32, len(w))
	if lc.Type == "conv" {
		k, cin := lc.K, in.C
		for o := 0; o < units; o++ {
			for c := 0; c < cin; c++ {
				for t := 0; t < k*k; t++ { // t = ky·k + kx
					out[(o*cin+c)*k*k+t] = w[(t*cin+c)*units+o]
				}
			}
		}
		return out, []int{units, cin, k, k}
	}
	for o := 0; o < units; o++ {
		for r := 0; r < rows; r++ {
			out[o*rows+r] = w[torchRow(r, in)*units+o]
		}
	}
	return out, []int{units, rows}
}

// fromTorch writes a weight tensor in PyTorch's layout into W (rows ×
// units, the engine's layout); it is toTorch's inverse.
func fromTorch(w, t []float32, rows, units int, in engine.Shape, lc LayerConfig) {
	if lc.Type == "conv" {
		k, cin := lc.K, in.C
		for o := 0; o < units; o++ {
			for c := 0; c < cin; c++ {
				for tap := 0; tap < k*k; tap++ {
					w[(tap*cin+c)*units+o] = t[(o*cin+c)*k*k+tap]
				}
			}
		}
		return
	}
	for o := 0; o < units; o++ {
		for r := 0; r < rows; r++ {
			w[torchRow(r, in)*units+o] = t[o*rows+r]
		}
	}
}

// ExportInfo is what an exported file's metadata says about the model.
type ExportInfo struct {
	// Format is ExportCompact or ExportMaterialised ("" when the file
	// does not say: it is then read as materialised).
	Format string
	// Config is the model's config, nil when the file holds none.
	Config *Config
	// In and Classes are the example shape and class count, zero when
	// the file does not say.
	In      engine.Shape
	Classes int
}

// ReadExportInfo decodes the metadata of an exported file.
func ReadExportInfo(f *safetensors.File) (ExportInfo, error) {
	md := f.Metadata
	info := ExportInfo{Format: md["format"]}
	switch info.Format {
	case "", ExportCompact, ExportMaterialised:
	default:
		return info, fmt.Errorf("format %q, want %s or %s", info.Format, ExportCompact, ExportMaterialised)
	}
	if s, ok := md["config"]; ok {
		c, err := ParseConfig(strings.NewReader(s))
		if err != nil {
			return info, fmt.Errorf("metadata config: %w", err)
		}
		info.Config = c
	}
	if s, ok := md["input_shape"]; ok {
		var hwc []int
		if err := json.Unmarshal([]byte(s), &hwc); err != nil || len(hwc) != 3 || hwc[0] <= 0 || hwc[1] <= 0 || hwc[2] <= 0 {
			return info, fmt.Errorf("metadata input_shape %q, want [H, W, C]", s)
		}
		info.In = engine.Shape{H: hwc[0], W: hwc[1], C: hwc[2]}
	}
	if s, ok := md["classes"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 {
			return info, fmt.Errorf("metadata classes %q, want an integer ≥ 2", s)
		}
		info.Classes = n
	}
	return info, nil
}

// Import builds the model an exported file holds, for examples shaped as
// train's, and loads its weights. cfg gives the architecture when the
// file holds no config (a file written by another framework); otherwise
// it may be nil, and if not it must describe the same layers. The
// compact form rebuilds the dictionaries it does not store, from the
// config, the seed and, for data-driven ones, train; the materialised
// form builds ordinary layers only. The model's Net is ready to evaluate
// (engine.Evaluate).
func Import(f *safetensors.File, cfg *Config, train *data.Dataset, env Env) (*Model, error) {
	info, err := ReadExportInfo(f)
	if err != nil {
		return nil, err
	}
	switch {
	case info.Config == nil && cfg == nil:
		return nil, errors.New("the file holds no config: give the architecture (headless -config FILE)")
	case info.Config == nil:
		info.Config = cfg
	case cfg != nil && !sameLayers(cfg, info.Config):
		return nil, errors.New("the config given describes other layers than the file's")
	}
	in := engine.Shape{H: train.H, W: train.W, C: train.C}
	if info.In != (engine.Shape{}) && info.In.Size() != in.Size() {
		return nil, fmt.Errorf("the model takes %d×%d×%d examples, the data has %d×%d×%d", info.In.H, info.In.W, info.In.C, in.H, in.W, in.C)
	}
	if info.Classes != 0 && info.Classes != train.Classes {
		return nil, fmt.Errorf("the model has %d classes, the data %d", info.Classes, train.Classes)
	}
	c := *info.Config
	c.Layers = append([]LayerConfig(nil), c.Layers...)
	compact := info.Format == ExportCompact
	if compact {
		return importCompact(f, &c, in, train, env)
	}
	for i := range c.Layers {
		c.Layers[i].Predict = nil
	}
	c.Train.Pretrain = nil // the weights are given
	m, err := Build(&c, in, train.Classes, nil, env)
	if err != nil {
		return nil, err
	}
	for i := range c.Layers {
		if err := m.loadLayer(f, i); err != nil {
			return nil, err
		}
	}
	return m, checkAllUsed(f, m)
}

// importCompact builds cfg's model (dictionaries included) and loads the
// compact tensors of f.
func importCompact(f *safetensors.File, cfg *Config, in engine.Shape, train *data.Dataset, env Env) (*Model, error) {
	var sums []string
	if err := json.Unmarshal([]byte(f.Metadata["static_sums"]), &sums); err != nil {
		return nil, fmt.Errorf("metadata static_sums: %v", err)
	}
	// The weights are given, and the dictionaries built from data are
	// stored: no pretraining is needed, and a dictionary computed from
	// pretrained layers is built from the initial ones, then replaced.
	cfg.Train.Pretrain = nil
	for i, lc := range cfg.Layers {
		if lc.Predict != nil && lc.Predict.Source == "pretrained" {
			p := *lc.Predict
			p.Source = "init"
			cfg.Layers[i].Predict = &p
		}
	}
	m, err := Build(cfg, in, train.Classes, train, env)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Layers {
		if err := m.loadLayer(f, i); err != nil {
			return nil, err
		}
	}
	if got := m.StaticSums(); fmt.Sprint(got) != fmt.Sprint(sums) {
		return nil, fmt.Errorf("the rebuilt dictionaries differ from the exported ones (checksums %v, exported %v): the data or the code changed", got, sums)
	}
	return m, checkAllUsed(f, m)
}

// loadLayer copies layer i's tensors from f into the model's parameters
// (and stored dictionary).
func (m *Model) loadLayer(f *safetensors.File, i int) error {
	get := func(name string, shape ...int) ([]float32, error) {
		t, ok := f.Tensor(name)
		if !ok {
			return nil, fmt.Errorf("tensor %s missing", name)
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(shape) {
			return nil, fmt.Errorf("tensor %s has shape %v, the model wants %v", name, t.Shape, shape)
		}
		return t.Data, nil
	}
	var bias *engine.Param
	switch l := m.Net.Layers[i].(type) {
	case *engine.Dense:
		bias = l.B
		t, err := get(layerTensor(i, "weight"), l.W.Cols, l.W.Rows)
		if err != nil {
			return err
		}
		fromTorch(l.W.Data, t, l.W.Rows, l.W.Cols, m.layerIn(i), m.Config.Layers[i])
	case *engine.Conv2D:
		bias = l.B
		k, cin := l.K, m.layerIn(i).C
		t, err := get(layerTensor(i, "weight"), l.W.Cols, cin, k, k)
		if err != nil {
			return err
		}
		fromTorch(l.W.Data, t, l.W.Rows, l.W.Cols, m.layerIn(i), m.Config.Layers[i])
	case *PredictedDense:
		bias = l.B
		if err := m.loadFactors(get, i, l.F, l.V, l.UP, l.U); err != nil {
			return err
		}
		l.refreshConcat()
	case *PredictedConv:
		bias = l.B
		if err := m.loadFactors(get, i, l.F, l.V, l.UP, l.U); err != nil {
			return err
		}
	default:
		return nil
	}
	b, err := get(layerTensor(i, "bias"), bias.Cols)
	if err != nil {
		return err
	}
	copy(bias.Data, b)
	return nil
}

// loadFactors loads a predicted layer's V and, when the compact form
// stores it, its dictionary: into up (learned) or into u (fixed).
func (m *Model) loadFactors(get func(string, ...int) ([]float32, error), i int, ff Factors, v, up *engine.Param, u []float32) error {
	g := ff.group()
	for j := 0; j < ff.Columns; j++ {
		vj, err := get(columnTensor(i, "v", j), ff.NAlpha, g)
		if err != nil {
			return err
		}
		for a := 0; a < ff.NAlpha; a++ {
			copy(v.Data[a*ff.Units+j*g:a*ff.Units+(j+1)*g], vj[a*g:(a+1)*g])
		}
	}
	if !m.storesU(i) {
		return nil
	}
	dst := u
	if up != nil {
		dst = up.Data
	}
	for j := 0; j < ff.Columns; j++ {
		uj, err := get(columnTensor(i, "u", j), ff.Rows, ff.NAlpha)
		if err != nil {
			return err
		}
		copy(ff.uj(dst, j), uj)
	}
	return nil
}

// checkAllUsed reports tensors of f that the model has no place for: a
// misnamed tensor would otherwise be dropped silently.
func checkAllUsed(f *safetensors.File, m *Model) error {
	want := make(map[string]bool)
	for i := range m.Net.Layers {
		want[layerTensor(i, "weight")] = true
		want[layerTensor(i, "bias")] = true
		if d := m.dicts[i]; d != nil {
			for j := 0; j < d.Columns; j++ {
				want[columnTensor(i, "v", j)] = true
				want[columnTensor(i, "u", j)] = true
			}
		}
	}
	for _, t := range f.Tensors {
		if !want[t.Name] {
			return fmt.Errorf("tensor %s does not belong to the model", t.Name)
		}
	}
	return nil
}

// sameLayers reports whether two configs describe the same layers
// (types, sizes and activations; dictionaries aside).
func sameLayers(a, b *Config) bool {
	if len(a.Layers) != len(b.Layers) {
		return false
	}
	for i := range a.Layers {
		x, y := a.Layers[i], b.Layers[i]
		if x.Type != y.Type || x.Units != y.Units || x.Filters != y.Filters || x.K != y.K ||
			x.Stride != y.Stride || x.Pad != y.Pad || x.Act != y.Act {
			return false
		}
	}
	return true
}

// refreshConcat recomputes the side-by-side copy of U after U changed.
func (l *PredictedDense) refreshConcat() {
	if l.uc != nil && l.F.Columns > 1 {
		l.F.Concat(l.uc, l.U)
	}
}

// dictTensor names layer i's stored dictionary in a run checkpoint.
func dictTensor(i int) string { return fmt.Sprintf("dict/%d", i) }

// storedDicts returns the checkpoint tensors of the dictionaries computed
// from data: their rebuild depends on the gemm kernels' rounding, which
// differs between targets (amd64, js/wasm), so a checkpoint carries them
// to be portable.
func (m *Model) storedDicts() []checkpoint.Tensor {
	var ts []checkpoint.Tensor
	for i, d := range m.dicts {
		if d != nil && d.u != nil && lookupDict(d.Kind).DataDriven {
			ts = append(ts, checkpoint.Tensor{Name: dictTensor(i), Shape: []int{d.Columns * d.Rows, d.NAlpha}, Data: d.u})
		}
	}
	return ts
}

// restoreDicts replaces the rebuilt dictionaries computed from data by
// those stored in f, when f stores them (checkpoints written before they
// were stored do not).
func (m *Model) restoreDicts(f *checkpoint.File) error {
	for i, d := range m.dicts {
		if d == nil || d.u == nil || !lookupDict(d.Kind).DataDriven {
			continue
		}
		t, ok := f.Tensor(dictTensor(i))
		if !ok {
			continue
		}
		if len(t.Data) != len(d.u) {
			return fmt.Errorf("tensor %s has %d values, the dictionary %d", t.Name, len(t.Data), len(d.u))
		}
		copy(d.u, t.Data)
		if l, ok := m.Net.Layers[i].(*PredictedDense); ok {
			l.refreshConcat()
		}
	}
	return nil
}

// dataSum returns the CRC-32C of a data set's examples (their float32
// bits) and labels, in hex.
func dataSum(ds *data.Dataset) string {
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	b := make([]byte, 0, 4<<10)
	flush := func() { h.Write(b); b = b[:0] }
	for _, v := range ds.X {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		if len(b) == cap(b) {
			flush()
		}
	}
	for _, y := range ds.Y {
		b = binary.LittleEndian.AppendUint32(b, uint32(y))
		if len(b) == cap(b) {
			flush()
		}
	}
	flush()
	return fmt.Sprintf("%08x", h.Sum32())
}
