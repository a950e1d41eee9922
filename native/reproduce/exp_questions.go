package main

import (
	"fmt"
	"math"

	"github.com/predparams/predparams/models"
)

// The reviewers' open questions (issue 17), in the style of the tuned
// grid: every arm at every point is a family whose candidates are tuned
// on the validation split (tune.go), the selection is trained with
// stats.DesignN seeds, and the claims are judged by verdict.Rule.
// Families the tuned grid already has are reused, not copied: their
// tuning runs are the shared tune folder's and their final runs stay the
// tuned grid's (the report lists them in both sections).

// Experiment names of the open questions, in issue 17's order.
const (
	nameQLength    = "open-length"
	nameQColumns   = "open-columns"
	nameQUpsample  = "open-upsample"
	nameQBases     = "open-bases"
	nameQGrow      = "open-grow"
	nameQAlternate = "open-alternate"
	nameQRICA      = "open-rica"
	nameQFashion   = "open-fashion"
)

// Arms of the open questions (beside the tuned grid's).
const (
	armQSE5      = "SE–Emp, J=5, ℓ by validation"
	armQPaperL   = "SE–Emp, ℓ = 2 (the paper's)"
	armQLJ       = "SE–Emp, ℓ and J by validation"
	armQRandFix5 = "RandFixU, J=5"
	armQRandCon5 = "RandCon, J=5"
	armQLowRank5 = "LowRank, J=5"
	armQPCA5     = "PCA–Emp, J=5"
	armQDCT5     = "DCT–Emp, J=5"
	armQUp       = "Upsample–Emp"
	armQUpConv   = "Upsample 3×3 → 5×5 (conv)"
	armQSEConv   = "SE (conv)"
	armQFourier  = "Fourier–Emp"
	armQFourierR = "Fourier, random atoms–Emp"
	armQHaar     = "Haar–Emp"
	armQHaarR    = "Haar, random atoms–Emp"
	armQSEAlt    = "SE–Emp, alternating U/V"
	armQEmpAlt   = "Emp–Emp, alternating U/V"
	armQGrow     = "SE–Emp, growing α"
	armQGrowLR   = "SE–Emp, growing α, rate restarted"
)

// Points of the open questions, cut to fit issue 17's budget of about
// 4 hours of wall time on 2 cores (see README.md and
// TestQuestionsBudget); the quick variant's points follow each.
var (
	// ℓ against |α|: the J = 1 grid at three fractions (0.05 and 0.2
	// are the tuned grid's SE–Emp families; 0.5 is cut, a third of a
	// run-hour), the J = 5 grid at two; the paper's ℓ = 2 trained to
	// test at the three.
	qLengthFracs  = []float64{0.02, 0.05, 0.2}
	qLengthFracs5 = []float64{0.05, 0.2}
	qPaperFracs   = []float64{0.02, 0.05, 0.2}
	// Columns for every dictionary: the abstract's 5% only.
	qColumnFracs = []float64{0.05}
	// Upsampling: 7×7 and 14×14 grids under 28×28 in the MLP; 3×3
	// under 5×5 in the convnet's filters.
	qUpFracs   = []float64{0.0625, 0.25}
	qUpConvFrc = 0.36
	// Fourier and Haar bases at the tuned grid's two fractions; their
	// random atoms at the first only (0.6 run-hours cut).
	qBaseFracs = tunedFractions
	// Alternating U/V: at LowRank's fractions of the tuned grid (it
	// learns U as LowRank does), against LowRank there and against the
	// fixed SE–Emp at the tuned grid's fractions, with the same learned
	// count; E epochs per turn, selected on validation.
	qAltTurns = []int{1, 5}
	// Fashion-MNIST: the abstract's 5%.
	qFashionFracs = []float64{0.05}
	// qTuneLRs: the tuned grid's learning rates without 0.001, which
	// no arm of the tuned grid selected (0.6 run-hours cut).
	qTuneLRs = []float64{0.002, 0.004, 0.008}
	// Growing α: SE–Emp (J = 1) starts at 1% in both layers; n_α
	// doubles, up to 20%, after an epoch whose validation error fell by
	// less than 10% of the best before it (checked every epoch; a growth
	// that does not help stops growth). ℓ is a candidate: the mean
	// spacing of α at 5% and at 20%, what the tuned grid selects there.
	qGrowStart          = 0.01
	qGrowMax            = 0.2
	qGrowMinImprovement = 0.1
	qGrowLengthFracs    = []float64{0.05, 0.2}
	// qQuickLRs: one learning rate per candidate family in the quick
	// variant, to keep it short.
	qQuickLRs = []float64{0.002}
	// qConvEpochs caps the convnet's tuning (the tuned convnet's 15
	// epochs would cost an hour per arm here).
	qConvEpochs = 6
)

