package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/kernels"
)

// A DictKind is one kind of dictionary a predicted layer can use: what a
// config may set for it, where it is valid, how its defaults are filled
// in, how it is built and how it is described. The kinds live in one
// table, dictKinds; adding a dictionary is one entry there (plus its
// constructor in kernels/). Every face (the configs, the desktop app's
// cycling, the page's menus) asks this table, so none can offer a kind
// that a layer rejects.
type DictKind struct {
	// Name is the config's name for the kind ("se", "emp", …).
	Name string
	// Title names the kind for people ("SE", "Emp", …).
	Title string
	// About explains the kind in one line, for menus and help texts.
	About string
	// DataDriven kinds are computed from the layer's input data: the
	// training set, through the layers below. They take predict.source
	// and predict.examples, need training data, and are not available in
	// conv layers.
	DataDriven bool
	// Positions reports that α are positions of the layer's input (which
	// a view can mark on a unit's weights).
	Positions bool
	// Spatial kinds need a layer input with spatial topology (an image or
	// a filter's K×K window), not a flat vector.
	Spatial bool
	// Conv reports whether the kind is valid in conv layers; every kind is
	// valid in dense layers.
	Conv bool
	// LearnsU kinds learn U with V: U is a Param, not a fixed dictionary.
	LearnsU bool
	// Grows reports that the kind takes predict.grow: its α can gain
	// positions during training (a kernel dictionary over positions,
	// whose U for a larger α spans the old W, so that the carried-over V
	// keeps W; see growV).
	Grows bool

	// options are the PredictConfig settings that apply to the kind,
	// beyond those every kind takes (fraction, n_alpha, columns,
	// normalize) and those DataDriven grants (source, examples).
	options option
	// resolve fills the kind's defaults into s (Kind, F and Grid are set)
	// from p, for a conv layer if conv, and checks what only the sizes
	// tell.
	resolve func(s *dictSpec, p *PredictConfig, conv bool) error
	// paper writes the paper code's settings for the kind into p
	// (method.md §3, §9); nil when there are none.
	paper func(p *PredictConfig, conv bool)
	// describe returns the kind's settings in a few words, after its name.
	describe func(s dictSpec) string
	// setupBytes estimates what building the dictionary needs beyond U
	// and KRR's matrices, for a layer of nv input positions (see
	// Footprint); nil for nothing more.
	setupBytes func(p *PredictConfig, nv float64) float64
	// build computes U_1…U_J (Rows×NAlpha each, back to back) and fills
	// what else the kind knows into b.d (Kernel, Atoms, Alpha); nil for
	// LearnsU kinds.
	build func(b *dictBuild) ([]float32, error)
}

// option is a set of PredictConfig settings.
type option uint8

const (
	optForm   option = 1 << iota // form: krr or raw
	optLength                    // length: SE's ℓ
	optRidge                     // ridge: λ of KRR
	optPick                      // pick: leading or random atoms
	optTied                      // tied: one spatial α for all channels
	optAE                        // ae_hidden, ae_epochs
)

// dictBuild is what a kind's build function works from.
type dictBuild struct {
	spec  dictSpec
	seed  uint64
	env   Env
	d     *Dictionary // Alpha is drawn already for Positions kinds
	x     []float32   // n×Rows inputs of the layer, for DataDriven kinds
	n     int
	input inputsFunc // recomputes x, for views that need more than U
}

