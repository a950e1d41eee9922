package models

import (
	"fmt"
	"io"
)

// Accounting sums a model's parameters the ways the paper and the
// reviewers count them.
type Accounting struct {
	// LearnedWeights counts the trained weights of the hidden layers
	// (every layer but the classifier), biases excluded.
	LearnedWeights int `json:"learned_weights"`
	// TotalTrainable counts every trained number: weights, V, learned U
	// and biases of every layer.
	TotalTrainable int `json:"total_trainable"`
	// DenseEquivalent is what the same architecture with ordinary dense
	// and conv layers would train, biases included.
	DenseEquivalent int `json:"dense_equivalent"`
	// StaticParams counts the fixed dictionary entries (all U_j).
	StaticParams int `json:"static_params"`
	// FractionLearned is the paper's count: learned over dense weights of
	// the predicted layers only (1 when no layer is predicted).
	FractionLearned float64 `json:"fraction_learned"`
	// FractionLearnedNet is TotalTrainable over DenseEquivalent.
	FractionLearnedNet float64 `json:"fraction_learned_net"`
}

// Accounting returns the model's parameter counts.
func (m *Model) Accounting() Accounting {
	var a Accounting
	predLearned, predDense := 0, 0
	for _, l := range m.Layers {
		if !l.Output {
			a.LearnedWeights += l.Learned
		}
		a.TotalTrainable += l.Learned + l.Biases
		a.DenseEquivalent += l.DenseWeights + l.Biases
		a.StaticParams += l.Static
		if l.Predicted {
			predLearned += l.Learned
			predDense += l.DenseWeights
		}
	}
	a.FractionLearned = 1
	if predDense > 0 {
		a.FractionLearned = float64(predLearned) / float64(predDense)
	}
	if a.DenseEquivalent > 0 {
		a.FractionLearnedNet = float64(a.TotalTrainable) / float64(a.DenseEquivalent)
	}
	return a
}

// WriteTable prints the per-layer parameter table and the totals.
func (m *Model) WriteTable(w io.Writer) error {
	const row = "%-5s %-16s %-28s %10s %10s %8s %12s %8s\n"
	fmt.Fprintf(w, row, "layer", "kind", "shape", "static(U)", "learned", "biases", "dense-equiv", "fraction")
	for i, l := range m.Layers {
		frac := "-"
		if l.DenseWeights > 0 {
			frac = fmt.Sprintf("%.4f", float64(l.Learned)/float64(l.DenseWeights))
		}
		fmt.Fprintf(w, row, fmt.Sprint(i), l.Kind, l.Desc, fmt.Sprint(l.Static), fmt.Sprint(l.Learned),
			fmt.Sprint(l.Biases), fmt.Sprint(l.DenseWeights+l.Biases), frac)
	}
	a := m.Accounting()
	fmt.Fprintf(w, row, "total", "", "", fmt.Sprint(a.StaticParams), fmt.Sprint(a.TotalTrainable-sumBiases(m.Layers)),
		fmt.Sprint(sumBiases(m.Layers)), fmt.Sprint(a.DenseEquivalent), fmt.Sprintf("%.4f", a.FractionLearnedNet))
	_, err := fmt.Fprintf(w, "fraction learned (predicted layers, as the paper counts): %.4f; learned hidden weights: %d; trainable numbers: %d\n",
		a.FractionLearned, a.LearnedWeights, a.TotalTrainable)
	for i, l := range m.Layers {
		if !l.Predicted {
			continue
		}
		line := fmt.Sprintf("layer %d dictionary: %s; %s form", i, l.Dict, l.Form)
		if l.Source != "" {
			line += "; computed from " + l.Source
		}
		if l.Pretrained {
			line += "; pretrained"
		}
		if _, err = fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return err
}

func sumBiases(ls []LayerInfo) int {
	n := 0
	for _, l := range ls {
		n += l.Biases
	}
	return n
}
