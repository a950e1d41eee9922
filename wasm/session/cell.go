package session

import (
	"fmt"

	"github.com/predparams/predparams/engine"
)

// Cell returns up to max test digits of true class t that the model
// classifies as p (one cell of the confusion matrix): their indices in
// the test set and their pixels, one image after another, and how many
// there are in all.
func (s *Session) Cell(t, p, max int) (idx []int, pixels []float32, total int, err error) {
	test := s.Run.Test
	if t < 0 || t >= test.Classes || p < 0 || p >= test.Classes || max < 0 {
		return nil, nil, 0, fmt.Errorf("no confusion cell (%d, %d)", t, p)
	}
	net := s.Run.Model.Net
	size, k := net.In.Size(), net.Out().Size()
	batch := net.MaxBatch
	for start := 0; start < test.N; start += batch {
		n := min(batch, test.N-start)
		logits := net.Forward(test.X[start*size:(start+n)*size], n)
		for i := 0; i < n; i++ {
			if int(test.Y[start+i]) != t || engine.Argmax(logits[i*k:(i+1)*k]) != p {
				continue
			}
			total++
			if len(idx) < max {
				idx = append(idx, start+i)
				pixels = append(pixels, test.X[(start+i)*size:(start+i+1)*size]...)
			}
		}
	}
	return idx, pixels, total, nil
}