// dictKinds is the table of dictionaries, in the order menus list them.
var dictKinds = []DictKind{
	{
		Name: "se", Title: "SE", Positions: true, Spatial: true, Conv: true, Grows: true,
		About:   "squared-exponential kernel over pixel coordinates: a weight is predicted from its neighbours in the image",
		options: optForm | optLength | optRidge | optTied,
		resolve: func(s *dictSpec, p *PredictConfig, conv bool) error {
			s.Form = orString(p.Form, "krr")
			s.Length = p.Length
			if s.Length == 0 {
				switch {
				case conv:
					s.Length = kernels.PaperConvLength
				case s.Form == "raw":
					s.Length = kernels.PaperSERawLength
				default:
					s.Length = kernels.PaperSELength
				}
			}
			s.Ridge = p.Ridge
			if s.Ridge == 0 {
				s.Ridge = kernels.PaperSERidge
				if conv {
					s.Ridge = kernels.PaperConvRidge
				}
			}
			return nil
		},
		paper: func(p *PredictConfig, conv bool) {
			p.Form, p.Length, p.Ridge = "krr", kernels.PaperSELength, kernels.PaperSERidge
			if conv {
				p.Length, p.Ridge = kernels.PaperConvLength, kernels.PaperConvRidge
			}
		},
		describe: func(s dictSpec) string {
			d := fmt.Sprintf(" %s ℓ=%g", s.Form, s.Length) + ridgeText(s)
			if s.Tied {
				d += " tied"
			}
			return d
		},
		build: func(b *dictBuild) ([]float32, error) {
			g := b.spec.Grid
			b.d.Kernel = kernels.SE{H: g.H, W: g.W, C: g.C, Length: b.spec.Length}
			return kernelDict(b.d.Kernel, b.d.Alpha, b.spec)
		},
	},
	empKind("emp", "Emp", "empirical covariance of the layer's inputs over the training set: a weight is predicted from the inputs that vary with it",
		kernels.NewEmpColumns, func(g gemm.Impl, x []float32, n, d int) (kernels.Kernel, error) { return kernels.NewEmp(g, x, n, d) }),
	empKind("emp2", "Emp2", "covariance of the layer's squared inputs over the training set",
		kernels.NewEmp2Columns, func(g gemm.Impl, x []float32, n, d int) (kernels.Kernel, error) { return kernels.NewEmp2(g, x, n, d) }),
	{
		Name: "lowrank", Title: "LowRank", Conv: true, LearnsU: true,
		About:    "U is learned along with V: a plain low-rank factorisation W = UV, nothing predicted",
		describe: func(dictSpec) string { return "" },
	},
	{
		Name: "randfixu", Title: "RandFixU", Conv: true,
		About:    "U is fixed Gaussian noise: the control that shows what a smooth dictionary adds",
		describe: func(dictSpec) string { return "" },
		build: func(b *dictBuild) ([]float32, error) {
			f := b.spec.F
			r := rand.New(rand.NewPCG(b.seed, streamRandFix))
			u := make([]float32, 0, f.USize())
			for j := 0; j < f.Columns; j++ {
				uj, err := kernels.RandFixU(r, f.Rows, f.NAlpha, kernels.PaperRandFixScale)
				if err != nil {
					return nil, err
				}
				u = append(u, uj...)
			}
			return u, nil
		},
	},
	{
		Name: "randcon", Title: "RandCon", Positions: true, Conv: true,
		About:    "each weight copies one of the learned α weights at random: connections without smoothness",
		options:  optTied,
		describe: func(dictSpec) string { return "" },
		build: func(b *dictBuild) ([]float32, error) {
			f := b.spec.F
			u := make([]float32, 0, f.USize())
			for _, a := range b.d.Alpha {
				uj, err := kernels.RandCon(f.Rows, a)
				if err != nil {
					return nil, err
				}
				u = append(u, uj...)
			}
			return u, nil
		},
	},
	{
		Name: "pca", Title: "PCA", DataDriven: true,
		About:      "principal components of the layer's inputs: the leading (or random) atoms of the data's own basis",
		options:    optPick,
		setupBytes: covarianceBytes,
		describe:   func(s dictSpec) string { return " " + s.Pick.String() },
		build: func(b *dictBuild) ([]float32, error) {
			f := b.spec.F
			basis, err := kernels.PCA(b.env.Gemm, b.x, b.n, f.Rows, f.Rows, kernels.Leading, nil)
			if err != nil {
				return nil, err
			}
			return pickAtoms(b, basis)
		},
	},
	separableKind("dct", "DCT", "2-D discrete cosine basis: smooth atoms of increasing frequency, known without data", kernels.DCT),
	separableKind("fourier", "Fourier", "2-D real Fourier basis: sines and cosines of increasing frequency", kernels.Fourier),
	separableKind("haar", "Haar", "2-D Haar wavelet basis: local differences from coarse to fine scales", kernels.Haar),
	{
		Name: "upsample", Title: "Upsample", Spatial: true, Conv: true,
		About: "bilinear upsampling: the weights are learned on a coarser grid (the fraction sets its size) and interpolated",
		resolve: func(s *dictSpec, p *PredictConfig, conv bool) error {
			g := s.Grid
			scale := math.Sqrt(float64(s.F.NAlpha) / float64(s.F.Rows))
			s.LowH = min(g.H, max(1, int(math.Round(scale*float64(g.H)))))
			s.LowW = min(g.W, max(1, int(math.Round(scale*float64(g.W)))))
			s.F.NAlpha = s.LowH * s.LowW * g.C
			return nil
		},
		describe: func(s dictSpec) string { return fmt.Sprintf(" from %d×%d", s.LowH, s.LowW) },
		build: func(b *dictBuild) ([]float32, error) {
			g, f := b.spec.Grid, b.spec.F
			uj, err := kernels.Upsample(g.H, g.W, g.C, b.spec.LowH, b.spec.LowW)
			if err != nil {
				return nil, err
			}
			u := make([]float32, 0, f.USize())
			for range f.Columns {
				u = append(u, uj...)
			}
			return u, nil
		},
	},
	{
		Name: "ae", Title: "AE", DataDriven: true,
		About:   "features of a tied sigmoid autoencoder trained on the layer's inputs; α picks n_α of them",
		options: optAE,
		setupBytes: func(p *PredictConfig, nv float64) float64 {
			hidden := float64(p.AEHidden)
			if hidden == 0 {
				hidden = 1000
			}
			return 4 * nv * hidden * 4 // float32 weights, gradients, velocities, work
		},
		resolve: func(s *dictSpec, p *PredictConfig, conv bool) error {
			s.AEHidden = p.AEHidden
			if s.AEHidden == 0 {
				s.AEHidden = 1000
			}
			s.AEEpochs = p.AEEpochs
			if s.AEEpochs == 0 {
				s.AEEpochs = kernels.PaperAEConfig(0).Epochs
			}
			if s.F.NAlpha > s.AEHidden {
				return fmt.Errorf("predict: n_α = %d exceeds the autoencoder's %d features (ae_hidden)", s.F.NAlpha, s.AEHidden)
			}
			return nil
		},
		describe: func(s dictSpec) string { return fmt.Sprintf(" %d features, %d epochs", s.AEHidden, s.AEEpochs) },
		build:    buildAE,
	},
}

