package models

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
)

var benchThreads = flag.Int("bench.threads", 1, "threads of the gemm in BenchmarkPredictedDense")

// benchFractions are the fractions learned that BenchmarkPredictedDense
// measures.
var benchFractions = []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0}

// layerStep returns engine.LayerStep of l on a batch of random inputs,
// on *benchThreads threads.
func layerStep(tb testing.TB, l engine.Layer, in, batch int, inputGrad bool) func() {
	ctx := &engine.Context{Gemm: gemm.Best(*benchThreads), Threads: *benchThreads}
	step, err := engine.LayerStep(ctx, l, in, batch, inputGrad, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return step
}

// minTimes runs the steps in turn, rounds times, each for at least
// minSteps steps and 20 ms, and returns each one's fastest time per step
// in ns: interleaving and the minimum make the ratios robust to other
// work on a shared machine.
func minTimes(rounds, minSteps int, steps ...func()) []float64 {
	best := make([]float64, len(steps))
	for i := range best {
		best[i] = math.Inf(1)
	}
	for r := 0; r < rounds; r++ {
		for i, step := range steps {
			step() // warm the caches
			start := time.Now()
			n := 0
			for n < minSteps || time.Since(start) < 20*time.Millisecond {
				step()
				n++
			}
			best[i] = min(best[i], float64(time.Since(start).Nanoseconds())/float64(n))
		}
	}
	return best
}

// BenchmarkPredictedDense times forward + backward of the predicted
// 784→500 ReLU layer (batch 100) in both evaluation forms at fractions
// learned 0.02…1.0, for J = 1 and J = 5 without the input gradient (the
// first layer of the MLP) and J = 5 with it, then J = 50 and batch 1000
// (where the materialised form can win), as ratios to the dense
// layer measured in the same run (interleaved, fastest of 5 rounds). It
// prints a table per case with the crossover of the two forms and the
// form ChooseForm picks; one benchmark iteration is the whole table.
//
//	go test -run X -bench PredictedDense ./models/
func BenchmarkPredictedDense(b *testing.B) {
	const in, units = 784, 500
	type setting struct {
		J         int
		inputGrad bool
		batch     int
	}
	// The first three are the MLP's first layer; the last two check the
	// rule where the materialised form wins (many columns, large batches).
	settings := []setting{{1, false, 100}, {5, false, 100}, {5, true, 100}, {50, true, 100}, {5, true, 1000}}
	var report strings.Builder
	for b.Loop() {
		report.Reset()
		fmt.Fprintf(&report, "BenchmarkPredictedDense: %d→%d ReLU, forward+backward, gemm.Best(%d)\n", in, units, *benchThreads)
		for _, s := range settings {
			batch := s.batch
			dense := layerStep(b, &engine.Dense{Out: units, Act: engine.ReLU}, in, batch, s.inputGrad)
			fmt.Fprintf(&report, "J=%d, input gradient %v, batch %d: time ÷ dense\n", s.J, s.inputGrad, batch)
			fmt.Fprintf(&report, "  %-9s %5s %9s %13s %13s %13s\n", "fraction", "n_α", "factored", "materialised", "faster", "ChooseForm")
			crossover := math.NaN()
			agree := 0
			for _, frac := range benchFractions {
				a := max(1, int(math.Round(frac*in)))
				f := Factors{Rows: in, Units: units, Columns: s.J, NAlpha: a}
				u := randSlice(rand.New(rand.NewPCG(3, 4)), f.USize(), 0.05)
				fact := layerStep(b, &PredictedDense{PredictedParams: PredictedParams{F: f, U: u}, Act: engine.ReLU, Form: Factored}, in, batch, s.inputGrad)
				mat := layerStep(b, &PredictedDense{PredictedParams: PredictedParams{F: f, U: u}, Act: engine.ReLU, Form: Materialised}, in, batch, s.inputGrad)
				ns := minTimes(5, 3, dense, fact, mat)
				rf, rm := ns[1]/ns[0], ns[2]/ns[0]
				faster := Factored
				if rm < rf {
					faster = Materialised
					if math.IsNaN(crossover) {
						crossover = frac
					}
				}
				rule := ChooseForm(f, batch, s.inputGrad)
				if rule == faster {
					agree++
				}
				fmt.Fprintf(&report, "  %-9.2f %5d %9.2f %13.2f %13s %13s\n", frac, a, rf, rm, faster, rule)
			}
			if math.IsNaN(crossover) {
				fmt.Fprintf(&report, "  crossover: none, factored is faster at every fraction; ChooseForm agrees at %d of %d\n", agree, len(benchFractions))
			} else {
				fmt.Fprintf(&report, "  crossover: materialised is faster from fraction %.2f; ChooseForm agrees at %d of %d\n", crossover, agree, len(benchFractions))
			}
		}
	}
	fmt.Print(report.String())
}
