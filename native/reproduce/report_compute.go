package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/predparams/predparams/native/reproduce/stats"
	"github.com/predparams/predparams/native/reproduce/verdict"
)

// computeSummaries returns the found summaries of the compute runs of target.
func (s *section) computeSummaries(target string) []computeSummary {
	var out []computeSummary
	for _, r := range s.sel(target, -1) {
		l := s.rs.get(r)
		if l == nil {
			continue
		}
		if sum, ok := l.summary.(*computeSummary); ok {
			out = append(out, *sum)
		}
	}
	return out
}

func reportCompute(s *section) {
	job := s.runs[0].Job.(computeJob)
	s.printf("**Setup.** Time per training step (forward and backward, batch %d, one thread; median of five slices of %d steps after a warm-up) of the MNIST MLP's hidden layers, dense and predicted with one column, in both evaluations of a predicted dense layer: factored, (x·U)·V, two thin products that never form W; and materialised, W = U·V formed once per step, then x·W. The models package picks one by a shape rule (`models.ChooseForm`), shown as \"auto\". Then whole training steps (Adam) of the 784-500-500-10 net, dense and with both hidden layers predicted in the automatic form. Natively (amd64, Go assembly gemm) and as js/wasm under Node. %s; the runs start only when nothing else of the grid runs, but the machine is shared, so the load average at the start is recorded.\n\n",
		job.Batch, job.Steps, fmt.Sprintf("%d repetition(s) per target", len(s.sel("native", -1))))
	claim := "A predicted layer costs less compute per training step than its dense twin (R2, R7 asked for compute)"
	if s.noData() {
		s.verdict(claim, "—", verdict.NotMeasured)
		return
	}
	fig := figure{name: "step", title: "Training step of the 784-500-500-10 net, relative to dense", xlabel: "fraction learned (log scale)",
		ylabel: "time per step ÷ dense", logX: true}
	var findings []string
	for _, target := range []string{"native", "wasm"} {
		sums := s.computeSummaries(target)
		if len(sums) == 0 {
			s.printf("**%s**: no measurement yet.\n\n", target)
			continue
		}
		loads := []string{}
		for _, m := range sums {
			loads = append(loads, m.LoadAvg)
		}
		s.printf("**%s** (%s/%s, gemm %s; load average at start: %s).\n\n", target, sums[0].GOOS, sums[0].GOARCH,
			strings.TrimPrefix(sums[0].Gemm, "*gemm."), strings.Join(loads, "; "))
		for li, layer := range sums[0].Layers {
			dense := stats.Sample{}
			for _, m := range sums {
				dense.Vals = append(dense.Vals, m.Layers[li].DenseMS)
			}
			s.printf("%s, dense: %s ms per step.\n\n", layer.Name, dense.Format(3))
			var rows [][]string
			crossover := "none"
			for pi, p := range layer.Points {
				fact, mat := stats.Sample{}, stats.Sample{}
				for _, m := range sums {
					fact.Vals = append(fact.Vals, m.Layers[li].Points[pi].FactoredMS)
					mat.Vals = append(mat.Vals, m.Layers[li].Points[pi].MaterialisedMS)
				}
				best := math.Min(fact.Mean(), mat.Mean())
				if best >= dense.Mean() && crossover == "none" {
					crossover = fmt.Sprintf("%g", p.Fraction)
				}
				rows = append(rows, []string{fmt.Sprintf("%g", p.Fraction), fmt.Sprint(p.NAlpha), fact.Format(3), mat.Format(3), p.Auto,
					fmt.Sprintf("%.2f", best/dense.Mean())})
			}
			s.table([]string{"fraction", "n_α", "factored ms", "materialised ms", "auto picks", "best ÷ dense"}, rows)
			findings = append(findings, fmt.Sprintf("%s %s: the better form is first no faster than dense at f = %s", target, strings.Fields(layer.Name)[0], crossover))
		}
		netDense := stats.Sample{}
		for _, m := range sums {
			netDense.Vals = append(netDense.Vals, m.NetMS)
		}
		se := series{name: target + ", predicted net (auto form)"}
		var rows [][]string
		for pi, p := range sums[0].Net {
			st := stats.Sample{}
			for _, m := range sums {
				st.Vals = append(st.Vals, m.Net[pi].StepMS)
			}
			se.add(p.Fraction, st.Mean()/netDense.Mean(), st.SD()/netDense.Mean())
			rows = append(rows, []string{fmt.Sprintf("%g", p.Fraction), fmt.Sprint(p.Learned), st.Format(2), fmt.Sprintf("%.2f", st.Mean()/netDense.Mean())})
		}
		s.printf("Whole training step of the 784-500-500-10 net: dense %s ms.\n\n", netDense.Format(2))
		s.table([]string{"fraction", "trained parameters", "ms per step", "÷ dense"}, rows)
		fig.series = append(fig.series, se)
		if len(sums[0].Net) > 0 {
			first := sums[0].Net[0]
			st := stats.Sample{}
			for _, m := range sums {
				st.Vals = append(st.Vals, m.Net[0].StepMS)
			}
			findings = append(findings, fmt.Sprintf("%s net at f = %g: %.2f× the dense step", target, first.Fraction, st.Mean()/netDense.Mean()))
		}
	}
	fig.series = append(fig.series, series{name: "dense", xs: []float64{1}, ys: []float64{1}, errs: []float64{0}, flat: true})
	s.draw(fig)
	// Holds if the predicted net's step is faster than dense at every
	// fraction below 1 on both targets; partly if at the smallest only.
	all, some, targets := true, true, 0
	for _, target := range []string{"native", "wasm"} {
		sums := s.computeSummaries(target)
		if len(sums) == 0 || len(sums[0].Net) == 0 {
			continue
		}
		targets++
		for pi, p := range sums[0].Net {
			st, dense := stats.Sample{}, stats.Sample{}
			for _, m := range sums {
				st.Vals = append(st.Vals, m.Net[pi].StepMS)
				dense.Vals = append(dense.Vals, m.NetMS)
			}
			faster := st.Mean() < dense.Mean()
			if p.Fraction < 1 && !faster {
				all = false
			}
			if pi == 0 && !faster {
				some = false
			}
		}
	}
	s.verdict(claim, strings.Join(findings, "; "), verdict.Graded(targets > 0, all, some))
	s.memoryTable()
	s.setupTable()
	s.errorAgainstTime()
}