// empKind returns the entry of a covariance dictionary (emp, emp2) whose
// columns at α come from columns and whose whole kernel from full.
func empKind(name, title, about string,
	columns func(g gemm.Impl, x []float32, n, d int, cols []int) (*kernels.EmpColumns, error),
	full func(g gemm.Impl, x []float32, n, d int) (kernels.Kernel, error)) DictKind {
	return DictKind{
		Name: name, Title: title, About: about, DataDriven: true, Positions: true, Grows: true,
		options: optForm | optRidge,
		resolve: func(s *dictSpec, p *PredictConfig, conv bool) error {
			s.Form = orString(p.Form, "krr")
			s.Ridge = p.Ridge
			if s.Ridge == 0 {
				s.Ridge = kernels.PaperEmpRidge
			}
			return nil
		},
		paper:      func(p *PredictConfig, conv bool) { p.Form, p.Ridge = "krr", kernels.PaperEmpRidge },
		setupBytes: covarianceBytes,
		describe:   func(s dictSpec) string { return " " + s.Form + ridgeText(s) },
		build: func(b *dictBuild) ([]float32, error) {
			// Only the covariance columns at α are needed (k(all, α_j) and
			// K(α_j, α_j)); the whole matrix is computed if someone looks
			// at it.
			rows, n := b.spec.F.Rows, b.n
			c, err := columns(b.env.Gemm, b.x, n, rows, union(b.d.Alpha))
			if err != nil {
				return nil, err
			}
			threads, input := b.env.Threads, b.input
			b.d.Kernel = &lazyCov{cols: c, full: func() (kernels.Kernel, error) {
				g := gemm.Best(threads)
				x, _, _, err := input(n, g)
				if err != nil {
					return nil, err
				}
				return full(g, x, n, rows)
			}}
			return kernelDict(b.d.Kernel, b.d.Alpha, b.spec)
		},
	}
}

// separableKind returns the entry of a fixed basis over the layer's
// input grid, from coarse to fine, of which each column keeps the leading
// n_α atoms or a random n_α (predict.pick).
func separableKind(name, title, about string, basis func(h, w, c, m int, pick kernels.Pick, r *rand.Rand) ([]float32, error)) DictKind {
	return DictKind{
		Name: name, Title: title, About: about, Spatial: true, Conv: true,
		options:  optPick,
		describe: func(s dictSpec) string { return " " + s.Pick.String() },
		build: func(b *dictBuild) ([]float32, error) {
			g, f := b.spec.Grid, b.spec.F
			full, err := basis(g.H, g.W, g.C, f.Rows, kernels.Leading, nil)
			if err != nil {
				return nil, err
			}
			return pickAtoms(b, full)
		},
	}
}

