package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// stepSummaries returns the found summaries of the compute runs of target.
func (s *section) stepSummaries(target string) []stepSummary {
	var out []stepSummary
	for _, r := range s.sel(target, -1) {
		l := s.rs.get(r)
		if l == nil {
			continue
		}
		var sum stepSummary
		if json.Unmarshal(l.raw, &sum) == nil {
			out = append(out, sum)
		}
	}
	return out
}

func reportCompute(s *section) {
	job := s.runs[0].Job.(stepJob)
	s.printf("**Setup.** Time per training step (forward and backward, batch %d, one thread; median of five slices of %d steps after a warm-up) of the MNIST MLP's hidden layers, dense and predicted with one column, in both evaluations of a predicted dense layer: factored, (x·U)·V, two thin products that never form W; and materialised, W = U·V formed once per step, then x·W. The models package picks one by a shape rule (`models.ChooseForm`), shown as \"auto\". Then whole training steps (Adam) of the 784-500-500-10 net, dense and with both hidden layers predicted in the automatic form. Natively (amd64, Go assembly gemm) and as js/wasm under Node. %s; the runs start only when nothing else of the grid runs, but the machine is shared, so the load average at the start is recorded.\n\n",
		job.Batch, job.Steps, fmt.Sprintf("%d repetition(s) per target", len(s.sel("native", -1))))
	claim := "A predicted layer costs less compute per training step than its dense twin (R2, R7 asked for compute)"
	if s.noData() {
		s.verdict(claim, "—", notMeasured)
		return
	}
	fig := figure{name: "step", title: "Training step of the 784-500-500-10 net, relative to dense", xlabel: "fraction learned (log scale)",
		ylabel: "time per step ÷ dense", logX: true}
	var findings []string
	for _, target := range []string{"native", "wasm"} {
		sums := s.stepSummaries(target)
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
			dense := stat{}
			for _, m := range sums {
				dense.vals = append(dense.vals, m.Layers[li].DenseMS)
			}
			s.printf("%s, dense: %s ms per step.\n\n", layer.Name, dense.format(3))
			var rows [][]string
			crossover := "none"
			for pi, p := range layer.Points {
				fact, mat := stat{}, stat{}
				for _, m := range sums {
					fact.vals = append(fact.vals, m.Layers[li].Points[pi].FactoredMS)
					mat.vals = append(mat.vals, m.Layers[li].Points[pi].MaterialisedMS)
				}
				best := math.Min(fact.mean(), mat.mean())
				if best >= dense.mean() && crossover == "none" {
					crossover = fmt.Sprintf("%g", p.Fraction)
				}
				rows = append(rows, []string{fmt.Sprintf("%g", p.Fraction), fmt.Sprint(p.NAlpha), fact.format(3), mat.format(3), p.Auto,
					fmt.Sprintf("%.2f", best/dense.mean())})
			}
			s.table([]string{"fraction", "n_α", "factored ms", "materialised ms", "auto picks", "best ÷ dense"}, rows)
			findings = append(findings, fmt.Sprintf("%s %s: the better form is first no faster than dense at f = %s", target, strings.Fields(layer.Name)[0], crossover))
		}
		netDense := stat{}
		for _, m := range sums {
			netDense.vals = append(netDense.vals, m.NetMS)
		}
		se := series{name: target + ", predicted net (auto form)"}
		var rows [][]string
		for pi, p := range sums[0].Net {
			st := stat{}
			for _, m := range sums {
				st.vals = append(st.vals, m.Net[pi].StepMS)
			}
			se.add(p.Fraction, st.mean()/netDense.mean(), st.sd()/netDense.mean())
			rows = append(rows, []string{fmt.Sprintf("%g", p.Fraction), fmt.Sprint(p.Learned), st.format(2), fmt.Sprintf("%.2f", st.mean()/netDense.mean())})
		}
		s.printf("Whole training step of the 784-500-500-10 net: dense %s ms.\n\n", netDense.format(2))
		s.table([]string{"fraction", "trained parameters", "ms per step", "÷ dense"}, rows)
		fig.series = append(fig.series, se)
		if len(sums[0].Net) > 0 {
			first := sums[0].Net[0]
			st := stat{}
			for _, m := range sums {
				st.vals = append(st.vals, m.Net[0].StepMS)
			}
			findings = append(findings, fmt.Sprintf("%s net at f = %g: %.2f× the dense step", target, first.Fraction, st.mean()/netDense.mean()))
		}
	}
	fig.series = append(fig.series, series{name: "dense", xs: []float64{1}, ys: []float64{1}, errs: []float64{0}, flat: true})
	s.draw(fig)
	// Holds if the predicted net's step is faster than dense at every
	// fraction below 1 on both targets; partly if at the smallest only.
	v := notMeasured
	all, some, targets := true, true, 0
	for _, target := range []string{"native", "wasm"} {
		sums := s.stepSummaries(target)
		if len(sums) == 0 || len(sums[0].Net) == 0 {
			continue
		}
		targets++
		for pi, p := range sums[0].Net {
			st, dense := stat{}, stat{}
			for _, m := range sums {
				st.vals = append(st.vals, m.Net[pi].StepMS)
				dense.vals = append(dense.vals, m.NetMS)
			}
			faster := st.mean() < dense.mean()
			if p.Fraction < 1 && !faster {
				all = false
			}
			if pi == 0 && !faster {
				some = false
			}
		}
	}
	switch {
	case targets == 0:
	case all:
		v = holds
	case some:
		v = partlyHolds
	default:
		v = doesNotHold
	}
	s.verdict(claim, strings.Join(findings, "; "), v)
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
			st := stat{}
			for _, seed := range s.v.seeds(3) {
				l := s.rs.get(predictedMLP(expDict, p.arm, s.v, p.l1, p.l2, f, 1, seed))
				if l == nil || l.sum == nil {
					continue
				}
				t := 0.0
				for _, li := range l.sum.Layers {
					t += li.SetupSeconds
				}
				st.vals = append(st.vals, t)
			}
			row = append(row, st.format(2))
			found = found || st.n() > 0
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
		rows = append(rows, row{fmt.Sprintf("SE–Emp f = %g", f), predictedMLP(expDict, "SE–Emp", s.v, "se", "emp", f, 1, 1)})
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
			a.runs = append(a.runs, predictedMLP(expDict, "SE–Emp", s.v, "se", "emp", f, 1, seed))
		}
		arms = append(arms, a)
	}
	var rows [][]string
	for _, a := range arms {
		var hist [][]float64 // per run: cumulative seconds and error per epoch
		var errs [][]float64
		rate := stat{}
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
			rate.vals = append(rate.vals, l.sum.ExamplesPerS)
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
			ts, es := stat{}, stat{}
			for i := range hist {
				ts.vals = append(ts.vals, hist[i][ep])
				es.vals = append(es.vals, errs[i][ep])
			}
			se.add(ts.mean(), es.mean(), es.sd())
		}
		fig.series = append(fig.series, se)
		last := len(se.xs) - 1
		rows = append(rows, []string{a.name, fmt.Sprintf("%.0f", se.xs[last]), fmt.Sprintf("%.0f", rate.mean()), fmt.Sprintf("%.2f", se.ys[last])})
	}
	if len(rows) == 0 {
		return
	}
	s.printf("**Error against wall clock** (R7): the MNIST runs of section 1 on one thread each, two at a time on the shared machine, so absolute seconds are inflated by the load; the ratios between arms are what carries over.\n\n")
	s.table([]string{"net", "training seconds, all epochs", "examples per second", "final test error %"}, rows)
	s.draw(fig)
}