// qLRs returns the learning rates of the open questions' families.
func qLRs(v variant) []float64 { return pick(v, qTuneLRs, qQuickLRs) }

// qSELRs returns the learning rates of the open questions' SE grids
// (× length scales): the quick variant keeps the tuned grid's two, so
// that the selected ℓ depends on more than one run.
func qSELRs(v variant) []float64 { return pick(v, qTuneLRs, quickLRs) }

// A qSpec is an MLP 784-500-500-10 (ReLU) arm of the open questions:
// layer dictionaries, fraction, columns and what the reviewers asked to
// vary.
type qSpec struct {
	l1, l2  string
	frac    float64
	columns int
	// length is layer 1's SE ℓ (0: the paper's).
	length float64
	// pick is layer 1's atoms of a basis ("" leading, "random").
	pick string
	// alternate learns U in both layers in turns of this many epochs.
	alternate int
}

// cand returns s's candidate on data at learning rate lr; its config is
// named after exp.
func (s qSpec) cand(exp, data string, v variant, lr float64) candidate {
	c := mlpCandOn(exp, data, v, "relu", s.l1, s.l2, s.frac, s.columns, lr, s.length)
	if s.pick != "" {
		c.cfg.Layers[0].Predict.Pick = s.pick
		c.cfg.Name += "." + s.pick
	}
	if s.alternate > 0 {
		for i := range 2 {
			c.cfg.Layers[i].Predict.Alternate = s.alternate
		}
		c.cfg.Name += fmt.Sprintf(".alt%d", s.alternate)
		c.label += fmt.Sprintf(", E %d", s.alternate)
	}
	return c
}

// qFamily returns the family of an arm at point on data whose
// candidates are the learning rates × specs.
func qFamily(exp, arm string, v variant, point float64, data string, specs ...qSpec) *family {
	f := &family{exp: exp, arm: arm, point: point, maxEpochs: pick(v, tuneMLPEpochs, quickEpochs)}
	for _, lr := range qLRs(v) {
		for _, s := range specs {
			f.cands = append(f.cands, s.cand(exp, data, v, lr))
		}
	}
	return f
}

// isTunedFrac reports whether frac is a point of the tuned MLP grid in v.
func isTunedFrac(v variant, frac float64) bool {
	for _, f := range pick(v, tunedFractions, quickTunedFracs) {
		if f == frac {
			return true
		}
	}
	return false
}

// seJ1 returns the SE–Emp (J = 1) family with ℓ by validation at frac:
// the tuned grid's where it has one, else open-length's.
func seJ1(v variant, frac float64) *family {
	if isTunedFrac(v, frac) {
		return seFamily(v, frac)
	}
	return seGrid(nameQLength, armTSE, nameQLength, "mnist", v, frac, 1, qSELRs(v))
}