// covarianceBytes is the float64 covariance of a layer's nv inputs.
func covarianceBytes(_ *PredictConfig, nv float64) float64 { return nv * nv * 8 }

// ridgeText is " λ=…" for the KRR form, "" for the raw one.
func ridgeText(s dictSpec) string {
	if s.Form == "krr" {
		return fmt.Sprintf(" λ=%g", s.Ridge)
	}
	return ""
}

// kernelDict returns U_j = k(all, α_j)(K(α_j, α_j) + λI)⁻¹ for each column
// (k(all, α_j) in the raw form), back to back.
func kernelDict(k kernels.Kernel, alpha [][]int, s dictSpec) ([]float32, error) {
	u := make([]float32, 0, s.F.USize())
	for _, a := range alpha {
		var uj []float32
		var err error
		if s.Form == "raw" {
			uj, err = kernels.Raw(k, a)
		} else {
			uj, err = kernels.KRR(k, a, s.Ridge)
		}
		if err != nil {
			return nil, err
		}
		u = append(u, uj...)
	}
	return u, nil
}

// pickAtoms returns, for each column, n_α atoms of basis (Rows×Rows, one
// atom per column of it, ordered): the leading ones, or a random subset
// with spec.Pick random. It records the atoms in b.d.Atoms.
func pickAtoms(b *dictBuild, basis []float32) ([]float32, error) {
	f := b.spec.F
	u := make([]float32, 0, f.USize())
	r := rand.New(rand.NewPCG(b.seed, streamPick))
	for j := 0; j < f.Columns; j++ {
		atoms := make([]int, f.NAlpha)
		for i := range atoms {
			atoms[i] = i
		}
		if b.spec.Pick == kernels.Random {
			var err error
			if atoms, err = kernels.SampleAlpha(r, f.Rows, f.NAlpha); err != nil {
				return nil, err
			}
		}
		b.d.Atoms = append(b.d.Atoms, atoms)
		for i := 0; i < f.Rows; i++ {
			for _, k := range atoms {
				u = append(u, basis[i*f.Rows+k])
			}
		}
	}
	return u, nil
}

// buildAE trains the ae dictionary's autoencoder on the layer's inputs
// and returns, for each column, the n_α features its α picks.
func buildAE(b *dictBuild) ([]float32, error) {
	s, f := b.spec, b.spec.F
	alpha, err := kernels.SampleColumns(b.seed, s.AEHidden, f.NAlpha, f.Columns)
	if err != nil {
		return nil, err
	}
	b.d.Alpha = alpha
	cfg := kernels.PaperAEConfig(b.seed)
	cfg.Epochs, cfg.Stop = s.AEEpochs, b.env.Stop
	b.env.Log("  training the %d-feature autoencoder of the ae dictionary: %d examples × %d epochs", s.AEHidden, b.n, cfg.Epochs)
	xs, scale := unitRange(b.x, b.n, f.Rows)
	features, err := kernels.TrainAE(b.env.Gemm, xs, b.n, f.Rows, s.AEHidden, cfg)
	if err != nil {
		return nil, err
	}
	if scale != nil {
		// The AE saw x'_i = (x_i − min_i)/s_i, so x'·W = x·(W/s) − const:
		// the features for x are W's rows divided by s (the constant goes
		// into the layer's bias).
		for i := 0; i < f.Rows; i++ {
			for k := 0; k < s.AEHidden; k++ {
				features[i*s.AEHidden+k] /= float32(scale[i])
			}
		}
	}
	u := make([]float32, 0, f.USize())
	for _, a := range alpha {
		uj, err := kernels.AEDict(features, f.Rows, s.AEHidden, a)
		if err != nil {
			return nil, err
		}
		u = append(u, uj...)
	}
	return u, nil
}

// DictKinds returns the dictionary kinds in the order menus list them.
func DictKinds() []DictKind { return append([]DictKind(nil), dictKinds...) }

// LookupDict returns the kind named name.
func LookupDict(name string) (DictKind, bool) {
	for _, k := range dictKinds {
		if k.Name == name {
			return k, true
		}
	}
	return DictKind{}, false
}

