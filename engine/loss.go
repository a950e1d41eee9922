package engine

import "math"

// SoftmaxCrossEntropy computes the mean cross-entropy of softmax(logits)
// against labels over n examples of `classes` logits each, and writes its
// gradient with respect to the logits, (softmax − onehot)/n, into dLogits
// (which may be nil when only the loss is wanted). It returns the mean
// loss.
func SoftmaxCrossEntropy(dLogits, logits []float32, labels []int32, n, classes int) float32 {
	var total float64
	for i := 0; i < n; i++ {
		z := logits[i*classes : (i+1)*classes]
		mx := z[0]
		for _, v := range z[1:] {
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range z {
			sum += math.Exp(float64(v - mx))
		}
		y := int(labels[i])
		logSum := math.Log(sum)
		total += logSum - float64(z[y]-mx)
		if dLogits == nil {
			continue
		}
		d := dLogits[i*classes : (i+1)*classes]
		inv := 1 / float64(n)
		for j, v := range z {
			p := math.Exp(float64(v-mx) - logSum)
			if j == y {
				p--
			}
			d[j] = float32(p * inv)
		}
	}
	return float32(total / float64(n))
}

// Argmax returns the index of the largest of xs (the first on ties).
func Argmax(xs []float32) int {
	best := 0
	for i, v := range xs {
		if v > xs[best] {
			best = i
		}
	}
	return best
}

// Softmax writes the softmax of z into p.
func Softmax(p, z []float32) {
	mx := z[0]
	for _, v := range z[1:] {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range z {
		e := math.Exp(float64(v - mx))
		p[i] = float32(e)
		sum += e
	}
	for i := range p[:len(z)] {
		p[i] = float32(float64(p[i]) / sum)
	}
}