// distSummaries returns the found summaries of the communication runs of
// arm with n workers.
func (s *section) distSummaries(arm string, n int) []distSummary {
	var out []distSummary
	for _, r := range s.sel(arm, float64(n)) {
		l := s.rs.get(r)
		if l == nil {
			continue
		}
		var sum distSummary
		if json.Unmarshal(l.raw, &sum) == nil {
			out = append(out, sum)
		}
	}
	return out
}

func reportComm(s *section) {
	job := s.runs[0].Job.(distJob)
	// What must be exchanged: the dynamic parameters (V, biases, the
	// softmax), never U, whose receivers rebuild it from a few settings
	// and a seed.
	s.printf("**What a data-parallel step must exchange.** Each worker sends its gradient of the dynamic parameters (V, all biases, the dense softmax) and receives the average; the static dictionaries U are never sent, since every worker rebuilds them from the config and the seed (a header of a few bytes: kernel, ℓ, λ, α's seed; data-driven dictionaries also need the same data). Per worker and step, with float32 numbers up and down, for the 784-500-500-10 MLP with SE–Emp hidden layers:\n\n")
	denseN := mlpTrainable(mnistInputs, []int{mnistHidden, mnistHidden}, 10)
	var rows [][]string
	for _, f := range fullFractions {
		n := predictedTrainable(mnistInputs, mnistHidden, f)
		b := 2 * 4 * n
		rows = append(rows, []string{fmt.Sprintf("%g", f), fmt.Sprint(n), kb(b),
			fmt.Sprintf("%.3f", float64(b)/float64(2*4*denseN)), fmt.Sprintf("%.3f", float64(b)/float64(2*2*denseN))})
	}
	s.table([]string{"fraction f", "dynamic parameters", "bytes per step (f32)", "÷ dense f32", "÷ dense f16"}, rows)
	checked, wrong := 0, 0
	for _, seed := range s.v.seeds(3) {
		for _, f := range s.v.fractions() {
			r := predictedMLP(expDict, "SE–Emp", s.v, "se", "emp", f, 1, seed)
			if l := s.rs.get(r); l != nil && l.sum != nil {
				checked++
				if l.sum.TotalTrainable != predictedTrainable(mnistInputs, mnistHidden, f) {
					wrong++
				}
			}
		}
	}
	check := "(no section 1 summary to check them against yet)"
	if checked > 0 {
		check = fmt.Sprintf("(they agree with the trained-parameter counts of %d of %d SE–Emp summaries of section 1)", checked-wrong, checked)
	}
	s.printf("The dense net exchanges %d numbers: %s per step in float32, %s with float16 gradients %s.\n\n",
		denseN, kb(2*4*denseN), kb(2*2*denseN), check)
	ratio := float64(predictedTrainable(mnistInputs, mnistHidden, commFraction)) / float64(denseN)
	s.verdict("Predicted parameters shrink what data-parallel training must exchange (the paper's motivation)",
		fmt.Sprintf("at 5%% learned, %.3f of the dense net's bytes in float32 (%.3f of dense with float16 gradients)", ratio, 2*ratio), holds)

	s.printf("**Measured over TCP.** %d steps (after a warm-up) of data-parallel training of the 784-500-500-10 MLP, global batch %d split over N worker processes on this 2-core machine; every step each worker computes its gradient, sends it to a hub (`engine/dist`, loopback TCP) which averages and returns it, then applies Adam. N = 1 exchanges nothing. With N > 2 the workers share two cores, so compute no longer runs in parallel. Step time is the slowest worker's.\n\n",
		job.Steps, job.Config.Train.Batch)
	claim := "…and the smaller exchange takes less time over a real transport, encoding included (R2: the overheads must be measured)"
	if s.noData() {
		s.verdict(claim, "—", notMeasured)
		return
	}
	arms := []string{armCommDense, armCommDense16, armCommPredict, armCommPredict2}
	rows = nil
	fig := figure{name: "step", title: "Data-parallel step over loopback TCP", xlabel: "worker processes", ylabel: "ms per step (slowest worker)",
		xticks: []float64{1, 2, 4}}
	for _, a := range arms {
		se := series{name: a}
		for _, n := range commWorkers {
			sums := s.distSummaries(a, n)
			if len(sums) == 0 {
				continue
			}
			step, comm, bytes := stat{}, stat{}, stat{}
			for _, m := range sums {
				step.vals = append(step.vals, m.StepMS)
				comm.vals = append(comm.vals, m.CommMS)
				bytes.vals = append(bytes.vals, m.BytesPerStep)
			}
			se.add(float64(n), step.mean(), step.sd())
			rows = append(rows, []string{a, fmt.Sprint(n), fmt.Sprint(sums[0].Dim), kb(int(bytes.mean())), step.format(2), comm.format(2)})
		}
		fig.series = append(fig.series, se)
	}
	s.table([]string{"arm", "workers", "numbers exchanged", "bytes per step per worker", "ms per step", "of which exchange, ms"}, rows)
	s.draw(fig)
	// The verdict compares the exchange itself (comm_ms), not the step,
	// which also holds the predicted net's smaller compute.
	var parts []string
	v, better, total := notMeasured, 0, 0
	for _, n := range commWorkers[1:] {
		comm := func(arm string) stat {
			st := stat{}
			for _, m := range s.distSummaries(arm, n) {
				st.vals = append(st.vals, m.CommMS)
			}
			return st
		}
		d, d16, p := comm(armCommDense), comm(armCommDense16), comm(armCommPredict)
		if p.n() == 0 || d.n() == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("N = %d: exchange %s ms per step for SE–Emp 5%% against %s ms dense (%s ms with float16)", n, p.format(2), d.format(2), d16.format(2)))
		c, c16 := compare(p, d), compare(p, d16)
		if c.ok && c16.ok {
			total++
			if c.better() && c16.better() {
				better++
			}
		}
	}
	switch {
	case total == 0:
	case better == total:
		v = holds
	case better > 0:
		v = partlyHolds
	default:
		v = doesNotHold
	}
	s.verdict(claim, strings.Join(parts, "; "), v)
	s.printf("Exchange time per step, which is what predicting saves here: %s. Step times also include the predicted net's smaller compute (section 7); on this machine the workers' compute and the hub share two cores.\n\n", strings.Join(parts, "; "))
}

// kb formats bytes as kB or MB.
func kb(b int) string {
	if b >= 1e6 {
		return fmt.Sprintf("%.2f MB", float64(b)/1e6)
	}
	return fmt.Sprintf("%.1f kB", float64(b)/1e3)
}