// setupTable writes the one-time cost of building the static part, U
// (and for data-driven dictionaries, the pass over the training set they
// need), from the layers' setup seconds in section 1's summaries.
func (s *section) setupTable() {
	var rows [][]string
	for _, p := range dictPairs {
		row := []string{p.arm}
		found := false
		for _, f := range s.v.fractions() {
			st := stats.Sample{}
			for _, seed := range s.v.seeds(3) {
				l := s.rs.get(predictedMLP(nameDictionaries, p.arm, s.v, p.l1, p.l2, f, 1, seed))
				if l == nil || l.sum == nil {
					continue
				}
				t := 0.0
				for _, li := range l.sum.Layers {
					t += li.SetupSeconds
				}
				st.Vals = append(st.Vals, t)
			}
			row = append(row, st.Format(2))
			found = found || st.N() > 0
		}
		if found {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return
	}
	s.printf("**One-time cost of the static part**: seconds to build both hidden layers' dictionaries at the start of a run (one thread; data-driven ones include a pass over the 60,000 training images through the layers below and, for Emp and Emp2, a covariance and a Cholesky factorisation). A receiver that rebuilds U instead of receiving it pays this once. Runs from before this was recorded show 0.\n\n")
	header := []string{"pair"}
	for _, f := range s.v.fractions() {
		header = append(header, fmt.Sprintf("f = %g", f))
	}
	s.table(header, rows)
}

// memoryTable writes the memory that training holds for parameters, from
// the accounting of section 1's and 2's runs: every trained number four
// times (value, gradient, Adam's two moments) and every static
// dictionary entry once, float32.
func (s *section) memoryTable() {
	type row struct {
		name string
		run  *Run
	}
	var rows []row
	rows = append(rows, row{"dense", denseMLP(s.v, 1)})
	for _, f := range s.v.fractions() {
		rows = append(rows, row{fmt.Sprintf("SE–Emp f = %g", f), predictedMLP(nameDictionaries, "SE–Emp", s.v, "se", "emp", f, 1, 1)})
	}
	for _, j := range []int{5, 10} {
		for _, f := range pick(s.v, columnFractions, quickFractions) {
			if j == 10 && s.v.quick {
				continue
			}
			rows = append(rows, row{fmt.Sprintf("SE–Emp J = %d, f = %g", j, f), columnsRun(s.v, j, f, 1)})
		}
	}
	var out [][]string
	for _, r := range rows {
		l := s.rs.get(r.run)
		if l == nil || l.sum == nil {
			continue
		}
		a := l.sum.Accounting
		trained := 4 * 4 * a.TotalTrainable
		static := 4 * a.StaticParams
		out = append(out, []string{r.name, fmt.Sprint(a.TotalTrainable), fmt.Sprint(a.StaticParams), kb(trained), kb(static), kb(trained + static)})
	}
	if len(out) == 0 {
		return
	}
	s.printf("**Memory for parameters** (from the runs' parameter counts, seed 1; activations, which do not depend on the dictionary, left out): trained numbers are held four times in float32 (value, gradient, Adam's two moments), static dictionary entries once. The fixed U takes memory too, J·n_v·n_α entries per layer: it grows with the columns J while V does not.\n\n")
	s.table([]string{"net", "trained numbers", "static entries (U)", "trained, bytes", "static, bytes", "total"}, out)
}

// errorAgainstTime draws test error against cumulative training time per
// epoch for the dense net and SE–Emp at a few fractions (section 1's runs,
// mean over seeds).
func (s *section) errorAgainstTime() {
	fig := figure{name: "error-time", title: "Test error against training time (MNIST MLP, one thread)", xlabel: "training seconds (cumulative, log scale)",
		ylabel: "test error (%, log scale)", logX: true, logY: true}
	type arm struct {
		name string
		runs []*Run
	}
	arms := []arm{{name: "dense"}}
	for _, seed := range s.v.seeds(3) {
		arms[0].runs = append(arms[0].runs, denseMLP(s.v, seed))
	}
	for _, f := range pick(s.v, []float64{0.05, 0.2, 0.5}, quickFractions) {
		a := arm{name: fmt.Sprintf("SE–Emp f = %g", f)}
		for _, seed := range s.v.seeds(3) {
			a.runs = append(a.runs, predictedMLP(nameDictionaries, "SE–Emp", s.v, "se", "emp", f, 1, seed))
		}
		arms = append(arms, a)
	}
	var rows [][]string
	for _, a := range arms {
		var hist [][]float64 // per run: cumulative seconds and error per epoch
		var errs [][]float64
		rate := stats.Sample{}
		for _, r := range a.runs {
			l := s.rs.get(r)
			if l == nil || l.sum == nil || len(l.sum.History) == 0 {
				continue
			}
			var t, e []float64
			total := 0.0
			for _, h := range l.sum.History {
				total += h.TrainSeconds
				t = append(t, total)
				e = append(e, 100*h.TestError)
			}
			hist, errs = append(hist, t), append(errs, e)
			rate.Vals = append(rate.Vals, l.sum.ExamplesPerS)
		}
		if len(hist) == 0 {
			continue
		}
		se := series{name: a.name}
		epochs := len(hist[0])
		for _, h := range hist {
			epochs = min(epochs, len(h))
		}
		for ep := 0; ep < epochs; ep++ {
			ts, es := stats.Sample{}, stats.Sample{}
			for i := range hist {
				ts.Vals = append(ts.Vals, hist[i][ep])
				es.Vals = append(es.Vals, errs[i][ep])
			}
			se.add(ts.Mean(), es.Mean(), es.SD())
		}
		fig.series = append(fig.series, se)
		last := len(se.xs) - 1
		rows = append(rows, []string{a.name, fmt.Sprintf("%.0f", se.xs[last]), fmt.Sprintf("%.0f", rate.Mean()), fmt.Sprintf("%.2f", se.ys[last])})
	}
	if len(rows) == 0 {
		return
	}
	s.printf("**Error against wall clock** (R7): the MNIST runs of section 1 on one thread each, two at a time on the shared machine, so absolute seconds are inflated by the load; the ratios between arms are what carries over.\n\n")
	s.table([]string{"net", "training seconds, all epochs", "examples per second", "final test error %"}, rows)
	s.draw(fig)
}
