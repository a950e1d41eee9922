package engine

import "math/rand/v2"

// LayerStep sets l up alone for batches of n examples of in values each,
// gives its parameters random values (standard deviation 0.05) and the
// batch random inputs (standard deviation 1), all drawn from seed, and
// returns a function that runs one forward and one backward pass of l on
// that batch, with ∂L/∂out = 0.01·out. inputGrad asks Backward for ∂L/∂in
// as well (a layer that is not first). It is for timing a layer by
// itself, as the benchmarks and the compute experiment do; the returned
// function does not allocate.
func LayerStep(c *Context, l Layer, in, n int, inputGrad bool, seed uint64) (func(), error) {
	out, err := l.Setup(Flat(in), n)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 1))
	random := func(size int, scale float32) []float32 {
		x := make([]float32, size)
		for i := range x {
			x[i] = scale * float32(r.NormFloat64())
		}
		return x
	}
	for _, p := range l.Params() {
		p.Data, p.Grad = random(p.Size(), 0.05), make([]float32, p.Size())
	}
	x := random(n*in, 1)
	y := make([]float32, n*out.Size())
	dy := make([]float32, len(y))
	var dx []float32
	if inputGrad {
		dx = make([]float32, len(x))
	}
	return func() {
		l.Forward(c, y, x, n)
		for i := range dy {
			dy[i] = y[i] * 0.01
		}
		l.Backward(c, dx, dy, x, y, n)
	}, nil
}