// seJ5 returns the SE–Emp (J = 5) family with ℓ by validation at frac:
// at the tuned grid's points the tuned grid's own (seJ5Family), under
// this experiment's arm name.
func seJ5(v variant, frac float64) *family {
	if isTunedFrac(v, frac) {
		f := seJ5Family(v, frac)
		f.exp, f.arm = nameQLength, armQSE5
		return f
	}
	return seGrid(nameQLength, armQSE5, nameQLength, "mnist", v, frac, tunedColumns, qSELRs(v))
}

// lengthFamilies returns open-length's families that can be built now.
func lengthFamilies(v variant, t *tuner) []*family {
	var out []*family
	for _, f := range pick(v, qLengthFracs, qLengthFracs[:2]) {
		out = append(out, seJ1(v, f))
	}
	for _, f := range pick(v, qLengthFracs5, qLengthFracs5[:1]) {
		out = append(out, seJ5(v, f))
	}
	for _, f := range pick(v, qPaperFracs, qPaperFracs[1:2]) {
		out = append(out, qFamily(nameQLength, armQPaperL, v, f, "mnist", qSpec{l1: "se", l2: "emp", frac: f, columns: 1, length: 2}))
	}
	out = append(out, ljUnion(v))
	return append(out, denseOf(v, t))
}

// ljUnion is the arm "SE–Emp, ℓ and J by validation" at 5%: the tuned
// grid's seUnion, whose final runs it shares (they belong to the tuned
// grid).
func ljUnion(v variant) *family {
	u := seUnion(v, qLengthFracs5[0])
	u.exp, u.arm = nameQLength, armQLJ
	for i := range u.cands {
		u.cands[i].owner = nameTunedMLP
	}
	return u
}

func expQLength() *experiment {
	e := &experiment{name: nameQLength, title: "Open question: the SE length scale against the spacing of α (R7)"}
	e.tuned = func(v variant, t *tuner) []*Run {
		var runs []*Run
		for _, f := range lengthFamilies(v, t) {
			switch {
			case f.arm == armQSE5 || (f.arm == armTSE && !containsF(pick(v, qPaperFracs, qPaperFracs[1:2]), f.point)):
				// Tuning only: the best ℓ is what these show.
				runs = append(runs, tuningRuns(t, f)...)
			default:
				runs = append(runs, t.runs(f, v.tunedSeeds())...)
			}
		}
		return runs
	}
	e.runs, e.report = untunedRuns(e), reportQLength
	return e
}

// tuningRuns returns f's tuning runs only, with the candidates that
// extending its learning-rate grid adds (see tuner.choose).
func tuningRuns(t *tuner, f *family) []*Run {
	t.choose(f)
	var runs []*Run
	for _, c := range f.cands {
		runs = append(runs, f.tuneRun(t.v, c))
	}
	return runs
}