// lookupDict is LookupDict for names a validated config holds.
func lookupDict(name string) DictKind {
	k, ok := LookupDict(name)
	if !ok {
		panic("models: unknown dictionary " + name)
	}
	return k
}

// Accepts reports why the kind cannot predict a layer of type layerType
// ("dense" or "conv") whose weight rows are laid out as grid (the input
// shape for dense layers, K×K×C_in for conv), or nil if it can.
func (k DictKind) Accepts(layerType string, grid engine.Shape) error {
	if layerType == "conv" && !k.Conv {
		return fmt.Errorf("predict.dict %s is not available in conv layers (use %s)", k.Name, kindList(func(k DictKind) bool { return k.Conv }, "or"))
	}
	if k.Spatial && grid.H*grid.W <= 1 {
		return fmt.Errorf("predict.dict %s needs an input with spatial topology (an image), this layer's input is %v (use %s)",
			k.Name, grid, kindList(func(k DictKind) bool { return !k.Spatial }, "or"))
	}
	return nil
}

// DictsFor returns the kinds that can predict a layer of type layerType
// whose weight rows are laid out as grid (see Accepts).
func DictsFor(layerType string, grid engine.Shape) []DictKind {
	var ks []DictKind
	for _, k := range dictKinds {
		if k.Accepts(layerType, grid) == nil {
			ks = append(ks, k)
		}
	}
	return ks
}

// PaperSettings writes the paper code's settings for p.Dict into p
// (method.md §3, §9: SE in KRR form with ℓ = 2 pixels, 3 in conv layers,
// and λ = 0.1; Emp and Emp2 in KRR form with λ = 0.001), so that a config
// keeps its meaning if the defaults change. Other kinds have no settings.
func PaperSettings(p *PredictConfig, conv bool) {
	if k, ok := LookupDict(p.Dict); ok && k.paper != nil {
		k.paper(p, conv)
	}
}

// kindList names the kinds for which keep holds, in table order, as
// "a, b and c" (or "a, b or c").
func kindList(keep func(DictKind) bool, and string) string {
	names := kindNames(keep)
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}

// validateOptions reports the first setting of p that does not apply to
// its kind k, in a layer of type layerType.
func (k DictKind) validateOptions(p *PredictConfig, layerType string) error {
	has := func(o option) func(DictKind) bool { return func(k DictKind) bool { return k.options&o != 0 } }
	applies := func(setting string, o option) error {
		if k.options&o != 0 {
			return nil
		}
		ks := kindList(has(o), "and")
		dicts := "dictionaries"
		if !strings.Contains(ks, " ") {
			dicts = "dictionary"
		}
		return fmt.Errorf("%s to the %s %s, not %s", setting, ks, dicts, k.Name)
	}
	checks := []struct {
		set     bool
		setting string
		o       option
	}{
		{p.Form != "", "predict.form applies", optForm},
		{p.Length != 0, "predict.length applies", optLength},
		{p.Ridge != 0, "predict.ridge applies", optRidge},
		{p.Pick != "", "predict.pick applies", optPick},
		{p.Tied, "predict.tied applies", optTied},
		{p.AEHidden != 0 || p.AEEpochs != 0, "predict.ae_hidden and ae_epochs apply", optAE},
	}
	for _, c := range checks {
		if c.set {
			if err := applies(c.setting, c.o); err != nil {
				return err
			}
		}
	}
	if (p.Source != "" || p.Examples != 0) && !k.DataDriven {
		return fmt.Errorf("predict.source and examples apply to the data-driven dictionaries (%s), not %s",
			strings.Join(kindNames(func(k DictKind) bool { return k.DataDriven }), ", "), k.Name)
	}
	if p.Grow != nil && !k.Grows {
		return fmt.Errorf("predict.grow applies to the %s dictionaries, not %s", kindList(func(k DictKind) bool { return k.Grows }, "and"), k.Name)
	}
	if p.Alternate != 0 && k.LearnsU {
		return fmt.Errorf("predict.alternate applies to the dictionaries U starts from, not %s (which learns U from the start)", k.Name)
	}
	if layerType == "conv" && !k.Conv {
		return k.Accepts("conv", engine.Shape{})
	}
	return nil
}

// kindNames returns the names of the kinds for which keep holds.
func kindNames(keep func(DictKind) bool) []string {
	var names []string
	for _, k := range dictKinds {
		if keep(k) {
			names = append(names, k.Name)
		}
	}
	return names
}
