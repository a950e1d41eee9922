package iox

import "fmt"

// Elements returns the number of values of a tensor of shape, checking
// the rank against maxRank and each dimension and the product against
// maxElements, before anything is allocated for it. When a limit is
// passed it returns a description of the problem that follows the
// tensor's name in a message ("has rank 9, over the limit 8").
func Elements(shape []int, maxRank, maxElements int) (n int, problem string) {
	if len(shape) > maxRank {
		return 0, fmt.Sprintf("has rank %d, over the limit %d", len(shape), maxRank)
	}
	n = 1
	for _, d := range shape {
		if d < 0 || d > maxElements {
			return 0, fmt.Sprintf("has shape %v: dimension %d out of range [0, %d]", shape, d, maxElements)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Sprintf("has shape %v: over %d elements", shape, maxElements)
		}
		n *= d
	}
	return n, ""
}