func containsF(xs []float64, x float64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// lowRankFraction returns the fraction at which a LowRank MLP
// 784-500-500-10 with J columns learns about as many weights as a fixed
// dictionary with one column at frac: LowRank learns J·n_v·n_α of U and
// n_α·units of V per layer, the fixed one n_α·units. It searches f in
// steps of 0.0001.
func lowRankFraction(frac float64, columns int) float64 {
	target := nAlpha(frac, mnistInputs)*mnistHidden + nAlpha(frac, mnistHidden)*mnistHidden
	best, bestDiff := 0.0, math.MaxInt
	for i := 1; i <= 10000; i++ {
		f := float64(i) / 10000
		a1, a2 := nAlpha(f, mnistInputs), nAlpha(f, mnistHidden)
		n := a1*(columns*mnistInputs+mnistHidden) + a2*(columns*mnistHidden+mnistHidden)
		d := n - target
		if d < 0 {
			d = -d
		}
		if d < bestDiff {
			best, bestDiff = f, d
		}
	}
	return best
}

// columnFamilies returns open-columns' families: every dictionary at
// J = 5 (SE–Emp's is the tuned grid's, seJ5Family).
func columnFamilies(v variant) []*family {
	var out []*family
	j := tunedColumns
	for _, f := range pick(v, qColumnFracs, qColumnFracs) {
		for _, a := range []struct{ arm, l1, l2 string }{
			{armQRandFix5, "randfixu", "randfixu"}, {armQRandCon5, "randcon", "randcon"},
			{armQPCA5, "pca", "emp"}, {armQDCT5, "dct", "emp"},
		} {
			out = append(out, qFamily(nameQColumns, a.arm, v, f, "mnist", qSpec{l1: a.l1, l2: a.l2, frac: f, columns: j}))
		}
		out = append(out, qFamily(nameQColumns, armQLowRank5, v, f, "mnist", qSpec{l1: "lowrank", l2: "lowrank", frac: lowRankFraction(f, j), columns: j}))
		out = append(out, seJ5Family(v, f))
	}
	return out
}

func expQColumns() *experiment {
	e := &experiment{name: nameQColumns, title: "Open question: five columns for every dictionary"}
	e.tuned = func(v variant, t *tuner) []*Run { return familyRuns(v, t, columnFamilies(v)) }
	e.runs, e.report = untunedRuns(e), reportQColumns
	return e
}

// upConvCand returns a candidate of the MNIST convnet (conv 20 5×5,
// pool, conv 50 5×5, pool, dense 500, softmax; ReLU) whose conv layers
// are predicted by dict at frac with the paper code's conv settings,
// dense layers dense.
func upConvCand(v variant, dict string, frac, lr float64) candidate {
	p := func() *models.PredictConfig {
		c := &models.PredictConfig{Dict: dict, Fraction: frac}
		models.PaperSettings(c, true)
		return c
	}
	t := tunedTrain(v, lr)
	if v.quick {
		t.TrainExamples = convQuickExamples
	}
	c := &models.Config{Name: fmt.Sprintf("%s.conv-%s.f%g", nameQUpsample, dict, frac), Data: "mnist", Train: t,
		Layers: []models.LayerConfig{
			{Type: "conv", Filters: 20, K: 5, Act: "relu", Predict: p()},
			{Type: "maxpool", K: 2},
			{Type: "conv", Filters: 50, K: 5, Act: "relu", Predict: p()},
			{Type: "maxpool", K: 2},
			{Type: "dense", Units: 500, Act: "relu"},
			{Type: "dense", Units: 10},
		}}
	return candidate{label: labelOf(lr, 0, 1), cfg: c}
}

// upsampleFamilies returns open-upsample's families: upsampled and SE
// layer-1 weights in the MLP (SE with ℓ by validation at the same n_α),
// and upsampled and SE conv filters.
func upsampleFamilies(v variant) []*family {
	var out []*family
	for _, f := range pick(v, qUpFracs, qUpFracs[:1]) {
		out = append(out, qFamily(nameQUpsample, armQUp, v, f, "mnist", qSpec{l1: "upsample", l2: "emp", frac: f, columns: 1}),
			seGrid(nameQUpsample, armTSE, nameQUpsample, "mnist", v, f, 1, qSELRs(v)))
	}
	epochs := pick(v, qConvEpochs, 1)
	for _, a := range []struct{ arm, dict string }{{armQUpConv, "upsample"}, {armQSEConv, "se"}} {
		out = append(out, lrFamily(nameQUpsample, a.arm, v, qUpConvFrc, epochs, convLRs[1:2], func(lr float64) candidate {
			return upConvCand(v, a.dict, qUpConvFrc, lr)
		}))
	}
	return out
}

func expQUpsample() *experiment {
	e := &experiment{name: nameQUpsample, title: "Open question: learn at low resolution and upsample (R2)"}
	e.tuned = func(v variant, t *tuner) []*Run { return familyRuns(v, t, upsampleFamilies(v)) }
	e.runs, e.report = untunedRuns(e), reportQUpsample
	return e
}

// basesFamilies returns open-bases' families: Fourier and Haar layer-1
// bases, leading and random atoms, with Emp in layer 2, and the tuned
// grid's SE–Emp at the same points.
func basesFamilies(v variant) []*family {
	var out []*family
	for _, f := range pick(v, qBaseFracs, qBaseFracs[:1]) {
		for _, a := range []struct{ arm, l1, pick string }{
			{armQFourier, "fourier", ""}, {armQFourierR, "fourier", "random"},
			{armQHaar, "haar", ""}, {armQHaarR, "haar", "random"},
		} {
			if a.pick != "" && f != qBaseFracs[0] {
				continue
			}
			out = append(out, qFamily(nameQBases, a.arm, v, f, "mnist", qSpec{l1: a.l1, l2: "emp", frac: f, columns: 1, pick: a.pick}))
		}
		out = append(out, seFamily(v, f))
	}
	return out
}

func expQBases() *experiment {
	e := &experiment{name: nameQBases, title: "Open question: Fourier and wavelet bases against SE (R7)"}
	e.tuned = func(v variant, t *tuner) []*Run { return familyRuns(v, t, basesFamilies(v)) }
	e.runs, e.report = untunedRuns(e), reportQBases
	return e
}

// growFamilies returns open-grow's families: SE–Emp nets whose α grows
// from qGrowStart, with the learning-rate schedule going on or
// restarted at each growth (candidates: learning rate × ℓ), and the
// tuned grid's fixed SE–Emp families they are compared with. A growing
// candidate's tuning run decides its growths on the validation split;
// its final runs grow after the same epochs (see replayGrowth).
func growFamilies(v variant) []*family {
	var out []*family
	for _, a := range []struct {
		arm     string
		restart bool
	}{{armQGrow, false}, {armQGrowLR, true}} {
		f := &family{exp: nameQGrow, arm: a.arm, point: qGrowStart, maxEpochs: pick(v, tuneMLPEpochs, quickEpochs)}
		for _, lr := range qLRs(v) {
			for _, lf := range pick(v, qGrowLengthFracs, qGrowLengthFracs[:1]) {
				f.cands = append(f.cands, growCand(v, lr, seLengthAt(lf), a.restart))
			}
		}
		out = append(out, f)
	}
	for _, frac := range pick(v, tunedFractions, quickTunedFracs) {
		out = append(out, seFamily(v, frac))
	}
	return out
}

// growCand returns a growing SE–Emp candidate.
func growCand(v variant, lr, length float64, restart bool) candidate {
	c := mlpCandOn(nameQGrow, "mnist", v, "relu", "se", "emp", qGrowStart, 1, lr, length)
	for i := range 2 {
		c.cfg.Layers[i].Predict.Grow = &models.GrowConfig{Factor: 2, MaxFraction: qGrowMax}
	}
	// Every is replaced by the epochs of the tuning run's growths in
	// the final runs, which have no validation set.
	c.cfg.Train.Grow = &models.GrowSchedule{Every: 1, Patience: 1, MinImprovement: qGrowMinImprovement, RestartLR: restart}
	c.cfg.Name += ".grow"
	if restart {
		c.cfg.Name += ".restart"
	}
	return c
}

func expQGrow() *experiment {
	e := &experiment{name: nameQGrow, title: "Open question: growing α during training (R7)"}
	e.tuned = func(v variant, t *tuner) []*Run { return familyRuns(v, t, growFamilies(v)) }
	e.runs, e.report = untunedRuns(e), reportQGrow
	return e
}

// alternateFamilies returns open-alternate's families: SE–Emp and
// Emp–Emp whose U is learned in alternation with V (E by validation)
// at LowRank's fractions, and the tuned grid's LowRank and SE–Emp
// families they are compared with.
func alternateFamilies(v variant, t *tuner) []*family {
	var out []*family
	lows := pick(v, lowRankFractions, lowRankFractions[:1])
	for i, f := range lows {
		var se, emp []qSpec
		for _, e := range pick(v, qAltTurns, qAltTurns[:1]) {
			// ℓ: the mean spacing of α (the middle of the tuned grid's
			// choices): no SE–Emp tuning exists at LowRank's fractions.
			se = append(se, qSpec{l1: "se", l2: "emp", frac: f, columns: 1, length: seLengthAt(f), alternate: e})
			emp = append(emp, qSpec{l1: "emp", l2: "emp", frac: f, columns: 1, alternate: e})
		}
		out = append(out, qFamily(nameQAlternate, armQSEAlt, v, f, "mnist", se...),
			qFamily(nameQAlternate, armQEmpAlt, v, f, "mnist", emp...))
		fixed := pick(v, tunedFractions, quickTunedFracs)[i]
		for _, tf := range mlpFamilies(v, t) {
			if (tf.arm == armTLowRank && tf.point == f) || (tf.arm == armTSE && tf.point == fixed) {
				out = append(out, tf)
			}
		}
	}
	return out
}

// seLengthAt returns the mean spacing of α on the 28×28 grid at frac,
// √(784/n_α), to two decimals.
func seLengthAt(frac float64) float64 {
	return math.Round(100*math.Sqrt(float64(mnistInputs)/float64(nAlpha(frac, mnistInputs)))) / 100
}

func expQAlternate() *experiment {
	e := &experiment{name: nameQAlternate, title: "Open question: alternating U and V from a dictionary (R7)"}
	e.tuned = func(v variant, t *tuner) []*Run { return familyRuns(v, t, alternateFamilies(v, t)) }
	e.runs, e.report = untunedRuns(e), reportQAlternate
	return e
}

// Arms of the Fashion-MNIST experiment (beside the tuned grid's names).
const fashionData = "fashion"

// fashionFamilies returns open-fashion's families: the tuned grid's
// core arms with data "fashion", ℓ tuned on Fashion-MNIST itself, for
// one column and for J = 5.
func fashionFamilies(v variant) []*family {
	var out []*family
	exp := nameQFashion
	epochs := pick(v, tuneMLPEpochs, quickEpochs)
	for _, f := range qFashionFracs {
		se := seGrid(exp, armTSE, exp, fashionData, v, f, 1, qSELRs(v))
		out = append(out, se,
			qFamily(exp, armQRandFix5, v, f, fashionData, qSpec{l1: "randfixu", l2: "randfixu", frac: f, columns: tunedColumns}),
			qFamily(exp, armQRandCon5, v, f, fashionData, qSpec{l1: "randcon", l2: "randcon", frac: f, columns: tunedColumns}))
		j5 := seGrid(exp, armTSE5, exp, fashionData, v, f, tunedColumns, qSELRs(v))
		out = append(out, j5, union(exp, armTSEJ, se, j5))
		budget := predictedTrainable(mnistInputs, budgetHidden, f)
		for _, d := range []struct {
			arm, data string
			nin       int
		}{{armTNarrow, fashionData, mnistInputs}, {armTPCAInput, "fashion-pca50", pcaComponents}, {armTDown14, "fashion14", 14 * 14}} {
			h := widthFor(d.nin, budgetClasses, budget)
			out = append(out, lrFamily(exp, d.arm, v, f, epochs, qLRs(v), func(lr float64) candidate {
				c := mlp(fmt.Sprintf("%s.%s.f%g", exp, slug(d.arm), f), d.data, "relu", []layerSpec{{h, nil}, {h, nil}}, tunedTrain(v, lr))
				return candidate{label: labelOf(lr, 0, 1), cfg: c}
			}))
		}
	}
	out = append(out, qFamily(exp, armDense, v, 1, fashionData, qSpec{}))
	return out
}

func expQFashion() *experiment {
	e := &experiment{name: nameQFashion, title: "Open question: a second image set, Fashion-MNIST"}
	e.tuned = func(v variant, t *tuner) []*Run { return familyRuns(v, t, fashionFamilies(v)) }
	e.runs, e.report = untunedRuns(e), reportQFashion
	return e
}
