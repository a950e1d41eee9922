package gemm

// Best returns the fastest implementation for the running target, allowed
// to use up to threads goroutines for large products (threads < 1 means 1).
//
// The choice per target is made with build tags and measured by the
// package benchmarks; see README in bench/.
func Best(threads int) Impl {
	return Simple{}
}
